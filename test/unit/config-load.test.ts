// redis.conf parsing: quoting, comments, bad lines with line numbers, include,
// save accumulation, command-line options. Reports checked against
// `redis-server bad.conf` (7.0.15).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config } from '../../src/config/registry.js';
import { PARAMS } from '../../src/config/params.js';
import { loadConfigText, loadConfigFile, parseServerArgs, ConfigLoadError } from '../../src/config/load.js';

const fresh = () => new Config(PARAMS);

function fatalOf(text: string): string {
  try {
    loadConfigText(fresh(), text);
  } catch (e) {
    assert.ok(e instanceof ConfigLoadError, String(e));
    return e.message;
  }
  assert.fail('expected a fatal config error');
}

const report = (line: number, text: string, msg: string) =>
  `\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line ${line}\n>>> '${text}'\n${msg}`;

test('comments, blank lines, quoting and case', () => {
  const cfg = fresh();
  loadConfigText(
    cfg,
    [
      '# a comment',
      '',
      '   \t',
      '  MaxMemory   100mb  ',
      'requirepass "p a\\"ss\\x41"',
      "masteruser 'it\\'s'",
      'appendonly YES',
      'loglevel Verbose',
      'notify-keyspace-events "Ex"',
      '\r',
      'timeout 5\r',
    ].join('\n'),
  );
  assert.equal(cfg.str('maxmemory'), '104857600');
  assert.equal(cfg.str('requirepass'), 'p a"ssA');
  assert.equal(cfg.str('masteruser'), "it's");
  assert.equal(cfg.str('appendonly'), 'yes');
  assert.equal(cfg.str('loglevel'), 'verbose');
  assert.equal(cfg.display('notify-keyspace-events'), 'xE');
  assert.equal(cfg.str('timeout'), '5');
  assert.ok(cfg.changed.has('maxmemory'));
});

test('bad lines report the line number and Redis text', () => {
  assert.equal(fatalOf('port 0\nfoo bar\n'), report(2, 'foo bar', 'Bad directive or wrong number of arguments'));
  assert.equal(fatalOf('# x\n\n  maxmemory abc  \n'), report(3, 'maxmemory abc', 'argument must be a memory value'));
  assert.equal(fatalOf('hz x'), report(1, 'hz x', "argument couldn't be parsed into an integer"));
  assert.equal(fatalOf('port -1'), report(1, 'port -1', 'argument must be between 0 and 65535 inclusive'));
  assert.equal(fatalOf('port 1 2'), report(1, 'port 1 2', 'wrong number of arguments'));
  assert.equal(fatalOf('save 10'), report(1, 'save 10', 'Invalid save parameters'));
  assert.equal(fatalOf('"unbalanced'), report(1, '"unbalanced', 'Unbalanced quotes in configuration line'));
  assert.equal(fatalOf('appendonly maybe'), report(1, 'appendonly maybe', "argument must be 'yes' or 'no'"));
  assert.equal(
    fatalOf('maxmemory-policy foo'),
    report(
      1,
      'maxmemory-policy foo',
      'argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction',
    ),
  );
  assert.equal(fatalOf('rename-command FOO BAR'), report(1, 'rename-command FOO BAR', 'No such command in rename-command'));
  assert.equal(fatalOf('rename-command get set'), report(1, 'rename-command get set', 'Target command name already exists'));
  assert.equal(fatalOf('rename-command get'), report(1, 'rename-command get', 'Bad directive or wrong number of arguments'));
  assert.equal(fatalOf('sentinel monitor x'), report(1, 'sentinel monitor x', 'sentinel directive while not in sentinel mode'));
  assert.equal(fatalOf('foo.bar'), report(1, 'foo.bar', 'Module config specified without value'));
  assert.equal(fatalOf('slaveof a 70000'), report(1, 'slaveof a 70000', 'Invalid master port'));
  assert.equal(fatalOf('dir /nonexistent/x'), report(1, 'dir /nonexistent/x', 'No such file or directory'));
  assert.equal(fatalOf('dbfilename a/b'), report(1, 'dbfilename a/b', "dbfilename can't be a path, just a filename"));
  assert.equal(fatalOf('include'), report(1, 'include', 'Bad directive or wrong number of arguments'));
  assert.equal(fatalOf('logfile /nonexistent/dir/log'), "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nCan't open the log file: No such file or directory");
});

test('deprecated directives are accepted, rename-command and user are recorded', () => {
  const cfg = fresh();
  loadConfigText(cfg, 'list-max-ziplist-entries 5\nlua-replicate-commands yes\nrename-command flushall ""\nrename-command config zzconfig\nuser alice on >pw ~* +@all\n');
  assert.deepEqual(
    cfg.renames.map(([a, b]) => [a, b]),
    [
      ['flushall', ''],
      ['config', 'zzconfig'],
    ],
  );
  assert.equal(cfg.renames[1][2]?.line, 4);
  assert.deepEqual(cfg.users, [['alice', 'on', '>pw', '~*', '+@all']]);
  assert.match(fatalOf('list-max-ziplist-value 1 2'), /Bad directive/);
});

