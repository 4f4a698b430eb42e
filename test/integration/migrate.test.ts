// MIGRATE over real sockets: Redoubt -> redis-server, redis-server -> Redoubt
// (redis-server's MIGRATE exercising our RESTORE) and Redoubt -> Redoubt with
// every type and encoding; the same MIGRATE calls run on Redoubt and on
// redis-server, replies compared byte for byte; the wire protocol and the
// connection cache checked against a scripted target; propagation, keys
// changed in flight, MULTI/EXEC, ACL and redaction.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startRedoubt, startRedis, type Running } from '../helpers/servers.js';
import { RawClient, RespError, parse, plain, type Reply } from '../helpers/resp-client.js';
import { datasetCommands, dumpAll, pipeline, type KeyDump } from '../helpers/dataset.js';

const PW = 'tpw';
let rdA: Running; // Redoubt, open: source and target
let rdB: Running; // Redoubt, requirepass: target
let rdC: Running; // Redoubt with AOF and keyspace notifications
let rsA: Running; // redis-server, open
let rsB: Running; // redis-server, requirepass

before(async () => {
  [rdA, rdB, rdC, rsA, rsB] = await Promise.all([
    startRedoubt(),
    startRedoubt(['--requirepass', PW]),
    startRedoubt(['--appendonly', 'yes', '--appendfsync', 'always', '--notify-keyspace-events', 'Eg']),
    startRedis(),
    startRedis(['--requirepass', PW]),
  ]);
});
after(async () => {
  await Promise.all([rdA, rdB, rdC, rsA, rsB].map((s) => s?.stop()));
});

/** The first reply line, exactly as sent (every MIGRATE reply is one line). */
function rawReply(port: number, args: (string | number)[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = '';
    const parts = [`*${args.length}\r\n`];
    for (const a of args) parts.push(`$${Buffer.byteLength(String(a), 'latin1')}\r\n${a}\r\n`);
    s.on('connect', () => s.write(parts.join(''), 'latin1'));
    s.on('data', (d) => {
      buf += d.toString('latin1');
      const i = buf.indexOf('\r\n');
      if (i !== -1) {
        s.destroy();
        resolve(buf.slice(0, i + 2));
      }
    });
    s.on('error', reject);
    setTimeout(() => reject(new Error('no reply')), 10000).unref();
  });
}

async function client(port: number, auth = false): Promise<RawClient> {
  const c = await RawClient.connect(port);
  if (auth) assert.equal(await c.call('AUTH', PW), 'OK');
  return c;
}

async function withClients<T>(ports: [number, boolean][], fn: (...cs: RawClient[]) => Promise<T>): Promise<T> {
  const cs = await Promise.all(ports.map(([p, a]) => client(p, a)));
  try {
    return await fn(...cs);
  } finally {
    for (const c of cs) c.close();
  }
}

/** Expiry times move by the transfer time: equal within 2 s, then compared exactly. */
function sameish(a: Record<string, KeyDump>, b: Record<string, KeyDump>): void {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
  for (const k of Object.keys(a)) {
    const x = a[k];
    const y = b[k];
    if (x.pexpiretime > 0 || y.pexpiretime > 0) {
      assert.ok(Math.abs(x.pexpiretime - y.pexpiretime) < 2000, `${k}: ${x.pexpiretime} vs ${y.pexpiretime}`);
      y.pexpiretime = x.pexpiretime;
    }
  }
  assert.deepEqual(b, a);
}

// ---------------------------------------------------------------------------
// every type, all directions

