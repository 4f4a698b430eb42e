// Hash commands over real sockets with ioredis and node-redis (RESP2 and
// RESP3), binary safety, HSCAN's guarantee on a hashtable-encoded hash that
// changes during the scan, keyspace events compared with redis-server, RESP3
// reply types compared byte-for-byte with redis-server, and (in-process) the
// propagation of HINCRBYFLOAT as HSET.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { serversForFile } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp-client.js';
import { Server } from '../../src/server/server.js';
import { processCommand } from '../../src/server/dispatch.js';
import type { Client } from '../../src/server/client.js';

const servers = serversForFile();

function io(port = servers.srv.port): Redis {
  return new Redis({ port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 1 });
}


test('ioredis: basic hash commands', async () => {
  const r = io();
  try {
    await r.del('h');
    assert.equal(await r.hset('h', { a: '1', b: '2', c: 'x' }), 3);
    assert.equal(await r.hset('h', 'a', '10', 'd', '4'), 1);
    assert.deepEqual(await r.hgetall('h'), { a: '10', b: '2', c: 'x', d: '4' });
    assert.deepEqual(await r.hkeys('h'), ['a', 'b', 'c', 'd'], 'listpack order is insertion order');
    assert.deepEqual(await r.hvals('h'), ['10', '2', 'x', '4']);
    assert.deepEqual(await r.hmget('h', 'a', 'zz', 'd'), ['10', null, '4']);
    assert.equal(await r.hget('h', 'zz'), null);
    assert.equal(await r.hlen('h'), 4);
    assert.equal(await r.hstrlen('h', 'a'), 2);
    assert.equal(await r.hexists('h', 'c'), 1);
    assert.equal(await r.hsetnx('h', 'c', 'y'), 0);
    assert.equal(await r.hsetnx('h', 'e', 'y'), 1);
    assert.equal(await r.hincrby('h', 'a', 5), 15);
    assert.equal(await r.hincrby('h', 'new', -3), -3);
    assert.equal(await r.hincrbyfloat('h', 'b', '0.1'), '2.1');
    assert.equal(await r.hincrbyfloat('h', 'f', '10.5'), '10.5');
    await assert.rejects(r.hincrby('h', 'c', 1), /ERR hash value is not an integer/);
    await assert.rejects(r.hincrbyfloat('h', 'c', 1), /ERR hash value is not a float/);
    await r.hset('h', 'max', '9223372036854775807');
    await assert.rejects(r.hincrby('h', 'max', 1), /ERR increment or decrement would overflow/);
    assert.equal(await r.hdel('h', 'a', 'b', 'nope'), 2);
    assert.equal(await r.object('ENCODING', 'h'), 'listpack');
    assert.equal(await r.hdel('h', 'c', 'd', 'e', 'new', 'f', 'max'), 6);
    assert.equal(await r.exists('h'), 0, 'an empty hash is deleted');
    await r.set('s', 'v');
    await assert.rejects(r.hget('s', 'a'), /^ReplyError: WRONGTYPE/);
    await assert.rejects(r.hset('s', 'a', '1'), /WRONGTYPE Operation against a key holding the wrong kind of value/);
  } finally {
    r.disconnect();
  }
});

test('ioredis: fields and values are binary safe', async () => {
  const r = io();
  try {
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    const f = Buffer.from([0, 255, 13, 10, 0xc3, 0x28]);
    await r.del('bin');
    await r.hset('bin', f, all, all, f);
    assert.deepEqual(await r.hgetBuffer('bin', f), all);
    assert.deepEqual(await r.hgetBuffer('bin', all), f);
    assert.equal(await r.hstrlen('bin', f), 256);
    const flat = await r.hgetallBuffer('bin');
    assert.equal(Object.keys(flat).length, 2);
    assert.equal(await r.object('ENCODING', 'bin'), 'hashtable', '256-byte value exceeds hash-max-listpack-value');
  } finally {
    r.disconnect();
  }
});

