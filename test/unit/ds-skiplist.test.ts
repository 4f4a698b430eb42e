import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SortedSet, parseLexBound, type LexBound, type ZEntry } from '../../src/store/ds/skiplist.js';

// ---------------------------------------------------------------- naive model

class Model {
  m = new Map<string, number>();
  sorted(): ZEntry[] {
    return [...this.m.entries()].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
}

const inScore = (s: number, min: number, max: number, minEx: boolean, maxEx: boolean): boolean =>
  (minEx ? s > min : s >= min) && (maxEx ? s < max : s <= max);

const geMin = (v: string, b: LexBound): boolean => (b.inf < 0 ? true : b.inf > 0 ? false : b.exclusive ? v > b.value : v >= b.value);
const leMax = (v: string, b: LexBound): boolean => (b.inf > 0 ? true : b.inf < 0 ? false : b.exclusive ? v < b.value : v <= b.value);

function window<T>(xs: T[], reverse: boolean, offset: number, limit: number): T[] {
  const ys = reverse ? [...xs].reverse() : xs;
  if (offset < 0) return [];
  return limit < 0 ? ys.slice(offset) : ys.slice(offset, offset + limit);
}

function clampRank(len: number, start: number, stop: number): [number, number] {
  return [Math.max(0, start), Math.min(len - 1, stop)];
}

// ---------------------------------------------------------------- arbitraries

// small alphabet (including high latin1 bytes) to force collisions and byte-order checks
const member = fc
  .array(fc.constantFrom('a', 'b', 'c', '\x00', '\xff', '\x80', 'B'), { minLength: 0, maxLength: 3 })
  .map((a) => a.join(''));
const score = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 2.5, Infinity, -Infinity, 1e300),
  fc.integer({ min: -5, max: 5 }),
  fc.double({ noNaN: true }),
);
const rank = fc.integer({ min: -2, max: 40 });
const lexBound: fc.Arbitrary<LexBound> = fc.oneof(
  fc.constant({ inf: -1 as const, value: '', exclusive: false }),
  fc.constant({ inf: 1 as const, value: '', exclusive: false }),
  fc.record({ inf: fc.constant(0 as const), value: member, exclusive: fc.boolean() }),
);

type Op =
  | { t: 'add'; m: string; s: number }
  | { t: 'rem'; m: string }
  | { t: 'rank'; m: string }
  | { t: 'byRank'; i: number }
  | { t: 'rangeByRank'; a: number; b: number; rev: boolean }
  | { t: 'score'; min: number; max: number; minEx: boolean; maxEx: boolean; rev: boolean; off: number; lim: number }
  | { t: 'delRank'; a: number; b: number }
  | { t: 'delScore'; min: number; max: number; minEx: boolean; maxEx: boolean }
  | { t: 'pop'; max: boolean; n: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ t: fc.constant('add' as const), m: member, s: score }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('rem' as const), m: member }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('rank' as const), m: member }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('byRank' as const), i: rank }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('rangeByRank' as const), a: rank, b: rank, rev: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('score' as const),
      min: score,
      max: score,
      minEx: fc.boolean(),
      maxEx: fc.boolean(),
      rev: fc.boolean(),
      off: fc.integer({ min: -1, max: 5 }),
      lim: fc.integer({ min: -1, max: 5 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('delRank' as const), a: rank, b: rank }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('delScore' as const), min: score, max: score, minEx: fc.boolean(), maxEx: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('pop' as const), max: fc.boolean(), n: fc.integer({ min: 0, max: 4 }) }) },
);