for (const [name, src, dst] of [
  ['Redoubt to redis-server', () => rdA, () => rsA],
  ['redis-server to Redoubt', () => rsA, () => rdA],
  ['Redoubt to Redoubt (db 3 to db 0 of another Redoubt)', () => rdA, () => rdB],
] as const) {
  test(`MIGRATE ${name}: every type and encoding arrives with its TTL, the source keys are gone`, async () => {
    const s = src();
    const d = dst();
    const auth = d === rdB;
    await withClients([[s.port, false], [d.port, auth]], async (a, b) => {
      for (const c of [a, b]) await c.call('FLUSHALL');
      // the dataset is written in db 0 (and a few keys in 5 and 15); move db 0
      await pipeline(a, datasetCommands({ big: 300 }));
      const before = (await dumpAll(a, 1, false)).db0;
      const keys = Object.keys(before);
      assert.ok(keys.length > 20);
      const opts = auth ? ['AUTH', PW] : [];
      const r = await a.call('MIGRATE', '127.0.0.1', d.port, '', 3, 5000, ...opts, 'KEYS', ...keys);
      assert.equal(r, 'OK');
      assert.equal(await a.call('DBSIZE'), 0);
      const after = (await dumpAll(b, 4, false)).db3;
      sameish(before, after);
      // single-key form back to the source, COPY keeps it on both sides
      assert.equal(await b.call('SELECT', 3), 'OK');
      assert.equal(await b.call('MIGRATE', '127.0.0.1', s.port, 'h:big', 0, 5000, 'COPY'), 'OK');
      assert.equal(await b.call('EXISTS', 'h:big'), 1);
      assert.equal(await a.call('HLEN', 'h:big'), 300);
    });
  });
}

// ---------------------------------------------------------------------------
// the same calls on both servers, replies byte for byte

interface Case {
  name: string;
  /** Source state (commands on a flushed source). */
  src: (string | number)[][];
  /** Target state (on a flushed target, authenticated). */
  dst?: (string | number)[][];
  /** MIGRATE arguments after MIGRATE host port; TARGET = the target's port. */
  args: (string | number)[];
  /** Keys checked on both sides afterwards. */
  check: string[];
}

const CASES: Case[] = [
  { name: 'AUTH, single key', src: [['SET', 'k', 'v']], args: ['k', 0, 1000, 'AUTH', PW], check: ['k'] },
  { name: 'no AUTH: NOAUTH from the target', src: [['SET', 'k', 'v']], args: ['k', 0, 1000], check: ['k'] },
  { name: 'wrong password', src: [['SET', 'k', 'v']], args: ['k', 0, 1000, 'AUTH', 'nope'], check: ['k'] },
  { name: 'AUTH2 default', src: [['SET', 'k', 'v']], args: ['k', 0, 1000, 'AUTH2', 'default', PW], check: ['k'] },
  { name: 'AUTH2 ACL user', src: [['SET', 'k', 'v']], dst: [['ACL', 'SETUSER', 'mig', 'on', '>mpw', '~*', '+@all']], args: ['k', 0, 1000, 'AUTH2', 'mig', 'mpw'], check: ['k'] },
  { name: 'AUTH2 wrong user', src: [['SET', 'k', 'v']], args: ['k', 0, 1000, 'AUTH2', 'who', PW], check: ['k'] },
  { name: 'AUTH2 user without RESTORE', src: [['SET', 'k', 'v']], dst: [['ACL', 'SETUSER', 'weak', 'on', '>wpw', '~*', '+select', '+auth']], args: ['k', 0, 1000, 'AUTH2', 'weak', 'wpw'], check: ['k'] },
  { name: 'BUSYKEY without REPLACE', src: [['SET', 'k', 'new']], dst: [['SET', 'k', 'old']], args: ['k', 0, 1000, 'AUTH', PW], check: ['k'] },
  { name: 'REPLACE', src: [['SET', 'k', 'new']], dst: [['SET', 'k', 'old']], args: ['k', 0, 1000, 'REPLACE', 'AUTH', PW], check: ['k'] },
  { name: 'COPY', src: [['SET', 'k', 'v']], args: ['k', 0, 1000, 'COPY', 'AUTH', PW], check: ['k'] },
  { name: 'COPY REPLACE', src: [['RPUSH', 'k', 'a', 'b']], dst: [['SET', 'k', 'old']], args: ['k', 0, 1000, 'copy', 'replace', 'auth', PW], check: ['k'] },
  { name: 'missing key: NOKEY', src: [], args: ['k', 0, 1000, 'AUTH', PW], check: ['k'] },
  {
    name: 'KEYS with missing and busy keys',
    src: [['SET', 'a', '1'], ['SET', 'b', '2'], ['SET', 'c', '3']],
    dst: [['SELECT', 2], ['SET', 'b', 'there']],
    args: ['', 2, 1000, 'AUTH', PW, 'KEYS', 'a', 'nope', 'b', 'c'],
    check: ['a', 'b', 'c'],
  },
  { name: 'KEYS, all missing', src: [], args: ['', 0, 1000, 'KEYS', 'x', 'y'], check: ['x'] },
  { name: 'KEYS with no key', src: [], args: ['', 0, 1000, 'KEYS'], check: [] },
  { name: 'KEYS with a key argument', src: [['SET', 'k', 'v']], args: ['k', 0, 1000, 'KEYS', 'k'], check: ['k'] },
  { name: 'db out of range on the target', src: [['SET', 'k', 'v']], args: ['k', 99, 1000, 'AUTH', PW], check: ['k'] },
  { name: 'TTL carried over', src: [['SET', 'k', 'v', 'EX', 1000]], args: ['k', 1, 1000, 'AUTH', PW], check: ['k'] },
  { name: 'timeout not an integer', src: [['SET', 'k', 'v']], args: ['k', 0, 'soon'], check: ['k'] },
  { name: 'db not an integer', src: [['SET', 'k', 'v']], args: ['k', 'x', 1000], check: ['k'] },
  { name: 'timeout 0 and negative mean 1000', src: [['SET', 'k', 'v']], args: ['k', 0, -5, 'AUTH', PW], check: ['k'] },
  { name: 'unknown option', src: [['SET', 'k', 'v']], args: ['k', 0, 1000, 'MOVE'], check: ['k'] },
  { name: 'AUTH without password', src: [['SET', 'k', 'v']], args: ['k', 0, 1000, 'AUTH'], check: ['k'] },
  { name: 'AUTH2 without password', src: [['SET', 'k', 'v']], args: ['k', 0, 1000, 'AUTH2', 'u'], check: ['k'] },
  { name: 'wrong type of target db content is irrelevant (hash)', src: [['HSET', 'k', 'f', 'v']], args: ['k', 0, 1000, 'AUTH', PW], check: ['k'] },
];

