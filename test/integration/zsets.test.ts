// Sorted-set and HyperLogLog commands over real sockets with ioredis and
// node-redis; the blocking pops with several clients (FIFO among waiters,
// timeouts, wake-ups by ZADD and by MULTI/EXEC, several keys, disconnects);
// encodings under non-default listpack limits; keyspace events compared with
// the reference redis-server; and (in-process) what a served pop propagates.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { serversForFile, startRedoubt } from '../helpers/servers.js';
import { RawClient } from '../helpers/resp-client.js';
import { Server } from '../../src/server/server.js';
import { processCommand } from '../../src/server/dispatch.js';
import type { Client } from '../../src/server/client.js';

const servers = serversForFile();

const opened: Redis[] = [];
/** ioredis 6 speaks RESP3 unless told otherwise; these tests read RESP2 shapes. */
function io(port = servers.srv.port, protocol: 2 | 3 = 2): Redis {
  const r = new Redis({ port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 1, protocol });
  opened.push(r);
  return r;
}
function closeAll(): void {
  for (const r of opened.splice(0)) r.disconnect();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Settles to 'pending' if p has not settled within ms. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([p, sleep(ms).then(() => 'pending' as const)]);
}

test('ioredis: adds, scores, ranks and ranges', async () => {
  const r = io();
  try {
    await r.flushall();
    assert.equal(await r.zadd('z', 1, 'a', 2, 'b', 3, 'c'), 3);
    assert.equal(await r.zadd('z', 'CH', 5, 'a', 2, 'b'), 1);
    assert.equal(await r.zadd('z', 'NX', 'INCR', 1, 'a'), null);
    assert.equal(await r.zincrby('z', 0.5, 'b'), '2.5');
    assert.deepEqual(await r.call('ZRANGE', 'z', 0, -1, 'WITHSCORES'), ['b', '2.5', 'c', '3', 'a', '5']);
    assert.deepEqual(await r.zrangebyscore('z', '(2.5', '+inf'), ['c', 'a']);
    assert.deepEqual(await r.zrevrangebyscore('z', '+inf', '-inf', 'LIMIT', 0, 1), ['a']);
    assert.equal(await r.zrank('z', 'a'), 2);
    assert.equal(await r.zrevrank('z', 'a'), 0);
    assert.equal(await r.zrank('z', 'nope'), null);
    assert.equal(await r.zscore('z', 'c'), '3');
    assert.deepEqual(await r.zmscore('z', 'a', 'x'), ['5', null]);
    assert.equal(await r.zcount('z', 3, 5), 2);
    assert.equal(await r.zcard('z'), 3);
    assert.equal(await r.call('ZRANGESTORE', 'dst', 'z', 0, 1), 2);
    assert.deepEqual(await r.call('ZRANGE', 'dst', 0, -1), ['b', 'c']);
    assert.deepEqual(await r.zpopmin('z'), ['b', '2.5']);
    assert.deepEqual(await r.zpopmax('z', 5), ['a', '5', 'c', '3']);
    assert.equal(await r.exists('z'), 0, 'an emptied zset is deleted');
    await assert.rejects(r.zadd('z', 'NX', 'XX', 1, 'a'), /XX and NX options at the same time are not compatible/);
    await assert.rejects(r.zadd('z', 'nan', 'a'), /not a valid float/);
    await r.set('s', 'x');
    await assert.rejects(r.zadd('s', 1, 'a'), /^ReplyError: WRONGTYPE/);
    // RESP3: nested [member, score] pairs, which ioredis flattens for its typed helpers
    const r3 = io(servers.srv.port, 3);
    await r3.zadd('p', 1, 'x', 2, 'y');
    assert.deepEqual(await r3.call('ZRANGE', 'p', '0', '-1', 'WITHSCORES'), [['x', '1'], ['y', '2']]);
    assert.deepEqual(await r3.zrangebyscore('p', '-inf', '+inf', 'WITHSCORES'), ['x', '1', 'y', '2']);
    assert.equal(await r3.zscore('p', 'y'), '2');
  } finally {
    closeAll();
  }
});

