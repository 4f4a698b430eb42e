// List commands over real sockets with ioredis and node-redis, the exact nil
// shapes compared byte for byte with the reference redis-server, and the
// blocking commands with several clients: FIFO among waiters, timeouts,
// wake-ups by pushes, by MULTI/EXEC (served after EXEC, never in between),
// BLMOVE chains, disconnects while blocked, CLIENT UNBLOCK, and (in-process)
// the propagation of served pops after the push that woke them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { serversForFile } from '../helpers/servers.js';
import { parse } from '../helpers/resp-client.js';
import { Server } from '../../src/server/server.js';
import { processCommand } from '../../src/server/dispatch.js';
import type { Client } from '../../src/server/client.js';

const servers = serversForFile();

const opened: Redis[] = [];
function io(): Redis {
  const r = new Redis({ port: servers.srv.port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 1, lazyConnect: false });
  opened.push(r);
  return r;
}
async function closeAll(): Promise<void> {
  for (const r of opened.splice(0)) r.disconnect();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Settles to 'pending' if p has not settled within ms. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([p, sleep(ms).then(() => 'pending' as const)]);
}

/** A socket that returns each reply as the raw bytes the server sent. */
class Raw {
  private buf = Buffer.alloc(0);
  private waiters: ((s: string) => void)[] = [];
  private constructor(readonly sock: net.Socket) {
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.drain();
    });
    sock.on('error', () => {});
  }
  private drain(): void {
    for (;;) {
      if (this.waiters.length === 0) return;
      const r = parse(this.buf, 0);
      if (r === null) return;
      const raw = this.buf.toString('latin1', 0, r[1]);
      this.buf = this.buf.subarray(r[1]);
      this.waiters.shift()!(raw);
    }
  }
  static connect(port: number): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new Raw(s)));
      s.once('error', reject);
    });
  }
  send(...args: string[]): void {
    let out = `*${args.length}\r\n`;
    for (const a of args) out += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
    this.sock.write(Buffer.from(out, 'latin1'));
  }
  read(timeoutMs = 3000): Promise<string> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timeout waiting for reply')), timeoutMs);
      this.waiters.push((s) => {
        clearTimeout(t);
        resolve(s);
      });
      this.drain();
    });
  }
  async call(...args: string[]): Promise<string> {
    const p = this.read();
    this.send(...args);
    return p;
  }
  close(): void {
    this.sock.destroy();
  }
}