/** Runs one case with `src` as source and `dst` as target; returns the reply and the keys' state on both sides. */
async function runCase(cs: Case, src: Running, dst: Running, host = '127.0.0.1', port: number | string = dst.port): Promise<unknown> {
  return withClients([[src.port, false], [dst.port, true]], async (a, b) => {
    for (const c of [a, b]) await c.call('FLUSHALL');
    await b.call('ACL', 'DELUSER', 'mig', 'weak');
    for (const cmd of cs.src) await a.call(...cmd);
    for (const cmd of cs.dst ?? []) await b.call(...cmd);
    await b.call('SELECT', 0);
    // fresh connections on both sides: Redis's cached ones stay authenticated (see the AUTH test below)
    await b.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    const reply = await rawReply(src.port, ['MIGRATE', host, port, ...cs.args]);
    const state: unknown[] = [];
    for (const db of [0, 1, 2]) {
      await b.call('SELECT', db);
      for (const k of cs.check) {
        state.push([db, k, plain(await a.call('DUMP', k)) !== null, plain(await b.call('TYPE', k)), Math.round(Number(plain(await b.call('PTTL', k))) / 10000)]);
      }
    }
    return { reply, state };
  });
}

test(`MIGRATE replies and outcomes match redis-server's (${CASES.length} cases against a password-protected target)`, async () => {
  for (const cs of CASES) {
    const ours = await runCase(cs, rdA, rdB);
    const theirs = await runCase(cs, rsA, rsB);
    assert.deepEqual(ours, theirs, cs.name);
  }
});

test('MIGRATE to a Redoubt target and to a redis-server target give the same outcome (Redoubt source)', async () => {
  for (const cs of CASES.slice(0, 14)) {
    const toRedis = await runCase(cs, rdA, rsB);
    const toUs = await runCase(cs, rdA, rdB);
    assert.deepEqual(toUs, toRedis, cs.name);
  }
});

test('MIGRATE from redis-server: a Redoubt target answers as a redis-server target does (AUTH, AUTH2, SELECT, RESTORE)', async () => {
  for (const cs of CASES.slice(0, 14)) {
    const toRedis = await runCase(cs, rsA, rsB);
    const toUs = await runCase(cs, rsA, rdB);
    assert.deepEqual(toUs, toRedis, cs.name);
  }
});

