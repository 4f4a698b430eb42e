// The parameter registry: types, bounds, memory units, special parameters and
// CONFIG SET's atomicity. Expected texts were checked against redis-server 7.0.15.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config, memtoull, string2ll } from '../../src/config/registry.js';
import { PARAMS, keyspaceEventsFlags, saveParams, bufferLimits, DEFAULT_BIND } from '../../src/config/params.js';

const fresh = () => new Config(PARAMS);

function setErr(cfg: Config, ...kv: string[]): string | null {
  const pairs: [string, string][] = [];
  for (let k = 0; k < kv.length; k += 2) pairs.push([kv[k], kv[k + 1]]);
  const e = cfg.setMany(pairs, { protectedAllowed: false });
  return e === null ? null : e.error;
}

test('every Redis 7.0 parameter is declared (names from CONFIG GET * of the reference)', () => {
  const file = '/tmp/redis70-config-defaults.txt';
  const cfg = fresh();
  const names: string[] = [];
  if (existsSync(file)) {
    const lines = readFileSync(file, 'latin1').split('\n');
    for (let k = 0; k + 1 < lines.length; k += 2) if (lines[k]) names.push(lines[k]);
  } else {
    names.push('maxmemory', 'slaveof', 'hash-max-ziplist-entries', 'latency-tracking-info-percentiles');
  }
  for (const n of names) assert.ok(cfg.def(n), `missing ${n}`);
  let visible = 0;
  for (const [, d] of cfg.entries()) if (!d.hidden) visible++;
  if (names.length > 100) assert.equal(visible, names.length, 'no parameter Redis 7.0 does not have');
});