test('ioredis: lex ranges, set algebra, ZRANDMEMBER and ZSCAN', async () => {
  const r = io();
  try {
    await r.flushall();
    await r.zadd('l', 0, 'a', 0, 'b', 0, 'c', 0, 'd');
    assert.deepEqual(await r.zrangebylex('l', '[b', '+'), ['b', 'c', 'd']);
    assert.deepEqual(await r.zrevrangebylex('l', '(d', '-', 'LIMIT', 1, 5), ['b', 'a']);
    assert.equal(await r.zlexcount('l', '(a', '[c'), 2);
    assert.equal(await r.zremrangebylex('l', '-', '(c'), 2);
    await r.zadd('z1', 1, 'a', 2, 'b');
    await r.zadd('z2', 10, 'b', 20, 'c');
    assert.deepEqual(await r.zunion(2, 'z1', 'z2', 'WITHSCORES'), ['a', '1', 'b', '12', 'c', '20']);
    assert.deepEqual(await r.zinter(2, 'z1', 'z2', 'AGGREGATE', 'MAX', 'WITHSCORES'), ['b', '10']);
    assert.deepEqual(await r.zdiff(2, 'z1', 'z2'), ['a']);
    assert.equal(await r.zunionstore('u', 2, 'z1', 'z2', 'WEIGHTS', 2, 1), 3);
    assert.deepEqual(await r.call('ZRANGE', 'u', 0, -1, 'WITHSCORES'), ['a', '2', 'b', '14', 'c', '20']);
    assert.equal(await r.zintercard(2, 'z1', 'z2'), 1);
    const all = await r.zrandmember('u', 10);
    assert.deepEqual([...(all as string[])].sort(), ['a', 'b', 'c']);
    const rep = (await r.zrandmember('u', -20)) as string[];
    assert.equal(rep.length, 20);
    for (const m of rep) assert.ok(['a', 'b', 'c'].includes(m));
    const two = (await r.zrandmember('u', 2)) as string[];
    assert.equal(new Set(two).size, 2);
    // a small zset is scanned in one call; a big one with cursors covers every member
    assert.deepEqual(await r.zscan('u', 0), ['0', ['a', '2', 'b', '14', 'c', '20']]);
    const args: (string | number)[] = [];
    for (let i = 0; i < 1000; i++) args.push(i, `m${i}`);
    await r.zadd('big', ...args);
    assert.equal(await r.object('ENCODING', 'big'), 'skiplist');
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    do {
      const [next, items] = await r.zscan('big', cursor, 'COUNT', 50);
      for (let i = 0; i < items.length; i += 2) {
        seen.add(items[i]);
        assert.equal(items[i + 1], items[i].slice(1), 'score travels with its member');
      }
      cursor = next;
      calls++;
    } while (cursor !== '0');
    assert.equal(seen.size, 1000);
    assert.ok(calls > 5, 'a skiplist zset is scanned in several steps');
  } finally {
    closeAll();
  }
});

test('node-redis: RESP2 helpers and RESP3 reply shapes', async () => {
  const c = createClient({ socket: { port: servers.srv.port, host: '127.0.0.1' } });
  await c.connect();
  try {
    await c.flushAll();
    assert.equal(await c.zAdd('z', [{ score: 1, value: 'a' }, { score: 2.5, value: 'b' }]), 2);
    assert.deepEqual(await c.zRangeWithScores('z', 0, -1), [
      { value: 'a', score: 1 },
      { value: 'b', score: 2.5 },
    ]);
    assert.equal(await c.zScore('z', 'b'), 2.5);
    assert.equal(await c.zCard('z'), 2);
    assert.deepEqual(await c.zPopMax('z'), { value: 'b', score: 2.5 });
  } finally {
    await c.quit();
  }
  // RESP3: WITHSCORES replies are arrays of [member, double] pairs, as in Redis 7.0
  const raw = await RawClient.connect(servers.srv.port);
  const rr = await RawClient.connect(servers.ref.port);
  try {
    for (const cl of [raw, rr]) {
      await cl.call('HELLO', '3');
      await cl.call('DEL', 'r3');
      await cl.call('ZADD', 'r3', '1', 'a', '2.5', 'b');
    }
    for (const cmd of [
      ['ZRANGE', 'r3', '0', '-1', 'WITHSCORES'],
      ['ZPOPMIN', 'r3', '1'],
      ['ZSCORE', 'r3', 'b'],
      ['ZRANDMEMBER', 'r3', '5', 'WITHSCORES'],
      ['ZUNION', '1', 'r3', 'WITHSCORES'],
      ['ZMPOP', '1', 'r3', 'MAX', 'COUNT', '3'],
      ['ZMPOP', '1', 'r3', 'MAX'],
    ]) {
      assert.deepEqual(await raw.call(...cmd), await rr.call(...cmd), cmd.join(' '));
    }
  } finally {
    raw.close();
    rr.close();
  }
});