test('large values cross in both directions (4 MB string, 100,000-member set)', async () => {
  const big = 'x'.repeat(1 << 20) + 'y'.repeat(3 << 20);
  for (const [src, dst] of [
    [rdA, rsA],
    [rsA, rdA],
  ]) {
    await withClients([[src.port, false], [dst.port, false]], async (a, b) => {
      for (const c of [a, b]) await c.call('FLUSHALL');
      await a.call('SET', 'big', big);
      for (let i = 0; i < 100_000; i += 10_000) {
        const m: string[] = [];
        for (let j = i; j < i + 10_000; j++) m.push('member:' + j);
        await a.call('SADD', 'bigset', ...m);
      }
      assert.equal(await a.call('MIGRATE', '127.0.0.1', dst.port, '', 0, 5000, 'KEYS', 'big', 'bigset'), 'OK');
      assert.equal(await b.call('GET', 'big'), big);
      assert.equal(await b.call('SCARD', 'bigset'), 100_000);
      assert.equal(await b.call('SISMEMBER', 'bigset', 'member:99999'), 1);
      assert.equal(await a.call('EXISTS', 'big', 'bigset'), 0);
    });
  }
});

test('connection failures answer as redis-server does: refused, bad ports, unknown host', async () => {
  const closed = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const cases: [string, string | number][] = [
    ['127.0.0.1', closed],
    ['127.0.0.1', 0],
    ['127.0.0.1', -1],
    ['127.0.0.1', 'x'],
    ['127.0.0.1', 65536],
    ['nonexistent.invalid', 6379],
  ];
  for (const [host, port] of cases) {
    const cs: Case = { name: `${host}:${port}`, src: [['SET', 'k', 'v']], args: ['k', 0, 500], check: ['k'] };
    const ours = await runCase(cs, rdA, rdB, host, port);
    const theirs = await runCase(cs, rsA, rsB, host, port);
    assert.deepEqual(ours, theirs, cs.name);
  }
  assert.deepEqual(await runCase({ name: '', src: [['SET', 'k', 'v']], args: ['k', 0, 500], check: [] }, rdA, rdB, '127.0.0.1', closed), {
    reply: '-IOERR error or timeout writing to target instance\r\n',
    state: [],
  });
});

test('a target that accepts and never answers: -IOERR after the timeout, as redis-server, while other clients are served', async () => {
  const held: net.Socket[] = [];
  const hole = net.createServer((s) => held.push(s));
  await new Promise<void>((r) => hole.listen(0, '127.0.0.1', () => r()));
  const port = (hole.address() as net.AddressInfo).port;
  try {
    await withClients([[rdA.port, false], [rdA.port, false], [rsA.port, false]], async (a, other, r) => {
      for (const c of [a, r]) await c.call('SET', 'k', 'v');
      const t0 = Date.now();
      a.send(['MIGRATE', '127.0.0.1', port, 'k', 0, 300]);
      r.send(['MIGRATE', '127.0.0.1', port, 'k', 0, 300]);
      // Redoubt keeps serving everyone else meanwhile
      assert.equal(await other.call('PING'), 'PONG');
      assert.ok(Date.now() - t0 < 250);
      const ours = await a.read(5000);
      const elapsed = Date.now() - t0;
      const theirs = await r.read(5000);
      assert.ok(ours instanceof RespError);
      assert.equal(ours.message, 'IOERR error or timeout reading to target instance');
      assert.deepEqual(ours, theirs);
      assert.ok(elapsed >= 280 && elapsed < 3000, `${elapsed} ms`);
      assert.equal(await a.call('GET', 'k'), 'v');
      assert.equal(await r.call('GET', 'k'), 'v');
      // inside MULTI/EXEC too (there the whole server waits, as redis-server does)
      const execs: unknown[] = [];
      for (const c of [a, r]) {
        await c.call('MULTI');
        await c.call('MIGRATE', '127.0.0.1', port, 'k', 0, 200);
        execs.push(plain(await c.call('EXEC')));
      }
      assert.deepEqual(execs[0], execs[1]);
      assert.deepEqual(execs[0], [{ error: 'IOERR error or timeout reading to target instance' }]);
    });
  } finally {
    for (const s of held) s.destroy();
    hole.close();
  }
});

// ---------------------------------------------------------------------------
// the wire protocol and the connection cache, against a scripted target

