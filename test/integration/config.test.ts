// CONFIG over real sockets: a server started from a config file, CONFIG
// SET/GET/REWRITE round trip (comments kept, mode 0600, restart reads the
// rewritten file), runtime effects of CONFIG SET, protected configs, RESP3,
// rename-command, and fatal config errors that stop the server before it listens.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, writeFileSync, readFileSync, statSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { freePort, SERVER_BIN, startRedoubt, type Running } from '../helpers/servers.js';
import { RawClient, RespError, Typed } from '../helpers/resp-client.js';

interface Started {
  port: number;
  proc: ChildProcess;
  dir: string;
  file: string;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts `redoubt-server <file> [args]` with the config file first, as redis-server takes it. */
async function startWithFile(content: string, args: string[] = [], dirIn?: string): Promise<Started> {
  const dir = dirIn ?? realpathSync(mkdtempSync(join(tmpdir(), 'redoubt-cfg-')));
  const port = await freePort();
  const file = join(dir, 'redis.conf');
  writeFileSync(file, content.replace(/\$PORT/g, String(port)), { mode: 0o644 });
  const proc = spawn(process.execPath, [SERVER_BIN, file, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const done = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    await done;
  };
  const deadline = Date.now() + 15000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`exited ${proc.exitCode}: ${out}`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) throw new Error('did not start: ' + out);
    await new Promise((r) => setTimeout(r, 30));
  }
  return { port, proc, dir, file, output: () => out, stop };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const CONF = `# Redoubt test configuration
# (comments and order must survive CONFIG REWRITE)
port $PORT

# memory
maxmemory 1mb
hash-max-ziplist-entries 100
timeout 0

# persistence
save 100 1
save 200 2
appendonly no
`;

let srv: Started;
before(async () => {
  srv = await startWithFile(CONF);
});
after(async () => {
  await srv?.stop();
});

test('values from the file, aliases, globs and several patterns', async () => {
  const r = new Redis({ port: srv.port, lazyConnect: true });
  await r.connect();
  try {
    assert.deepEqual(await r.config('GET', 'maxmemory'), ['maxmemory', '1048576']);
    assert.deepEqual(await r.config('GET', 'hash-max-listpack-entries'), ['hash-max-listpack-entries', '100']);
    assert.deepEqual(await r.config('GET', 'save'), ['save', '100 1 200 2']);
    assert.deepEqual(await r.config('GET', 'bind'), ['bind', '127.0.0.1 -::1']);
    assert.deepEqual(await r.config('GET', 'dir'), ['dir', srv.dir]);
    const many = (await r.call('CONFIG', 'GET', 'maxmemory', 'timeout', 'MAXMEMORY', 'no-such')) as string[];
    assert.deepEqual(many, ['maxmemory', '1048576', 'timeout', '0']);
    const glob = (await r.config('GET', 'hash-max-*')) as string[];
    const m = new Map<string, string>();
    for (let k = 0; k < glob.length; k += 2) m.set(glob[k], glob[k + 1]);
    assert.deepEqual([...m.keys()].sort(), ['hash-max-listpack-entries', 'hash-max-listpack-value', 'hash-max-ziplist-entries', 'hash-max-ziplist-value']);
    assert.equal(m.get('hash-max-ziplist-entries'), '100');
    const all = (await r.config('GET', '*')) as string[];
    assert.equal(all.length, 2 * 192);
  } finally {
    r.disconnect();
  }
});

test('CONFIG GET replies a map in RESP3', async () => {
  const c = createClient({ socket: { port: srv.port }, RESP: 3 });
  await c.connect();
  try {
    const reply = await c.configGet('maxmemory*');
    assert.equal(reply['maxmemory'], '1048576');
    assert.equal(reply['maxmemory-policy'], 'noeviction');
  } finally {
    await c.quit();
  }
  const raw = await RawClient.connect(srv.port);
  try {
    await raw.call('HELLO', '3');
    const r = await raw.call('CONFIG', 'GET', 'timeout');
    assert.ok(r instanceof Typed && r.type === 'map', JSON.stringify(r));
  } finally {
    raw.close();
  }
});

test('CONFIG SET then CONFIG REWRITE keeps comments, replaces in place, appends, mode 0600; a restart reads it back', async () => {
  const r = new Redis({ port: srv.port });
  try {
    assert.equal(await r.call('CONFIG', 'SET', 'maxmemory', '2mb', 'hash-max-listpack-entries', '300', 'save', '300 3', 'lfu-log-factor', '5'), 'OK');
    assert.equal(await r.config('SET', 'notify-keyspace-events', 'KEA'), 'OK');
    assert.equal(await r.config('REWRITE'), 'OK');
  } finally {
    r.disconnect();
  }
  const text = readFileSync(srv.file, 'latin1');
  assert.equal(statSync(srv.file).mode & 0o777, 0o600);
  assert.ok(text.startsWith('# Redoubt test configuration\n# (comments and order must survive CONFIG REWRITE)\n'), text);
  assert.ok(text.includes('\n# memory\nmaxmemory 2mb\nhash-max-listpack-entries 300\ntimeout 0\n'), text);
  assert.ok(text.includes('\n# persistence\nsave 300 3\n\nappendonly no\n'), text);
  const gen = text.slice(text.indexOf('# Generated by CONFIG REWRITE'));
  assert.ok(gen.includes('\nlfu-log-factor 5\n'), text);
  assert.ok(gen.includes('\nnotify-keyspace-events "AKE"\n'), text);
  assert.ok(gen.includes(`\ndir "${srv.dir}"\n`), text);

  // the rewritten file starts a server with the same values
  const again = await startWithFile(text.replace(/^port \d+$/m, 'port $PORT'), [], mkdtempSync(join(tmpdir(), 'redoubt-cfg2-')));
  const r2 = new Redis({ port: again.port });
  try {
    assert.deepEqual(await r2.config('GET', 'maxmemory'), ['maxmemory', '2097152']);
    assert.deepEqual(await r2.config('GET', 'lfu-log-factor'), ['lfu-log-factor', '5']);
    assert.deepEqual(await r2.config('GET', 'save'), ['save', '300 3']);
    assert.deepEqual(await r2.config('GET', 'notify-keyspace-events'), ['notify-keyspace-events', 'AKE']);
    assert.deepEqual(await r2.config('GET', 'dir'), ['dir', srv.dir]);
  } finally {
    r2.disconnect();
    await again.stop();
  }
});

test('CONFIG SET of several parameters is all or nothing', async () => {
  const c = await RawClient.connect(srv.port);
  try {
    const before = await c.call('CONFIG', 'GET', 'lfu-decay-time');
    const e = await c.call('CONFIG', 'SET', 'lfu-decay-time', '7', 'maxmemory-samples', '0');
    assert.ok(e instanceof RespError);
    assert.equal(e.message, "ERR CONFIG SET failed (possibly related to argument 'maxmemory-samples') - argument must be between 1 and 2147483647 inclusive");
    assert.deepEqual(await c.call('CONFIG', 'GET', 'lfu-decay-time'), before);
    const d = await c.call('CONFIG', 'SET', 'lfu-decay-time', '7', 'LFU-DECAY-TIME', '8');
    assert.equal((d as RespError).message, "ERR CONFIG SET failed (possibly related to argument 'LFU-DECAY-TIME') - duplicate parameter");
    assert.equal(((await c.call('CONFIG', 'SET', 'a', 'b', 'c')) as RespError).message, 'ERR syntax error');
  } finally {
    c.close();
  }
});

test('protected configs are refused by default, allowed with enable-protected-configs local from loopback', async () => {
  const c = await RawClient.connect(srv.port);
  try {
    const e = await c.call('CONFIG', 'SET', 'dir', '/tmp');
    assert.equal((e as RespError).message, "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config");
    const e2 = await c.call('CONFIG', 'SET', 'enable-protected-configs', 'yes');
    assert.equal((e2 as RespError).message, "ERR CONFIG SET failed (possibly related to argument 'enable-protected-configs') - can't set immutable config");
  } finally {
    c.close();
  }
  const local = await startRedoubt(['--enable-protected-configs', 'local']);
  const c2 = await RawClient.connect(local.port);
  try {
    const sub = realpathSync(mkdtempSync(join(tmpdir(), 'redoubt-dir-')));
    assert.equal(await c2.call('CONFIG', 'SET', 'dir', sub, 'dbfilename', 'x.rdb'), 'OK');
    assert.deepEqual(await c2.call('CONFIG', 'GET', 'dir'), ['dir', sub]);
    const bad = await c2.call('CONFIG', 'SET', 'dir', '/nonexistent/zz');
    assert.equal((bad as RespError).message, "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory");
    const path = await c2.call('CONFIG', 'SET', 'dbfilename', 'a/b');
    assert.equal((path as RespError).message, "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename");
  } finally {
    c2.close();
    await local.stop();
  }
});

test('CONFIG SET takes effect at once: requirepass, timeout, maxclients, proto-max-bulk-len', async () => {
  const s: Running = await startRedoubt();
  try {
    const admin = await RawClient.connect(s.port);
    // proto-max-bulk-len applies to connected clients too
    assert.equal(await admin.call('CONFIG', 'SET', 'proto-max-bulk-len', '1mb'), 'OK');
    const big = await RawClient.connect(s.port);
    big.writeRaw(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${2 * 1024 * 1024}\r\n`);
    const pe = await big.read(2000);
    assert.equal((pe as RespError).message, 'ERR Protocol error: invalid bulk length');
    big.close();
    assert.equal(await admin.call('CONFIG', 'SET', 'proto-max-bulk-len', '512mb'), 'OK');
    // maxclients
    assert.equal(await admin.call('CONFIG', 'SET', 'maxclients', '1'), 'OK');
    const extra = await RawClient.connect(s.port);
    const refused = await extra.read(2000).catch((e: Error) => e);
    assert.equal((refused as RespError).message, 'ERR max number of clients reached');
    extra.close();
    assert.equal(await admin.call('CONFIG', 'SET', 'maxclients', '10000'), 'OK');
    // timeout closes idle clients
    assert.equal(await admin.call('CONFIG', 'SET', 'timeout', '1'), 'OK');
    const idle = await RawClient.connect(s.port);
    assert.equal(await idle.waitClose(4000), true);
    idle.close();
    const admin2 = await RawClient.connect(s.port);
    assert.equal(await admin2.call('CONFIG', 'SET', 'timeout', '0'), 'OK');
    // requirepass: new connections must authenticate, secrets redacted from the command's argv
    assert.equal(await admin2.call('CONFIG', 'SET', 'requirepass', 's3cret'), 'OK');
    const anon = await RawClient.connect(s.port);
    assert.equal(((await anon.call('GET', 'x')) as RespError).message, 'NOAUTH Authentication required.');
    assert.equal(await anon.call('AUTH', 's3cret'), 'OK');
    assert.equal(await anon.call('CONFIG', 'SET', 'requirepass', ''), 'OK');
    anon.close();
    admin.close();
    admin2.close();
  } finally {
    await s.stop();
  }
});

test('CONFIG RESETSTAT resets INFO counters and command stats', async () => {
  const c = await RawClient.connect(srv.port);
  try {
    for (let k = 0; k < 5; k++) await c.call('PING');
    await c.call('GET', 'nokey');
    assert.equal(await c.call('CONFIG', 'RESETSTAT'), 'OK');
    const info = (await c.call('INFO', 'stats')) as string;
    const n = Number(/total_commands_processed:(\d+)/.exec(info)?.[1]);
    assert.ok(n <= 2, info);
    assert.match(info, /keyspace_misses:0/);
    const cs = (await c.call('INFO', 'commandstats')) as string;
    assert.ok(!cs.includes('cmdstat_ping:'), cs);
  } finally {
    c.close();
  }
});

test('CONFIG REWRITE without a config file, HELP, wrong subcommand', async () => {
  const s = await startRedoubt();
  const c = await RawClient.connect(s.port);
  try {
    assert.equal(((await c.call('CONFIG', 'REWRITE')) as RespError).message, 'ERR The server is running without a config file');
    const help = (await c.call('CONFIG', 'HELP')) as string[];
    assert.equal(help[0], 'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    assert.equal(((await c.call('CONFIG', 'FOO')) as RespError).message, "ERR unknown subcommand 'FOO'. Try CONFIG HELP.");
  } finally {
    c.close();
    await s.stop();
  }
});

test('rename-command from the config file', async () => {
  const s = await startWithFile('port $PORT\nrename-command config zzconfig\nrename-command flushall ""\n');
  const c = await RawClient.connect(s.port);
  try {
    assert.deepEqual(await c.call('ZZCONFIG', 'GET', 'port'), ['port', String(s.port)]);
    assert.match(((await c.call('CONFIG', 'GET', 'port')) as RespError).message, /^ERR unknown command 'CONFIG'/);
    assert.match(((await c.call('FLUSHALL')) as RespError).message, /^ERR unknown command 'FLUSHALL'/);
  } finally {
    c.close();
    await s.stop();
  }
});

function runBad(bin: string[], content: string, args: string[] = []): { code: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-bad-'));
  const file = join(dir, 'bad.conf');
  writeFileSync(file, content);
  const r = spawnSync(bin[0], [...bin.slice(1), file, ...args], { cwd: dir, timeout: 10000, encoding: 'latin1' });
  // log lines ("pid:C date # ...") differ in pid and time; the fatal report must be identical
  const out = (r.stdout + r.stderr)
    .split('\n')
    .filter((l) => !/^\d+:[CM] /.test(l))
    .join('\n');
  return { code: r.status, out };
}

test('a bad config file: Redis report, non-zero exit, never listens', async () => {
  const port = await freePort();
  const ours = [process.execPath, SERVER_BIN];
  const r = runBad(ours, `port ${port}\n# fine\nmaxmemory lots\n`);
  assert.notEqual(r.code, 0);
  assert.equal(
    r.out.trim(),
    "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 3\n>>> 'maxmemory lots'\nargument must be a memory value",
  );
  assert.equal(await canConnect(port), false);
  const cases: [string, string[]][] = [
    [`port ${port}\n`, ['--nonsense', 'x']],
    [`port ${port}\nrename-command nosuchcommand x\n`, []],
    [`port ${port}\nsave 10\n`, []],
    [`port ${port}\n  "unbalanced  \n`, []],
    [`port ${port}\nclient-output-buffer-limit master 1 2 3\n`, []],
    [`port ${port}\nnotify-keyspace-events Q\n`, []],
    [`port ${port}\n`, ['--hz']],
  ];
  for (const [content, args] of cases) {
    const o = runBad(ours, content, args);
    const ref = runBad(['redis-server'], content, args);
    assert.notEqual(o.code, 0, content);
    assert.equal(o.code, ref.code, content);
    assert.equal(o.out, ref.out, content);
    assert.equal(await canConnect(port), false);
  }
});