test('save: the first directive replaces the defaults, later ones append, "" clears', () => {
  const cfg = fresh();
  loadConfigText(cfg, 'save 900 1\nsave 300 10 60 10000\n');
  assert.equal(cfg.str('save'), '900 1 300 10 60 10000');
  const c2 = fresh();
  loadConfigText(c2, 'save 900 1\nsave ""\n');
  assert.equal(c2.str('save'), '');
  const c3 = fresh();
  loadConfigText(c3, 'save ""\nsave 10 1\n');
  assert.equal(c3.str('save'), '10 1');
  const c4 = fresh();
  loadConfigText(c4, 'port 0\n');
  assert.equal(c4.str('save'), '3600 1 300 100 60 10000');
});

test('client-output-buffer-limit lines merge per class', () => {
  const cfg = fresh();
  loadConfigText(cfg, 'client-output-buffer-limit normal 1mb 2mb 3\nclient-output-buffer-limit replica 1gb 0 0\n');
  assert.equal(cfg.str('client-output-buffer-limit'), 'normal 1048576 2097152 3 slave 1073741824 0 0 pubsub 33554432 8388608 60');
});

test('include: nested files, globs, missing files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfginc-'));
  writeFileSync(join(dir, 'a.conf'), 'timeout 7\ninclude ' + join(dir, 'b.conf') + '\n');
  writeFileSync(join(dir, 'b.conf'), 'maxmemory 1k\n');
  writeFileSync(join(dir, 'x1.part'), 'hz 20\n');
  writeFileSync(join(dir, 'x2.part'), 'hz 30\n');
  writeFileSync(join(dir, 'bad.conf'), '# fine\nfoo\n');
  const cfg = fresh();
  loadConfigText(cfg, `include ${join(dir, 'a.conf')}\ninclude ${join(dir, '*.part')}\ninclude ${join(dir, 'none-*.conf')}\n`);
  assert.equal(cfg.str('timeout'), '7');
  assert.equal(cfg.str('maxmemory'), '1000');
  assert.equal(cfg.str('hz'), '30'); // matches load in sorted order
  // an error inside an included file names that file's line
  assert.equal(fatalOf(`port 0\ninclude ${join(dir, 'bad.conf')}`), report(2, 'foo', 'Bad directive or wrong number of arguments'));
  assert.match(fatalOf(`include ${join(dir, 'missing.conf')}`), /Fatal error, can't open config file '.*missing\.conf': No such file or directory/);
});

test('loadConfigFile: file then options, line numbers continue into the options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfgfile-'));
  const f = join(dir, 'r.conf');
  writeFileSync(f, 'port 0\n# c\n');
  const cfg = fresh();
  loadConfigFile(cfg, f, 'timeout 9 ');
  assert.equal(cfg.str('timeout'), '9');
  assert.equal(cfg.file, f);
  const args = parseServerArgs([f, '--hz', 'abc']);
  assert.throws(
    () => loadConfigFile(fresh(), args.file, args.options, args.stdin),
    (e: Error) => e.message === report(4, 'hz "abc"', "argument couldn't be parsed into an integer"),
  );
});

test('command line options are parsed like redis-server 7.0', () => {
  assert.deepEqual(parseServerArgs(['--port', '7000', '--save', '--appendonly', 'yes']), {
    file: null,
    stdin: false,
    options: 'port "7000" \nsave ""\nappendonly "yes" ',
  });
  assert.deepEqual(parseServerArgs(['/etc/r.conf', '--bind', '1.2.3.4', '::1', '-']), {
    file: '/etc/r.conf',
    stdin: true,
    options: 'bind "1.2.3.4" "::1" ',
  });
  assert.equal(parseServerArgs(['--zzz 1', '2']).options, 'zzz 1 "2" ');
  assert.equal(parseServerArgs(['--zzz', '--yyy']).options, 'zzz "--yyy" ');
  assert.equal(parseServerArgs(['--save']).options, 'save ""');
  assert.equal(parseServerArgs(['-']).stdin, true);
  assert.equal(parseServerArgs(['--port', '1', '-', '--x', '2']).options, 'port "1" "-" \nx "2" ');
  assert.equal(parseServerArgs(['--requirepass', 'a b"c']).options, 'requirepass "a b\\"c" ');
});

test('multi-argument parameters split one quoted argument as redis-server 7.0 does', () => {
  const cfg = fresh();
  loadConfigText(cfg, 'shutdown-on-sigterm "nosave force"\nshutdown-on-sigint nosave now\n');
  assert.equal(cfg.str('shutdown-on-sigterm'), 'nosave force');
  assert.equal(cfg.str('shutdown-on-sigint'), 'nosave now');
  const c2 = fresh();
  loadConfigText(c2, parseServerArgs(['--shutdown-on-sigint', 'save  now', '--shutdown-on-sigterm', 'default save']).options);
  assert.equal(c2.str('shutdown-on-sigint'), 'save now');
  assert.equal(c2.str('shutdown-on-sigterm'), 'save');
  const c3 = fresh();
  loadConfigText(c3, 'save "900 1"\n');
  assert.equal(c3.str('save'), '900 1');
  assert.match(fatalOf('shutdown-on-sigterm "nosave sometimes"\n'), /argument\(s\) must be one of the following: default, save, nosave, now, force$/);
});
