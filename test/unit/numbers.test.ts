import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  parseI64,
  parseIntFast,
  parseDouble,
  parseLongDouble,
  formatDouble,
  formatLongDouble,
  addDecimal,
  formatInt,
} from '../../src/util/numbers.js';

// All expected values in this file were observed on redis-server 7.0.15 (x86_64):
// integers via SET k <v> + INCRBY k 0 / INCRBY k <v>, doubles via ZADD + ZSCORE
// (skiplist encoding), long doubles via SET f <a> + INCRBYFLOAT f <b>.

test('parseI64 / parseIntFast: string2ll grammar', () => {
  const valid: [string, bigint][] = [
    ['0', 0n], ['1', 1n], ['-1', -1n], ['99', 99n], ['-99', -99n],
    ['9223372036854775807', 9223372036854775807n], ['-9223372036854775808', -9223372036854775808n],
    ['9007199254740991', 9007199254740991n], ['9007199254740992', 9007199254740992n], ['-9007199254740993', -9007199254740993n],
  ];
  for (const [s, v] of valid) assert.equal(parseI64(s), v, s);
  const invalid = ['', '-0', '01', '00', '+1', ' 1', '1 ', '-', '1\x00', '9223372036854775808', '-9223372036854775809',
    '1.0', '1e3', '0x10', '99999999999999999999', '-00', '١'];
  for (const s of invalid) {
    assert.equal(parseI64(s), null, JSON.stringify(s));
    assert.equal(parseIntFast(s), null, JSON.stringify(s));
  }
  assert.equal(parseIntFast('0'), 0);
  assert.equal(parseIntFast('-42'), -42);
  assert.equal(parseIntFast('9007199254740991'), 9007199254740991);
  assert.equal(parseIntFast('-9007199254740991'), -9007199254740991);
  assert.equal(parseIntFast('9007199254740992'), null); // out of safe range -> fall back
  assert.equal(parseIntFast('9223372036854775807'), null);
});

test('parseI64 / parseIntFast: property vs BigInt reference', () => {
  const ref = (s: string): bigint | null => {
    if (!/^(0|-?[1-9][0-9]*)$/.test(s)) return null;
    const v = BigInt(s);
    return v >= -(2n ** 63n) && v < 2n ** 63n ? v : null;
  };
  const unit = fc.constantFrom(...'0123456789-+ .'.split(''), '9', '1');
  const arb = fc.oneof(
    fc.string({ unit, maxLength: 22 }),
    fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(String),
    fc.integer().map(String),
  );
  fc.assert(
    fc.property(arb, (s) => {
      const r = ref(s);
      assert.equal(parseI64(s), r);
      const f = parseIntFast(s);
      if (r !== null && r >= -(2n ** 53n - 1n) && r <= 2n ** 53n - 1n) assert.equal(f, Number(r));
      else assert.equal(f, null);
    }),
    { numRuns: 5000 },
  );
});

test('formatInt', () => {
  assert.equal(formatInt(0), '0');
  assert.equal(formatInt(-0), '0');
  assert.equal(formatInt(-12), '-12');
  assert.equal(formatInt(1e21), '1000000000000000000000');
  assert.equal(formatInt(-9223372036854775808n), '-9223372036854775808');
});

