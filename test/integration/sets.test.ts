// Set commands over real sockets with ioredis and node-redis (RESP2 and
// RESP3), intset ordering and conversions, SPOP/SRANDMEMBER distribution
// sanity, SSCAN's guarantee on a changing hashtable set, keyspace events and
// RESP3 reply types compared with redis-server, and (in-process) SPOP's
// propagation as SREM/DEL.

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


test('ioredis: basic set commands', async () => {
  const r = io();
  try {
    await r.del('s', 't', 'd');
    assert.equal(await r.sadd('s', '3', '1', '2', '1'), 3);
    assert.deepEqual(await r.smembers('s'), ['1', '2', '3'], 'an intset lists members in ascending order');
    assert.equal(await r.object('ENCODING', 's'), 'intset');
    assert.equal(await r.sismember('s', '2'), 1);
    assert.deepEqual(await r.smismember('s', '1', 'x', '3'), [1, 0, 1]);
    assert.equal(await r.scard('s'), 3);
    assert.equal(await r.sadd('s', 'x'), 1);
    assert.equal(await r.object('ENCODING', 's'), 'hashtable');
    assert.equal(await r.srem('s', 'x', 'nope'), 1);
    assert.equal(await r.object('ENCODING', 's'), 'hashtable', 'no conversion back');
    await r.sadd('t', '2', '3', '4');
    assert.deepEqual((await r.sinter('s', 't')).sort(), ['2', '3']);
    assert.deepEqual((await r.sunion('s', 't')).sort(), ['1', '2', '3', '4']);
    assert.deepEqual(await r.sdiff('t', 's'), ['4']);
    assert.equal(await r.sinterstore('d', 's', 't'), 2);
    assert.deepEqual(await r.smembers('d'), ['2', '3']);
    assert.equal(await r.object('ENCODING', 'd'), 'intset', 'a stored result is rebuilt as an intset');
    assert.equal(await r.call('SINTERCARD', '2', 's', 't', 'LIMIT', '1'), 1);
    assert.equal(await r.smove('t', 'd', '4'), 1);
    assert.deepEqual(await r.smembers('d'), ['2', '3', '4']);
    assert.equal(await r.sdiffstore('d', 's', 's'), 0);
    assert.equal(await r.exists('d'), 0, 'an empty result deletes the destination');
    assert.equal(await r.srem('s', '1', '2', '3'), 3);
    assert.equal(await r.exists('s'), 0, 'an empty set is deleted');
    await r.set('str', 'v');
    await assert.rejects(r.sadd('str', 'a'), /WRONGTYPE Operation against a key holding the wrong kind of value/);
    await assert.rejects(r.sunion('t', 'str'), /WRONGTYPE/);
  } finally {
    await r.del('s', 't', 'd', 'str');
    r.disconnect();
  }
});

test('ioredis: members are binary safe', async () => {
  const r = io();
  try {
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    const m2 = Buffer.from([0xff, 0x00, 0x0d, 0x0a]);
    await r.del('bs');
    assert.equal(await r.sadd('bs', all, m2, all), 2);
    assert.equal(await r.sismember('bs', all), 1);
    const got = await r.smembersBuffer('bs');
    assert.equal(got.length, 2);
    assert.ok(got.some((b) => b.equals(all)) && got.some((b) => b.equals(m2)));
    assert.deepEqual(await r.spopBuffer('bs', 5).then((xs) => xs.length), 2);
    assert.equal(await r.exists('bs'), 0);
  } finally {
    r.disconnect();
  }
});