test('HLL: PFADD/PFCOUNT/PFMERGE bytes equal redis-server', async () => {
  const ours = io();
  const theirs = io(servers.ref.port);
  try {
    for (const r of [ours, theirs]) await r.del('h1', 'h2', 'hm');
    const els = Array.from({ length: 5000 }, (_, i) => `el:${i}`);
    for (const r of [ours, theirs]) {
      await r.pfadd('h1', ...els.slice(0, 100));
      await r.pfadd('h2', ...els.slice(50, 5000));
      await r.pfmerge('hm', 'h1', 'h2');
    }
    for (const k of ['h1', 'h2', 'hm']) {
      const a = await ours.getBuffer(k);
      const b = await theirs.getBuffer(k);
      assert.ok(a !== null && b !== null);
      assert.equal(a.toString('hex'), b.toString('hex'), `bytes of ${k}`);
      assert.equal(await ours.pfcount(k), await theirs.pfcount(k));
    }
    const n = await ours.pfcount('hm');
    assert.ok(Math.abs(n - 5000) < 5000 * 0.03, `estimate ${n} close to 5000`);
    assert.equal(await ours.pfcount('h1', 'h2'), await theirs.pfcount('h1', 'h2'));
    await ours.set('notahll', 'hello');
    await assert.rejects(ours.pfadd('notahll', 'x'), /WRONGTYPE Key is not a valid HyperLogLog string value/);
  } finally {
    closeAll();
  }
});

test('BZPOPMIN: waiters are served in arrival order, one element each', async () => {
  const [w1, w2, w3, p] = [io(), io(), io(), io()];
  try {
    await p.del('bz');
    const r1 = w1.bzpopmin('bz', 0);
    await sleep(30);
    const r2 = w2.bzpopmin('bz', 0);
    await sleep(30);
    const r3 = w3.bzpopmax('bz', 0);
    await sleep(30);
    assert.equal(await within(r1, 50), 'pending');
    await p.zadd('bz', 3, 'c', 1, 'a', 2, 'b');
    assert.deepEqual(await r1, ['bz', 'a', '1']);
    assert.deepEqual(await r2, ['bz', 'b', '2']);
    assert.deepEqual(await r3, ['bz', 'c', '3']);
    assert.equal(await p.exists('bz'), 0);
  } finally {
    closeAll();
  }
});

test('BZPOPMIN: timeouts, several keys and immediate pops', async () => {
  const [w, p] = [io(), io()];
  try {
    await p.del('k1', 'k2', 'k3');
    const t0 = Date.now();
    assert.equal(await w.bzpopmin('k1', 0.2), null);
    const took = Date.now() - t0;
    assert.ok(took >= 180 && took < 1500, `timed out after ${took} ms`);
    const r = w.bzpopmax('k1', 'k2', 'k3', 5);
    await sleep(30);
    await p.zadd('k2', 1, 'x', 9, 'y');
    assert.deepEqual(await r, ['k2', 'y', '9']);
    await p.zadd('k3', 4, 'q');
    assert.deepEqual(await w.bzpopmin('k1', 'k3', 'k2', 0), ['k3', 'q', '4']);
    // BZMPOP with COUNT: nested reply, served by a later ZADD
    const m = w.call('BZMPOP', '0', '2', 'k1', 'k3', 'MIN', 'COUNT', '2');
    await sleep(30);
    await p.zadd('k3', 1, 'a', 2, 'b', 3, 'c');
    assert.deepEqual(await m, ['k3', [['a', '1'], ['b', '2']]]);
    assert.equal(await w.call('BZMPOP', '0.05', '1', 'nokey', 'MAX'), null);
  } finally {
    closeAll();
  }
});