// ZADD accepts / ZSCORE replies observed on redis-server 7.0.15.
const ZSCORE_OBSERVED: Record<string, string> = {
  '3': '3', '100': '100', '-0': '-0', '1.1': '1.1000000000000001', '1e20': '1e+20', '0.0001': '0.0001',
  '1e-5': '1.0000000000000001e-05', '0.1': '0.10000000000000001', '123456789.123': '123456789.123',
  '1e16': '10000000000000000', '1e17': '1e+17', '12345678901234567': '12345678901234568',
  '123456789012345678': '1.2345678901234568e+17', '-1.5e-7': '-1.4999999999999999e-07',
  '5e-324': '4.9406564584124654e-324', '1.7976931348623157e308': '1.7976931348623157e+308',
  '0.3': '0.29999999999999999', '2.5': '2.5', '9.999999999999999e16': '99999999999999984',
  '1.78813934326171875e-7': '1.7881393432617188e-07', '0x1.0000000000001p0': '1.0000000000000002',
  'inf': 'inf', '-inf': '-inf', '+inf': 'inf', 'infinity': 'inf', 'INF': 'inf', 'Infinity': 'inf',
  '3e-324': '4.9406564584124654e-324', '0x1p3': '8', '0x10': '16', '0x.8p1': '1', '+.5e1': '5', '.5': '0.5',
  '5.': '5', '1.': '1', '1e-4': '0.0001', '-123.456': '-123.456',
  '2.2250738585072014e-308': '2.2250738585072014e-308', '4.35': '4.3499999999999996',
  '1e15': '1000000000000000', '1e-310': '9.9999999999999694e-311', '0e-99999': '0',
};
// Rejected by ZADD ("value is not a valid float").
const ZADD_REJECTED = ['', ' ', ' 1', '1 ', 'nan', 'nan(123)', '1e400', '1e-400', '2e-324', '1e', '1e+', '0x', 'infinit',
  '1.5\x00xyz', '.', '-', '+', 'e5', '1e5000', '--1', '0x1p', 'abc', '1,5'];

test('parseDouble + formatDouble (string2d / %.17g)', () => {
  for (const [s, out] of Object.entries(ZSCORE_OBSERVED)) {
    const v = parseDouble(s);
    assert.notEqual(v, null, JSON.stringify(s));
    assert.equal(formatDouble(v as number), out, JSON.stringify(s));
  }
  for (const s of ZADD_REJECTED) assert.equal(parseDouble(s), null, JSON.stringify(s));
  assert.equal(parseDouble('0'.repeat(10000) + '1'), 1); // string2d has no length limit
  assert.equal(formatDouble(NaN), 'nan');
  assert.equal(formatDouble(0), '0');
  assert.equal(formatDouble(3), '3');
  assert.equal(formatDouble(1e-5), '1.0000000000000001e-05');
});

test('formatDouble round-trips and has %.17g shape', () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
      const s = formatDouble(d);
      assert.ok(Object.is(Number(s), d) || (d === 0 && Number(s) === 0), s);
      assert.match(s, /^-?(\d+(\.\d*[1-9])?|\d(\.\d*[1-9])?e[+-]\d\d\d?)$/);
      assert.equal(parseDouble(s), d === 0 ? d : Number(s));
    }),
    { numRuns: 5000 },
  );
});

// INCRBYFLOAT results observed on redis-server 7.0.15 (null = error reply).
const INCRBYFLOAT_OBSERVED: [string, string, string | null][] = [
  ['10.5', '0.1', '10.6'], ['0.1', '0.2', '0.3'], ['3.0e3', '1', '3001'], ['5.0e3', '2.0e2', '5200'],
  ['1.5e300', '1.5e300', '3000000000000000000099600219722944332724758478237347857102439436497947059859625417585708621151661861373061289132100458813853293478622035213968516576754868287875205556393421322469311888391541677026537693652300410837265991094543749654145872461189840026482380727988943772161134673231823389018093229441024'],
  ['1000000.1', '0', '1000000.10000000000002274'], ['1', '1e-20', '1'],
  ['123456789.987654321', '0.000000001', '123456789.98765432199434144'],
  ['1e400', '1', '10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778943824391593338047470675026246684401359237513603830343735485505244955964979021825038280091068414947402456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880'],
  ['1e4932', '1e4932', null], ['-1', '1', '0'], ['-0', '-0', '0'], ['-1e-20', '0', '0'],
  ['0x1p-18', '0', '0.00000381469726562'], ['0x3p-18', '0', '0.00001144409179688'], ['3', '-0.1', '2.9'],
  ['9007199254740993', '1', '9007199254740994'],
  ['1.7976931348623157e308', '1.7976931348623157e308', '359538626972463139991842093548208868096772893888658356970628841530353257046248792709403737216774171128857586838851041378617416726902272110715794556052955234146997955372576789671236326588091188869859074894581254961338834769297758245552436667197907705664206565009503223382416235440319971852753604933726679072768'],
  ['0.3', '-0.1', '0.2'], ['1.1', '2.2', '3.3'], ['99.99', '0.01', '100'], ['-5.5', '2.25', '-3.25'],
  ['1e-4940', '1e-4940', '0'], ['12345678901234567890', '0.5', '12345678901234567890'], ['inf', '1', null],
  ['1', '-inf', null], ['0x1.8p1', '0.25', '3.25'], ['1e18', '0.1', '1000000000000000000.125'],
  ['-0.00000000000000001', '0', '-0.00000000000000001'], ['0.1', '0.1', '0.2'], ['1e-400', '0', '0'],
  ['1.2e4932', '0', null], ['1e-4960', '0', null], ['17179869184', '0.7', '17179869184.69999999925494194'],
  ['0', '1.5\x00xyz', null], ['0', '0'.repeat(5118) + '1', '1'], ['0', '0'.repeat(5119) + '1', null],
];

