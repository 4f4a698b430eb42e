// String and bit commands over real sockets with ioredis and node-redis:
// binary-safe values (every byte value, Buffers in and out), 1 MB values,
// pipelines of 1000 INCRs, SET options and TTLs, INCRBYFLOAT formatting,
// BITFIELD, the keyspace events compared with the reference redis-server, and
// (in-process) the rewritten forms in which writes are propagated.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createClient, RESP_TYPES } from 'redis';
import { serversForFile } from '../helpers/servers.js';
import { RawClient, RespError } from '../helpers/resp-client.js';
import { Server } from '../../src/server/server.js';
import { processCommand } from '../../src/server/dispatch.js';
import type { Client } from '../../src/server/client.js';
import { stringEncoding } from '../../src/store/strings.js';

const servers = serversForFile();

function io(port = servers.srv.port): Redis {
  return new Redis({ port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 1 });
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

test('ioredis: binary-safe keys and values with Buffers', async () => {
  const r = io();
  try {
    const key = Buffer.concat([Buffer.from('bin:'), ALL_BYTES]);
    assert.equal(await r.set(key, ALL_BYTES), 'OK');
    assert.deepEqual(await r.getBuffer(key), ALL_BYTES);
    assert.equal(await r.strlen(key), 256);
    // bytes that are invalid UTF-8 survive APPEND, GETRANGE and SETRANGE
    const bad = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80]);
    assert.equal(await r.append(key, bad), 262);
    assert.deepEqual(await r.getrangeBuffer(key, -6, -1), bad);
    assert.equal(await r.setrange(key, 1, Buffer.from([0xc0, 0xc1])), 262);
    const full = await r.getBuffer(key);
    assert.ok(full);
    assert.deepEqual(full.subarray(0, 4), Buffer.from([0, 0xc0, 0xc1, 3]));
    // random binary through MSET/MGET
    const vals = Array.from({ length: 20 }, () => randomBytes(1 + Math.floor(Math.random() * 300)));
    const args: Buffer[] = [];
    vals.forEach((v, i) => args.push(Buffer.from(`rb:${i}`), v));
    assert.equal(await r.mset(...args), 'OK');
    const got = await r.mgetBuffer(...vals.map((_, i) => `rb:${i}`), 'rb:missing');
    assert.deepEqual(got.slice(0, 20), vals);
    assert.equal(got[20], null);
    // bit commands see raw bytes
    await r.set('bits', Buffer.from([0x80, 0x00, 0xff]));
    assert.equal(await r.getbit('bits', 0), 1);
    assert.equal(await r.bitcount('bits'), 9);
    assert.equal(await r.bitpos('bits', 1, 1), 16);
    await r.bitop('NOT', 'nbits', 'bits');
    assert.deepEqual(await r.getBuffer('nbits'), Buffer.from([0x7f, 0xff, 0x00]));
  } finally {
    r.disconnect();
  }
});

test('ioredis: 1 MB values round-trip through SET, GET, APPEND, GETRANGE, GETDEL', async () => {
  const r = io();
  try {
    const big = randomBytes(1024 * 1024);
    assert.equal(await r.set('big', big), 'OK');
    assert.deepEqual(await r.getBuffer('big'), big);
    assert.equal(await r.strlen('big'), big.length);
    assert.equal(await r.append('big', big), 2 * big.length);
    assert.deepEqual(await r.getrangeBuffer('big', big.length, -1), big);
    assert.equal(await r.bitcount('big'), 2 * popcount(big));
    assert.equal(await r.setrange('sparse', 1024 * 1024, 'x'), 1024 * 1024 + 1);
    const sparse = await r.getBuffer('sparse');
    assert.ok(sparse);
    assert.equal(sparse.length, 1024 * 1024 + 1);
    assert.equal(sparse[0], 0);
    assert.equal(sparse[1024 * 1024], 0x78);
    const gd = await r.getdelBuffer('big');
    assert.ok(gd);
    assert.equal(gd.length, 2 * big.length);
    assert.equal(await r.exists('big'), 0);
  } finally {
    r.disconnect();
  }
});