function apply(z: SortedSet, md: Model, op: Op): void {
  const sorted = md.sorted();
  switch (op.t) {
    case 'add': {
      const isNew = !md.m.has(op.m);
      assert.equal(z.add(op.m, op.s), isNew);
      const cur = md.m.get(op.m);
      if (cur === undefined || cur !== op.s) md.m.set(op.m, op.s);
      break;
    }
    case 'rem':
      assert.equal(z.remove(op.m), md.m.delete(op.m));
      break;
    case 'rank': {
      const r = sorted.findIndex((e) => e[0] === op.m);
      assert.equal(z.rank(op.m), r);
      assert.equal(z.revRank(op.m), r < 0 ? -1 : sorted.length - 1 - r);
      assert.equal(z.score(op.m), md.m.get(op.m));
      break;
    }
    case 'byRank':
      assert.deepEqual(z.byRank(op.i), op.i >= 0 ? sorted[op.i] : undefined);
      break;
    case 'rangeByRank': {
      const [s, e] = clampRank(sorted.length, op.a, op.b);
      const src = op.rev ? [...sorted].reverse() : sorted;
      assert.deepEqual(z.rangeByRank(op.a, op.b, op.rev), s > e ? [] : src.slice(s, e + 1));
      break;
    }
    case 'score': {
      const inr = sorted.filter((e) => inScore(e[1], op.min, op.max, op.minEx, op.maxEx));
      assert.equal(z.countInScoreRange(op.min, op.max, op.minEx, op.maxEx), inr.length);
      assert.deepEqual(
        z.rangeByScore(op.min, op.max, op.minEx, op.maxEx, op.rev, op.off, op.lim),
        window(inr, op.rev, op.off, op.lim),
      );
      break;
    }
    case 'delRank': {
      const [s, e] = clampRank(sorted.length, op.a, op.b);
      const gone = s > e ? [] : sorted.slice(s, e + 1).map((x) => x[0]);
      assert.deepEqual(z.deleteRangeByRank(op.a, op.b), gone);
      for (const g of gone) md.m.delete(g);
      break;
    }
    case 'delScore': {
      const gone = sorted.filter((e) => inScore(e[1], op.min, op.max, op.minEx, op.maxEx)).map((x) => x[0]);
      assert.deepEqual(z.deleteRangeByScore(op.min, op.max, op.minEx, op.maxEx), gone);
      for (const g of gone) md.m.delete(g);
      break;
    }
    case 'pop': {
      const exp = op.max ? [...sorted].reverse().slice(0, op.n) : sorted.slice(0, op.n);
      assert.deepEqual(op.max ? z.popMax(op.n) : z.popMin(op.n), exp);
      for (const [m] of exp) md.m.delete(m);
      break;
    }
  }
  assert.equal(z.size, md.m.size);
}

test('skiplist: random op sequences match sorted-array model', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
      const z = new SortedSet();
      const md = new Model();
      for (const op of ops) apply(z, md, op);
      z.checkInvariants();
      const sorted = md.sorted();
      assert.deepEqual([...z], sorted);
      assert.deepEqual([...z.reverse()], [...sorted].reverse());
      assert.deepEqual(z.toArray(), sorted);
      assert.deepEqual(z.first(), sorted[0]);
      assert.deepEqual(z.last(), sorted[sorted.length - 1]);
      const r = z.randomMember();
      if (sorted.length === 0) assert.equal(r, undefined);
      else assert.equal(md.m.get((r as ZEntry)[0]), (r as ZEntry)[1]);
    }),
    { numRuns: 400 },
  );
});

test('skiplist: lex ranges (all scores equal) match model', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(member, { maxLength: 40 }),
      lexBound,
      lexBound,
      fc.boolean(),
      fc.integer({ min: -1, max: 5 }),
      fc.integer({ min: -1, max: 6 }),
      (ms, min, max, rev, off, lim) => {
        const z = new SortedSet();
        for (const m of ms) z.add(m, 0);
        const sorted = [...ms].sort().map((m): ZEntry => [m, 0]);
        const inr = sorted.filter((e) => geMin(e[0], min) && leMax(e[0], max));
        assert.equal(z.countInLexRange(min, max), inr.length);
        assert.deepEqual(z.rangeByLex(min, max, rev, off, lim), window(inr, rev, off, lim));
        assert.deepEqual(
          z.deleteRangeByLex(min, max),
          inr.map((e) => e[0]),
        );
        assert.equal(z.size, sorted.length - inr.length);
        z.checkInvariants();
      },
    ),
    { numRuns: 1000 },
  );
});