test('BZPOPMIN: MULTI/EXEC serves after EXEC, wrong types and emptied keys keep waiting', async () => {
  const [w, p] = [io(), io()];
  try {
    await p.del('bm');
    const r = w.bzpopmin('bm', 0);
    await sleep(30);
    // created and emptied inside one transaction: the waiter never sees it
    await p.multi().zadd('bm', 1, 'a').zrem('bm', 'a').exec();
    assert.equal(await within(r, 80), 'pending');
    // a list under that name does not serve a zset waiter
    await p.rpush('bm', 'x');
    assert.equal(await within(r, 80), 'pending');
    await p.del('bm');
    await p.multi().zadd('bm', 5, 'e', 6, 'f').zincrby('bm', 10, 'e').exec();
    assert.deepEqual(await r, ['bm', 'f', '6']);
    assert.deepEqual(await p.call('ZRANGE', 'bm', 0, -1, 'WITHSCORES'), ['e', '15']);
  } finally {
    closeAll();
  }
});

test('BZPOPMIN: a disconnected waiter is skipped', async () => {
  const [w1, w2, p] = [io(), io(), io()];
  try {
    await p.del('bd');
    w1.bzpopmin('bd', 0).catch(() => {});
    await sleep(30);
    const r2 = w2.bzpopmin('bd', 0);
    await sleep(30);
    w1.disconnect();
    await sleep(50);
    await p.zadd('bd', 1, 'a');
    assert.deepEqual(await r2, ['bd', 'a', '1']);
  } finally {
    closeAll();
  }
});

test('encodings follow zset-max-listpack-* given at startup', async () => {
  const s = await startRedoubt(['--zset-max-listpack-entries', '3', '--zset-max-listpack-value', '8']);
  const r = new Redis({ port: s.port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 1 });
  try {
    await r.zadd('z', 1, 'a', 2, 'b', 3, 'c');
    assert.equal(await r.object('ENCODING', 'z'), 'listpack');
    await r.zadd('z', 4, 'd');
    assert.equal(await r.object('ENCODING', 'z'), 'skiplist');
    await r.zpopmin('z', 3);
    assert.equal(await r.object('ENCODING', 'z'), 'skiplist', 'removals never convert back');
    await r.zunionstore('u', 1, 'z');
    assert.equal(await r.object('ENCODING', 'u'), 'listpack', 'ZUNIONSTORE converts back when small');
    await r.zadd('long', 1, '123456789');
    assert.equal(await r.object('ENCODING', 'long'), 'skiplist');
    await r.zadd('z2', 1, 'a', 2, 'b', 3, 'c', 4, 'd');
    await r.call('ZRANGESTORE', 'rs', 'z2', 0, 2);
    assert.equal(await r.object('ENCODING', 'rs'), 'listpack');
    await r.call('ZRANGESTORE', 'rs', 'z2', 0, -1);
    assert.equal(await r.object('ENCODING', 'rs'), 'skiplist');
  } finally {
    r.disconnect();
    await s.stop();
  }
});

