// The packed intset (store/ds/intset.ts) against a sorted BigInt model, across
// the 2/4/8-byte widths and the int64 bounds, and the packed zset
// (store/ds/packed-zset.ts) against SortedSet (ds/skiplist.ts) on random
// sequences of adds, updates, removes, pops and range deletes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EMPTY_INTSET, intsetAdd, intsetRemove, intsetHas, intsetAt, intsetMembers, intsetSize } from '../../src/store/ds/intset.js';

import { PackedSortedSet } from '../../src/store/ds/packed-zset.js';
import { SortedSet, parseLexBound } from '../../src/store/ds/skiplist.js';

/** The intset functions over one string, as store/set.ts holds it. */
class IntSet {
  s = EMPTY_INTSET;
  get w(): number {
    return this.s.charCodeAt(0);
  }
  get size(): number {
    return intsetSize(this.s);
  }
  add(m: string): boolean {
    const r = intsetAdd(this.s, m);
    if (r === null) return false;
    this.s = r;
    return true;
  }
  remove(m: string): boolean {
    const r = intsetRemove(this.s, m);
    if (r === null) return false;
    this.s = r;
    return true;
  }
  has(m: string): boolean {
    return intsetHas(this.s, m);
  }
  at(i: number): string {
    return intsetAt(this.s, i);
  }
  members(): string[] {
    return intsetMembers(this.s);
  }
  clone(): IntSet {
    const c = new IntSet();
    c.s = this.s;
    return c;
  }
}

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const edge = [0n, 1n, -1n, 32767n, 32768n, -32768n, -32769n, 2147483647n, 2147483648n, -2147483648n, -2147483649n,
  2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n), -(2n ** 53n) - 1n, I64_MIN, I64_MAX, I64_MIN + 1n, I64_MAX - 1n];
const int64 = fc.oneof(
  fc.constantFrom(...edge),
  fc.integer({ min: -40000, max: 40000 }).map(BigInt),
  fc.integer().map(BigInt),
  fc.bigInt({ min: I64_MIN, max: I64_MAX }),
);

test('IntSet behaves as a sorted set of int64 across widths', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), int64), { maxLength: 80 }), (ops) => {
      const s = new IntSet();
      const model = new Set<bigint>();
      for (const [add, v] of ops) {
        const m = String(v);
        if (add) assert.equal(s.add(m), !model.has(v));
        else assert.equal(s.remove(m), model.has(v));
        if (add) model.add(v);
        else model.delete(v);
        assert.equal(s.size, model.size);
      }
      const sorted = [...model].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
      assert.deepEqual(s.members(), sorted);
      for (let i = 0; i < sorted.length; i++) assert.equal(s.at(i), sorted[i]);
      for (const v of edge) assert.equal(s.has(String(v)), model.has(v), `has ${v}`);
      const c = s.clone();
      c.add('12345');
      assert.deepEqual(s.members(), sorted);
    }),
    { numRuns: 400 },
  );
});

test('IntSet widens to the narrowest slot that holds every member', () => {
  const s = new IntSet();
  s.add('5');
  s.add('-7');
  assert.equal(s.w, 2);
  s.add('40000');
  assert.equal(s.w, 4);
  assert.deepEqual(s.members(), ['-7', '5', '40000']);
  s.add(String(I64_MIN));
  assert.equal(s.w, 8);
  assert.deepEqual(s.members(), [String(I64_MIN), '-7', '5', '40000']);
  assert.equal(s.s.length, 33);
  // removals never narrow (Redis's intset does not shrink its encoding)
  s.remove(String(I64_MIN));
  assert.equal(s.w, 8);
  assert.ok(s.has('40000') && !s.has('40001') && !s.has(String(I64_MAX)));
});

const member = fc.oneof(fc.constantFrom('a', 'b', 'c', 'ab', '', '\x00', '\xff', 'x'.repeat(300)), fc.string({ maxLength: 3 }));
const score = fc.oneof(fc.constantFrom(0, 1, -1, 1.5, Infinity, -Infinity), fc.double({ noNaN: true }).map((d) => (d === 0 ? 0 : d)));
const lex = fc.constantFrom('-', '+', '[a', '(a', '[b', '(ab', '[\xff', '(');

type ZOp =
  | { k: 'add'; m: string; s: number }
  | { k: 'rem'; m: string }
  | { k: 'pop'; max: boolean; n: number }
  | { k: 'delRank'; a: number; b: number }
  | { k: 'delScore'; a: number; b: number; ax: boolean; bx: boolean }
  | { k: 'delLex'; a: string; b: string };
const zop: fc.Arbitrary<ZOp> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('add' as const), m: member, s: score }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('rem' as const), m: member }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('pop' as const), max: fc.boolean(), n: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('delRank' as const), a: fc.integer({ min: -2, max: 6 }), b: fc.integer({ min: -2, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('delScore' as const), a: score, b: score, ax: fc.boolean(), bx: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('delLex' as const), a: lex, b: lex }) },
);

test('PackedSortedSet answers as SortedSet does', () => {
  fc.assert(
    fc.property(fc.array(zop, { maxLength: 50 }), score, score, (ops, lo, hi) => {
      const p = new PackedSortedSet();
      const z = new SortedSet();
      for (const o of ops) {
        if (o.k === 'add') assert.equal(p.add(o.m, o.s), z.add(o.m, o.s));
        else if (o.k === 'rem') assert.equal(p.remove(o.m), z.remove(o.m));
        else if (o.k === 'pop') assert.deepEqual(o.max ? p.popMax(o.n) : p.popMin(o.n), o.max ? z.popMax(o.n) : z.popMin(o.n));
        else if (o.k === 'delRank') assert.deepEqual(p.deleteRangeByRank(o.a, o.b), z.deleteRangeByRank(o.a, o.b));
        else if (o.k === 'delScore') assert.deepEqual(p.deleteRangeByScore(o.a, o.b, o.ax, o.bx), z.deleteRangeByScore(o.a, o.b, o.ax, o.bx));
        else {
          const a = parseLexBound(o.a);
          const b = parseLexBound(o.b);
          if (a && b) assert.deepEqual(p.deleteRangeByLex(a, b), z.deleteRangeByLex(a, b));
        }
        assert.equal(p.size, z.size);
      }
      assert.deepEqual(p.toArray(), z.toArray());
      assert.deepEqual([...p.reverse()], [...z.reverse()]);
      for (const [m] of z) {
        assert.equal(p.score(m), z.score(m));
        assert.equal(p.rank(m), z.rank(m));
        assert.equal(p.revRank(m), z.revRank(m));
      }
      for (let i = -1; i <= z.size; i++) assert.deepEqual(p.byRank(i), z.byRank(i));
      assert.deepEqual(p.rangeByRank(1, 3, true), z.rangeByRank(1, 3, true));
      assert.deepEqual(p.rangeByRank(0, 100), z.rangeByRank(0, 100));
      assert.deepEqual(p.rangeByScore(lo, hi, false, true, true, 1, 2), z.rangeByScore(lo, hi, false, true, true, 1, 2));
      assert.equal(p.countInScoreRange(lo, hi), z.countInScoreRange(lo, hi));
      assert.deepEqual(p.first(), z.first());
      assert.deepEqual(p.last(), z.last());
      assert.deepEqual([...p.map], [...z.map].sort((a, b) => (z.rank(a[0]) - z.rank(b[0]))));
      assert.deepEqual(PackedSortedSet.fromSorted(z).toArray(), z.toArray());
    }),
    { numRuns: 300 },
  );
});