test('skiplist: -0 and 0 are equal scores; updates in place and with moves', () => {
  const z = new SortedSet();
  assert.equal(z.add('a', 0), true);
  assert.equal(z.add('a', -0), false);
  assert.ok(Object.is(z.score('a'), 0)); // unchanged, like Redis (score != curscore is false)
  z.add('b', -0);
  assert.deepEqual(z.rangeByScore(0, 0).map((e) => e[0]), ['a', 'b']);
  assert.equal(z.countInScoreRange(-0, 0, false, false), 2);
  z.add('c', 5);
  z.add('a', 10);
  assert.deepEqual(z.toArray().map((e) => e[0]), ['b', 'c', 'a']);
  z.add('a', 6); // stays last: in-place update
  assert.deepEqual(z.toArray(), [['b', -0], ['c', 5], ['a', 6]]);
  z.checkInvariants();
});

test('skiplist: byte-wise member order and parseLexBound', () => {
  const z = new SortedSet();
  for (const m of ['\xff', 'a', '\x00', 'B', 'ab', '']) z.add(m, 1);
  assert.deepEqual(z.toArray().map((e) => e[0]), ['', '\x00', 'B', 'a', 'ab', '\xff']);
  assert.deepEqual(parseLexBound('-'), { inf: -1, value: '', exclusive: false });
  assert.deepEqual(parseLexBound('+'), { inf: 1, value: '', exclusive: false });
  assert.deepEqual(parseLexBound('[a'), { inf: 0, value: 'a', exclusive: false });
  assert.deepEqual(parseLexBound('(a'), { inf: 0, value: 'a', exclusive: true });
  assert.deepEqual(parseLexBound('['), { inf: 0, value: '', exclusive: false });
  assert.equal(parseLexBound('a'), null);
  assert.equal(parseLexBound(''), null);
  assert.equal(parseLexBound('+a'), null);
  const [mn, mx] = [parseLexBound('[a') as LexBound, parseLexBound('(b') as LexBound];
  assert.deepEqual(z.rangeByLex(mn, mx).map((e) => e[0]), ['a', 'ab']);
  // '+' as min / '-' as max is always empty
  assert.equal(z.countInLexRange(parseLexBound('+') as LexBound, parseLexBound('+') as LexBound), 0);
  assert.equal(z.countInLexRange(parseLexBound('-') as LexBound, parseLexBound('-') as LexBound), 0);
});

test('skiplist: large set ranks and ranges stay consistent', () => {
  const z = new SortedSet();
  const N = 20000;
  for (let i = 0; i < N; i++) z.add('m' + i, i % 1000);
  for (let i = 0; i < N; i += 3) z.remove('m' + i);
  z.checkInvariants();
  const arr = z.toArray();
  for (let k = 0; k < 200; k++) {
    const i = (k * 97) % arr.length;
    assert.deepEqual(z.byRank(i), arr[i]);
    assert.equal(z.rank(arr[i][0]), i);
  }
  assert.equal(z.countInScoreRange(100, 199, false, false), arr.filter((e) => e[1] >= 100 && e[1] <= 199).length);
  assert.deepEqual(z.rangeByScore(-Infinity, Infinity, false, false, true, 10, 5), [...arr].reverse().slice(10, 15));
  const popped = z.popMax(100);
  assert.deepEqual(popped, [...arr].reverse().slice(0, 100));
  z.checkInvariants();
});

// ---------------------------------------------------------------- large workloads
// The index is a B+tree with nodes of 64 entries: the small fast-check
// sequences above stay inside one leaf, so these drive it through splits,
// merges, refills, root growth/collapse and the bulk rebuild of big deletes.