test('addDecimal reproduces INCRBYFLOAT (x87 long double)', () => {
  for (const [a, b, out] of INCRBYFLOAT_OBSERVED) {
    assert.equal(addDecimal(a, b), out, `${a} + ${b}`);
  }
});

test('parseLongDouble (string2ld) validity', () => {
  // valid for INCRBYFLOAT (either a result or "increment would produce NaN or Infinity")
  for (const s of ['1', '1.5', 'inf', '-inf', '+inf', 'infinity', 'INF', '0x1p3', '0x10', '1e400', '1e-400', '.5', '5.',
    '+.5e1', '0x.8p1', '-0', '1.', '0e-99999', '2e-324', '3e-324', '1e-4940', '1e4932', '0'.repeat(5118) + '1']) {
    assert.notEqual(parseLongDouble(s), null, JSON.stringify(s.slice(0, 20)));
  }
  for (const s of ['nan', '1e5000', '1e-5000', '1.5\x00xyz', ' 1', '1 ', '1e', '1e+', '0x', '', ' ', 'infinit', 'nan(123)',
    '1e-4960', '1.2e4932', '0'.repeat(5119) + '1']) {
    assert.equal(parseLongDouble(s), null, JSON.stringify(s.slice(0, 20)));
  }
  assert.equal(parseLongDouble('10.5'), 10.5);
  assert.equal(parseLongDouble('-inf'), -Infinity);
  assert.equal(parseLongDouble('1e400'), Infinity); // documented deviation: value not representable as double
});

test('formatLongDouble (%.17Lf human form of a double)', () => {
  assert.equal(formatLongDouble(3.25), '3.25');
  assert.equal(formatLongDouble(-0), '0');
  assert.equal(formatLongDouble(0.1), '0.10000000000000001'); // 0.1 as a double, not a long double
  assert.equal(formatLongDouble(2 ** -18), '0.00000381469726562'); // ties round half-even like glibc
  assert.equal(formatLongDouble(3 * 2 ** -18), '0.00001144409179688');
  assert.equal(formatLongDouble(-1e-20), '0');
  assert.equal(formatLongDouble(1e21), '1000000000000000000000');
  assert.equal(formatLongDouble(Infinity), 'inf');
});

test('addDecimal: small decimals add exactly (long double error below 17 decimals)', () => {
  const dec = fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 15 }), fc.nat(9_999_999_999), fc.integer({ min: 0, max: 10 }));
  const toStr = ([neg, ip, fr, places]: [boolean, number, number, number]) => {
    const f = places === 0 ? '' : '.' + String(fr % 10 ** places).padStart(places, '0');
    return (neg ? '-' : '') + ip + f;
  };
  const toScaled = (s: string): bigint => {
    const neg = s.startsWith('-');
    const [i, f = ''] = (neg ? s.slice(1) : s).split('.');
    const v = BigInt(i + f.padEnd(10, '0'));
    return neg ? -v : v;
  };
  const human = (v: bigint): string => {
    const neg = v < 0n;
    const a = neg ? -v : v;
    let s = (a / 10n ** 10n).toString();
    const f = (a % 10n ** 10n).toString().padStart(10, '0').replace(/0+$/, '');
    if (f) s += '.' + f;
    return s === '0' ? '0' : (neg ? '-' : '') + s;
  };
  fc.assert(
    fc.property(dec, dec, (x, y) => {
      const a = toStr(x);
      const b = toStr(y);
      assert.equal(addDecimal(a, b), human(toScaled(a) + toScaled(b)), `${a} + ${b}`);
    }),
    { numRuns: 3000 },
  );
});