test('listpack -> hashtable conversion follows the config and never goes back', async () => {
  const r = io();
  try {
    await r.del('e');
    await r.config('SET', 'hash-max-listpack-entries', '3');
    await r.hset('e', 'a', '1', 'b', '2', 'c', '3');
    assert.equal(await r.object('ENCODING', 'e'), 'listpack');
    await r.hset('e', 'd', '4');
    assert.equal(await r.object('ENCODING', 'e'), 'hashtable');
    await r.hdel('e', 'a', 'b', 'c');
    assert.equal(await r.object('ENCODING', 'e'), 'hashtable');
    await r.config('SET', 'hash-max-listpack-entries', '512');
    await r.config('SET', 'hash-max-ziplist-value', '4');
    await r.hset('f', 'a', '1234');
    assert.equal(await r.object('ENCODING', 'f'), 'listpack');
    await r.hincrbyfloat('f', 'a', '0.5');
    assert.equal(await r.object('ENCODING', 'f'), 'hashtable', 'a longer HINCRBYFLOAT result converts');
  } finally {
    await r.config('SET', 'hash-max-listpack-entries', '512');
    await r.config('SET', 'hash-max-listpack-value', '64');
    await r.del('e', 'f');
    r.disconnect();
  }
});

test('HSCAN over a hashtable hash returns every field present for the whole scan', async () => {
  const r = io();
  try {
    await r.del('big');
    const N = 2000;
    const init: string[] = [];
    for (let i = 0; i < N; i++) init.push(`f${i}`, `v${i}`);
    await r.hset('big', ...init);
    assert.equal(await r.object('ENCODING', 'big'), 'hashtable');
    const seen = new Map<string, string>();
    let cursor = '0';
    let calls = 0;
    do {
      const [next, items] = await r.hscan('big', cursor, 'COUNT', 50);
      for (let i = 0; i < items.length; i += 2) seen.set(items[i], items[i + 1]);
      // churn: add new fields and delete ones from the second half while scanning
      await r.hset('big', `new${calls}`, 'x');
      if (calls < 100) await r.hdel('big', `f${N - 1 - calls}`);
      cursor = next;
      calls++;
    } while (cursor !== '0' && calls < 10000);
    assert.equal(cursor, '0', 'the scan terminates');
    assert.ok(calls > 10, `scan took ${calls} calls`);
    for (let i = 0; i < N - 100; i++) assert.equal(seen.get(`f${i}`), `v${i}`, `field f${i} was returned with its value`);
    const [, matched] = await r.hscan('big', '0', 'MATCH', 'f1999', 'COUNT', 100000);
    assert.deepEqual(matched, [], 'deleted field is not returned');
    const [c2, one] = await r.hscan('big', '0', 'MATCH', 'f7', 'COUNT', 100000);
    assert.deepEqual([c2, one], ['0', ['f7', 'v7']]);
  } finally {
    await r.del('big');
    r.disconnect();
  }
});

test('node-redis RESP2 and RESP3: hashes', async () => {
  const c2 = createClient({ socket: { port: servers.srv.port, host: '127.0.0.1' }, RESP: 2 });
  const c3 = createClient({ socket: { port: servers.srv.port, host: '127.0.0.1' }, RESP: 3 });
  c2.on('error', () => {});
  c3.on('error', () => {});
  await c2.connect();
  await c3.connect();
  try {
    await c2.del('nh');
    assert.equal(await c2.hSet('nh', { x: '1', y: '2' }), 2);
    assert.deepEqual({ ...(await c2.hGetAll('nh')) }, { x: '1', y: '2' });
    assert.deepEqual({ ...(await c3.hGetAll('nh')) }, { x: '1', y: '2' });
    assert.equal(await c3.hIncrByFloat('nh', 'x', 1.5), '2.5');
    assert.deepEqual(await c3.hRandFieldCount('nh', 5), ['x', 'y']);
    const pairs = (await c3.sendCommand(['HRANDFIELD', 'nh', '5', 'WITHVALUES'])) as unknown;
    assert.deepEqual(pairs, [
      ['x', '2.5'],
      ['y', '2'],
    ]);
    const flat = (await c2.sendCommand(['HRANDFIELD', 'nh', '5', 'WITHVALUES'])) as unknown;
    assert.deepEqual(flat, ['x', '2.5', 'y', '2']);
    const got: string[] = [];
    for await (const entries of c2.hScanIterator('nh')) for (const e of entries) got.push(`${e.field}=${e.value}`);
    assert.deepEqual(got.sort(), ['x=2.5', 'y=2']);
    assert.equal(await c3.hGet('nh', 'missing'), null);
  } finally {
    await c2.quit().catch(() => {});
    await c3.quit().catch(() => {});
  }
});