function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function compareAll(z: SortedSet, md: Model, rnd: () => number): void {
  z.checkInvariants();
  const sorted = md.sorted();
  assert.equal(z.size, sorted.length);
  assert.deepEqual(z.toArray(), sorted);
  assert.deepEqual([...z.reverse()], [...sorted].reverse());
  for (let k = 0; k < 50 && sorted.length > 0; k++) {
    const i = Math.floor(rnd() * sorted.length);
    assert.deepEqual(z.byRank(i), sorted[i]);
    assert.equal(z.rank(sorted[i][0]), i);
    assert.equal(z.revRank(sorted[i][0]), sorted.length - 1 - i);
    const j = i + Math.floor(rnd() * 150) - 20;
    const rev = rnd() < 0.5;
    const [s, e] = clampRank(sorted.length, i, j);
    const src = rev ? [...sorted].reverse() : sorted;
    assert.deepEqual(z.rangeByRank(i, j, rev), s > e ? [] : src.slice(s, e + 1));
    const a = sorted[i][1];
    const b = sorted[Math.min(sorted.length - 1, i + Math.floor(rnd() * 100))][1];
    const minEx = rnd() < 0.5;
    const maxEx = rnd() < 0.5;
    const inr = sorted.filter((x) => inScore(x[1], a, b, minEx, maxEx));
    assert.equal(z.countInScoreRange(a, b, minEx, maxEx), inr.length);
    const off = Math.floor(rnd() * 5);
    const lim = Math.floor(rnd() * 60) - 1;
    assert.deepEqual(z.rangeByScore(a, b, minEx, maxEx, rev, off, lim), window(inr, rev, off, lim));
  }
  assert.deepEqual(z.first(), sorted[0]);
  assert.deepEqual(z.last(), sorted[sorted.length - 1]);
}

function workload(seed: number, universe: number, ops: number, scoreOf: (r: () => number) => number): void {
  const rnd = prng(seed);
  const z = new SortedSet();
  const md = new Model();
  const pick = (): string => 'k' + Math.floor(rnd() * universe);
  for (let t = 1; t <= ops; t++) {
    const r = rnd();
    if (r < 0.55) {
      const m = pick();
      const s = scoreOf(rnd);
      assert.equal(z.add(m, s), !md.m.has(m));
      if (md.m.get(m) !== s) md.m.set(m, s);
    } else if (r < 0.85) {
      const m = pick();
      assert.equal(z.remove(m), md.m.delete(m));
    } else if (r < 0.9) {
      // in-place and moving updates of existing members
      const e = z.randomMember();
      if (e !== undefined) {
        const s = rnd() < 0.5 ? e[1] + (rnd() - 0.5) * 1e-9 : scoreOf(rnd);
        z.add(e[0], s);
        md.m.set(e[0], s);
      }
    } else if (r < 0.995) {
      const n = md.m.size;
      const sorted = md.sorted();
      const kind = Math.floor(rnd() * 4);
      const a = Math.floor(rnd() * (n + 2)) - 1;
      const len = Math.floor(rnd() * 40);
      if (kind === 0) {
        const [s, e] = clampRank(n, a, a + len);
        const gone = s > e ? [] : sorted.slice(s, e + 1).map((x) => x[0]);
        assert.deepEqual(z.deleteRangeByRank(a, a + len), gone);
        for (const g of gone) md.m.delete(g);
      } else if (kind === 1 && n > 0) {
        const lo = sorted[Math.max(0, Math.min(n - 1, a))][1];
        const hi = sorted[Math.max(0, Math.min(n - 1, a + len))][1];
        const gone = sorted.filter((x) => inScore(x[1], lo, hi, false, true)).map((x) => x[0]);
        assert.deepEqual(z.deleteRangeByScore(lo, hi, false, true), gone);
        for (const g of gone) md.m.delete(g);
      } else {
        const exp = kind === 3 ? [...sorted].reverse().slice(0, len) : sorted.slice(0, len);
        assert.deepEqual(kind === 3 ? z.popMax(len) : z.popMin(len), exp);
        for (const [m] of exp) md.m.delete(m);
      }
    } else {
      // big range deletes: the rebuild path
      const n = md.m.size;
      const sorted = md.sorted();
      const a = Math.floor(rnd() * n * 0.5);
      const b = a + Math.floor(n * (0.25 + rnd() * 0.5));
      const [s, e] = clampRank(n, a, b);
      const gone = s > e ? [] : sorted.slice(s, e + 1).map((x) => x[0]);
      assert.deepEqual(z.deleteRangeByRank(a, b), gone);
      for (const g of gone) md.m.delete(g);
    }
    if (t % 2500 === 0) compareAll(z, md, rnd);
  }
  compareAll(z, md, rnd);
}