test('defaults equal Redis 7.0 except the safer ones', () => {
  const cfg = fresh();
  assert.equal(cfg.str('bind'), DEFAULT_BIND);
  assert.equal(cfg.str('protected-mode'), 'yes');
  assert.equal(cfg.str('enable-protected-configs'), 'no');
  assert.equal(cfg.str('enable-debug-command'), 'no');
  assert.equal(cfg.str('enable-module-command'), 'no');
  assert.equal(cfg.str('save'), '3600 1 300 100 60 10000');
  assert.equal(cfg.str('hash-max-listpack-entries'), '512');
  assert.equal(cfg.str('hash-max-ziplist-entries'), '512');
  assert.equal(cfg.str('proto-max-bulk-len'), '536870912');
  assert.equal(cfg.str('client-output-buffer-limit'), 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
  assert.equal(cfg.str('dir'), process.cwd());
  assert.equal(cfg.num('hz'), 10);
  assert.equal(cfg.bool('appendonly'), false);
});

test('Redis number parsers', () => {
  assert.equal(string2ll('0'), 0n);
  assert.equal(string2ll('-1'), -1n);
  assert.equal(string2ll('9223372036854775807'), 9223372036854775807n);
  assert.equal(string2ll('-9223372036854775808'), -9223372036854775808n);
  for (const bad of ['', '-0', '01', '+1', ' 1', '1 ', '1.0', '9223372036854775808', '0x1']) assert.equal(string2ll(bad), null, bad);
  assert.equal(memtoull('1k'), 1000n);
  assert.equal(memtoull('1KB'), 1024n);
  assert.equal(memtoull('1g'), 1000000000n);
  assert.equal(memtoull('2Gb'), 2147483648n);
  assert.equal(memtoull('05'), 5n);
  assert.equal(memtoull(''), 0n);
  assert.equal(memtoull('99999999999999999999999'), 18446744073709551615n); // strtoull saturates
  for (const bad of ['-1', '+1', ' 1', '1 k', '1.5kb', '0x10', '1t']) assert.equal(memtoull(bad), null, bad);
});

test('typed CONFIG SET errors use Redis wording', () => {
  const cfg = fresh();
  const p = (n: string) => `CONFIG SET failed (possibly related to argument '${n}') - `;
  assert.equal(setErr(cfg, 'timeout', 'abc'), p('timeout') + "argument couldn't be parsed into an integer");
  assert.equal(setErr(cfg, 'timeout', '-1'), p('timeout') + 'argument must be between 0 and 2147483647 inclusive');
  assert.equal(setErr(cfg, 'maxmemory', '1 k'), p('maxmemory') + 'argument must be a memory value');
  assert.equal(setErr(cfg, 'maxclients', '-1'), p('maxclients') + 'argument must be between 1 and 4294967295 inclusive');
  assert.equal(setErr(cfg, 'appendonly', 'maybe'), p('appendonly') + "argument must be 'yes' or 'no'");
  assert.equal(setErr(cfg, 'loglevel', 'loud'), p('loglevel') + 'argument(s) must be one of the following: debug, verbose, notice, warning');
  assert.equal(setErr(cfg, 'maxmemory-clients', '101%'), p('maxmemory-clients') + 'percentage argument must be less or equal to 100');
  assert.equal(setErr(cfg, 'maxmemory-clients', '-5'), p('maxmemory-clients') + 'argument must be a memory or percent value');
  assert.equal(
    setErr(cfg, 'proto-max-bulk-len', '9223372036854775808'),
    p('proto-max-bulk-len') + 'argument must be between 1048576 and 9223372036854775807 inclusive',
  );
  assert.equal(setErr(cfg, 'daemonize', 'no'), p('daemonize') + "can't set immutable config");
  assert.equal(setErr(cfg, 'dir', '/tmp'), p('dir') + "can't set protected config");
  assert.equal(setErr(cfg, 'dbfilename', 'x'), p('dbfilename') + "can't set protected config");
  assert.equal(setErr(cfg, 'nosuch', '1'), "Unknown option or number of arguments for CONFIG SET - 'nosuch'");
});

test('memory values print in bytes; unsigned 64-bit values are exact', () => {
  const cfg = fresh();
  assert.equal(setErr(cfg, 'maxmemory', '1gb'), null);
  assert.equal(cfg.str('maxmemory'), '1073741824');
  assert.equal(setErr(cfg, 'maxmemory', '18446744073709551615'), null);
  assert.equal(cfg.str('maxmemory'), '18446744073709551615');
  assert.equal(cfg.big('maxmemory'), 18446744073709551615n);
  assert.equal(setErr(cfg, 'maxmemory-clients', '10%'), null);
  assert.equal(cfg.str('maxmemory-clients'), '10%');
  assert.equal(cfg.num('maxmemory-clients'), -10);
  assert.equal(setErr(cfg, 'maxmemory-clients', '0%'), null);
  assert.equal(cfg.str('maxmemory-clients'), '0');
});

test('CONFIG SET is atomic: names are checked first, the first problem wins, nothing is half-set', () => {
  const cfg = fresh();
  assert.match(setErr(cfg, 'maxmemory', '10', 'timeout', 'abc')!, /argument 'timeout'/);
  assert.equal(cfg.str('maxmemory'), '0');
  // immutable beats a bad value found earlier in the list (names are checked before values)
  assert.match(setErr(cfg, 'maxmemory', 'abc', 'daemonize', 'no')!, /argument 'daemonize'.*immutable/);
  assert.match(setErr(cfg, 'nosuch', '1', 'daemonize', 'no')!, /Unknown option.*'nosuch'/);
  assert.match(setErr(cfg, 'daemonize', 'no', 'nosuch', '1')!, /immutable/);
  // duplicates: same name in any case; an alias and its primary are distinct entries (Redis 7.0)
  assert.equal(setErr(cfg, 'maxmemory', '1', 'MAXMEMORY', '2'), "CONFIG SET failed (possibly related to argument 'MAXMEMORY') - duplicate parameter");
  assert.equal(setErr(cfg, 'hash-max-ziplist-entries', '1', 'hash-max-listpack-entries', '2'), null);
  assert.equal(cfg.str('hash-max-listpack-entries'), '2');
  // value errors name the entry in lowercase
  assert.match(setErr(cfg, 'HASH-MAX-ZIPLIST-ENTRIES', 'x')!, /argument 'hash-max-ziplist-entries'/);
});

test('apply hooks that fail roll every value back', () => {
  const cfg = fresh();
  const seen: string[] = [];
  cfg.onApply('timeout', (v) => (v === '7' ? 'nope' : null));
  cfg.onChange('maxmemory', (v) => seen.push(v));
  assert.equal(setErr(cfg, 'maxmemory', '5', 'timeout', '7'), "CONFIG SET failed (possibly related to argument 'timeout') - nope");
  assert.equal(cfg.str('maxmemory'), '0');
  assert.equal(cfg.str('timeout'), '0');
  assert.deepEqual(seen, []);
  assert.equal(setErr(cfg, 'maxmemory', '5', 'timeout', '8'), null);
  assert.deepEqual(seen, ['5']);
});

test('dir changes the working directory; CONFIG GET dir is the absolute cwd', () => {
  const cfg = fresh();
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'cfgdir-')));
  const before = process.cwd();
  try {
    assert.equal(cfg.setMany([['dir', dir]], { protectedAllowed: true }), null);
    assert.equal(process.cwd(), dir);
    assert.equal(cfg.str('dir'), dir);
    const e = cfg.setMany([['dir', '/nonexistent/zz']], { protectedAllowed: true });
    assert.equal(e?.error, "CONFIG SET failed (possibly related to argument 'dir') - No such file or directory");
    assert.equal(process.cwd(), dir);
  } finally {
    process.chdir(before);
  }
});

