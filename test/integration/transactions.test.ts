// Transactions over real sockets: WATCH invalidated by another client's
// write, by expiry and by FLUSHALL/FLUSHDB/SWAPDB; EXEC atomicity as seen by
// concurrent readers and by blocked clients; ioredis and node-redis MULTI
// helpers; EXECABORT; and cleanup of a client that disconnects mid-MULTI.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startRedoubt, type Running } from '../helpers/servers.js';
import { RawClient, RespError } from '../helpers/resp-client.js';

let srv: Running;
before(async () => {
  srv = await startRedoubt();
});
after(async () => {
  await srv?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function io(): Redis {
  return new Redis({ port: srv.port, host: '127.0.0.1', protocol: 2, enableReadyCheck: false, maxRetriesPerRequest: 1 });
}

test('WATCH: another client writing the key makes EXEC return nil', async () => {
  const a = io();
  const b = io();
  try {
    await a.flushall();
    await a.set('balance', '10');
    await a.watch('balance');
    const v = Number(await a.get('balance'));
    await b.incrby('balance', 5); // concurrent change
    const res = await a.multi().set('balance', String(v - 3)).exec();
    assert.equal(res, null);
    assert.equal(await a.get('balance'), '15');

    // the same sequence without interference commits
    await a.watch('balance');
    const res2 = await a.multi().decrby('balance', 3).exec();
    assert.deepEqual(res2, [[null, 12]]);

    // a write to another key, or to the same key in another db, does not interfere
    await a.watch('balance');
    await b.set('other', 'x');
    await b.select(1);
    await b.set('balance', '0');
    assert.deepEqual(await a.multi().get('balance').exec(), [[null, '12']]);

    // reads do not interfere
    await a.watch('balance');
    await b.select(0);
    await b.get('balance');
    await b.exists('balance');
    assert.deepEqual(await a.multi().get('balance').exec(), [[null, '12']]);

    // deleting, expiring, renaming away a watched key all interfere
    for (const touch of [() => b.del('balance'), () => b.expire('balance', 100), () => b.rename('balance', 'moved')]) {
      await b.set('balance', '1');
      await a.watch('balance');
      await touch();
      assert.equal(await a.multi().ping().exec(), null);
    }
  } finally {
    a.disconnect();
    b.disconnect();
  }
});

test('WATCH: expiry of the watched key fails EXEC, whether or not the key was reclaimed', async () => {
  const a = io();
  try {
    await a.flushall();
    // logically expired at EXEC time (maybe not yet deleted)
    await a.set('t', 'v', 'PX', 50);
    await a.watch('t');
    await sleep(120);
    assert.equal(await a.multi().ping().exec(), null);

    // actively expired by the server cycle while nobody touches it
    await a.set('t2', 'v', 'PX', 30);
    await a.watch('t2');
    const end = Date.now() + 3000;
    while (Date.now() < end && (await a.dbsize()) > 0) await sleep(20);
    assert.equal(await a.multi().ping().exec(), null);

    // a key that was already expired when watched does not fail EXEC
    await a.set('t3', 'v', 'PX', 10);
    await sleep(50);
    await a.watch('t3');
    assert.deepEqual(await a.multi().ping().exec(), [[null, 'PONG']]);

    // a TTL far in the future is not an expiry
    await a.set('t4', 'v', 'EX', 1000);
    await a.watch('t4');
    assert.deepEqual(await a.multi().ping().exec(), [[null, 'PONG']]);
  } finally {
    a.disconnect();
  }
});

test('WATCH: FLUSHALL, FLUSHDB and SWAPDB from another client', async () => {
  const a = io();
  const b = io();
  try {
    await a.flushall();
    await a.set('w', '1');
    await a.watch('w');
    await b.flushall();
    assert.equal(await a.multi().ping().exec(), null);

    // the watched key did not exist: FLUSHALL changes nothing for it
    await a.watch('w');
    await b.flushall();
    assert.deepEqual(await a.multi().ping().exec(), [[null, 'PONG']]);

    await a.set('w', '1');
    await a.watch('w');
    await b.flushdb();
    assert.equal(await a.multi().ping().exec(), null);

    // FLUSHDB of another database
    await a.set('w', '1');
    await a.watch('w');
    await b.select(3);
    await b.flushdb();
    assert.deepEqual(await a.multi().ping().exec(), [[null, 'PONG']]);

    // SWAPDB brings a different value in
    await b.set('w', 'from-3');
    await a.watch('w');
    await b.swapdb(0, 3);
    assert.equal(await a.multi().get('w').exec(), null);
    assert.equal(await a.get('w'), 'from-3');
  } finally {
    await a.flushall();
    a.disconnect();
    b.disconnect();
  }
});

test('EXEC is atomic: a concurrent reader never sees half a transaction', async () => {
  const writer = io();
  const reader = io();
  try {
    await writer.flushall();
    await writer.mset('x', '0', 'y', '0');
    let stop = false;
    let reads = 0;
    const readLoop = (async () => {
      while (!stop) {
        const p = reader.pipeline();
        for (let i = 0; i < 20; i++) p.mget('x', 'y');
        for (const [err, v] of (await p.exec())!) {
          assert.equal(err, null);
          const [x, y] = v as string[];
          assert.equal(x, y, `reader saw x=${x} y=${y}`);
          reads++;
        }
      }
    })();
    for (let i = 1; i <= 300; i++) {
      const res = await writer.multi().set('x', String(i)).incr('counter').set('y', String(i)).exec();
      assert.equal(res![0][1], 'OK');
    }
    stop = true;
    await readLoop;
    assert.ok(reads > 0);
    assert.equal(await writer.get('counter'), '300');
  } finally {
    reader.disconnect();
    writer.disconnect();
  }
});

test('a blocked client is served only after EXEC, with the final state', async () => {
  const a = io();
  const blocked = io();
  try {
    await a.flushall();
    const pop = blocked.blpop('q', 5);
    await sleep(50);
    // the list exists only in the middle of the transaction: nobody is served
    const res = await a.multi().rpush('q', 'mid').del('q').exec();
    assert.deepEqual(res, [[null, 1], [null, 1]]);
    await sleep(50);
    await a.rpush('q', 'final');
    assert.deepEqual(await pop, ['q', 'final']);

    // a blocking command inside MULTI does not block
    assert.deepEqual(await a.multi().blpop('empty', 0).exec(), [[null, null]]);
  } finally {
    a.disconnect();
    blocked.disconnect();
  }
});

test('EXECABORT and runtime errors through ioredis', async () => {
  const a = io();
  try {
    await a.flushall();
    await assert.rejects(a.multi().set('k', 'v').call('NOSUCHCMD').exec(), /EXECABORT Transaction discarded because of previous errors/);
    assert.equal(await a.exists('k'), 0);
    await a.set('str', 'abc');
    const res = await a.multi().lpush('str', 'x').set('k', 'v').exec();
    assert.ok(res![0][0] instanceof Error && /WRONGTYPE/.test(String(res![0][0])));
    assert.deepEqual(res![1], [null, 'OK']);
  } finally {
    a.disconnect();
  }
});

test('node-redis: MULTI/EXEC and WATCH errors', async () => {
  const c = createClient({ url: `redis://127.0.0.1:${srv.port}`, RESP: 2 });
  const other = createClient({ url: `redis://127.0.0.1:${srv.port}`, RESP: 3 });
  await c.connect();
  await other.connect();
  try {
    await c.flushAll();
    const res = await c.multi().set('a', '1').incr('a').get('a').exec();
    assert.deepEqual(res, ['OK', 2, '2']);
    const conn = await c.duplicate().connect();
    try {
      await conn.watch('a');
      await other.set('a', '100');
      await assert.rejects(conn.multi().set('a', '5').exec(), (e: Error) => e.name === 'WatchError' || /watch/i.test(e.message));
      assert.equal(await c.get('a'), '100');
    } finally {
      await conn.quit().catch(() => {});
    }
    // RESP3 transaction
    const r3 = await other.multi().set('b', 'x').get('b').exec();
    assert.deepEqual(r3, ['OK', 'x']);
  } finally {
    await c.quit().catch(() => {});
    await other.quit().catch(() => {});
  }
});

test('a client that disconnects inside MULTI or while watching leaves nothing behind', async () => {
  const a = io();
  try {
    await a.flushall();
    const r = await RawClient.connect(srv.port);
    assert.equal(await r.call('WATCH', 'k'), 'OK');
    assert.equal(await r.call('MULTI'), 'OK');
    assert.equal(await r.call('SET', 'k', 'never'), 'QUEUED');
    r.close();
    await sleep(50);
    await a.set('k', 'v'); // touching a key an already freed client watched
    assert.equal(await a.get('k'), 'v');

    // EXEC with arguments discards the transaction
    const r2 = await RawClient.connect(srv.port);
    await r2.call('MULTI');
    await r2.call('SET', 'z', '1');
    const err = await r2.call('EXEC', 'now');
    assert.ok(err instanceof RespError);
    assert.equal(err.message, "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command");
    assert.equal(await r2.call('GET', 'z'), null);
    r2.close();
  } finally {
    a.disconnect();
  }
});
