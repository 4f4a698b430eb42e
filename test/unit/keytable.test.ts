import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KeyTable, TableFullError, hashKey, MAX_LOAD, MAX_PROBE } from '../../src/store/keytable.js';

type Op = { t: 'set' | 'del' | 'get'; k: number } | { t: 'clear' };

const keyOf = (n: number) => 'k' + n;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 120, arbitrary: fc.record({ t: fc.constant('set' as const), k: fc.integer({ min: 0, max: 400 }) }) },
  { weight: 80, arbitrary: fc.record({ t: fc.constant('del' as const), k: fc.integer({ min: 0, max: 400 }) }) },
  { weight: 40, arbitrary: fc.record({ t: fc.constant('get' as const), k: fc.integer({ min: 0, max: 400 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('clear' as const) }) },
);

function sameContents(t: KeyTable<number>, m: Map<string, number>): void {
  assert.equal(t.size, m.size);
  const seen = new Map(t.entries());
  assert.equal(seen.size, m.size);
  for (const [k, v] of m) assert.equal(seen.get(k), v);
  for (const [k, v] of m) assert.equal(t.get(k), v);
  // the aux word travels with its key through shifts and rehashes
  for (const [k, v] of m) assert.equal(t.auxAt(t.find(k)), auxFor(v));
}
const auxFor = (v: number) => (v * 2654435761) | 0;

test('KeyTable behaves like a Map under random sets, deletes and clears (with grows, shrinks, backward shifts, pages)', () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 50, maxLength: 1500, size: 'max' }), fc.constantFrom(1, 3, 64), fc.constantFrom(4, 16, 2 ** 14), (ops, step, pageSlots) => {
      // a small step budget keeps resizes in progress across many operations; small pages split even these tables
      const t = new KeyTable<number>(undefined, step, pageSlots);
      let sawResize = false;
      const m = new Map<string, number>();
      let n = 0;
      for (const op of ops) {
        if (op.t === 'clear') {
          t.clear();
          m.clear();
          continue;
        }
        const k = keyOf(op.k);
        sawResize ||= t.resizing;
        if (op.t === 'set') {
          t.set(k, ++n, auxFor(n));
          m.set(k, n);
        } else if (op.t === 'del') assert.equal(t.delete(k), m.delete(k));
        else {
          assert.equal(t.get(k), m.get(k));
          assert.equal(t.has(k), m.has(k));
        }
      }
      sameContents(t, m);
      if (step === 1 && ops.length > 1000 && ops.filter((o) => o.t === 'set').length > 400) assert.ok(sawResize || t.resizing, 'no resize was ever in progress');
    }),
    { numRuns: 200 },
  );
});

test('KeyTable grows and shrinks with its size', () => {
  const t = new KeyTable<number>();
  for (let i = 0; i < 100_000; i++) t.set('key:' + i, i);
  assert.equal(t.size, 100_000);
  assert.ok(t.capacity >= 100_000 / MAX_LOAD && t.capacity <= 100_000 / (MAX_LOAD / 4), `capacity ${t.capacity}`);
  for (let i = 0; i < 99_990; i++) assert.ok(t.delete('key:' + i));
  assert.ok(t.capacity <= 64, `shrunk to ${t.capacity}`);
  for (let i = 99_990; i < 100_000; i++) assert.equal(t.get('key:' + i), i);
  assert.equal(t.get('key:5'), undefined);
});

test('KeyTable binary keys: every latin1 code unit, empty key, long keys', () => {
  const t = new KeyTable<string>();
  const keys = ['', '\x00', '\x00\x00', '\xff', 'a'.repeat(10_000)];
  for (let i = 0; i < 256; i++) keys.push(String.fromCharCode(i) + 'x', 'x' + String.fromCharCode(i, 255 - i));
  for (const k of keys) t.set(k, k);
  assert.equal(t.size, new Set(keys).size);
  for (const k of keys) assert.equal(t.get(k), k);
});