test('SPOP and SRANDMEMBER: uniqueness, repetition and coverage', async () => {
  const r = io();
  try {
    await r.del('p');
    const members: string[] = [];
    for (let i = 0; i < 300; i++) members.push(`m${i}`);
    await r.sadd('p', ...members);
    // SRANDMEMBER positive count: distinct members of the set
    for (const n of [1, 5, 99, 150, 299, 300, 1000]) {
      const got = await r.srandmember('p', n);
      assert.equal(got.length, Math.min(n, 300));
      assert.equal(new Set(got).size, got.length, `distinct for count ${n}`);
      for (const m of got) assert.ok(members.includes(m));
    }
    // negative count: exactly |n| members, repetitions allowed, all from the set
    const rep = await r.srandmember('p', -2000);
    assert.equal(rep.length, 2000);
    assert.ok(new Set(rep).size > 100, 'negative counts sample broadly');
    // SRANDMEMBER without count many times reaches most members
    const seen = new Set<string>();
    for (let i = 0; i < 600; i++) seen.add((await r.srandmember('p')) as string);
    assert.ok(seen.size > 100, `srandmember saw only ${seen.size} members`);
    // SPOP with counts pops each member exactly once
    const popped: string[] = [];
    popped.push(...(await r.spop('p', 10)));
    popped.push(...(await r.spop('p', 200))); // rebuild strategy (remaining*5 <= count)
    popped.push((await r.spop('p')) as string);
    assert.equal(await r.scard('p'), 300 - 211);
    popped.push(...(await r.spop('p', 1000)));
    assert.equal(await r.exists('p'), 0);
    assert.equal(popped.length, 300);
    assert.deepEqual([...new Set(popped)].sort(), [...members].sort());
  } finally {
    r.disconnect();
  }
});

test('intset encoding follows set-max-intset-entries', async () => {
  const r = io();
  try {
    await r.del('i');
    await r.config('SET', 'set-max-intset-entries', '4');
    await r.sadd('i', '4', '-1', '3', '2');
    assert.equal(await r.object('ENCODING', 'i'), 'intset');
    assert.deepEqual(await r.smembers('i'), ['-1', '2', '3', '4']);
    await r.sadd('i', '5');
    assert.equal(await r.object('ENCODING', 'i'), 'hashtable');
    await r.sadd('i', '6', '7', '8', '9', '10');
    // SPOP's rebuild strategy (remaining*5 <= count) makes a new intset from the survivors
    await r.spop('i', 9);
    assert.equal(await r.scard('i'), 1);
    assert.equal(await r.object('ENCODING', 'i'), 'intset');
  } finally {
    await r.config('SET', 'set-max-intset-entries', '512');
    await r.del('i');
    r.disconnect();
  }
});

test('SSCAN over a hashtable set returns every member present for the whole scan', async () => {
  const r = io();
  try {
    await r.del('big');
    const N = 3000;
    const init: string[] = [];
    for (let i = 0; i < N; i++) init.push(`m${i}`);
    await r.sadd('big', ...init);
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    do {
      const [next, items] = await r.sscan('big', cursor, 'COUNT', 40);
      for (const m of items) seen.add(m);
      await r.sadd('big', `new${calls}`);
      if (calls < 100) await r.srem('big', `m${N - 1 - calls}`);
      cursor = next;
      calls++;
    } while (cursor !== '0' && calls < 10000);
    assert.equal(cursor, '0');
    assert.ok(calls > 10);
    for (let i = 0; i < N - 100; i++) assert.ok(seen.has(`m${i}`), `m${i} returned`);
    // an intset is returned whole with cursor 0
    await r.sadd('small', '3', '1', '2');
    assert.deepEqual(await r.sscan('small', '0', 'COUNT', 1), ['0', ['1', '2', '3']]);
  } finally {
    await r.del('big', 'small');
    r.disconnect();
  }
});

test('node-redis RESP2 and RESP3: sets', async () => {
  const c2 = createClient({ socket: { port: servers.srv.port, host: '127.0.0.1' }, RESP: 2 });
  const c3 = createClient({ socket: { port: servers.srv.port, host: '127.0.0.1' }, RESP: 3 });
  c2.on('error', () => {});
  c3.on('error', () => {});
  await c2.connect();
  await c3.connect();
  try {
    await c2.del(['ns', 'nt']);
    assert.equal(await c2.sAdd('ns', ['5', '1', '3']), 3);
    assert.deepEqual(await c2.sMembers('ns'), ['1', '3', '5']);
    const m3 = await c3.sMembers('ns');
    assert.deepEqual([...(m3 as Iterable<string>)], ['1', '3', '5']);
    assert.equal(await c3.sIsMember('ns', '3'), 1);
    assert.deepEqual(await c3.smIsMember('ns', ['1', '2']), [1, 0]);
    await c2.sAdd('nt', ['3', 'x']);
    assert.deepEqual([...((await c3.sInter(['ns', 'nt'])) as Iterable<string>)], ['3']);
    assert.equal(await c3.sInterCard(['ns', 'nt']), 1);
    assert.equal(await c2.sUnionStore('nu', ['ns', 'nt']), 4);
    assert.equal(await c2.sCard('nu'), 4);
    const members: string[] = [];
    for await (const batch of c2.sScanIterator('nu')) members.push(...batch);
    assert.deepEqual(members.sort(), ['1', '3', '5', 'x']);
    assert.deepEqual(await c2.sRandMemberCount('ns', 10), ['1', '3', '5']);
  } finally {
    await c2.del(['ns', 'nt', 'nu']).catch(() => {});
    await c2.quit().catch(() => {});
    await c3.quit().catch(() => {});
  }
});