function popcount(b: Buffer): number {
  let n = 0;
  for (const x of b) for (let v = x; v; v &= v - 1) n++;
  return n;
}

test('ioredis: a pipeline of 1000 INCRs returns 1..1000 in order', async () => {
  const r = io();
  try {
    await r.del('ctr');
    const p = r.pipeline();
    for (let i = 0; i < 1000; i++) p.incr('ctr');
    const res = await p.exec();
    assert.ok(res);
    assert.equal(res.length, 1000);
    res.forEach(([err, v], i) => {
      assert.equal(err, null);
      assert.equal(v, i + 1);
    });
    assert.equal(await r.get('ctr'), '1000');
    // mixed pipeline with an error in the middle
    const q = r.pipeline().incrby('ctr', 5).set('s', 'x').incr('s').decrby('ctr', 1005).incrbyfloat('ctr', '0.5');
    const out = await q.exec();
    assert.ok(out);
    assert.equal(out[0][1], 1005);
    assert.equal((out[2][0] as Error).message, 'ERR value is not an integer or out of range');
    assert.equal(out[3][1], 0);
    assert.equal(out[4][1], '0.5');
  } finally {
    r.disconnect();
  }
});

test('ioredis: 64-bit counters stay exact past 2^53', async () => {
  const r = io();
  try {
    await r.set('c', '9007199254740991');
    assert.equal(await r.call('INCR', 'c'), 9007199254740992);
    assert.equal(await r.get('c'), '9007199254740992');
    await r.call('INCRBY', 'c', '9007199254740993');
    assert.equal(await r.get('c'), '18014398509481985');
    await r.set('c', '9223372036854775806');
    await r.call('INCR', 'c');
    assert.equal(await r.get('c'), '9223372036854775807');
    await assert.rejects(r.call('INCR', 'c'), /ERR increment or decrement would overflow/);
    await assert.rejects(r.call('DECRBY', 'c', '-9223372036854775808'), /ERR decrement would overflow/);
    await r.set('c', '-9223372036854775807');
    await r.call('DECR', 'c');
    assert.equal(await r.get('c'), '-9223372036854775808');
    await assert.rejects(r.call('DECR', 'c'), /overflow/);
  } finally {
    r.disconnect();
  }
});

test('ioredis: SET options, TTLs and expiry', async () => {
  const r = io();
  try {
    assert.equal(await r.set('o', 'v', 'EX', 100), 'OK');
    assert.equal(await r.ttl('o'), 100);
    assert.equal(await r.set('o', 'w', 'KEEPTTL'), 'OK');
    assert.equal(await r.ttl('o'), 100);
    assert.equal(await r.set('o', 'x', 'NX'), null);
    assert.equal(await r.set('o', 'x', 'XX', 'GET'), 'w');
    assert.equal(await r.ttl('o'), -1);
    assert.equal(await r.set('o', 'y', 'PX', 80), 'OK');
    assert.equal(await r.get('o'), 'y');
    await sleep(150);
    assert.equal(await r.get('o'), null);
    await assert.rejects(r.set('o', 'v', 'EX', 0), /ERR invalid expire time in 'set' command/);
    await assert.rejects(r.call('SET', 'o', 'v', 'NX', 'XX'), /ERR syntax error/);
    await assert.rejects(r.call('SETEX', 'o', '-1', 'v'), /ERR invalid expire time in 'setex' command/);
    assert.equal(await r.setex('o', 50, 'v'), 'OK');
    assert.equal(await r.getex('o', 'PERSIST'), 'v');
    assert.equal(await r.ttl('o'), -1);
    assert.equal(await r.getex('o', 'EXAT', 1), 'v');
    assert.equal(await r.exists('o'), 0);
    assert.equal(await r.setnx('o', '1'), 1);
    assert.equal(await r.setnx('o', '2'), 0);
    assert.equal(await r.msetnx('o', '3', 'p', '4'), 0);
    assert.equal(await r.exists('p'), 0);
  } finally {
    r.disconnect();
  }
});

