// Pub/Sub over real sockets: ioredis and node-redis subscribers in RESP2 and
// RESP3 (channels, patterns, shard channels), subscription cleanup on
// disconnect, binary payloads, ordering under pipelining, keyspace
// notifications for several notify-keyspace-events settings, and the
// pubsub output buffer limit for a subscriber that does not read.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startRedoubt, type Running } from '../helpers/servers.js';
import { RawClient, Typed, type Reply } from '../helpers/resp-client.js';

let srv: Running;
before(async () => {
  srv = await startRedoubt();
});
after(async () => {
  await srv?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function io(protocol: 2 | 3 = 2): Redis {
  return new Redis({ port: srv.port, host: '127.0.0.1', protocol, enableReadyCheck: false, maxRetriesPerRequest: 1 });
}

/** Resolves when `pred` holds, polling; fails after `ms`. */
async function until(pred: () => boolean | Promise<boolean>, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await sleep(10);
  }
  assert.fail(`timed out waiting for ${what}`);
}

for (const protocol of [2, 3] as const) {
  test(`ioredis RESP${protocol}: channels, patterns and shard channels`, async () => {
    const sub = io(protocol);
    const pub = io(2);
    try {
      const got: string[] = [];
      sub.on('message', (ch: string, msg: string) => got.push(`message ${ch} ${msg}`));
      sub.on('pmessage', (pat: string, ch: string, msg: string) => got.push(`pmessage ${pat} ${ch} ${msg}`));
      sub.on('smessage', (ch: string, msg: string) => got.push(`smessage ${ch} ${msg}`));
      assert.equal(await sub.subscribe('news', 'sport'), 2);
      assert.equal(await sub.psubscribe('n*'), 3);
      assert.equal(await sub.ssubscribe('shard1'), 1);

      assert.deepEqual(await pub.pubsub('NUMSUB', 'news', 'sport', 'nothing'), ['news', 1, 'sport', 1, 'nothing', 0]);
      assert.equal(await pub.pubsub('NUMPAT'), 1);
      assert.deepEqual(((await pub.pubsub('CHANNELS')) as string[]).sort(), ['news', 'sport']);
      assert.deepEqual(await pub.pubsub('CHANNELS', 's*'), ['sport']);
      assert.deepEqual(await pub.pubsub('SHARDCHANNELS'), ['shard1']);
      assert.deepEqual(await pub.pubsub('SHARDNUMSUB', 'shard1'), ['shard1', 1]);

      assert.equal(await pub.publish('news', 'hello'), 2); // channel + pattern
      assert.equal(await pub.publish('sport', 'goal'), 1);
      assert.equal(await pub.publish('nope', 'x'), 1); // pattern only
      assert.equal(await pub.publish('other', 'x'), 0);
      assert.equal(await pub.spublish('shard1', 'sharded'), 1);
      assert.equal(await pub.spublish('news', 'not-sharded'), 0);
      await until(() => got.length >= 5, 3000, 'messages');
      await sleep(30);
      assert.deepEqual(got, [
        'message news hello',
        'pmessage n* news hello',
        'message sport goal',
        'pmessage n* nope x',
        'smessage shard1 sharded',
      ]);

      await sub.unsubscribe('news');
      await sub.punsubscribe('n*');
      assert.equal(await pub.publish('news', 'again'), 0);
      assert.equal(await pub.publish('sport', 'again'), 1);
      await until(() => got.length === 6, 3000, 'last message');
      assert.equal(got[5], 'message sport again');
    } finally {
      sub.disconnect();
      pub.disconnect();
    }
  });

  test(`node-redis RESP${protocol}: subscribe, pSubscribe, sSubscribe`, async () => {
    const client = createClient({ url: `redis://127.0.0.1:${srv.port}`, RESP: protocol });
    await client.connect();
    const sub = client.duplicate();
    await sub.connect();
    try {
      const got: string[] = [];
      await sub.subscribe('chan', (msg, ch) => got.push(`${ch}:${msg}`));
      await sub.pSubscribe('pat.*', (msg, ch) => got.push(`p ${ch}:${msg}`));
      await sub.sSubscribe('sh', (msg, ch) => got.push(`s ${ch}:${msg}`));
      assert.equal(await client.publish('chan', 'one'), 1);
      assert.equal(await client.publish('pat.x', 'two'), 1);
      assert.equal(await client.sPublish('sh', 'three'), 1);
      await until(() => got.length === 3, 3000, 'node-redis messages');
      assert.deepEqual(got, ['chan:one', 'p pat.x:two', 's sh:three']);
      await sub.unsubscribe('chan');
      await sub.pUnsubscribe('pat.*');
      await sub.sUnsubscribe('sh');
      assert.equal(await client.publish('chan', 'gone'), 0);
      assert.deepEqual(await client.pubSubNumSub(['chan']), { chan: 0 });
      assert.equal(await client.pubSubNumPat(), 0);
    } finally {
      await sub.quit().catch(() => {});
      await client.quit().catch(() => {});
    }
  });
}

test('RESP3 client keeps running commands while subscribed and gets pushes', async () => {
  const c = await RawClient.connect(srv.port);
  const pub = await RawClient.connect(srv.port);
  try {
    await c.call('HELLO', '3');
    const r = (await c.call('SUBSCRIBE', 'x')) as Typed;
    assert.ok(r instanceof Typed && r.type === 'push');
    assert.deepEqual(r.value, ['subscribe', 'x', 1]);
    assert.equal(await c.call('PING'), 'PONG');
    assert.equal(await pub.call('PUBLISH', 'x', 'hi'), 1);
    const m = (await c.read()) as Typed;
    assert.ok(m instanceof Typed && m.type === 'push');
    assert.deepEqual(m.value, ['message', 'x', 'hi']);
    // a message to itself comes before the reply to PUBLISH
    c.send(['PUBLISH', 'x', 'self']);
    const first = (await c.read()) as Typed;
    assert.deepEqual(first.value, ['message', 'x', 'self']);
    assert.equal(await c.read(), 1);
  } finally {
    c.close();
    pub.close();
  }
});

test('RESP2 subscribed mode refuses other commands', async () => {
  const c = await RawClient.connect(srv.port);
  try {
    c.send(['SUBSCRIBE', 'a', 'b']);
    assert.deepEqual(await c.read(), ['subscribe', 'a', 1]);
    assert.deepEqual(await c.read(), ['subscribe', 'b', 2]);
    const err = await c.call('GET', 'x');
    assert.match(String((err as { message: string }).message), /^ERR Can't execute 'get': only \(P\|S\)SUBSCRIBE/);
    assert.deepEqual(await c.call('PING'), ['pong', '']);
    c.send(['UNSUBSCRIBE']);
    const got = [await c.read(), await c.read()] as Reply[][];
    assert.deepEqual(got.map((x) => x[1]).sort(), ['a', 'b']);
    assert.deepEqual(got.map((x) => x[2]).sort(), [0, 1]);
    assert.equal(await c.call('PING'), 'PONG');
  } finally {
    c.close();
  }
});

test('binary channels and payloads round-trip, messages keep their order under pipelining', async () => {
  const sub = io(2);
  const pub = io(2);
  try {
    const bin = Buffer.from([0, 1, 0xff, 0x0d, 0x0a, 0x80]);
    const chan = Buffer.from([0xfe, 0x00]);
    const got: Buffer[] = [];
    const chans: Buffer[] = [];
    sub.on('messageBuffer', (ch: Buffer, msg: Buffer) => {
      chans.push(ch);
      got.push(msg);
    });
    await sub.subscribe(chan);
    assert.equal(await pub.publish(chan, bin), 1);
    const p = pub.pipeline();
    for (let i = 0; i < 2000; i++) p.publish(chan, String(i));
    const res = await p.exec();
    assert.ok(res!.every(([e, n]) => e === null && n === 1));
    await until(() => got.length === 2001, 5000, '2001 messages');
    assert.ok(got[0].equals(bin));
    assert.ok(chans[0].equals(chan));
    for (let i = 0; i < 2000; i++) assert.equal(got[i + 1].toString(), String(i));
  } finally {
    sub.disconnect();
    pub.disconnect();
  }
});

test('subscriptions are dropped when a subscriber disconnects or RESETs', async () => {
  const pub = io(2);
  try {
    const c = await RawClient.connect(srv.port);
    c.send(['SUBSCRIBE', 'gone']);
    await c.read();
    c.send(['PSUBSCRIBE', 'gone*']);
    await c.read();
    c.send(['SSUBSCRIBE', 'sgone']);
    await c.read();
    assert.deepEqual(await pub.pubsub('NUMSUB', 'gone'), ['gone', 1]);
    assert.equal(await pub.pubsub('NUMPAT'), 1);
    c.close();
    await until(async () => ((await pub.pubsub('NUMPAT')) as unknown) === 0, 3000, 'pattern cleanup');
    assert.deepEqual(await pub.pubsub('NUMSUB', 'gone'), ['gone', 0]);
    assert.deepEqual(await pub.pubsub('SHARDNUMSUB', 'sgone'), ['sgone', 0]);
    assert.equal(await pub.publish('gone', 'x'), 0);

    const d = await RawClient.connect(srv.port);
    d.send(['SUBSCRIBE', 'r']);
    await d.read();
    assert.equal(await d.call('RESET'), 'RESET');
    assert.deepEqual(await pub.pubsub('NUMSUB', 'r'), ['r', 0]);
    assert.equal(await d.call('PING'), 'PONG');
    d.close();
  } finally {
    pub.disconnect();
  }
});

/** Collects keyspace notifications with a pattern subscriber. */
async function collector(pattern = '__key*__:*'): Promise<{ events: string[]; close: () => void }> {
  const sub = io(2);
  const events: string[] = [];
  sub.on('pmessage', (_p: string, ch: string, msg: string) => events.push(`${ch} ${msg}`));
  await sub.psubscribe(pattern);
  return { events, close: () => sub.disconnect() };
}

test('keyspace notifications: KEA for SET, DEL, EXPIRE and expired keys', async () => {
  const r = io(2);
  const col = await collector();
  try {
    await r.config('SET', 'notify-keyspace-events', 'KEA');
    assert.deepEqual(await r.config('GET', 'notify-keyspace-events'), ['notify-keyspace-events', 'AKE']);
    await r.set('k1', 'v');
    await r.expire('k1', 100);
    await r.del('k1');
    await r.set('k2', 'v', 'PX', 30);
    await until(() => col.events.includes('__keyevent@0__:expired k2'), 3000, 'expired event');
    assert.deepEqual(col.events, [
      '__keyspace@0__:k1 set',
      '__keyevent@0__:set k1',
      '__keyspace@0__:k1 expire',
      '__keyevent@0__:expire k1',
      '__keyspace@0__:k1 del',
      '__keyevent@0__:del k1',
      '__keyspace@0__:k2 set',
      '__keyevent@0__:set k2',
      '__keyspace@0__:k2 expire',
      '__keyevent@0__:expire k2',
      '__keyspace@0__:k2 expired',
      '__keyevent@0__:expired k2',
    ]);
    // the database number is part of the channel
    col.events.length = 0;
    await r.select(5);
    await r.set('k3', 'v');
    await until(() => col.events.length === 2, 3000, 'db 5 events');
    assert.deepEqual(col.events, ['__keyspace@5__:k3 set', '__keyevent@5__:set k3']);
    await r.del('k3');
  } finally {
    await r.config('SET', 'notify-keyspace-events', '');
    col.close();
    r.disconnect();
  }
});

test('keyspace notifications honour the class and K/E flags', async () => {
  const r = io(2);
  const col = await collector();
  try {
    // keyevent only, string commands only: DEL (generic) and EXPIRE are silent
    await r.config('SET', 'notify-keyspace-events', 'E$');
    await r.set('a', '1');
    await r.del('a');
    await r.set('b', '1', 'EX', 100);
    await r.publish('marker', 'm'); // nothing subscribed; just a round trip
    await sleep(50);
    assert.deepEqual(col.events, ['__keyevent@0__:set a', '__keyevent@0__:set b']);

    // keyspace only, generic commands only
    col.events.length = 0;
    await r.config('SET', 'notify-keyspace-events', 'Kg');
    await r.set('c', '1');
    await r.expire('c', 50);
    await r.del('c');
    await sleep(50);
    assert.deepEqual(col.events, ['__keyspace@0__:c expire', '__keyspace@0__:c del']);

    // expired events only (x), keyevent channel
    col.events.length = 0;
    await r.config('SET', 'notify-keyspace-events', 'Ex');
    await r.set('d', '1', 'PX', 20);
    await r.set('e', '1');
    await until(() => col.events.length === 1, 3000, 'expired only');
    await sleep(30);
    assert.deepEqual(col.events, ['__keyevent@0__:expired d']);

    // new keys (n, not part of A) and key misses (m)
    col.events.length = 0;
    await r.config('SET', 'notify-keyspace-events', 'EAnm');
    await r.set('n1', '1');
    await r.set('n1', '2');
    await r.get('missing');
    await r.del('n1');
    await until(() => col.events.length === 5, 3000, 'new/keymiss events');
    assert.deepEqual(col.events, [
      '__keyevent@0__:new n1',
      '__keyevent@0__:set n1',
      '__keyevent@0__:set n1',
      '__keyevent@0__:keymiss missing',
      '__keyevent@0__:del n1',
    ]);

    // classes without K or E publish nothing
    col.events.length = 0;
    await r.config('SET', 'notify-keyspace-events', 'g$x');
    await r.set('f', '1', 'PX', 10);
    await r.del('e');
    await sleep(150);
    await r.get('f');
    assert.deepEqual(col.events, []);

    // disabled
    await r.config('SET', 'notify-keyspace-events', '');
    await r.set('g', '1');
    await r.del('g');
    await sleep(50);
    assert.deepEqual(col.events, []);
  } finally {
    await r.config('SET', 'notify-keyspace-events', '');
    await r.flushall();
    col.close();
    r.disconnect();
  }
});

test('keyspace notifications reach RESP3 subscribers of exact channels, inside MULTI too', async () => {
  const r = io(2);
  const sub = createClient({ url: `redis://127.0.0.1:${srv.port}`, RESP: 3 });
  await sub.connect();
  try {
    await r.config('SET', 'notify-keyspace-events', 'KA');
    const got: string[] = [];
    await sub.subscribe('__keyspace@0__:tx', (msg) => got.push(msg));
    const res = await r.multi().set('tx', '1').expire('tx', 100).del('tx').exec();
    assert.deepEqual(res, [[null, 'OK'], [null, 1], [null, 1]]);
    await until(() => got.length === 3, 3000, 'transaction events');
    assert.deepEqual(got, ['set', 'expire', 'del']);
  } finally {
    await r.config('SET', 'notify-keyspace-events', '');
    await sub.quit().catch(() => {});
    r.disconnect();
  }
});

test('a subscriber that does not read is disconnected at the pubsub output buffer limit', async () => {
  const pub = io(2);
  const slow = await RawClient.connect(srv.port);
  try {
    let bytes = 40 * 1024 * 1024; // over the default 32mb hard limit
    try {
      await pub.config('SET', 'client-output-buffer-limit', 'pubsub 1mb 0 0');
      bytes = 8 * 1024 * 1024;
    } catch {
      /* no such parameter: the default pubsub limit applies */
    }
    slow.send(['SUBSCRIBE', 'firehose']);
    assert.deepEqual(await slow.read(), ['subscribe', 'firehose', 1]);
    slow.sock.pause(); // stop reading: the kernel buffers fill, then the server's
    const chunk = 'x'.repeat(256 * 1024);
    for (let sent = 0; sent < bytes; sent += chunk.length) {
      await pub.publish('firehose', chunk);
    }
    await until(async () => ((await pub.pubsub('NUMSUB', 'firehose')) as unknown[])[1] === 0, 5000, 'slow subscriber dropped');
    // other clients are unaffected
    assert.equal(await pub.ping(), 'PONG');
  } finally {
    await pub.config('SET', 'client-output-buffer-limit', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60').catch(() => {});
    slow.close();
    pub.disconnect();
  }
});