test('SCAN over a KeyTable returns every key present for the whole scan, across grows and shrinks', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 3000 }),
      fc.array(fc.record({ add: fc.integer({ min: 0, max: 2000 }), del: fc.integer({ min: 0, max: 3000 }) }), { maxLength: 200 }),
      fc.integer({ min: 1, max: 50 }),
      fc.constantFrom(1, 2, 64),
      fc.constantFrom(8, 2 ** 14),
      (initial, churn, count, stepSlots, pageSlots) => {
        const t = new KeyTable<number>(undefined, stepSlots, pageSlots);
        for (let i = 0; i < initial; i++) t.set('s' + i, i);
        const stable = new Set<string>();
        for (let i = 0; i < initial; i++) stable.add('s' + i);
        const seen = new Set<string>();
        let cursor = 0;
        let step = 0;
        do {
          const out: string[] = [];
          cursor = t.scan(cursor, count, out);
          for (const k of out) seen.add(k);
          // churn between steps: a batch of new keys (grows), the batch of two steps ago
          // removed again (shrinks once the batches get small), and one stable key deleted
          const c = churn[step % Math.max(1, churn.length)];
          step++;
          if (c !== undefined) {
            for (let j = 0; j < c.add; j++) t.set('n' + step + ':' + j, j);
            for (let j = 0; j < 4000; j++) if (!t.delete('n' + (step - 2) + ':' + j)) break;
            const victim = 's' + c.del;
            if (t.delete(victim)) stable.delete(victim);
          }
          assert.ok(step < 100_000, 'scan did not terminate');
        } while (cursor !== 0);
        for (const k of stable) assert.ok(seen.has(k), `missed ${k}`);
      },
    ),
    { numRuns: 40 },
  );
});

test('SCAN of a small table in one step returns each key exactly once', () => {
  const t = new KeyTable<number>();
  for (let i = 0; i < 10; i++) t.set('k' + i, i);
  const out: string[] = [];
  assert.equal(t.scan(0, 100, out), 0);
  assert.deepEqual(out.sort(), Array.from({ length: 10 }, (_, i) => 'k' + i).sort());
});

test('randomKey covers the keys and is undefined when empty', () => {
  const t = new KeyTable<number>();
  assert.equal(t.randomKey(), undefined);
  for (let i = 0; i < 20; i++) t.set('r' + i, i);
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) seen.add(t.randomKey()!);
  assert.equal(seen.size, 20);
});

/** Keys whose hashes under the table's current seed all have home bucket `home`. */
function collidingKeys(t: KeyTable<number>, home: number, n: number): string[] {
  const inner = t as unknown as Inner;
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const k = 'x' + i;
    if ((hashKey(k, inner.seed) & inner.t.mask) === home) out.push(k);
  }
  return out;
}
type Inner = { seed: number; t: { mask: number; hashAt(i: number): number; meta: Int32Array[] } };