test('ioredis: INCRBYFLOAT uses long-double arithmetic and Redis formatting', async () => {
  const r = io();
  try {
    await r.del('f');
    assert.equal(await r.incrbyfloat('f', '10.5'), '10.5');
    assert.equal(await r.incrbyfloat('f', '0.1'), '10.6');
    assert.equal(await r.incrbyfloat('f', '-5'), '5.6');
    await r.set('f', '5.0e3');
    assert.equal(await r.incrbyfloat('f', '2.0e2'), '5200');
    await r.set('f', '0.1');
    assert.equal(await r.incrbyfloat('f', '0.2'), '0.3');
    await assert.rejects(r.incrbyfloat('f', 'abc'), /ERR value is not a valid float/);
    await assert.rejects(r.incrbyfloat('f', 'inf'), /ERR increment would produce NaN or Infinity/);
  } finally {
    r.disconnect();
  }
});

test('ioredis: BITFIELD and LCS', async () => {
  const r = io();
  try {
    await r.del('bf');
    assert.deepEqual(await r.call('BITFIELD', 'bf', 'SET', 'i8', 0, -100, 'GET', 'u8', 0, 'INCRBY', 'u2', 100, 5), [0, 156, 1]);
    assert.deepEqual(
      await r.call('BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'INCRBY', 'u8', 0, 500, 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', 0, 1),
      [255, null],
    );
    assert.deepEqual(await r.call('BITFIELD_RO', 'bf', 'GET', 'i8', 0), [-1]);
    await r.mset('la', 'ohmytext', 'lb', 'mynewtext');
    assert.equal(await r.call('LCS', 'la', 'lb'), 'mytext');
    assert.equal(await r.call('LCS', 'la', 'lb', 'LEN'), 6);
    assert.deepEqual(await r.call('LCS', 'la', 'lb', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'), [
      'matches',
      [[[4, 7], [5, 8], 4]],
      'len',
      6,
    ]);
  } finally {
    r.disconnect();
  }
});

for (const RESP of [2, 3] as const) {
  test(`node-redis RESP${RESP}: strings, Buffers, big values, pipelines`, async () => {
    const client = createClient({ url: `redis://127.0.0.1:${servers.srv.port}`, RESP });
    await client.connect();
    try {
      await client.del(['n:k', 'n:ctr', 'n:big', 'n:bin', 'n:f', 'n:bits']);
      assert.equal(await client.set('n:k', 'v', { expiration: { type: 'EX', value: 100 } }), 'OK');
      assert.equal(await client.get('n:k'), 'v');
      assert.equal(await client.ttl('n:k'), 100);
      assert.equal(await client.get('n:missing'), null);
      assert.deepEqual(await client.mGet(['n:k', 'n:missing']), ['v', null]);
      assert.equal(await client.getDel('n:k'), 'v');
      // Buffers in and out
      const bufClient = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
      await client.set('n:bin', ALL_BYTES);
      assert.deepEqual(await bufClient.get('n:bin'), ALL_BYTES);
      const big = randomBytes(1024 * 1024);
      await client.set('n:big', big);
      assert.deepEqual(await bufClient.get('n:big'), big);
      assert.equal(await client.strLen('n:big'), big.length);
      // 1000 INCRs sent without waiting (auto-pipelined)
      const res = await Promise.all(Array.from({ length: 1000 }, () => client.incr('n:ctr')));
      assert.deepEqual(res, Array.from({ length: 1000 }, (_, i) => i + 1));
      // explicit pipeline (MULTI-less batch)
      const batch = await client.multi().incrBy('n:ctr', 10).decr('n:ctr').get('n:ctr').execAsPipeline();
      assert.deepEqual(batch, [1010, 1009, '1009']);
      assert.equal(await client.incrByFloat('n:f', 1.5), '1.5');
      assert.equal(await client.getRange('n:bin', 0, 2), '\x00\x01\x02');
      assert.equal(await client.setRange('n:bin', 256, 'x'), 257);
      assert.equal(await client.setBit('n:bits', 7, 1), 0);
      assert.equal(await client.getBit('n:bits', 7), 1);
      assert.equal(await client.bitCount('n:bits'), 1);
    } finally {
      await client.quit().catch(() => {});
    }
  });
}

