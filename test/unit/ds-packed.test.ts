// The packed listpack (store/ds/packed.ts) against a Map model: random
// sequences of sets, updates and deletes over fields that include the empty
// string, NUL/0xff bytes and entries around the one-byte length limit (254,
// 255 and longer take the five-byte prefix). Order must equal the Map's
// insertion order (Redis's listpack order) at every step.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PackedMap, packEntry, entryLen, entryAt, entryEnd } from '../../src/store/ds/packed.js';
import { HashValue } from '../../src/store/hash.js';

const byte = fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c));
const shortStr = fc.array(byte, { maxLength: 6 }).map((a) => a.join(''));
const longStr = fc.constantFrom(253, 254, 255, 256, 300, 70000).chain((n) => byte.map((c) => c.repeat(n)));
const str = fc.oneof({ weight: 8, arbitrary: shortStr }, { weight: 1, arbitrary: longStr });

type Op = ['set', string, string] | ['del', string];
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.tuple(fc.constant('set' as const), str, str),
  fc.tuple(fc.constant('del' as const), str),
);

test('entry codec round-trips every length class', () => {
  for (const n of [0, 1, 254, 255, 256, 65535, 65536, 1 << 24]) {
    const x = 'x'.repeat(n);
    const e = packEntry(x);
    assert.equal(entryLen(e, 0), n);
    assert.equal(entryEnd(e, 0), e.length);
    assert.equal(entryAt(e, 0), x);
  }
});

test('PackedMap behaves as an insertion-ordered Map', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const p = new PackedMap();
      const m = new Map<string, string>();
      for (const o of ops) {
        if (o[0] === 'set') {
          const before = m.size;
          p.set(o[1], o[2]);
          m.set(o[1], o[2]);
          assert.equal(p.size, m.size, 'size after set');
          assert.equal(p.size - before, m.size - before);
        } else {
          assert.equal(p.delete(o[1]), m.delete(o[1]));
        }
        assert.equal(p.size, m.size);
        assert.deepEqual([...p], [...m]);
        for (const k of m.keys()) assert.equal(p.get(k), m.get(k));
      }
      assert.deepEqual([...p.keys()], [...m.keys()]);
      assert.deepEqual([...p.values()], [...m.values()]);
      for (let i = 0; i < p.size; i++) assert.deepEqual(p.pairAt(i), [...m][i]);
      if (m.size === 0) assert.equal(p.s, '');
    }),
    { numRuns: 300 },
  );
});

test('HashValue converts a packed listpack at the entry and value limits, keeping order', () => {
  const lim = { entries: 4, value: 8 };
  const h = new HashValue(true);
  for (const f of ['d', 'c', 'b', 'a']) h.set(f, f.toUpperCase(), lim);
  h.set('c', 'cc', lim);
  assert.equal(h.encoding(), 'listpack');
  assert.deepEqual([...h.map.keys()], ['d', 'c', 'b', 'a']);
  const copy = h.clone();
  h.set('e', 'E', lim);
  assert.equal(h.encoding(), 'hashtable');
  assert.deepEqual([...h.map], [['d', 'D'], ['c', 'cc'], ['b', 'B'], ['a', 'A'], ['e', 'E']]);
  // the clone is independent and still packed
  assert.equal(copy.encoding(), 'listpack');
  assert.equal(copy.size, 4);
  copy.set('x', '123456789', lim);
  assert.equal(copy.encoding(), 'hashtable');
  assert.equal(copy.get('x'), '123456789');
  assert.equal(h.get('x'), undefined);
  // a raised value limit keeps big entries packed until the byte bound, still in order
  const big = new HashValue(true);
  const wide = { entries: 100000, value: 100000 };
  for (let i = 0; i < 400; i++) big.set('f' + i, 'v'.repeat(100), wide);
  assert.equal(big.encoding(), 'listpack');
  assert.deepEqual([...big.map.keys()].slice(0, 3), ['f0', 'f1', 'f2']);
  assert.equal(big.size, 400);
});

test('a table-backed hash answers as a Map across inserts, overwrites (equal or not) and deletes', () => {
  // small field names so overwrites are frequent; the probe-first overwrite
  // path switches on and off with the mix of inserts and overwrites
  const field = fc.integer({ min: 0, max: 400 }).map((i) => 'f' + i);
  const value = fc.constantFrom('', 'v', 'w', 'xxx', 'x'.repeat(40));
  const hop: fc.Arbitrary<['set', string, string] | ['del', string]> = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constant('set' as const), field, value) },
    { weight: 1, arbitrary: fc.tuple(fc.constant('del' as const), field) },
  );
  fc.assert(
    fc.property(fc.array(hop, { minLength: 200, maxLength: 1500 }), (ops) => {
      const lim = { entries: 128, value: 64 };
      const h = new HashValue(true);
      const model = new Map<string, string>();
      for (const o of ops) {
        if (o[0] === 'set') {
          // a copy, as the parser hands over a new string per request
          const v = o[2].split('').join('');
          assert.equal(h.set(o[1], v, lim), model.has(o[1]));
          model.set(o[1], v);
        } else assert.equal(h.delete(o[1]), model.delete(o[1]));
        assert.equal(h.size, model.size);
      }
      if (model.size > 128) assert.equal(h.encoding(), 'hashtable');
      for (const [f, v] of model) assert.equal(h.get(f), v);
      assert.deepEqual([...h.map.keys()].sort(), [...model.keys()].sort());
    }),
    { numRuns: 40 },
  );
});
