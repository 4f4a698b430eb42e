// Real clients against a real Redoubt: ioredis and node-redis (npm),
// redis-cli and redis-benchmark (Debian); TCP and unix socket; RESP2/RESP3;
// binary keys and values; pipelining; the process lifecycle.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { statSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startRedoubt, SERVER_BIN, type Running } from '../helpers/servers.js';
import { RawClient, RespError, Typed } from '../helpers/resp-client.js';
import { createServer } from '../../src/index.js';

let srv: Running;
let sock: string;
before(async () => {
  sock = join(mkdtempSync(join(tmpdir(), 'redoubt-sock-')), 'redoubt.sock');
  srv = await startRedoubt(['--unixsocket', sock, '--unixsocketperm', '700']);
});
after(async () => {
  await srv?.stop();
});

test('ioredis: binary-safe keys and values, pipelining 10k commands', async () => {
  const r = new Redis({ port: srv.port, lazyConnect: true });
  await r.connect();
  try {
    const key = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0d, 0x0a]);
    const val = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    assert.equal(await r.set(key, val), 'OK');
    assert.deepEqual(await r.getBuffer(key), val);
    const p = r.pipeline();
    for (let i = 0; i < 10000; i++) p.set(`p:${i}`, String(i));
    for (let i = 0; i < 10000; i++) p.get(`p:${i}`);
    const res = await p.exec();
    assert.equal(res!.length, 20000);
    assert.equal(res![19999][1], '9999');
    assert.ok(res!.every(([err]: [Error | null, unknown]) => err === null));
  } finally {
    r.disconnect();
  }
});

test('node-redis RESP2 and RESP3: strings, binary, errors', async () => {
  for (const RESP of [2, 3] as const) {
    const c = createClient({ socket: { port: srv.port, host: '127.0.0.1' }, RESP });
    await c.connect();
    try {
      assert.equal(await c.set('nr', 'héllo'), 'OK');
      assert.equal(await c.get('nr'), 'héllo');
      await assert.rejects(c.sendCommand(['NOSUCHCMD']), /unknown command 'NOSUCHCMD'/);
      const results = await Promise.all(Array.from({ length: 500 }, (_, i) => c.incr('nr:ctr' + RESP).then(() => i)));
      assert.equal(results.length, 500);
      assert.equal(await c.get('nr:ctr' + RESP), '500');
    } finally {
      await c.quit();
    }
  }
});

test('RESP3 via HELLO 3: map and null types on a raw connection', async () => {
  const c = await RawClient.connect(srv.port);
  const hello = await c.call('HELLO', '3');
  assert.ok(hello instanceof Typed && hello.type === 'map');
  const m = hello.value as unknown[];
  assert.equal(m[m.indexOf('proto') + 1], 3);
  assert.equal(await c.call('GET', 'definitely-missing'), null);
  c.close();
});

test('unix socket: created with unixsocketperm, usable by ioredis and redis-cli', async () => {
  assert.equal(statSync(sock).mode & 0o777, 0o700);
  const r = new Redis({ path: sock, lazyConnect: true });
  await r.connect();
  assert.equal(await r.set('u', '1'), 'OK');
  r.disconnect();
  const out = execFileSync('redis-cli', ['-s', sock, 'GET', 'u']).toString().trim();
  assert.equal(out, '1');
});

test('redis-cli: basic commands, --raw, errors', () => {
  const cli = (...a: string[]) => execFileSync('redis-cli', ['-p', String(srv.port), ...a]).toString();
  assert.equal(cli('PING').trim(), 'PONG');
  assert.equal(cli('SET', 'cli', 'a b').trim(), 'OK');
  assert.equal(cli('--raw', 'GET', 'cli').trim(), 'a b');
  assert.match(cli('NOPE'), /ERR unknown command 'NOPE'/);
});

test('redis-benchmark runs its standard tests against Redoubt without errors', () => {
  const r = spawnSync('redis-benchmark', ['-p', String(srv.port), '-n', '2000', '-c', '10', '-q', '-t', 'ping,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange,mset'], {
    encoding: 'utf8',
    timeout: 120000,
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split(/\r|\n/).filter((l) => /requests per second/.test(l));
  assert.ok(lines.length >= 15, r.stdout);
  assert.doesNotMatch(r.stdout, /ERR|WRONGTYPE/);
});

test('maxclients: extra clients get Redis\'s error, others keep working', async () => {
  const s = await startRedoubt(['--maxclients', '2']);
  try {
    const a = await RawClient.connect(s.port);
    const b = await RawClient.connect(s.port);
    assert.equal(await a.call('PING'), 'PONG');
    const c = await RawClient.connect(s.port);
    assert.deepEqual(await c.read(), new RespError('ERR max number of clients reached'));
    assert.equal(await c.waitClose(), true);
    assert.equal(await b.call('PING'), 'PONG');
    a.close();
    b.close();
  } finally {
    await s.stop();
  }
});

test('timeout closes idle clients', async () => {
  const s = await startRedoubt(['--timeout', '1']);
  try {
    const a = await RawClient.connect(s.port);
    assert.equal(await a.call('PING'), 'PONG');
    assert.equal(await a.waitClose(4000), true);
  } finally {
    await s.stop();
  }
});

test('process: --version, --help, bad arguments, SIGTERM shutdown with Redis log lines', async () => {
  const v = spawnSync(process.execPath, [SERVER_BIN, '--version'], { encoding: 'utf8' });
  assert.equal(v.status, 0);
  assert.match(v.stdout, /v=7\.0\.\d+/);
  const h = spawnSync(process.execPath, [SERVER_BIN, '--help'], { encoding: 'utf8' });
  assert.match(h.stdout, /Usage/);
  const bad = spawnSync(process.execPath, [SERVER_BIN, '--port', '7000', '--no-such-directive', 'x'], { encoding: 'utf8', timeout: 10000 });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr + bad.stdout, /FATAL CONFIG FILE ERROR/);
  const s = await startRedoubt();
  await s.stop();
  assert.equal(s.proc.exitCode, 0);
  const log = s.output();
  assert.match(log, /^\d+:M \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} \* PID: \d+$/m);
  assert.match(log, /Server initialized/);
  assert.match(log, /Ready to accept connections/);
});

test('library API: createServer() embeds a server on an ephemeral port', async () => {
  const s = await createServer({ config: { requirepass: 'pw' } });
  try {
    assert.ok(s.port > 0);
    const r = new Redis({ port: s.port, password: 'pw', lazyConnect: true });
    await r.connect();
    assert.equal(await r.ping(), 'PONG');
    r.disconnect();
  } finally {
    await s.close();
  }
});