test('exact RESP2 and RESP3 bytes match redis-server for nil and LCS IDX replies', async () => {
  for (const port of [servers.srv.port, servers.ref.port]) {
    const c = await RawClient.connect(port);
    try {
      await c.call('FLUSHALL');
      await c.call('MSET', 'a', 'ohmytext', 'b', 'mynewtext');
    } finally {
      c.close();
    }
  }
  const script: string[][] = [
    ['GET', 'nokey'],
    ['MGET', 'a', 'nokey'],
    ['SET', 'a', 'x', 'NX'],
    ['GETEX', 'nokey'],
    ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN'],
    ['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9'],
  ];
  for (const proto of ['2', '3']) {
    const replies: string[][] = [];
    for (const port of [servers.srv.port, servers.ref.port]) {
      const c = await RawClient.connect(port);
      try {
        await c.call('HELLO', proto);
        const out: string[] = [];
        for (const cmd of script) out.push(await rawReply(c, cmd));
        replies.push(out);
      } finally {
        c.close();
      }
    }
    assert.deepEqual(replies[0], replies[1], `RESP${proto}`);
  }
});

/** The exact bytes of one reply. */
async function rawReply(c: RawClient, argv: string[]): Promise<string> {
  const chunks: Buffer[] = [];
  const onData = (d: Buffer) => chunks.push(d);
  c.sock.on('data', onData);
  try {
    const r = await c.call(...argv);
    if (r instanceof RespError) return '-' + r.message;
    return Buffer.concat(chunks).toString('latin1');
  } finally {
    c.sock.off('data', onData);
  }
}