test('RESP3 set replies are identical to redis-server', async () => {
  const script: string[][] = [
    ['HELLO', '3'],
    ['SADD', 's', '3', '1', '2'],
    ['SMEMBERS', 's'],
    ['SMEMBERS', 'nokey'],
    ['SINTER', 's', 'nokey'],
    ['SUNION', 's', 's'],
    ['SDIFF', 's', 'nokey'],
    ['SRANDMEMBER', 's', '5'],
    ['SRANDMEMBER', 'nokey', '5'],
    ['SRANDMEMBER', 'nokey'],
    ['SPOP', 'nokey', '2'],
    ['SPOP', 'nokey'],
    ['SMISMEMBER', 's', '1', '7'],
    ['SSCAN', 's', '0'],
    ['SINTERCARD', '1', 's'],
    ['SPOP', 's', '10'],
  ];
  const out: unknown[][] = [];
  for (const port of [servers.srv.port, servers.ref.port]) {
    const cl = await RawClient.connect(port);
    try {
      await cl.call('DEL', 's');
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

test('keyspace events of set commands match redis-server', async () => {
  async function events(port: number): Promise<string[]> {
    const sub = io(port);
    const r = io(port);
    const got: string[] = [];
    try {
      await r.config('SET', 'notify-keyspace-events', 'KEA');
      await r.del('a', 'b', 'c', 'd', 'e');
      await sub.psubscribe('__keyevent@0__:*');
      sub.on('pmessage', (_p, ch, msg) => got.push(`${ch.slice(ch.indexOf(':') + 1)} ${msg}`));
      await r.sadd('a', '1', '2', '3');
      await r.sadd('a', '1');
      await r.srem('a', 'nope');
      await r.srem('a', '1');
      await r.smove('a', 'b', '2');
      await r.smove('a', 'b', '3'); // empties a
      await r.sadd('c', 'x');
      await r.smove('b', 'c', 'x'); // not in b: no event
      await r.sadd('c', 'y');
      await r.smove('c', 'b', 'y');
      await r.sinterstore('d', 'b', 'b');
      await r.sunionstore('d', 'b', 'c');
      await r.sdiffstore('d', 'b', 'b');
      await r.sdiffstore('d', 'b', 'b');
      await r.sinterstore('e', 'nokey', 'b');
      await r.sadd('e', 'p', 'q');
      await r.spop('e', 0);
      await r.spop('e', 10);
      await r.sadd('e', 'p', 'q', 'r');
      await r.spop('e');
      await r.spop('e', 1);
      await r.spop('e');
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
  assert.ok(ours.length > 10, JSON.stringify(ours));
  assert.deepEqual(ours, theirs);
});

test('in-process: SPOP propagates as SREM, or DEL when it takes the whole set', async () => {
  const server = new Server();
  const log: string[] = [];
  server.hooks.propagate.push((db, argv) => log.push(`${db}:${argv.join(' ')}`));
  const cl: Client = server.createClient(null, false);
  const run = (...argv: string[]) => processCommand(server, cl, argv);
  try {
    run('SADD', 's', '7');
    run('SPOP', 's');
    run('SADD', 's', '1', '2');
    run('SPOP', 's', '5');
    run('SPOP', 's', '0');
    run('SPOP', 'nokey', '3');
    run('SADD', 't', 'a', 'b', 'c', 'd', 'e', 'f');
    log.length = 4;
    run('SPOP', 't', '2');
    assert.deepEqual(log.slice(0, 4), ['0:SADD s 7', '0:SREM s 7', '0:SADD s 1 2', '0:DEL s']);
    assert.equal(log.length, 5);
    const m = /^0:SREM t (\S) (\S)$/.exec(log[4]);
    assert.ok(m, log[4]);
  } finally {
    await server.close();
  }
});