test('skiplist: large random workload, heavy score ties (member order decides)', () => {
  workload(1, 6000, 30000, (r) => Math.floor(r() * 8));
});

test('skiplist: large random workload, distinct random scores incl. -0/inf', () => {
  workload(2, 20000, 40000, (r) => {
    const x = r();
    return x < 0.01 ? -0 : x < 0.02 ? Infinity : x < 0.03 ? -Infinity : (r() - 0.5) * 1e6;
  });
});

test('skiplist: small universe (many re-adds and removals around one or two nodes)', () => {
  workload(3, 150, 20000, (r) => Math.floor(r() * 3) - 1);
});

test('skiplist: ascending, descending and interleaved sequential inserts, then drains', () => {
  const rnd = prng(4);
  for (const order of ['asc', 'desc', 'zigzag'] as const) {
    const z = new SortedSet();
    const md = new Model();
    const N = 30000;
    for (let i = 0; i < N; i++) {
      const v = order === 'asc' ? i : order === 'desc' ? N - i : i % 2 === 0 ? i : -i;
      const m = 'm' + String(v).padStart(8, '0');
      z.add(m, v);
      md.m.set(m, v);
    }
    compareAll(z, md, rnd);
    // delete every other member, then drain alternately from both ends
    for (let i = 0; i < N; i += 2) {
      const v = order === 'asc' ? i : order === 'desc' ? N - i : i % 2 === 0 ? i : -i;
      const m = 'm' + String(v).padStart(8, '0');
      assert.equal(z.remove(m), true);
      md.m.delete(m);
    }
    compareAll(z, md, rnd);
    let k = 0;
    while (z.size > 0) {
      const exp = md.sorted();
      const got = k++ % 2 === 0 ? z.popMin(7) : z.popMax(5);
      const want = k % 2 === 1 ? exp.slice(0, 7) : [...exp].reverse().slice(0, 5);
      assert.deepEqual(got, want);
      for (const [m] of got) md.m.delete(m);
      if (k % 500 === 0) compareAll(z, md, rnd);
    }
    compareAll(z, md, rnd);
    // the emptied set is reusable; clear() resets a non-empty one
    z.add('x', 1);
    assert.deepEqual(z.toArray(), [['x', 1]]);
    z.checkInvariants();
    for (let i = 0; i < 500; i++) z.add('y' + i, i);
    z.clear();
    assert.equal(z.size, 0);
    assert.equal(z.map.size, 0);
    assert.deepEqual(z.toArray(), []);
    z.add('x', 2);
    assert.deepEqual([...z], [['x', 2]]);
    z.checkInvariants();
  }
});

