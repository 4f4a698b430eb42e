import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isIntsetMember } from '../../src/store/ds/intset-check.js';

/** Reference: canonical int64 decimal round trip (what string2ll accepts). */
function ref(s: string): boolean {
  if (!/^-?(0|[1-9][0-9]*)$/.test(s) || s === '-0') return false;
  const v = BigInt(s);
  return v >= -(2n ** 63n) && v <= 2n ** 63n - 1n && v.toString() === s;
}

test('intset-check: fixed cases', () => {
  const yes = ['0', '1', '-1', '9', '10', '123456', '9223372036854775807', '-9223372036854775808', '-9223372036854775807'];
  const no = [
    '', '-', '+1', '01', '-01', '-0', '00', ' 1', '1 ', '1.0', '1e3', 'abc', '0x10',
    '9223372036854775808', '-9223372036854775809', '99999999999999999999', '12345678901234567890',
    '\u0661', '1\x00',
  ];
  for (const s of yes) assert.equal(isIntsetMember(s), true, s);
  for (const s of no) assert.equal(isIntsetMember(s), false, JSON.stringify(s));
});

test('intset-check: matches reference on random input', () => {
  const digitsy = fc
    .array(fc.constantFrom('0', '1', '2', '5', '9', '-', '+', ' ', 'a'), { maxLength: 22 })
    .map((a) => a.join(''));
  const bigs = fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map((b) => b.toString());
  fc.assert(
    fc.property(fc.oneof(digitsy, bigs, fc.string()), (s) => {
      assert.equal(isIntsetMember(s), ref(s), JSON.stringify(s));
    }),
    { numRuns: 5000 },
  );
});