test('RESP3 hash replies are identical to redis-server', async () => {
  const script: string[][] = [
    ['HELLO', '3'],
    ['HSET', 'h', 'a', '1', 'b', '2'],
    ['HGETALL', 'h'],
    ['HGETALL', 'nokey'],
    ['HKEYS', 'h'],
    ['HRANDFIELD', 'h', '3', 'WITHVALUES'],
    ['HRANDFIELD', 'nokey'],
    ['HRANDFIELD', 'nokey', '2'],
    ['HMGET', 'h', 'a', 'x'],
    ['HINCRBYFLOAT', 'h', 'a', '0.25'],
    ['HSCAN', 'h', '0'],
    ['HGET', 'h', 'x'],
  ];
  const out: unknown[][] = [];
  for (const port of [servers.srv.port, servers.ref.port]) {
    const cl = await RawClient.connect(port);
    try {
      await cl.call('DEL', 'h');
      const replies: unknown[] = [];
      for (const argv of script) {
        const r = await cl.call(...argv);
        replies.push(argv[0] === 'HELLO' ? null : plain(r));
      }
      out.push(replies);
    } finally {
      cl.close();
    }
  }
  assert.deepEqual(out[0], out[1]);
});

test('keyspace events of hash commands match redis-server', async () => {
  async function events(port: number): Promise<string[]> {
    const sub = io(port);
    const r = io(port);
    const got: string[] = [];
    try {
      await r.config('SET', 'notify-keyspace-events', 'KEA');
      await r.del('h', 'h2');
      await sub.psubscribe('__keyevent@0__:*');
      sub.on('pmessage', (_p, ch, msg) => got.push(`${ch.slice(ch.indexOf(':') + 1)} ${msg}`));
      await r.hset('h', 'a', '1', 'b', '2');
      await r.hmset('h', 'c', '3');
      await r.hsetnx('h', 'a', 'x');
      await r.hsetnx('h', 'd', '4');
      await r.hincrby('h', 'a', 1);
      await r.hincrbyfloat('h', 'a', '0.5');
      await r.hincrby('h', 'c', 'x').catch(() => {});
      await r.hdel('h', 'zz');
      await r.hdel('h', 'a', 'b');
      await r.hdel('nokey', 'a');
      await r.hdel('h', 'c', 'd');
      await r.hset('h2', 'x', '1');
      await r.hget('h2', 'x');
      await r.del('h2');
      await r.ping();
      await new Promise((res) => setTimeout(res, 50));
      return got;
    } finally {
      await r.config('SET', 'notify-keyspace-events', '');
      sub.disconnect();
      r.disconnect();
    }
  }
  const [ours, theirs] = await Promise.all([events(servers.srv.port), events(servers.ref.port)]);
  assert.ok(ours.length > 5, JSON.stringify(ours));
  assert.deepEqual(ours, theirs);
});

test('in-process: HINCRBYFLOAT propagates as HSET with the final value', async () => {
  const server = new Server();
  const log: string[] = [];
  server.hooks.propagate.push((db, argv) => log.push(`${db}:${argv.join(' ')}`));
  const cl: Client = server.createClient(null, false);
  const run = (...argv: string[]) => processCommand(server, cl, argv);
  try {
    run('HINCRBYFLOAT', 'h', 'f', '10.5');
    run('HINCRBYFLOAT', 'h', 'f', '0.1');
    run('HINCRBY', 'h', 'g', '2');
    run('HINCRBYFLOAT', 'h', 'f', 'x');
    run('HDEL', 'h', 'nofield');
    assert.deepEqual(log, ['0:HSET h f 10.5', '0:HSET h f 10.6', '0:HINCRBY h g 2']);
  } finally {
    await server.close();
  }
});
