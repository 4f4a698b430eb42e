import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Deque } from '../../src/store/ds/deque.js';

type Op =
  | { t: 'pushBack' | 'pushFront'; v: number }
  | { t: 'popBack' | 'popFront' }
  | { t: 'get' | 'removeAt'; i: number }
  | { t: 'set' | 'insertAt'; i: number; v: number }
  | { t: 'slice' | 'trim'; a: number; b: number }
  | { t: 'bulk'; n: number; front: boolean }
  | { t: 'clear' };

const idx = fc.integer({ min: -3, max: 300 });
const val = fc.integer();
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constantFrom('pushBack' as const, 'pushFront' as const), v: val }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constantFrom('popBack' as const, 'popFront' as const) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constantFrom('get' as const, 'removeAt' as const), i: idx }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constantFrom('set' as const, 'insertAt' as const), i: idx, v: val }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constantFrom('slice' as const, 'trim' as const), a: idx, b: idx }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('bulk' as const), n: fc.integer({ min: 0, max: 200 }), front: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('clear' as const) }) },
);

function clampSlice(m: number[], a: number, b: number): number[] {
  const s = Math.max(0, a);
  const e = Math.min(m.length - 1, b);
  return s > e ? [] : m.slice(s, e + 1);
}

function apply(d: Deque<number>, m: number[], op: Op): void {
  switch (op.t) {
    case 'pushBack':
      d.pushBack(op.v);
      m.push(op.v);
      break;
    case 'pushFront':
      d.pushFront(op.v);
      m.unshift(op.v);
      break;
    case 'popBack':
      assert.equal(d.popBack(), m.pop());
      break;
    case 'popFront':
      assert.equal(d.popFront(), m.shift());
      break;
    case 'get':
      assert.equal(d.get(op.i), op.i >= 0 && op.i < m.length ? m[op.i] : undefined);
      break;
    case 'set': {
      const ok = op.i >= 0 && op.i < m.length;
      assert.equal(d.set(op.i, op.v), ok);
      if (ok) m[op.i] = op.v;
      break;
    }
    case 'removeAt': {
      const ok = op.i >= 0 && op.i < m.length;
      assert.equal(d.removeAt(op.i), ok ? m.splice(op.i, 1)[0] : undefined);
      break;
    }
    case 'insertAt':
      if (op.i >= 0 && op.i <= m.length) {
        d.insertAt(op.i, op.v);
        m.splice(op.i, 0, op.v);
      } else {
        assert.throws(() => d.insertAt(op.i, op.v), RangeError);
      }
      break;
    case 'slice':
      assert.deepEqual(d.slice(op.a, op.b), clampSlice(m, op.a, op.b));
      break;
    case 'trim': {
      const kept = clampSlice(m, op.a, op.b);
      d.trim(op.a, op.b);
      m.length = 0;
      m.push(...kept);
      break;
    }
    case 'bulk':
      for (let k = 0; k < op.n; k++) {
        if (op.front) {
          d.pushFront(k);
          m.unshift(k);
        } else {
          d.pushBack(k);
          m.push(k);
        }
      }
      break;
    case 'clear':
      d.clear();
      m.length = 0;
      break;
  }
  assert.equal(d.length, m.length);
}

test('deque: random op sequences match array model', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
      const d = new Deque<number>();
      const m: number[] = [];
      for (const op of ops) apply(d, m, op);
      assert.deepEqual(d.toArray(), m);
      assert.deepEqual([...d], m);
      assert.deepEqual([...d.reverse()], [...m].reverse());
      assert.equal(d.peekFront(), m[0]);
      assert.equal(d.peekBack(), m[m.length - 1]);
    }),
    { numRuns: 500 },
  );
});

test('deque: from() and wrap-around growth', () => {
  const d = Deque.from([1, 2, 3]);
  assert.deepEqual(d.toArray(), [1, 2, 3]);
  const e = new Deque<number>();
  const m: number[] = [];
  for (let i = 0; i < 10000; i++) {
    if (i % 3 === 0) {
      e.pushFront(i);
      m.unshift(i);
    } else {
      e.pushBack(i);
      m.push(i);
    }
    if (i % 7 === 0) assert.equal(e.popFront(), m.shift());
  }
  assert.deepEqual(e.toArray(), m);
  e.trim(100, 199);
  assert.deepEqual(e.toArray(), m.slice(100, 200));
  while (e.length > 0) e.popBack();
  assert.equal(e.popBack(), undefined);
  assert.equal(e.popFront(), undefined);
  assert.deepEqual(e.slice(0, 10), []);
});