test('special parameters', () => {
  const cfg = fresh();
  // save
  assert.equal(setErr(cfg, 'save', '100 10 200'), "CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters");
  assert.equal(setErr(cfg, 'save', '+10 5 20 0'), null);
  assert.equal(cfg.str('save'), '10 5 20 0');
  assert.deepEqual(saveParams(cfg.str('save')), [
    [10, 5],
    [20, 0],
  ]);
  assert.equal(setErr(cfg, 'save', ''), null);
  assert.equal(cfg.str('save'), '');
  assert.match(setErr(cfg, 'save', '10  5')!, /Invalid save parameters/);
  // client-output-buffer-limit merges per class; replica is slave
  assert.equal(setErr(cfg, 'client-output-buffer-limit', 'replica 1mb 2mb 3'), null);
  assert.equal(cfg.str('client-output-buffer-limit'), 'normal 0 0 0 slave 1048576 2097152 3 pubsub 33554432 8388608 60');
  assert.equal(bufferLimits(cfg.str('client-output-buffer-limit')).slave.hard, 1048576n);
  assert.match(setErr(cfg, 'client-output-buffer-limit', 'master 1 2 3')!, /Invalid client class specified in buffer limit configuration\./);
  assert.match(setErr(cfg, 'client-output-buffer-limit', 'pubsub 1 2')!, /Wrong number of arguments in buffer limit configuration\./);
  assert.match(setErr(cfg, 'client-output-buffer-limit', 'pubsub 1 2 -3')!, /Error in hard, soft or soft_seconds setting/);
  // notify-keyspace-events: canonical order, 'A' hides 'n' when printed but keeps it
  assert.equal(setErr(cfg, 'notify-keyspace-events', 'KEA'), null);
  assert.equal(cfg.display('notify-keyspace-events'), 'AKE');
  assert.equal(setErr(cfg, 'notify-keyspace-events', 'nmKd'), null);
  assert.equal(cfg.display('notify-keyspace-events'), 'dnKm');
  assert.equal(setErr(cfg, 'notify-keyspace-events', 'An'), null);
  assert.equal(cfg.display('notify-keyspace-events'), 'A');
  assert.ok(keyspaceEventsFlags(cfg.str('notify-keyspace-events')) & (1 << 14));
  assert.match(setErr(cfg, 'notify-keyspace-events', 'Z')!, /Invalid event class character. Use 'Ag\$lshzxeKEtmdn'\./);
  // percentiles: %f then trailing zeros trimmed
  assert.equal(setErr(cfg, 'latency-tracking-info-percentiles', '50 99.90 1e1 0.0000001'), null);
  assert.equal(cfg.str('latency-tracking-info-percentiles'), '50 99.9 10 0');
  assert.match(setErr(cfg, 'latency-tracking-info-percentiles', '101')!, /should sit between \[0.0,100.0\]/);
  assert.match(setErr(cfg, 'latency-tracking-info-percentiles', '1e-400')!, /Invalid latency-tracking-info-percentiles parameters/);
  // bit-flag enums
  assert.equal(setErr(cfg, 'shutdown-on-sigterm', 'now force save'), null);
  assert.equal(cfg.str('shutdown-on-sigterm'), 'save now force');
  assert.match(setErr(cfg, 'shutdown-on-sigterm', 'save nosave')!, /SAVE and NOSAVE can't be used simultaneously/);
  // hz is capped, repl-backlog-size has a floor on CONFIG SET
  assert.equal(setErr(cfg, 'hz', '0'), null);
  assert.equal(cfg.str('hz'), '1');
  assert.equal(setErr(cfg, 'hz', '100000'), null);
  assert.equal(cfg.str('hz'), '500');
  assert.equal(setErr(cfg, 'repl-backlog-size', '1'), null);
  assert.equal(cfg.str('repl-backlog-size'), '16384');
  // bind: several addresses
  assert.equal(setErr(cfg, 'bind', '127.0.0.1 ::1'), null);
  assert.equal(cfg.str('bind'), '127.0.0.1 ::1');
});

test('file loading: octal unixsocketperm, aliases, multi-argument lines', () => {
  const cfg = fresh();
  cfg.load('unixsocketperm', ['0700']);
  assert.equal(cfg.str('unixsocketperm'), '700');
  assert.equal(cfg.num('unixsocketperm'), 0o700);
  assert.throws(() => cfg.load('unixsocketperm', ['800']), /argument couldn't be parsed as an octal number/);
  assert.throws(() => cfg.load('unixsocketperm', ['1777']), /argument must be between 0 and 777 inclusive/);
  cfg.load('slaveof', ['10.0.0.1', '6380']);
  assert.equal(cfg.str('replicaof'), '10.0.0.1 6380');
  cfg.load('replicaof', ['no', 'one']);
  assert.equal(cfg.str('replicaof'), '');
  assert.throws(() => cfg.load('port', ['1', '2']), /wrong number of arguments/);
  cfg.load('bind', ['10.0.0.1', '-::1']);
  assert.equal(cfg.str('bind'), '10.0.0.1 -::1');
  cfg.load('shutdown-on-sigint', ['nosave', 'now']);
  assert.equal(cfg.str('shutdown-on-sigint'), 'nosave now');
  assert.throws(() => cfg.load('loglevel', ['debug', 'verbose']), /wrong number of arguments/);
});