test('keyspace events of zset and HLL commands match redis-server', async () => {
  async function events(port: number): Promise<string[]> {
    const mk = () => new Redis({ port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 1 });
    const [sub, r, w] = [mk(), mk(), mk()];
    const got: string[] = [];
    try {
      await r.config('SET', 'notify-keyspace-events', 'KEA');
      await r.flushall();
      await sub.psubscribe('__keyevent@0__:*');
      sub.on('pmessage', (_p, ch, msg) => got.push(`${ch.slice(ch.indexOf(':') + 1)} ${msg}`));
      await r.zadd('z', 1, 'a', 2, 'b', 3, 'c', 4, 'd', 5, 'e');
      await r.zadd('z', 'NX', 1, 'a');
      await r.zincrby('z', 1, 'a');
      await r.zadd('z', 'INCR', 1, 'a');
      await r.zrem('z', 'a', 'zz');
      await r.zrem('z', 'zz');
      await r.zremrangebyscore('z', 2, 2);
      await r.zremrangebyrank('z', 0, 0);
      await r.zremrangebylex('z', '-', '+');
      await r.zadd('y', 1, 'p', 2, 'q');
      await r.zpopmin('y');
      await r.zpopmax('y', 5);
      await r.zadd('a', 1, 'x');
      await r.zunionstore('u', 1, 'a');
      await r.zinterstore('i', 1, 'a');
      await r.zdiffstore('d', 1, 'a');
      await r.call('ZRANGESTORE', 'rs', 'a', 0, -1);
      await r.zunionstore('u', 1, 'nokey');
      await r.call('ZRANGESTORE', 'rs', 'nokey', 0, -1);
      await r.call('ZMPOP', '1', 'a', 'MIN');
      const b = w.bzpopmax('bz', 0);
      await sleep(30);
      await r.zadd('bz', 1, 'v');
      await b;
      await r.pfadd('h', 'a', 'b');
      await r.pfadd('h', 'a');
      await r.pfcount('h');
      await r.pfmerge('hm', 'h');
      await r.ping();
      await sleep(50);
      return got;
    } finally {
      sub.disconnect();
      r.disconnect();
      w.disconnect();
    }
  }
  const [a, b] = await Promise.all([events(servers.srv.port), events(servers.ref.port)]);
  assert.deepEqual(a, b);
  assert.ok(a.length > 20);
});

test('in-process: served and immediate pops propagate as ZPOPMIN/ZPOPMAX', async () => {
  const server = new Server();
  const log: string[] = [];
  server.hooks.propagate.push((db, argv) => log.push(`${db}:${argv.join(' ')}`));
  const mk = (): Client => server.createClient(null, false);
  const a = mk();
  const b = mk();
  const c = mk();
  const run = (cl: Client, ...argv: string[]) => processCommand(server, cl, argv);
  try {
    run(a, 'BZPOPMIN', 'q', '0');
    run(b, 'BZMPOP', '0', '1', 'q', 'MAX', 'COUNT', '5');
    assert.equal(a.out, '', 'blocked: no reply yet');
    run(c, 'ZADD', 'q', '1', 'x', '2', 'y', '3', 'z');
    assert.deepEqual(log, ['0:ZADD q 1 x 2 y 3 z', '0:ZPOPMIN q', '0:ZPOPMAX q 5']);
    assert.equal(a.out, '*3\r\n$1\r\nq\r\n$1\r\nx\r\n$1\r\n1\r\n');
    assert.equal(b.out, '*2\r\n$1\r\nq\r\n*2\r\n*2\r\n$1\r\nz\r\n$1\r\n3\r\n*2\r\n$1\r\ny\r\n$1\r\n2\r\n');
    log.length = 0;
    run(c, 'ZADD', 'k', '1', 'a', '2', 'b', '3', 'c');
    run(c, 'BZPOPMAX', 'nokey', 'k', '0');
    run(c, 'ZMPOP', '1', 'k', 'MIN', 'COUNT', '1');
    run(c, 'BZMPOP', '0', '1', 'k', 'MIN');
    run(c, 'ZMPOP', '1', 'k', 'MIN');
    run(c, 'BZPOPMIN', 'nokey', '0.01');
    assert.deepEqual(log, ['0:ZADD k 1 a 2 b 3 c', '0:ZPOPMAX k', '0:ZPOPMIN k 1', '0:ZPOPMIN k 1']);
  } finally {
    await server.close();
  }
});