function longestRun(t: KeyTable<number>): number {
  const inner = (t as unknown as Inner).t;
  const slots = inner.mask + 1;
  let longest = 0;
  let run = 0;
  for (let i = 0; i < 2 * slots; i++) {
    run = inner.hashAt(i % slots) !== 0 ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

for (const pageSlots of [2 ** 14, 16]) {
  test(`colliding keys make the table reseed instead of degrading to a linear scan (pages of ${pageSlots} slots)`, () => {
    const t = new KeyTable<number>(undefined, undefined, pageSlots);
    // grow to a capacity that holds the flood without growing further
    // enough to grow to a capacity that leaves room for a flood longer than MAX_PROBE
    const FILL = 800;
    for (let i = 0; i < FILL; i++) t.set('fill' + i, i);
    t.rehashFor(1000);
    const inner = t as unknown as Inner;
    const seed0 = inner.seed;
    const reseeds0 = t.reseeds;
    const flood = collidingKeys(t, 7, MAX_PROBE + 40);
    // stay under the grow threshold so only the probe-length guard can react
    const room = Math.floor((inner.t.mask + 1) * MAX_LOAD) - t.size;
    const batch = flood.slice(0, Math.min(flood.length, room));
    assert.ok(batch.length > MAX_PROBE, `capacity ${inner.t.mask + 1} leaves room for ${batch.length}`);
    let sawReseedInProgress = false;
    for (const k of batch) {
      t.set(k, 1);
      sawReseedInProgress ||= t.resizing && inner.seed !== seed0;
    }
    assert.notEqual(inner.seed, seed0, 'table was not reseeded');
    // one page is rehashed at once; a paged table a step per operation
    assert.equal(sawReseedInProgress, pageSlots === 16, 'reseed in progress');
    for (const k of batch) assert.equal(t.get(k), 1);
    for (let i = 0; i < FILL; i++) assert.equal(t.get('fill' + i), i);
    // randomKey and iteration during the reseed see both tables
    const all = new Set([...batch, ...Array.from({ length: FILL }, (_, i) => 'fill' + i)]);
    assert.deepEqual(new Set(t.keys()), all);
    for (let i = 0; i < 50; i++) assert.ok(all.has(t.randomKey()!));
    t.rehashFor(1000);
    assert.equal(t.resizing, false);
    // a reseed counts when it starts and when it ends (a SCAN across it starts over)
    assert.equal(t.reseeds, reseeds0 + 2);
    for (const k of batch) assert.equal(t.get(k), 1);
    // after the reseed no run is anywhere near the flood's length
    assert.ok(longestRun(t) < MAX_PROBE / 4, `longest run ${longestRun(t)}`);
  });
}

test('a flood met while a resize is in progress reseeds once the resize ends, which is hurried', () => {
  const t = new KeyTable<number>(undefined, 1, 16);
  // a grow whose new table has room for a flood longer than MAX_PROBE
  const FILL = 700;
  for (let i = 0; i < FILL; i++) t.set('fill' + i, i);
  t.rehashFor(1000);
  const inner = t as unknown as Inner;
  // start a grow, then flood the new table (its seed is the one in use)
  while (!t.resizing) t.set('g' + t.size, 0);
  const seed0 = inner.seed;
  const flood = collidingKeys(t, 3, MAX_PROBE + 60);
  assert.ok(t.size + flood.length < (inner.t.mask + 1) * MAX_LOAD, 'the flood fits without another grow');
  let ops = 0;
  for (const k of flood) {
    t.set(k, 1);
    ops++;
    if (inner.seed !== seed0) break;
  }
  assert.notEqual(inner.seed, seed0, 'no reseed after the resize ended');
  assert.ok(ops < flood.length, `reseed came after ${ops} inserts`);
  for (const k of flood.slice(0, ops)) assert.equal(t.get(k), 1);
  for (let i = 0; i < FILL; i++) assert.equal(t.get('fill' + i), i);
});

for (const pageSlots of [2 ** 14, 8]) test(`a full table refuses new keys with TableFullError and still answers lookups (pages of ${pageSlots})`, () => {
  const t = new KeyTable<number>(64, undefined, pageSlots);
  for (let i = 0; i < 63; i++) t.set('f' + i, i);
  assert.equal(t.capacity, 64);
  assert.throws(() => t.set('one-more', 1), (e: unknown) => e instanceof TableFullError && /at most 63 keys/.test((e as Error).message));
  // overwriting is still fine, and a miss ends at the one free slot
  t.set('f1', 100);
  assert.equal(t.get('f1'), 100);
  assert.equal(t.get('missing'), undefined);
  assert.equal(t.size, 63);
  assert.ok(t.delete('f0'));
  t.set('one-more', 1);
  assert.equal(t.get('one-more'), 1);
});

test('a resize moves members incrementally: no single insert pays for moving the whole table', () => {
  const n = 400_000;
  // a wall-clock bound: a collection or a busy machine can hit one run, so the better of two counts
  const worsts: number[] = [];
  for (let run = 0; run < 2; run++) {
    const t = new KeyTable<number>();
    let worst = 0;
    let movedAtOnce = 0;
    for (let i = 0; i < n; i++) {
      const cap = t.capacity;
      const t0 = performance.now();
      t.set('key:' + i, i);
      const d = performance.now() - t0;
      if (t.capacity !== cap) {
        worst = Math.max(worst, d);
        if (!t.resizing) movedAtOnce++;
      }
    }
    // only the first tiny tables may finish within the insert that started them
    assert.ok(movedAtOnce <= 3, `${movedAtOnce} grows finished at once`);
    assert.ok(t.resizing || t.capacity >= n / MAX_LOAD);
    t.rehashFor(1000);
    assert.equal(t.resizing, false);
    for (let i = 0; i < n; i += 997) assert.equal(t.get('key:' + i), i);
    assert.equal(t.size, n);
    worsts.push(worst);
  }
  // the pause is the allocation of the new arrays, not the move (~100 ms for this size before)
  const best = Math.min(...worsts);
  assert.ok(best < 60, `worst grow took ${worsts.map((w) => w.toFixed(1)).join(' and ')} ms`);
});

test('randomKey and iteration see both tables during a resize', () => {
  const t = new KeyTable<number>(undefined, 1);
  for (let i = 0; i < 1000; i++) t.set('r' + i, i);
  assert.ok(t.resizing, 'expected a resize in progress');
  assert.equal([...t.keys()].length, 1000);
  assert.equal(new Set(t.keys()).size, 1000);
  const seen = new Set<string>();
  for (let i = 0; i < 20_000; i++) seen.add(t.randomKey()!);
  assert.ok(seen.size > 900, `randomKey reached ${seen.size} keys`);
});

test('a table at its largest size fills past the load limit without reseeding on every long run', () => {
  const t = new KeyTable<number>(256);
  const inner = t as unknown as { seed: number };
  for (let i = 0; i < 160; i++) t.set('p' + i, i);
  assert.equal(t.capacity, 256);
  const seed = inner.seed;
  for (let i = 160; i < 255; i++) t.set('p' + i, i);
  assert.equal(inner.seed, seed, 'reseeded while over-full');
  for (let i = 0; i < 255; i++) assert.equal(t.get('p' + i), i);
});

test('pages are allocated as members arrive and dropped as a resize empties them', () => {
  const t = new KeyTable<number>(undefined, 4, 64);
  const pagesOf = (n: number) => Math.ceil(n / 64);
  for (let i = 0; i < 20_000; i++) {
    t.set('p' + i, i);
    // never more than both tables' worth, and the old table's walked pages are gone
    // current + old (walked pages dropped) or current + next (prepared): never more than three tables' worth
    assert.ok(t.pagesAllocated <= pagesOf(t.capacity) * 3 + 2, `${t.pagesAllocated} pages at capacity ${t.capacity}`);
  }
  t.rehashFor(1000);
  assert.ok(t.pagesAllocated <= pagesOf(t.capacity), `${t.pagesAllocated} pages after the grows`);
  for (let i = 0; i < 19_990; i++) {
    t.delete('p' + i);
    // (a shrink starts only when none is in progress)
    t.rehashFor(1000);
  }
  assert.ok(t.capacity <= 64, `capacity ${t.capacity}`);
  assert.equal(t.pagesAllocated, 1);
  for (let i = 19_990; i < 20_000; i++) assert.equal(t.get('p' + i), i);
});

test('a lookup into a page no member reached yet is a miss, and a fresh big table holds few pages', () => {
  const t = new KeyTable<number>(undefined, 1, 16);
  for (let i = 0; i < 2000; i++) t.set('a' + i, i);
  t.rehashFor(1000);
  // delete until a shrink starts: its table (many pages) is allocated as members move in
  let i = 0;
  while (!t.resizing) t.delete('a' + i++);
  assert.ok(t.capacity >= 16 * 16, `shrunk to ${t.capacity}`);
  const fresh = (t as unknown as { t: { allocated: number } }).t.allocated;
  assert.ok(fresh < t.capacity / 16 / 4, `${fresh} pages right after the shrink started`);
  for (let j = i; j < 2000; j++) assert.equal(t.get('a' + j), j);
  assert.equal(t.get('a0'), undefined);
  assert.equal(t.get('missing'), undefined);
  const out: string[] = [];
  let c = 0;
  do c = t.scan(c, 100, out);
  while (c !== 0);
  assert.equal(new Set(out).size, t.size);
});

test('no insert allocates more than a few pages, even while a big grow is in progress', () => {
  const t = new KeyTable<number>();
  let worst = 0;
  let grows = 0;
  for (let i = 0; i < 300_000; i++) {
    const before = t.pagesAllocated;
    const cap = t.capacity;
    t.set('key:' + i, i);
    if (t.capacity !== cap) grows++;
    worst = Math.max(worst, t.pagesAllocated - before);
  }
  assert.ok(grows >= 10);
  assert.ok(t.capacity > 2 ** 16, 'the table spans several pages');
  assert.ok(worst <= 4, `an insert allocated ${worst} pages`);
});

test('the table a grow moves into is allocated page by page before the grow, not in a burst after it', () => {
  const t = new KeyTable<number>(undefined, 1, 64);
  const inner = t as unknown as { t: { allocated: number; mask: number } };
  let grows = 0;
  let worst = 0;
  for (let i = 0; i < 40_000; i++) {
    const cap = t.capacity;
    const before = t.pagesAllocated;
    t.set('g' + i, i);
    worst = Math.max(worst, t.pagesAllocated - before);
    if (t.capacity !== cap && t.capacity > 128) {
      grows++;
      // every page of the new table exists the moment the grow starts
      assert.equal(inner.t.allocated, t.capacity / 64, `grow to ${t.capacity}`);
    }
  }
  assert.ok(grows >= 4, `${grows} grows`);
  assert.ok(worst <= 3, `an insert allocated ${worst} pages`);
  for (let i = 0; i < 20_000; i += 7) assert.equal(t.get('g' + i), i);
});

test('take removes and returns the value in one lookup; scan can hand out values beside keys', () => {
  const t = new KeyTable<number>(undefined, 1, 16);
  const model = new Map<string, number>();
  for (let i = 0; i < 3000; i++) {
    t.set('t' + i, i);
    model.set('t' + i, i);
    // take during resizes too (stepSlots 1 keeps one in progress most of the time)
    if (i % 3 === 0) {
      const k = 't' + Math.floor(i / 2);
      assert.equal(t.take(k), model.get(k));
      model.delete(k);
      assert.equal(t.take(k), undefined);
    }
  }
  assert.equal(t.size, model.size);
  const keys: string[] = [];
  const vals: number[] = [];
  let cursor = 0;
  do cursor = t.scan(cursor, 50, keys, vals);
  while (cursor !== 0);
  assert.equal(keys.length, vals.length);
  for (let j = 0; j < keys.length; j++) assert.equal(vals[j], model.get(keys[j]), keys[j]);
  assert.deepEqual(new Set(keys), new Set(model.keys()));
});

test('dropping a big table starts a major collection at once (V8 marks, the old pages go)', async () => {
  // in a child with V8's marking trace: the grow from 2^19 to 2^20 slots
  // ends with the old table's pages dropped; the collection that frees them
  // must start then ("external memory pressure"), not at V8's leisure
  const { spawnSync } = await import('node:child_process');
  const mod = new URL('../../src/store/keytable.js', import.meta.url).href;
  const script = `
    const { KeyTable } = await import(${JSON.stringify(mod)});
    const t = new KeyTable();
    let i = 0;
    const fill = (n) => { for (; i < n; i++) t.set('key:' + i, i); };
    fill(393000); // just below the grow at 0.75 * 2^19
    console.log('GROW');
    fill(393300);
    while (t.resizing) t.rehashFor(5);
    console.log('DROPPED');
    await new Promise((r) => setTimeout(r, 50));
  `;
  const out = spawnSync(process.execPath, ['--trace-incremental-marking', '--input-type=module', '-e', script], { encoding: 'utf8' }).stdout;
  const after = out.slice(out.indexOf('GROW'));
  assert.match(out, /DROPPED/);
  assert.match(after, /Start \(external memory pressure\)/, 'no marking started when the old table was dropped');
  assert.ok(after.indexOf('Start (external memory pressure)') < after.indexOf('DROPPED'), 'the marking starts as the table is dropped');
});