test('ioredis: pushes, pops, ranges and edits', async () => {
  const r = io();
  try {
    await r.flushall();
    assert.equal(await r.lpush('l', 'a', 'b', 'c'), 3);
    assert.equal(await r.rpush('l', 'd', 'e'), 5);
    assert.deepEqual(await r.lrange('l', 0, -1), ['c', 'b', 'a', 'd', 'e']);
    assert.equal(await r.llen('l'), 5);
    assert.equal(await r.lindex('l', -1), 'e');
    assert.equal(await r.lindex('l', 99), null);
    assert.equal(await r.lset('l', 1, 'B'), 'OK');
    await assert.rejects(r.lset('l', 9, 'x'), /ERR index out of range/);
    await assert.rejects(r.lset('nokey', 0, 'x'), /ERR no such key/);
    assert.equal(await r.linsert('l', 'BEFORE', 'a', 'x'), 6);
    assert.equal(await r.linsert('l', 'AFTER', 'zz', 'x'), -1);
    assert.equal(await r.lpos('l', 'x'), 2);
    assert.deepEqual(await r.lpos('l', 'x', 'COUNT', 0), [2]);
    await assert.rejects(r.call('LPOS', 'l', 'x', 'RANK', '0'), /RANK can't be zero/);
    assert.equal(await r.lrem('l', 0, 'x'), 1);
    assert.equal(await r.ltrim('l', 1, -2), 'OK');
    assert.deepEqual(await r.lrange('l', 0, -1), ['B', 'a', 'd']);
    assert.equal(await r.lpop('l'), 'B');
    assert.deepEqual(await r.rpop('l', 5), ['d', 'a']);
    assert.equal(await r.exists('l'), 0, 'an emptied list is deleted');
    assert.equal(await r.lpushx('l', 'a'), 0);
    assert.equal(await r.rpop('l'), null);
    assert.equal(await r.lpop('l', 2), null);

    await r.rpush('src', '1', '2', '3');
    assert.equal(await r.lmove('src', 'dst', 'LEFT', 'RIGHT'), '1');
    assert.equal(await r.rpoplpush('src', 'dst'), '3');
    assert.deepEqual(await r.lrange('dst', 0, -1), ['3', '1']);
    assert.deepEqual(await r.lmpop(2, 'nokey', 'src', 'LEFT', 'COUNT', 9), ['src', ['2']]);
    assert.equal(await r.lmpop(1, 'src', 'LEFT'), null);
    await r.set('str', 'v');
    await assert.rejects(r.lpush('str', 'a'), /WRONGTYPE/);
    assert.equal(await r.call('OBJECT', 'ENCODING', 'dst'), 'quicklist');
  } finally {
    await closeAll();
  }
});

test('node-redis: list commands, blocking pop and binary values', async () => {
  const c = createClient({ socket: { port: servers.srv.port, host: '127.0.0.1' } });
  await c.connect();
  try {
    await c.flushAll();
    assert.equal(await c.rPush('l', ['x', 'y', 'z']), 3);
    assert.deepEqual(await c.lRange('l', 0, -1), ['x', 'y', 'z']);
    assert.equal(await c.lLen('l'), 3);
    assert.equal(await c.lPos('l', 'z'), 2);
    assert.deepEqual(await c.lPopCount('l', 2), ['x', 'y']);
    assert.deepEqual(await c.blPop('l', 0), { key: 'l', element: 'z' });
    assert.equal(await c.blPop('l', 0.05), null);
    assert.equal(await c.exists('l'), 0);
    assert.deepEqual(await c.lmPop(['nokey', 'm'], 'LEFT'), null);
    await c.rPush('m', ['1', '2', '3']);
    assert.deepEqual(await c.lmPop(['nokey', 'm'], 'RIGHT', { COUNT: 2 }), ['m', ['3', '2']]);
    assert.equal(await c.blMove('m', 'n', 'LEFT', 'LEFT', 0), '1');
    assert.deepEqual(await c.lRange('n', 0, -1), ['1']);
    const bin = Buffer.from([0, 1, 0xfe, 0xff, 13, 10, 0x80]);
    await c.rPush('b', [bin, Buffer.from('tail')]);
    const raw = c.withTypeMapping({ 36: Buffer } as never);
    assert.deepEqual(await raw.lIndex('b', 0), bin);
    assert.deepEqual(await raw.lRange('b', 0, -1), [bin, Buffer.from('tail')]);
    assert.equal(await c.lRem('b', 0, bin), 1);
    assert.deepEqual(await c.lRange('b', 0, -1), ['tail']);
  } finally {
    await c.quit().catch(() => {});
  }
});

test('nil and empty replies are byte-identical to redis-server (RESP2 and RESP3)', async () => {
  const script: string[][] = [
    ['LPOP', 'nokey'],
    ['LPOP', 'nokey', '1'],
    ['RPOP', 'nokey', '0'],
    ['LINDEX', 'nokey', '0'],
    ['LPOS', 'nokey', 'a'],
    ['LPOS', 'nokey', 'a', 'COUNT', '0'],
    ['LMPOP', '1', 'nokey', 'LEFT'],
    ['LMOVE', 'nokey', 'd', 'LEFT', 'LEFT'],
    ['RPOPLPUSH', 'nokey', 'd'],
    ['LRANGE', 'nokey', '0', '-1'],
    ['BLPOP', 'nokey', '0.01'],
    ['BLMPOP', '0.01', '1', 'nokey', 'LEFT'],
    ['BLMOVE', 'nokey', 'd', 'LEFT', 'LEFT', '0.01'],
    ['BRPOPLPUSH', 'nokey', 'd', '0.01'],
    ['RPUSH', 'l', 'a'],
    ['LPOP', 'l', '0'],
    ['LINDEX', 'l', '5'],
    ['LPOS', 'l', 'zz'],
    ['LPOS', 'l', 'zz', 'COUNT', '1'],
    ['LRANGE', 'l', '5', '6'],
    ['MULTI'],
    ['BLPOP', 'nokey', '0'],
    ['BLMOVE', 'nokey', 'd', 'LEFT', 'LEFT', '0'],
    ['BRPOPLPUSH', 'nokey', 'd', '0'],
    ['BLMPOP', '0', '1', 'nokey', 'LEFT'],
    ['EXEC'],
    ['DEL', 'l'],
  ];
  for (const proto of ['2', '3']) {
    const [a, b] = await Promise.all([Raw.connect(servers.srv.port), Raw.connect(servers.ref.port)]);
    try {
      await Promise.all([a.call('HELLO', proto), b.call('HELLO', proto)]);
      for (const cmd of script) {
        const [x, y] = await Promise.all([a.call(...cmd), b.call(...cmd)]);
        assert.equal(JSON.stringify(x), JSON.stringify(y), `RESP${proto} ${cmd.join(' ')}`);
      }
    } finally {
      a.close();
      b.close();
    }
  }
});

test('blocking: three waiters are served in FIFO order', async () => {
  const [w1, w2, w3, p] = [io(), io(), io(), io()];
  try {
    await p.del('q');
    const r1 = w1.blpop('q', 0);
    await sleep(30);
    const r2 = w2.blpop('q', 0);
    await sleep(30);
    const r3 = w3.brpop('other', 'q', 0);
    await sleep(30);
    assert.equal(await p.rpush('q', '1', '2', '3'), 3);
    assert.deepEqual(await r1, ['q', '1']);
    assert.deepEqual(await r2, ['q', '2']);
    assert.deepEqual(await r3, ['q', '3']);
    assert.equal(await p.exists('q'), 0);
    // one element, two waiters: only the first is served
    const s1 = w1.blpop('q', 0);
    await sleep(30);
    const s2 = w2.blpop('q', 0.3);
    await sleep(30);
    await p.lpush('q', 'only');
    assert.deepEqual(await s1, ['q', 'only']);
    assert.equal(await s2, null);
  } finally {
    await closeAll();
  }
});

test('blocking: float timeouts expire on time and 0 waits', async () => {
  const [w, p] = [io(), io()];
  try {
    let t0 = Date.now();
    assert.equal(await w.blpop('nokey', 0.1), null);
    let dt = Date.now() - t0;
    assert.ok(dt >= 90 && dt < 1000, `BLPOP 0.1 took ${dt}ms`);
    t0 = Date.now();
    assert.equal(await w.blmove('nokey', 'd', 'LEFT', 'RIGHT', 0.1), null);
    dt = Date.now() - t0;
    assert.ok(dt >= 90 && dt < 1000, `BLMOVE 0.1 took ${dt}ms`);
    assert.equal(await w.call('BLMPOP', '0.1', '2', 'none1', 'none2', 'LEFT'), null);
    const forever = w.brpop('k', 0);
    assert.equal(await within(forever, 300), 'pending');
    await p.rpush('k', 'late');
    assert.deepEqual(await forever, ['k', 'late']);
    await assert.rejects(w.blpop('k', -1), /ERR timeout is negative/);
    await assert.rejects(w.call('BLPOP', 'k', 'abc'), /ERR timeout is not a float or out of range/);
  } finally {
    await closeAll();
  }
});

test('blocking: a push from another client wakes the waiter, which then runs its pipeline', async () => {
  const [w, p] = [io(), io()];
  try {
    await p.del('q', 'q2');
    const pipe = w.pipeline().blpop('q', 5).rpush('q2', 'after').lrange('q2', 0, -1).exec();
    await sleep(50);
    assert.equal(await p.exists('q2'), 0, 'commands behind a blocked one wait');
    assert.equal(await p.lpush('q', 'x'), 1);
    const res = await pipe;
    assert.deepEqual(res!.map(([e, v]) => (e ? String(e) : v)), [['q', 'x'], 1, ['after']]);
    assert.equal(await p.exists('q'), 0, 'the pushed element was consumed');
  } finally {
    await closeAll();
  }
});

test('blocking: a transaction wakes waiters only after EXEC', async () => {
  const [w, p] = [io(), io()];
  try {
    await p.del('q');
    const got = w.blpop('q', 0);
    await sleep(30);
    await p.multi().rpush('q', 'a').rpush('q', 'b').lpop('q').exec().then((r) => {
      // the LPOP inside the transaction sees 'a': nobody was served in between
      assert.deepEqual(r!.map(([, v]) => v), [1, 2, 'a']);
    });
    assert.deepEqual(await got, ['q', 'b']);
    assert.equal(await p.exists('q'), 0);

    // a transaction that creates and removes the key serves nobody
    const still = w.blpop('q', 0.5);
    await sleep(30);
    const r = await p.multi().rpush('q', 'x').lpop('q').exec();
    assert.deepEqual(r!.map(([, v]) => v), [1, 'x']);
    assert.equal(await still, null);
  } finally {
    await closeAll();
  }
});

test('blocking: a served BLMOVE pushes to its destination and wakes the next waiter', async () => {
  const [a, b, c, p] = [io(), io(), io(), io()];
  try {
    await p.del('src', 'mid', 'dst');
    const ra = a.blmove('src', 'mid', 'LEFT', 'RIGHT', 0);
    await sleep(30);
    const rb = b.brpoplpush('mid', 'dst', 0);
    await sleep(30);
    const rc = c.blpop('dst', 0);
    await sleep(30);
    await p.rpush('src', 'token');
    assert.equal(await ra, 'token');
    assert.equal(await rb, 'token');
    assert.deepEqual(await rc, ['dst', 'token']);
    assert.equal(await p.exists('src', 'mid', 'dst'), 0);

    // destination of the wrong type: the waiter gets WRONGTYPE and the element stays
    await p.set('bad', 'x');
    const rw = a.blmove('src', 'bad', 'LEFT', 'LEFT', 0);
    await sleep(30);
    await p.rpush('src', 'keep');
    await assert.rejects(rw, /WRONGTYPE/);
    assert.deepEqual(await p.lrange('src', 0, -1), ['keep']);
  } finally {
    await closeAll();
  }
});

test('blocking: BLMPOP served with COUNT, and a waiter on several keys takes the ready one', async () => {
  const [a, b, p] = [io(), io(), io()];
  try {
    await p.del('k1', 'k2');
    const ra = a.call('BLMPOP', '0', '2', 'k1', 'k2', 'RIGHT', 'COUNT', '2');
    await sleep(30);
    await p.rpush('k2', 'x', 'y', 'z');
    assert.deepEqual(await ra, ['k2', ['z', 'y']]);
    assert.deepEqual(await p.lrange('k2', 0, -1), ['x']);
    await p.del('k2');
    const rb = b.blpop('k1', 'k2', 0);
    await sleep(30);
    await p.rpush('k2', 'v');
    assert.deepEqual(await rb, ['k2', 'v']);
  } finally {
    await closeAll();
  }
});

test('blocking: a client that disconnects while blocked is forgotten', async () => {
  const [w2, p] = [io(), io()];
  try {
    await p.del('q');
    const raw = await Raw.connect(servers.srv.port);
    raw.send('BLPOP', 'q', '0');
    await sleep(50);
    const r2 = w2.blpop('q', 0);
    await sleep(30);
    raw.close();
    await sleep(50);
    await p.rpush('q', 'v1');
    assert.deepEqual(await r2, ['q', 'v1'], 'the next waiter gets the element');
    const raw2 = await Raw.connect(servers.srv.port);
    raw2.send('BLPOP', 'q', '0');
    await sleep(50);
    raw2.close();
    await sleep(50);
    await p.rpush('q', 'v2');
    assert.deepEqual(await p.lrange('q', 0, -1), ['v2'], 'nobody consumed it');
  } finally {
    await closeAll();
  }
});

test('blocking: CLIENT UNBLOCK with TIMEOUT and ERROR', async (t) => {
  const [w, p] = [io(), io()];
  try {
    const probe = await p.call('CLIENT', 'ID').catch((e: Error) => e);
    if (probe instanceof Error) {
      t.skip(`CLIENT is not implemented yet: ${probe.message}`);
      return;
    }
    await p.del('ubq', 'ubd');
    const id = (await w.call('CLIENT', 'ID')) as number;
    assert.equal(await p.call('CLIENT', 'UNBLOCK', String(id)), 0, 'not blocked yet');
    const r1 = w.blpop('ubq', 0);
    await sleep(30);
    assert.equal(await p.call('CLIENT', 'UNBLOCK', String(id)), 1);
    assert.equal(await r1, null);
    const r2 = w.blmove('ubq', 'ubd', 'LEFT', 'LEFT', 0);
    await sleep(30);
    assert.equal(await p.call('CLIENT', 'UNBLOCK', String(id), 'ERROR'), 1);
    await assert.rejects(r2, /UNBLOCKED client unblocked via CLIENT UNBLOCK/);
    assert.equal(await w.ping(), 'PONG', 'the connection keeps working');
  } finally {
    await closeAll();
  }
});

test('in-process: a served pop is propagated as LPOP/LMOVE after the push that woke it', async () => {
  const server = new Server();
  const log: string[] = [];
  server.hooks.propagate.push((db, argv) => log.push(`${db}:${argv.join(' ')}`));
  const mk = (): Client => server.createClient(null, false);
  const a = mk();
  const b = mk();
  const c = mk();
  const run = (cl: Client, ...argv: string[]) => processCommand(server, cl, argv);
  try {
    run(a, 'BLPOP', 'q', '0');
    run(b, 'BLMOVE', 's', 'q', 'RIGHT', 'LEFT', '0');
    assert.equal(a.out, '', 'blocked: no reply yet');
    run(c, 'RPUSH', 's', 'v');
    assert.deepEqual(log, ['0:RPUSH s v', '0:LMOVE s q right left', '0:LPOP q']);
    assert.equal(b.out, '$1\r\nv\r\n');
    assert.equal(a.out, '*2\r\n$1\r\nq\r\n$1\r\nv\r\n');
    log.length = 0;
    run(c, 'RPUSH', 'l', '1', '2', '3');
    run(c, 'BLMPOP', '0', '1', 'l', 'LEFT', 'COUNT', '2');
    run(c, 'BRPOP', 'l', '0');
    run(c, 'BRPOPLPUSH', 'nokey', 'x', '0.01');
    assert.deepEqual(log, ['0:RPUSH l 1 2 3', '0:LPOP l 2', '0:RPOP l']);
  } finally {
    await server.close();
  }
});

test('keyspace events of list commands match redis-server, including served blocked pops', async () => {
  async function events(port: number): Promise<string[]> {
    const mk = () => new Redis({ port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 1 });
    const [sub, r, w] = [mk(), mk(), mk()];
    const got: string[] = [];
    try {
      await r.config('SET', 'notify-keyspace-events', 'KEA');
      await r.del('l', 'm', 'bq', 'bs', 'bd');
      await sub.psubscribe('__keyevent@0__:*');
      sub.on('pmessage', (_p, ch, msg) => got.push(`${ch.slice(ch.indexOf(':') + 1)} ${msg}`));
      await r.rpush('l', 'a', 'b', 'c');
      await r.lpush('l', 'z');
      await r.lpushx('l', 'y');
      await r.rpushx('nokey', 'x');
      await r.lpop('l');
      await r.rpop('l', 2);
      await r.lset('l', 0, 'q');
      await r.linsert('l', 'BEFORE', 'q', 'p');
      await r.linsert('l', 'BEFORE', 'nothere', 'p');
      await r.lrem('l', 0, 'p');
      await r.lrem('l', 0, 'nothere');
      await r.ltrim('l', 0, 5);
      await r.lmove('l', 'm', 'LEFT', 'RIGHT');
      await r.lmove('l', 'm', 'LEFT', 'RIGHT');
      await r.rpoplpush('m', 'm');
      await r.lmpop(1, 'm', 'LEFT', 'COUNT', 5);
      await r.rpush('l', '1', '2', '3');
      await r.ltrim('l', 5, 6);
      const b1 = w.blpop('bq', 0);
      await sleep(30);
      await r.rpush('bq', 'v');
      await b1;
      const b2 = w.blmove('bs', 'bd', 'RIGHT', 'LEFT', 0);
      await sleep(30);
      await r.rpush('bs', 'v', 'u');
      await b2;
      await sleep(100);
      return got;
    } finally {
      await r.config('SET', 'notify-keyspace-events', '').catch(() => {});
      sub.disconnect();
      r.disconnect();
      w.disconnect();
    }
  }
  const ours = await events(servers.srv.port);
  const theirs = await events(servers.ref.port);
  assert.ok(theirs.length > 20);
  assert.deepEqual(ours, theirs);
});
