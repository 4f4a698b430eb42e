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
