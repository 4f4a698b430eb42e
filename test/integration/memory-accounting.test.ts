// used_memory against the real heap: for each type, small and large
// encodings, the growth of INFO used_memory while a dataset is loaded is
// compared with the growth of the V8 heap (allocator_allocated, read after
// MEMORY PURGE runs a full GC; the server runs with --expose-gc for that).
// The ratios are printed; each must be within ±25%.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedoubt, type Running } from '../helpers/servers.js';
import { RawClient } from '../helpers/resp-client.js';

let srv: Running;
before(async () => {
  const prev = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = ((prev ?? '') + ' --expose-gc').trim();
  try {
    srv = await startRedoubt();
  } finally {
    if (prev === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = prev;
  }
});
after(async () => {
  await srv?.stop();
});

async function sample(cl: RawClient, gc = true): Promise<{ used: number; heap: number }> {
  // twice: external strings and the parser's buffers are released by the second pass
  if (gc) {
    await cl.call('MEMORY', 'PURGE');
    await cl.call('MEMORY', 'PURGE');
    // V8 frees dead array buffers (a grown key table's old meta buffer) on a background sweeper
    await new Promise((r) => setTimeout(r, 100));
    await cl.call('MEMORY', 'PURGE');
  }
  const text = String(await cl.call('INFO', 'memory'));
  const f = (k: string) => Number(new RegExp(`^${k}:(\\d+)`, 'm').exec(text)![1]);
  // client buffers are sampled by the cron and may still show the load's last bulk: left out
  return { used: f('used_memory') - f('mem_clients_normal'), heap: f('allocator_allocated') };
}

let seq = 0;
function rnd(n: number): string {
  // distinct content: identical literals could be shared by the server
  const s = (seq++).toString(36);
  return (s + 'x'.repeat(Math.max(0, n - s.length))).slice(0, Math.max(n, s.length));
}

async function load(cl: RawClient, cmds: (string | number)[][]): Promise<void> {
  for (let i = 0; i < cmds.length; i += 500) {
    const part = cmds.slice(i, i + 500);
    for (const c of part) cl.send(c);
    for (let j = 0; j < part.length; j++) await cl.read();
  }
}

const DATASETS: [string, () => (string | number)[][]][] = [
  ['strings 10 B x 50k', () => Array.from({ length: 50_000 }, (_, i) => ['SET', 'k' + i, rnd(10)])],
  ['strings 10 B with a TTL x 50k', () => Array.from({ length: 50_000 }, (_, i) => ['SET', 'k' + i, rnd(10), 'EX', 100_000 + i])],
  ['strings 1 KB x 10k', () => Array.from({ length: 10_000 }, (_, i) => ['SET', 'k' + i, rnd(1000)])],
  ['strings 2 MB x 10', () => Array.from({ length: 10 }, (_, i) => ['SET', 'k' + i, rnd(2 << 20)])],
  ['hashes listpack 10 fields x 10k', () => Array.from({ length: 10_000 }, (_, i) => ['HSET', 'h' + i, ...Array.from({ length: 10 }, (_, j) => ['f' + j, rnd(8)]).flat()])],
  ['hash hashtable 50k fields', () => Array.from({ length: 500 }, (_, i) => ['HSET', 'h', ...Array.from({ length: 100 }, (_, j) => ['field:' + (i * 100 + j), rnd(20)]).flat()])],
  ['lists 10 x 10k', () => Array.from({ length: 10_000 }, (_, i) => ['RPUSH', 'l' + i, ...Array.from({ length: 10 }, () => rnd(8))])],
  ['list 100k', () => Array.from({ length: 1000 }, () => ['RPUSH', 'l', ...Array.from({ length: 100 }, () => rnd(20))])],
  ['sets intset 10 x 10k', () => Array.from({ length: 10_000 }, (_, i) => ['SADD', 's' + i, ...Array.from({ length: 10 }, (_, j) => 1_000_000 + i * 10 + j)])],
  ['sets hashtable 10 x 10k', () => Array.from({ length: 10_000 }, (_, i) => ['SADD', 's' + i, ...Array.from({ length: 10 }, () => rnd(8))])],
  ['set 100k', () => Array.from({ length: 1000 }, (_, i) => ['SADD', 's', ...Array.from({ length: 100 }, (_, j) => 'member:' + (i * 100 + j))])],
  ['zsets listpack 10 x 10k', () => Array.from({ length: 10_000 }, (_, i) => ['ZADD', 'z' + i, ...Array.from({ length: 10 }, (_, j) => [j + 0.5, rnd(8)]).flat()])],
  ['zset skiplist 100k', () => Array.from({ length: 1000 }, (_, i) => ['ZADD', 'z', ...Array.from({ length: 100 }, (_, j) => [(i * 100 + j) * 1.5, 'member:' + (i * 100 + j)]).flat()])],
];

test('used_memory tracks the heap growth of each type within ±25%', async () => {
  const cl = await RawClient.connect(srv.port);
  const rows: string[] = [];
  const bad: string[] = [];
  try {
    for (const [name, make] of DATASETS) {
      await cl.call('FLUSHALL');
      const cmds = make();
      const a = await sample(cl);
      await load(cl, cmds);
      const b = await sample(cl);
      const ratio = (b.used - a.used) / (b.heap - a.heap);
      rows.push(`${name.padEnd(34)} heap +${((b.heap - a.heap) / 1e6).toFixed(2)} MB, used_memory +${((b.used - a.used) / 1e6).toFixed(2)} MB, ratio ${ratio.toFixed(2)}`);
      if (!(ratio > 0.75 && ratio < 1.25)) bad.push(name);
      // deleting gives it back
      await cl.call('FLUSHALL');
      const c = await sample(cl, false);
      assert.ok(Math.abs(c.used - a.used) < 100_000, `${name}: FLUSHALL returns used_memory to ${a.used} (${c.used})`);
    }
  } finally {
    cl.close();
  }
  console.log(rows.map((r) => '# ' + r).join('\n'));
  assert.deepEqual(bad, [], rows.join('\n'));
});

test('used_memory follows in-place changes: APPEND, HSET overwrite, LTRIM, SREM, ZREM', async () => {
  const cl = await RawClient.connect(srv.port);
  try {
    await cl.call('FLUSHALL');
    const used = async () => Number(/^used_memory:(\d+)/m.exec(String(await cl.call('INFO', 'memory')))![1]);
    const u0 = await used();
    await cl.call('SET', 's', 'x');
    for (let i = 0; i < 10; i++) await cl.call('APPEND', 's', 'y'.repeat(100_000));
    const u1 = await used();
    assert.ok(u1 - u0 > 900_000 && u1 - u0 < 1_200_000, `APPEND: ${u1 - u0}`);
    await cl.call('RPUSH', 'l', ...Array.from({ length: 1000 }, () => 'z'.repeat(1000)));
    const u2 = await used();
    assert.ok(u2 - u1 > 900_000, `RPUSH: ${u2 - u1}`);
    await cl.call('LTRIM', 'l', 0, 9);
    const u3 = await used();
    assert.ok(u2 - u3 > 900_000, `LTRIM gives back: ${u2 - u3}`);
    await cl.call('DEL', 's', 'l');
    assert.ok(Math.abs((await used()) - u0) < 2000, 'DEL gives everything back');
  } finally {
    cl.close();
  }
});