test('keyspace events of string and bit commands match redis-server', async () => {
  async function events(port: number): Promise<string[]> {
    const [sub, r] = [io(port), io(port)];
    const got: string[] = [];
    try {
      await r.flushall();
      await r.config('SET', 'notify-keyspace-events', 'KEA');
      await sub.psubscribe('__keyevent@0__:*');
      sub.on('pmessage', (_p, ch, msg) => got.push(`${ch.slice(ch.indexOf(':') + 1)} ${msg}`));
      await r.set('k', 'v');
      await r.set('k', 'v', 'EX', 100);
      await r.set('k', 'v', 'NX'); // aborted: no event
      await r.set('k', 'w', 'XX', 'GET');
      await r.setnx('n', '1');
      await r.setex('e', 10, 'v');
      await r.psetex('e', 10000, 'v');
      await r.getset('k', 'x');
      await r.mset('a', '1', 'b', '2');
      await r.msetnx('a', '1', 'c', '3'); // aborted
      await r.msetnx('c', '1', 'd', '3');
      await r.append('k', 'yz');
      await r.setrange('k', 1, 'Q');
      await r.setrange('k', 1, ''); // no change: no event
      await r.incr('n');
      await r.decr('n');
      await r.incrby('n', 5);
      await r.decrby('n', 5);
      await r.incrbyfloat('n', '1.5');
      await r.getex('k', 'EX', 100);
      await r.getex('k', 'PERSIST');
      await r.getex('k', 'PERSIST'); // no TTL: no event
      await r.getex('k', 'PXAT', 1);
      await r.getdel('a');
      await r.getdel('a'); // missing: no event
      await r.setbit('bits', 3, 1);
      await r.setbit('bits', 3, 1); // unchanged: no event
      await r.setbit('bits', 100, 0); // grows: event
      await r.bitfield('bits', 'SET', 'u8', 0, 7);
      await r.bitfield('bits', 'GET', 'u8', 0); // read: no event
      await r.bitfield('bits', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', 0, 1000); // failed: no event
      await r.bitop('AND', 'dest', 'bits', 'b');
      await r.bitop('AND', 'dest', 'nokey');
      await r.bitop('OR', 'dest2', 'nokey'); // nothing to delete: no event
      await r.set('end', '1');
      for (let i = 0; i < 100 && !got.includes('set end'); i++) await sleep(10);
      return got;
    } finally {
      await r.config('SET', 'notify-keyspace-events', '').catch(() => {});
      sub.disconnect();
      r.disconnect();
    }
  }
  const [ours, theirs] = [await events(servers.srv.port), await events(servers.ref.port)];
  assert.ok(theirs.includes('set end'));
  assert.deepEqual(ours, theirs);
});

test('in-process: writes are propagated in Redis rewritten forms', async () => {
  const server = new Server();
  const log: string[] = [];
  server.hooks.propagate.push((db, argv) => log.push(`${db}:${argv.join(' ')}`));
  const c: Client = server.createClient(null, false);
  const run = (...argv: string[]) => {
    c.out = '';
    processCommand(server, c, argv);
    return c.out;
  };
  try {
    const before = Date.now();
    run('SET', 'k', 'v', 'EX', '100');
    const m = /^0:SET k v PXAT (\d+)$/.exec(log[0]);
    assert.ok(m, log[0]);
    const when = Number(m[1]);
    assert.ok(when >= before + 100000 && when <= Date.now() + 100000);
    log.length = 0;
    run('SET', 'k', 'v', 'EXAT', '32503680000');
    run('SET', 'k', 'w', 'GET');
    run('SET', 'k', 'w2', 'get', 'XX', 'GET');
    run('SETEX', 's', '10', 'v');
    run('SET', 'k', 'x', 'NX'); // not written: not propagated
    run('GETSET', 'k', 'y');
    run('INCRBYFLOAT', 'f', '1.5');
    run('INCRBYFLOAT', 'f', '0.1');
    run('GETEX', 'k', 'PXAT', '32503680000000');
    run('GETEX', 'k', 'PERSIST');
    run('GETEX', 'k', 'PERSIST');
    run('GETEX', 'k');
    run('GETDEL', 'k');
    run('GETEX', 'f', 'EXAT', '1');
    run('INCR', 'n');
    run('MSET', 'a', '1', 'b', '2');
    run('SETBIT', 'bits', '1', '1');
    run('SETBIT', 'bits', '1', '1');
    assert.equal(log[0], '0:SET k v PXAT 32503680000000');
    assert.equal(log[1], '0:SET k w');
    assert.equal(log[2], '0:SET k w2 XX');
    assert.match(log[3], /^0:SET s v PXAT \d+$/);
    assert.deepEqual(log.slice(4), [
      '0:SET k y',
      '0:SET f 1.5 KEEPTTL',
      '0:SET f 1.6 KEEPTTL',
      '0:PEXPIREAT k 32503680000000',
      '0:PERSIST k',
      '0:DEL k',
      '0:DEL f',
      '0:INCR n',
      '0:MSET a 1 b 2',
      '0:SETBIT bits 1 1',
    ]);
    assert.equal(run('GET', 'f'), '$-1\r\n');
  } finally {
    await server.close();
  }
});

test('OBJECT ENCODING helper for strings', () => {
  assert.equal(stringEncoding('12345'), 'int');
  assert.equal(stringEncoding('-9223372036854775808'), 'int');
  assert.equal(stringEncoding('9223372036854775808'), 'embstr');
  assert.equal(stringEncoding('012'), 'embstr');
  assert.equal(stringEncoding('-0'), 'embstr');
  assert.equal(stringEncoding(''), 'embstr');
  assert.equal(stringEncoding('x'.repeat(44)), 'embstr');
  assert.equal(stringEncoding('x'.repeat(45)), 'raw');
});
