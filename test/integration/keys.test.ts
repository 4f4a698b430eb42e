// Keyspace and expiry commands over real sockets with ioredis and node-redis:
// the generic commands, the active expire cycle reclaiming keys nobody reads,
// SCAN's guarantee under concurrent writes, and keyspace notifications.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startRedoubt, type Running } from '../helpers/servers.js';

let srv: Running;
before(async () => {
  srv = await startRedoubt();
});
after(async () => {
  await srv?.stop();
});

function io(): Redis {
  return new Redis({ port: srv.port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 1, lazyConnect: false });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('ioredis: DEL/EXISTS/TYPE/RENAME/RENAMENX/COPY/MOVE/TOUCH', async () => {
  const r = io();
  try {
    await r.flushall();
    await r.mset('a', '1', 'b', '2', 'c', '3');
    assert.equal(await r.exists('a', 'a', 'b', 'zz'), 3);
    assert.equal(await r.type('a'), 'string');
    assert.equal(await r.type('zz'), 'none');
    assert.equal(await r.del('a', 'zz'), 1);
    assert.equal(await r.unlink('b', 'b'), 1);
    assert.equal(await r.touch('c', 'a'), 1);

    await r.set('src', 'v');
    await r.pexpire('src', 100000);
    assert.equal(await r.rename('src', 'dst'), 'OK');
    assert.equal(await r.exists('src'), 0);
    const pttl = await r.pttl('dst');
    assert.ok(pttl > 90000 && pttl <= 100000, `TTL carried over by RENAME: ${pttl}`);
    await assert.rejects(r.rename('nosuch', 'x'), /ERR no such key/);
    assert.equal(await r.rename('dst', 'dst'), 'OK');
    await r.set('other', 'o');
    assert.equal(await r.renamenx('dst', 'other'), 0);
    assert.equal(await r.get('other'), 'o');

    assert.equal(await r.copy('dst', 'copy'), 1);
    assert.equal(await r.get('copy'), 'v');
    assert.ok((await r.pttl('copy')) > 90000, 'COPY carries the TTL');
    assert.equal(await r.copy('dst', 'other'), 0);
    assert.equal(await r.copy('dst', 'other', 'REPLACE'), 1);
    assert.equal(await r.get('other'), 'v');
    await assert.rejects(r.copy('dst', 'dst'), /ERR source and destination objects are the same/);
    assert.equal(await r.call('COPY', 'dst', 'dst', 'DB', '3'), 1);

    assert.equal(await r.move('copy', 2), 1);
    assert.equal(await r.exists('copy'), 0);
    await r.select(2);
    assert.equal(await r.get('copy'), 'v');
    assert.ok((await r.pttl('copy')) > 90000, 'MOVE carries the TTL');
    await r.select(3);
    assert.equal(await r.get('dst'), 'v');
    await r.select(0);
    await assert.rejects(r.move('dst', 0), /ERR source and destination objects are the same/);
    await assert.rejects(r.move('dst', 99), /ERR DB index is out of range/);
  } finally {
    r.disconnect();
  }
});

test('ioredis: expiry commands, options and errors', async () => {
  const r = io();
  try {
    await r.flushall();
    await r.set('k', 'v');
    assert.equal(await r.ttl('k'), -1);
    assert.equal(await r.ttl('none'), -2);
    assert.equal(await r.expire('k', 100, 'NX'), 1);
    assert.equal(await r.expire('k', 200, 'NX'), 0);
    assert.equal(await r.expire('k', 50, 'GT'), 0);
    assert.equal(await r.expire('k', 300, 'GT'), 1);
    assert.equal(await r.ttl('k'), 300);
    assert.equal(await r.expire('k', 400, 'LT'), 0);
    assert.equal(await r.call('EXPIRE', 'k', '30', 'LT'), 1);
    assert.equal(await r.ttl('k'), 30);
    await assert.rejects(r.call('EXPIRE', 'k', '1', 'NX', 'XX'), /ERR NX and XX, GT or LT options at the same time are not compatible/);
    await assert.rejects(r.call('EXPIRE', 'k', '1', 'GT', 'LT'), /ERR GT and LT options at the same time are not compatible/);
    await assert.rejects(r.call('EXPIRE', 'k', '9223372036854775807'), /ERR invalid expire time in 'expire' command/);
    await assert.rejects(r.call('PEXPIRE', 'k', '9223372036854775807'), /ERR invalid expire time in 'pexpire' command/);
    assert.equal(await r.pexpireat('k', 4102444800123), 1);
    assert.equal(await r.pexpiretime('k'), 4102444800123);
    assert.equal(await r.expiretime('k'), 4102444800);
    assert.equal(await r.persist('k'), 1);
    assert.equal(await r.persist('k'), 0);
    assert.equal(await r.expiretime('k'), -1);
    // A deadline in the past deletes the key at once.
    assert.equal(await r.expire('k', 0), 1);
    assert.equal(await r.exists('k'), 0);
    await r.set('k2', 'v');
    assert.equal(await r.pexpireat('k2', 1), 1);
    assert.equal(await r.dbsize(), 0);
    // Lazy expiry on access.
    await r.set('k3', 'v');
    await r.pexpire('k3', 30);
    await sleep(80);
    assert.equal(await r.get('k3'), null);
    assert.equal(await r.pttl('k3'), -2);
  } finally {
    r.disconnect();
  }
});

test('node-redis: KEYS, SCAN iterator with MATCH/TYPE, OBJECT, SWAPDB, FLUSHDB (RESP2 and RESP3)', async () => {
  for (const RESP of [2, 3] as const) {
    const c = createClient({ socket: { port: srv.port, host: '127.0.0.1' }, RESP });
    c.on('error', () => {});
    await c.connect();
    try {
      await c.flushAll();
      const want = new Set<string>();
      for (let i = 0; i < 500; i++) want.add(`user:${i}`);
      await c.mSet([...want].map((k) => [k, 'x'] as [string, string]));
      await c.set('other', '12345');
      assert.equal(await c.dbSize(), 501);
      assert.deepEqual(new Set(await c.keys('user:*')), want);
      assert.deepEqual(await c.keys('other'), ['other']);
      assert.deepEqual(await c.keys('nope'), []);

      const seen = new Set<string>();
      for await (const batch of c.scanIterator({ MATCH: 'user:*', COUNT: 37 })) for (const k of batch) seen.add(k);
      assert.deepEqual(seen, want);
      const strings: string[] = [];
      for await (const batch of c.scanIterator({ TYPE: 'string', COUNT: 1000 })) strings.push(...batch);
      assert.equal(strings.length, 501);
      const lists: string[] = [];
      for await (const batch of c.scanIterator({ TYPE: 'list', COUNT: 1000 })) lists.push(...batch);
      assert.equal(lists.length, 0);

      assert.equal(await c.objectEncoding('other'), 'int');
      assert.equal(await c.objectEncoding('user:1'), 'embstr');
      assert.equal(await c.objectEncoding('missing'), null);
      assert.equal(await c.sendCommand(['OBJECT', 'REFCOUNT', 'user:1']), 1);
      const idle = (await c.sendCommand(['OBJECT', 'IDLETIME', 'user:1'])) as number;
      assert.ok(idle >= 0 && idle <= 2);
      await assert.rejects(c.sendCommand(['OBJECT', 'FREQ', 'user:1']), /An LFU maxmemory policy is not selected/);

      await c.sendCommand(['SWAPDB', '0', '7']);
      assert.equal(await c.dbSize(), 0);
      await c.select(7);
      assert.equal(await c.dbSize(), 501);
      assert.equal(await c.sendCommand(['FLUSHDB', 'ASYNC']), 'OK');
      assert.equal(await c.dbSize(), 0);
      await c.select(0);
      await assert.rejects(c.sendCommand(['SWAPDB', 'x', '1']), /ERR invalid first DB index/);
      await assert.rejects(c.sendCommand(['FLUSHALL', 'LATER']), /ERR syntax error/);
    } finally {
      await c.quit().catch(() => c.disconnect());
    }
  }
});

test('active expiry reclaims 10k keys nobody reads', async () => {
  const r = io();
  try {
    await r.flushall();
    await r.set('keeper', 'v');
    const p = r.pipeline();
    for (let i = 0; i < 10000; i++) {
      p.set(`vol:${i}`, 'x');
      p.pexpire(`vol:${i}`, 50);
    }
    p.dbsize();
    const res = await p.exec();
    assert.ok(res && res.every(([err]) => err === null));
    // DBSIZE in the same pipeline: the last keys were set a moment ago.
    const before = res[res.length - 1][1] as number;
    assert.ok(before > 1, `keys were created (${before})`);
    // Only DBSIZE from now on: nothing looks the keys up, so only the cron can delete them.
    const deadline = Date.now() + 10000;
    let n = before;
    while (Date.now() < deadline) {
      await sleep(50);
      n = await r.dbsize();
      if (n === 1) break;
    }
    assert.equal(n, 1, 'every expired key was reclaimed by the active expire cycle');
    assert.equal(await r.get('keeper'), 'v');
  } finally {
    r.disconnect();
  }
});

test('SCAN returns every key present for the whole scan while keys are added and deleted', async () => {
  const scanner = io();
  const writer = io();
  try {
    await scanner.flushall();
    const stable: string[] = [];
    const p = writer.pipeline();
    for (let i = 0; i < 3000; i++) {
      stable.push(`stable:${i}`);
      p.set(`stable:${i}`, 'x');
      p.set(`churn:${i}`, 'x');
    }
    await p.exec();
    const seen = new Set<string>();
    let cursor = '0';
    let nextNew = 0;
    let nextDel = 0;
    let steps = 0;
    do {
      const [next, keys] = await scanner.scan(cursor, 'COUNT', 25);
      for (const k of keys) seen.add(k);
      cursor = next;
      steps++;
      // Churn between every step: delete some keys that existed at the start, add new ones.
      const w = writer.pipeline();
      for (let j = 0; j < 15; j++) w.set(`new:${nextNew++}`, 'y');
      for (let j = 0; j < 10 && nextDel < 3000; j++) w.del(`churn:${nextDel++}`);
      await w.exec();
      assert.ok(steps < 100000, 'scan terminates');
    } while (cursor !== '0');
    for (const k of stable) assert.ok(seen.has(k), `stable key ${k} returned by SCAN`);
    for (const k of seen) assert.match(k, /^(stable|churn|new):\d+$/);
    assert.ok(nextNew > 0 && nextDel > 0, 'keys were really added and deleted during the scan');
  } finally {
    scanner.disconnect();
    writer.disconnect();
  }
});

test('SCAN is per database and skips expired keys', async () => {
  const r = io();
  try {
    await r.flushall();
    await r.mset('a', '1', 'b', '2');
    await r.pexpire('b', 20);
    await r.select(1);
    await r.set('c', '3');
    await r.select(0);
    await sleep(60);
    const [cur, keys] = await r.scan('0', 'COUNT', 1000);
    assert.equal(cur, '0');
    assert.deepEqual(keys, ['a']);
    await assert.rejects(r.scan('notacursor'), /ERR invalid cursor/);
  } finally {
    r.disconnect();
  }
});

test('keyspace notifications for generic and expiry events', async () => {
  const ns = await startRedoubt(['--notify-keyspace-events', 'Egx']);
  const opts = { port: ns.port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 1 };
  const r = new Redis(opts);
  const sub = new Redis(opts);
  try {
    const events: string[] = [];
    sub.on('pmessage', (_p: string, ch: string, key: string) => events.push(`${ch.slice(ch.indexOf('__:') + 3)} ${key}`));
    await sub.psubscribe('__keyevent@*__:*');
    await r.set('a', 'v');
    await r.rename('a', 'b');
    await r.copy('b', 'c');
    await r.move('c', 1);
    await r.expire('b', 100);
    await r.persist('b');
    await r.expire('b', 0);
    await r.set('d', 'v');
    await r.del('d', 'nokey');
    await r.set('e', 'v');
    await r.pexpire('e', 10);
    await sleep(300);
    assert.deepEqual(events, [
      'rename_from a',
      'rename_to b',
      'copy_to c',
      'move_from c',
      'move_to c',
      'expire b',
      'persist b',
      'del b',
      'del d',
      'expire e',
      'expired e',
    ]);
  } finally {
    r.disconnect();
    sub.disconnect();
    await ns.stop();
  }
});