interface Fake {
  port: number;
  /** Commands received, per connection. */
  conns: Reply[][][];
  /** Replies for the next commands: '+OK' when empty. null = hold the reply until release(). */
  script: (string | null)[];
  release: () => void;
  dropAll: () => void;
  close: () => void;
}

async function fakeTarget(): Promise<Fake> {
  const f = { conns: [] as Reply[][][], script: [] as (string | null)[] } as Fake;
  const socks: net.Socket[] = [];
  let held: (() => void)[] = [];
  const server = net.createServer((s) => {
    socks.push(s);
    const cmds: Reply[][] = [];
    f.conns.push(cmds);
    let buf = Buffer.alloc(0);
    s.on('error', () => {});
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const r = parse(buf, 0);
        if (r === null) break;
        buf = buf.subarray(r[1]);
        cmds.push(r[0] as Reply[]);
        const next = f.script.length ? f.script.shift()! : '+OK';
        if (next === null) held.push(() => s.write('+OK\r\n'));
        else s.write(next + '\r\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  f.port = (server.address() as net.AddressInfo).port;
  f.release = () => {
    const h = held;
    held = [];
    for (const x of h) x();
  };
  f.dropAll = () => {
    for (const s of socks) s.destroy();
  };
  f.close = () => {
    f.dropAll();
    server.close();
  };
  return f;
}

const names = (cmds: Reply[][]) => cmds.map((c) => String(c[0]) + (String(c[0]) === 'SELECT' ? ' ' + String(c[1]) : ''));

test('wire protocol: AUTH, SELECT when the db changes, RESTORE key ttl payload [REPLACE]; one cached connection (INFO migrate_cached_sockets)', async () => {
  const f = await fakeTarget();
  try {
    await withClients([[rdA.port, false]], async (a) => {
      await a.call('FLUSHALL');
      await a.call('SET', 'k1', 'v1', 'PX', 50000);
      await a.call('SET', 'k2', 'v2');
      const dump = await a.call('DUMP', 'k1');
      const cached = async () => Number(/migrate_cached_sockets:(\d+)/.exec(String(await a.call('INFO', 'stats')))![1]);
      const before = await cached();
      assert.equal(await a.call('MIGRATE', '127.0.0.1', f.port, 'k1', 4, 1000, 'COPY', 'AUTH2', 'u', 'p'), 'OK');
      const first = f.conns[0];
      assert.deepEqual(first[0], ['AUTH', 'u', 'p']);
      assert.deepEqual(first[1], ['SELECT', '4']);
      const [cmd, key, ttl, payload] = first[2] as string[];
      assert.deepEqual([cmd, key, payload], ['RESTORE', 'k1', dump]);
      assert.ok(Number(ttl) > 45000 && Number(ttl) <= 50000, ttl);
      // same db: no SELECT, same connection; REPLACE is passed on
      await a.call('MIGRATE', '127.0.0.1', f.port, '', 4, 1000, 'COPY', 'REPLACE', 'AUTH2', 'u', 'p', 'KEYS', 'k1', 'k2');
      assert.deepEqual(names(f.conns[0].slice(3)), ['AUTH', 'RESTORE', 'RESTORE']);
      assert.deepEqual((f.conns[0][5] as string[]).slice(0, 3).concat((f.conns[0][5] as string[]).slice(4)), ['RESTORE', 'k2', '0', 'REPLACE']);
      // another db: SELECT again
      await a.call('MIGRATE', '127.0.0.1', f.port, 'k2', 5, 1000, 'COPY', 'AUTH2', 'u', 'p');
      assert.deepEqual(names(f.conns[0].slice(6)), ['AUTH', 'SELECT 5', 'RESTORE']);
      assert.equal(f.conns.length, 1);
      assert.equal(await cached(), before + 1);
      // an error from the target forgets the selected db
      f.script.push('+OK', '-ERR nope'); // AUTH, RESTORE (db 5 is still selected)
      assert.deepEqual(plain(await a.call('MIGRATE', '127.0.0.1', f.port, 'k2', 5, 1000, 'AUTH2', 'u', 'p')), { error: 'ERR Target instance replied with error: ERR nope' });
      assert.equal(await a.call('EXISTS', 'k2'), 1);
      await a.call('MIGRATE', '127.0.0.1', f.port, 'k2', 5, 1000, 'COPY', 'AUTH2', 'u', 'p');
      assert.deepEqual(names(f.conns[0].slice(-3)), ['AUTH', 'SELECT 5', 'RESTORE']);
      // the target closed the cached connection: retried once on a new one, transparently
      f.dropAll();
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(await a.call('MIGRATE', '127.0.0.1', f.port, 'k2', 5, 1000), 'OK');
      assert.equal(f.conns.length, 2);
      assert.deepEqual(names(f.conns[1]), ['SELECT 5', 'RESTORE']);
      assert.equal(await a.call('EXISTS', 'k2'), 0);
    });
  } finally {
    f.close();
  }
});

test('a MIGRATE without AUTH does not reuse a connection another MIGRATE authenticated', async () => {
  const f = await fakeTarget();
  try {
    await withClients([[rdA.port, false]], async (a) => {
      await a.call('SET', 'k', 'v');
      await a.call('MIGRATE', '127.0.0.1', f.port, 'k', 0, 1000, 'COPY', 'AUTH', 'secret');
      await a.call('MIGRATE', '127.0.0.1', f.port, 'k', 0, 1000, 'COPY');
      assert.equal(f.conns.length, 2);
      assert.deepEqual(names(f.conns[1]), ['SELECT 0', 'RESTORE']);
    });
  } finally {
    f.close();
  }
});

test('keys written while their transfer is in flight stay here; untouched ones are deleted', async () => {
  const f = await fakeTarget();
  try {
    await withClients([[rdA.port, false], [rdA.port, false]], async (a, other) => {
      await a.call('FLUSHALL');
      await a.call('SET', 'keep', 'old');
      await a.call('RPUSH', 'list', 'x');
      await a.call('SET', 'gone', 'v');
      f.script.push('+OK', null, null, null); // SELECT answered, RESTOREs held
      a.send(['MIGRATE', '127.0.0.1', f.port, '', 0, 5000, 'KEYS', 'keep', 'list', 'gone']);
      for (let i = 0; i < 100 && (f.conns.length === 0 || f.conns[0].length < 4); i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(await other.call('SET', 'keep', 'new'), 'OK');
      assert.equal(await other.call('RPUSH', 'list', 'y'), 2);
      f.release();
      assert.equal(await a.read(), 'OK');
      assert.equal(await a.call('GET', 'keep'), 'new');
      assert.equal(await a.call('LLEN', 'list'), 2);
      assert.equal(await a.call('EXISTS', 'gone'), 0);
    });
  } finally {
    f.close();
  }
});

test('CLIENT UNBLOCK of a migrating client: it hears of a timeout and its keys stay; a client that leaves still gets its keys moved', async () => {
  const f = await fakeTarget();
  try {
    await withClients([[rdA.port, false], [rdA.port, false]], async (a, other) => {
      await a.call('FLUSHALL');
      await a.call('SET', 'u', '1');
      const id = await a.call('CLIENT', 'ID');
      f.script.push('+OK', null); // SELECT, then the RESTORE is held
      a.send(['MIGRATE', '127.0.0.1', f.port, 'u', 0, 5000]);
      for (let i = 0; i < 100 && (f.conns.length === 0 || f.conns[f.conns.length - 1].length < 2); i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(await other.call('CLIENT', 'UNBLOCK', id as number), 1);
      assert.deepEqual(plain(await a.read()), { error: 'IOERR error or timeout reading to target instance' });
      f.release();
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(await a.call('GET', 'u'), '1');
      // the client goes away while its transfer is in flight: the acknowledged key is moved all the same
      const b = await client(rdA.port);
      await b.call('SET', 'w', '2');
      f.script.push(null);
      b.send(['MIGRATE', '127.0.0.1', f.port, 'w', 0, 5000]);
      await new Promise((r) => setTimeout(r, 50));
      b.close();
      await new Promise((r) => setTimeout(r, 20));
      f.release();
      for (let i = 0; i < 100 && (await other.call('EXISTS', 'w')) === 1; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(await other.call('EXISTS', 'w'), 0);
    });
  } finally {
    f.close();
  }
});

test('CLIENT REPLY SKIP and OFF silence the reply that comes later', async () => {
  const f = await fakeTarget();
  try {
    await withClients([[rdA.port, false]], async (a) => {
      await a.call('SET', 'r1', '1');
      await a.call('SET', 'r2', '2');
      a.send(['CLIENT', 'REPLY', 'SKIP']);
      a.send(['MIGRATE', '127.0.0.1', f.port, 'r1', 0, 5000]);
      assert.equal(await a.call('PING'), 'PONG');
      a.send(['CLIENT', 'REPLY', 'OFF']);
      a.send(['MIGRATE', '127.0.0.1', f.port, 'r2', 0, 5000]);
      a.send(['CLIENT', 'REPLY', 'ON']);
      assert.equal(await a.read(), 'OK');
      assert.equal(await a.call('EXISTS', 'r1', 'r2'), 0);
    });
  } finally {
    f.close();
  }
});

test('an acknowledgement that arrives during CLIENT PAUSE WRITE deletes nothing until the pause ends', async () => {
  const f = await fakeTarget();
  try {
    await withClients([[rdA.port, false], [rdA.port, false]], async (a, other) => {
      await a.call('SET', 'p', '1');
      f.script.push('+OK', null);
      a.send(['MIGRATE', '127.0.0.1', f.port, 'p', 0, 5000]);
      for (let i = 0; i < 100 && (f.conns.length === 0 || f.conns[0].length < 2); i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(await other.call('CLIENT', 'PAUSE', 300, 'WRITE'), 'OK');
      const t0 = Date.now();
      f.release();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(await other.call('EXISTS', 'p'), 1);
      assert.equal(await a.read(), 'OK');
      assert.ok(Date.now() - t0 >= 250, `${Date.now() - t0} ms`);
      assert.equal(await other.call('EXISTS', 'p'), 0);
    });
  } finally {
    f.close();
  }
});

// ---------------------------------------------------------------------------

test('MULTI/EXEC: MIGRATE runs inside the transaction as on redis-server (same EXEC reply, key moved)', async () => {
  const results: unknown[] = [];
  for (const [src, dst] of [
    [rdA, rdB],
    [rsA, rsB],
  ]) {
    results.push(
      await withClients([[src.port, false], [dst.port, true]], async (a, b) => {
        for (const c of [a, b]) await c.call('FLUSHALL');
        await a.call('SET', 'k', 'v');
        await a.call('SET', 'j', 'w');
        await a.call('MULTI');
        await a.call('MIGRATE', '127.0.0.1', dst.port, 'k', 0, 2000, 'AUTH', PW);
        await a.call('GET', 'k');
        await a.call('MIGRATE', '127.0.0.1', dst.port, 'j', 0, 2000, 'AUTH', 'wrong');
        await a.call('MIGRATE', '127.0.0.1', dst.port, 'nope', 0, 2000);
        const exec = plain(await a.call('EXEC'));
        return [exec, plain(await b.call('GET', 'k')), plain(await a.call('EXISTS', 'k', 'j'))];
      }),
    );
  }
  assert.deepEqual(results[0], results[1]);
  assert.deepEqual(results[0], [['OK', null, { error: 'ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.' }, 'NOKEY'], 'v', 1]);
});

test('propagation: the moved keys become one DEL in the AOF with del notifications; COPY and failures write nothing', async () => {
  const f = await fakeTarget();
  try {
    await withClients([[rdC.port, false], [rdC.port, false]], async (a, sub) => {
      await sub.call('SUBSCRIBE', '__keyevent@0__:del');
      await a.call('SET', 'm1', '1');
      await a.call('SET', 'm2', '2');
      await a.call('SET', 'c1', '3');
      assert.equal(await a.call('MIGRATE', '127.0.0.1', f.port, 'c1', 0, 1000, 'COPY'), 'OK');
      f.script.push('-ERR no'); // the SELECT fails: nothing moves
      assert.ok((await a.call('MIGRATE', '127.0.0.1', f.port, 'c1', 0, 1000)) instanceof RespError);
      f.script.push('+OK', '+OK', '-BUSYKEY x', '+OK');
      const r = await a.call('MIGRATE', '127.0.0.1', f.port, '', 0, 1000, 'KEYS', 'm1', 'c1', 'm2');
      assert.deepEqual(plain(r), { error: 'ERR Target instance replied with error: BUSYKEY x' });
      assert.deepEqual(plain(await sub.read()), ['message', '__keyevent@0__:del', 'm1']);
      assert.deepEqual(plain(await sub.read()), ['message', '__keyevent@0__:del', 'm2']);
      assert.equal(await a.call('EXISTS', 'm1', 'm2', 'c1'), 1);
      // inside MULTI/EXEC the MIGRATE itself becomes the DEL
      await a.call('SET', 'm3', '3');
      await a.call('MULTI');
      await a.call('MIGRATE', '127.0.0.1', f.port, 'm3', 0, 1000);
      assert.deepEqual(plain(await a.call('EXEC')), ['OK']);
      assert.deepEqual(plain(await sub.read()), ['message', '__keyevent@0__:del', 'm3']);
    });
    const dir = join(rdC.dir, 'appendonlydir');
    const incr = readdirSync(dir).find((n) => n.endsWith('.incr.aof'))!;
    const aof = readFileSync(join(dir, incr), 'latin1');
    assert.ok(aof.includes('*3\r\n$3\r\nDEL\r\n$2\r\nm1\r\n$2\r\nm2\r\n'), aof);
    assert.ok(aof.includes('*2\r\n$3\r\nDEL\r\n$2\r\nm3\r\n'), aof);
    assert.equal(aof.split('DEL').length, 3);
    assert.ok(!aof.includes('MIGRATE'));
  } finally {
    f.close();
  }
});

test('ACL: key permissions cover the KEYS form (NOPERM as redis-server); COMMAND GETKEYS agrees', async () => {
  const out: unknown[] = [];
  for (const s of [rdA, rsA]) {
    out.push(
      await withClients([[s.port, false]], async (a) => {
        await a.call('ACL', 'SETUSER', 'limited', 'on', '>lpw', '~ok*', '+@all');
        await a.call('AUTH', 'limited', 'lpw');
        const r = [
          plain(await a.call('MIGRATE', '127.0.0.1', 1, '', 0, 100, 'KEYS', 'ok1', 'secret')),
          plain(await a.call('MIGRATE', '127.0.0.1', 1, 'secret', 0, 100)),
          plain(await a.call('MIGRATE', '127.0.0.1', 1, '', 0, 100, 'AUTH', 'secret', 'KEYS', 'ok1')),
          plain(await a.call('MIGRATE', '127.0.0.1', 1, '', 0, 100, 'AUTH2', 'secret', 'secret', 'COPY', 'KEYS', 'ok1', 'ok2')),
          plain(await a.call('COMMAND', 'GETKEYS', 'MIGRATE', 'h', 1, '', 0, 100, 'REPLACE', 'AUTH2', 'u', 'p', 'KEYS', 'a', 'b')),
          plain(await a.call('COMMAND', 'GETKEYS', 'MIGRATE', 'h', 1, 'k', 0, 100, 'KEYS', 'a')),
        ];
        await a.call('AUTH', 'default', '');
        await a.call('ACL', 'DELUSER', 'limited');
        return r;
      }),
    );
  }
  assert.deepEqual(out[0], out[1]);
  assert.deepEqual((out[0] as unknown[])[0], { error: "NOPERM this user has no permissions to access one of the keys used as arguments" });
});

test('SLOWLOG and MONITOR show MIGRATE passwords as (redacted)', async () => {
  await withClients([[rdA.port, false], [rdA.port, false]], async (a, mon) => {
    await a.call('CONFIG', 'SET', 'slowlog-log-slower-than', 0);
    await a.call('SLOWLOG', 'RESET');
    await mon.call('MONITOR');
    await a.call('MIGRATE', '127.0.0.1', 1, 'none', 0, 100, 'AUTH', 'pw1');
    await a.call('MIGRATE', '127.0.0.1', 1, 'none', 0, 100, 'AUTH2', 'user1', 'pw2');
    const log = JSON.stringify(plain(await a.call('SLOWLOG', 'GET')));
    await a.call('CONFIG', 'SET', 'slowlog-log-slower-than', 10000);
    assert.ok(log.includes('(redacted)'));
    for (const secret of ['pw1', 'pw2', 'user1']) assert.ok(!log.includes(secret), log);
    const lines: string[] = [];
    while (lines.length < 2) lines.push(String(await mon.read()));
    assert.match(lines[0], /"MIGRATE" .*"AUTH" "\(redacted\)"/);
    assert.match(lines[1], /"AUTH2" "\(redacted\)" "\(redacted\)"/);
  });
});