test('skiplist: lex ranges over a multi-level tree', () => {
  const rnd = prng(5);
  const z = new SortedSet();
  const ms: string[] = [];
  for (let i = 0; i < 8000; i++) {
    let s = '';
    const len = Math.floor(rnd() * 4);
    for (let j = 0; j < len; j++) s += String.fromCharCode(Math.floor(rnd() * 256));
    if (!z.has(s)) ms.push(s);
    z.add(s, 0);
  }
  const sorted = [...ms].sort().map((m): ZEntry => [m, 0]);
  assert.deepEqual(z.toArray(), sorted);
  for (let k = 0; k < 300; k++) {
    const b = (): LexBound => {
      const r = rnd();
      if (r < 0.05) return { inf: -1, value: '', exclusive: false };
      if (r < 0.1) return { inf: 1, value: '', exclusive: false };
      const v = rnd() < 0.5 ? sorted[Math.floor(rnd() * sorted.length)][0] : String.fromCharCode(Math.floor(rnd() * 256));
      return { inf: 0, value: v, exclusive: rnd() < 0.5 };
    };
    const min = b();
    const max = b();
    const inr = sorted.filter((e) => geMin(e[0], min) && leMax(e[0], max));
    assert.equal(z.countInLexRange(min, max), inr.length);
    const rev = rnd() < 0.5;
    const off = Math.floor(rnd() * 3);
    const lim = Math.floor(rnd() * 50) - 1;
    assert.deepEqual(z.rangeByLex(min, max, rev, off, lim), window(inr, rev, off, lim));
  }
  assert.ok(sorted.length > 3000);
  const [i, j] = [Math.floor(sorted.length / 8), Math.floor((sorted.length * 5) / 8)];
  const min = { inf: 0 as const, value: sorted[i][0], exclusive: false };
  const max = { inf: 0 as const, value: sorted[j][0], exclusive: true };
  assert.deepEqual(z.deleteRangeByLex(min, max), sorted.slice(i, j).map((e) => e[0]));
  z.checkInvariants();
  assert.deepEqual(z.toArray(), [...sorted.slice(0, i), ...sorted.slice(j)]);
});

test('skiplist: score()/has() then a change then add() sees the change', () => {
  const z = new SortedSet();
  z.add('a', 1);
  assert.equal(z.score('a'), 1);
  z.remove('a');
  assert.equal(z.add('a', 2), true);
  assert.equal(z.has('a'), true);
  assert.deepEqual(z.popMin(1), [['a', 2]]);
  assert.equal(z.add('a', 3), true);
  assert.equal(z.score('a'), 3);
  assert.deepEqual(z.deleteRangeByScore(0, 10), ['a']);
  assert.equal(z.add('a', 4), true);
  z.has('a');
  z.clear();
  assert.equal(z.add('a', 5), true);
  assert.equal(z.score('b'), undefined);
  assert.equal(z.add('b', 6), true);
  assert.equal(z.add('b', 7), false);
  z.score('b');
  assert.equal(z.add('b', 8), false);
  assert.deepEqual(z.toArray(), [['a', 5], ['b', 8]]);
  z.checkInvariants();
});

test('skiplist: deep tree: inner-node merges and refills, compaction after mass removals', () => {
  const rnd = prng(6);
  const z = new SortedSet();
  const md = new Model();
  const N = 150000;
  const name = (i: number): string => 'm' + String(i).padStart(7, '0');
  for (let i = 0; i < N; i++) {
    z.add(name(i), i);
    md.m.set(name(i), i);
  }
  z.checkInvariants();
  // empty the region under a few inner nodes one member at a time: their
  // leaves merge, the inner nodes underflow and refill from / merge with siblings
  for (const [a, b] of [
    [4000, 7900],
    [20000, 30000],
    [60001, 64999],
  ]) {
    for (let i = a; i < b; i++) {
      assert.equal(z.remove(name(i)), true);
      md.m.delete(name(i));
    }
    z.checkInvariants();
  }
  compareAll(z, md, rnd);
  // random removals of most members (triggers compaction), interleaved adds
  const live = [...md.m.keys()];
  for (let k = live.length - 1; k > 0; k--) {
    const j = Math.floor(rnd() * (k + 1));
    [live[k], live[j]] = [live[j], live[k]];
  }
  for (let k = 0; k < live.length * 0.9; k++) {
    assert.equal(z.remove(live[k]), true);
    md.m.delete(live[k]);
    if (k % 7 === 0) {
      const m = 'x' + k;
      const s = Math.floor(rnd() * N);
      z.add(m, s);
      md.m.set(m, s);
    }
    if (k % 40000 === 0) z.checkInvariants();
  }
  compareAll(z, md, rnd);
});
