/**
 * Number parsing / formatting with Redis 7.0's exact rules (util.c string2ll,
 * string2ld, string2d, ld2string, addReplyDouble's "%.17g").
 *
 * All inputs are latin1 strings. Behaviour verified against redis-server 7.0.15
 * on x86_64 (see test/unit/numbers.test.ts for the observed cases).
 *
 * Long doubles: Redis on x86_64 uses the x87 80-bit extended format (64-bit
 * significand) for INCRBYFLOAT / HINCRBYFLOAT. JS has no such type, so this module
 * emulates it exactly with BigInt (correctly rounded strtold parsing, correctly
 * rounded addition, and glibc "%.17Lf" formatting with round-half-even). See
 * addDecimal(). Known deviations:
 *  - parseLongDouble() returns a JS double: values that are valid long doubles
 *    but outside the double range come back as ±Infinity (e.g. "1e400") or 0
 *    (e.g. "1e-400"). Validity (null or not) is exact. addDecimal() has no such
 *    deviation.
 *  - formatDouble(NaN) is always "nan" (glibc prints "-nan" for negative NaNs).
 */

// ---------------------------------------------------------------------------
// Integers
// ---------------------------------------------------------------------------

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/**
 * Redis string2ll: optional '-', no '+', no leading zeros (only "0" itself; "-0"
 * is rejected), no spaces, digits only, within int64.
 */
export function parseI64(s: string): bigint | null {
  const len = s.length;
  if (len === 0 || len >= 21) return null; // LONG_STR_SIZE
  if (len <= 15) {
    const n = parseIntFast(s);
    return n === null ? null : BigInt(n);
  }
  let i = 0;
  if (s.charCodeAt(0) === 45) i = 1;
  if (i === len) return null;
  let c = s.charCodeAt(i);
  if (c < 49 || c > 57) return null;
  for (i++; i < len; i++) {
    c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  const v = BigInt(s);
  return v < I64_MIN || v > I64_MAX ? null : v;
}

/**
 * Same grammar as parseI64 but returns a JS number; null when the string is not a
 * valid integer OR its value is outside ±(2^53-1) (callers then use parseI64).
 */
export function parseIntFast(s: string): number | null {
  const len = s.length;
  if (len === 0 || len > 17) return null;
  let c = s.charCodeAt(0);
  if (len === 1) return c >= 48 && c <= 57 ? c - 48 : null;
  let i = 0;
  let neg = false;
  if (c === 45) {
    neg = true;
    c = s.charCodeAt(1);
    i = 1;
  }
  if (c < 49 || c > 57) return null;
  let v = c - 48;
  for (i++; i < len; i++) {
    c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    v = v * 10 + (c - 48);
  }
  if (v > Number.MAX_SAFE_INTEGER) return null;
  return neg ? -v : v;
}

/** Decimal representation of an integer (like Redis ll2string). */
export function formatInt(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString();
  if (Number.isSafeInteger(n)) return n === 0 ? '0' : String(n);
  if (!Number.isFinite(n)) throw new RangeError('formatInt: not a finite number');
  return BigInt(Math.trunc(n)).toString();
}

// ---------------------------------------------------------------------------
// strtod / strtold grammar
// ---------------------------------------------------------------------------

type Scanned =
  | { t: 'inf'; neg: boolean }
  | { t: 'nan' }
  | { t: 'zero'; neg: boolean }
  /** value = digits * 10^exp10 ; digits has no leading zeros and is non-empty */
  | { t: 'dec'; neg: boolean; digits: string; exp10: number }
  /** value = mant * 2^exp2, mant > 0 */
  | { t: 'hex'; neg: boolean; mant: bigint; exp2: number };

const EXP_CAP = 1_000_000_000;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}
function matchWordCI(s: string, i: number, w: string): boolean {
  if (s.length - i !== w.length) return false;
  for (let k = 0; k < w.length; k++) if (lower(s.charCodeAt(i + k)) !== w.charCodeAt(k)) return false;
  return true;
}

/**
 * Parse `s` with glibc strtod/strtold grammar (C locale) requiring the whole
 * string to be consumed and no leading whitespace (Redis's isspace(buf[0]) check).
 * Returns null when Redis would reject because of syntax.
 */
function scanFloat(s: string): Scanned | null {
  const len = s.length;
  if (len === 0) return null;
  let i = 0;
  let neg = false;
  let c = s.charCodeAt(0);
  if (c === 43 || c === 45) {
    neg = c === 45;
    i = 1;
  }
  if (i >= len) return null;
  c = s.charCodeAt(i);
  const lc = lower(c);
  if (lc === 105 /* i */) {
    return matchWordCI(s, i, 'inf') || matchWordCI(s, i, 'infinity') ? { t: 'inf', neg } : null;
  }
  if (lc === 110 /* n */) {
    if (matchWordCI(s, i, 'nan')) return { t: 'nan' };
    // nan(n-char-sequence)
    if (len - i >= 5 && lower(s.charCodeAt(i + 1)) === 97 && lower(s.charCodeAt(i + 2)) === 110 && s.charCodeAt(i + 3) === 40 && s.charCodeAt(len - 1) === 41) {
      for (let k = i + 4; k < len - 1; k++) {
        const d = s.charCodeAt(k);
        if (!(isDigit(d) || (lower(d) >= 97 && lower(d) <= 122) || d === 95)) return null;
      }
      return { t: 'nan' };
    }
    return null;
  }
  // Hexadecimal float
  if (c === 48 && i + 1 < len && lower(s.charCodeAt(i + 1)) === 120) {
    let j = i + 2;
    let mant = 0n;
    let any = false;
    let fracDigits = 0;
    let sawDot = false;
    // Accumulate hex digits in chunks for speed.
    let chunk = 0;
    let chunkLen = 0;
    for (; j < len; j++) {
      const d = s.charCodeAt(j);
      if (d === 46 && !sawDot) {
        sawDot = true;
        continue;
      }
      const h = hexDigit(d);
      if (h < 0) break;
      any = true;
      chunk = chunk * 16 + h;
      if (++chunkLen === 12) {
        mant = (mant << 48n) | BigInt(chunk);
        chunk = 0;
        chunkLen = 0;
      }
      if (sawDot) fracDigits++;
    }
    if (chunkLen > 0) mant = (mant << BigInt(4 * chunkLen)) | BigInt(chunk);
    if (!any) return null; // strtod would parse just "0" and stop at 'x'
    let exp2 = 0;
    if (j < len && lower(s.charCodeAt(j)) === 112 /* p */) {
      const e = scanExp(s, j + 1);
      if (e === null) return null;
      exp2 = e;
      j = len;
    }
    if (j !== len) return null;
    if (mant === 0n) return { t: 'zero', neg };
    return { t: 'hex', neg, mant, exp2: exp2 - 4 * fracDigits };
  }
  // Decimal
  let j = i;
  let digits = '';
  let anyDigit = false;
  let fracDigits = 0;
  // integer part
  const intBegin = j;
  while (j < len && isDigit(s.charCodeAt(j))) j++;
  if (j > intBegin) {
    anyDigit = true;
    digits = s.slice(intBegin, j);
  }
  if (j < len && s.charCodeAt(j) === 46) {
    j++;
    const fracBegin = j;
    while (j < len && isDigit(s.charCodeAt(j))) j++;
    if (j > fracBegin) {
      anyDigit = true;
      digits += s.slice(fracBegin, j);
      fracDigits = j - fracBegin;
    }
  }
  if (!anyDigit) return null;
  let exp10 = 0;
  if (j < len && lower(s.charCodeAt(j)) === 101 /* e */) {
    const e = scanExp(s, j + 1);
    if (e === null) return null;
    exp10 = e;
    j = len;
  }
  if (j !== len) return null;
  // strip leading zeros
  let z = 0;
  while (z < digits.length && digits.charCodeAt(z) === 48) z++;
  if (z === digits.length) return { t: 'zero', neg };
  digits = digits.slice(z);
  // strip trailing zeros (adjusting the exponent)
  let t = digits.length;
  while (digits.charCodeAt(t - 1) === 48) t--;
  exp10 = exp10 - fracDigits + (digits.length - t);
  digits = digits.slice(0, t);
  return { t: 'dec', neg, digits, exp10 };
}

/** Parse an exponent `[+-]?digits` that must run to the end of s; capped. */
function scanExp(s: string, j: number): number | null {
  const len = s.length;
  let neg = false;
  if (j < len && (s.charCodeAt(j) === 43 || s.charCodeAt(j) === 45)) {
    neg = s.charCodeAt(j) === 45;
    j++;
  }
  if (j >= len) return null;
  let v = 0;
  for (; j < len; j++) {
    const c = s.charCodeAt(j);
    if (!isDigit(c)) return null;
    if (v < EXP_CAP) v = v * 10 + (c - 48);
  }
  return neg ? -v : v;
}

// ---------------------------------------------------------------------------
// Binary floating point emulation (exact, BigInt based)
// ---------------------------------------------------------------------------

/** A finite binary float: (-1)^neg * m * 2^e. m === 0n means zero. */
interface BinFloat {
  neg: boolean;
  m: bigint;
  e: number;
}

interface Format {
  p: number; // significand bits
  eMin: number; // exponent of the least significant bit of the smallest subnormal
  eMax: number; // max e for a p-bit m
}

/** x87 80-bit extended (long double on x86_64 Linux). */
const LDF: Format = { p: 64, eMin: -16445, eMax: 16384 - 64 };
/** IEEE binary64. */
const DF: Format = { p: 53, eMin: -1074, eMax: 1024 - 53 };

function bitLength(n: bigint): number {
  if (n === 0n) return 0;
  const hex = n.toString(16);
  const first = parseInt(hex[0], 16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(first));
}

const POW10_CACHE: bigint[] = [];
function pow10(n: number): bigint {
  if (n < 64) {
    let v = POW10_CACHE[n];
    if (v === undefined) v = POW10_CACHE[n] = 10n ** BigInt(n);
    return v;
  }
  return 10n ** BigInt(n);
}

/**
 * Round the positive rational num/den * 2^k to format f (round-half-even).
 * Returns 'inf' on overflow; m === 0n on underflow to zero.
 */
function roundToFormat(neg: boolean, num: bigint, den: bigint, k: number, f: Format): BinFloat | 'inf' {
  const P = f.p;
  // log2(value) is within [lb-1, lb+1)
  const lb = bitLength(num) - bitLength(den) + k;
  let e = Math.max(lb - P, f.eMin);
  let q: bigint;
  let rem: bigint;
  let d: bigint;
  const lo = 1n << BigInt(P - 1);
  const hi = 1n << BigInt(P);
  for (;;) {
    const sh = k - e; // value / 2^e = num * 2^sh / den
    let n2 = num;
    d = den;
    if (sh >= 0) n2 = num << BigInt(sh);
    else d = den << BigInt(-sh);
    q = n2 / d;
    rem = n2 - q * d;
    if (q >= hi) {
      e++;
      continue;
    }
    if (q < lo && e > f.eMin) {
      e--;
      continue;
    }
    break;
  }
  const twice = rem * 2n;
  if (twice > d || (twice === d && (q & 1n) === 1n)) {
    q += 1n;
    if (q === hi) {
      q = lo;
      e++;
    }
  }
  if (e > f.eMax) return 'inf';
  return { neg, m: q, e };
}

/** Exact value of a scanned finite number rounded to format f. */
function scannedToFormat(sc: Scanned, f: Format): BinFloat | 'inf' | 'nan' {
  switch (sc.t) {
    case 'inf':
      return 'inf';
    case 'nan':
      return 'nan';
    case 'zero':
      return { neg: sc.neg, m: 0n, e: 0 };
    case 'hex': {
      const lb = bitLength(sc.mant) + sc.exp2;
      if (lb > f.eMax + f.p + 2) return 'inf';
      if (lb < f.eMin - 2) return { neg: sc.neg, m: 0n, e: 0 };
      return roundToFormat(sc.neg, sc.mant, 1n, sc.exp2, f);
    }
    case 'dec': {
      const nd = sc.digits.length;
      // value in [10^(exp10+nd-1), 10^(exp10+nd))
      const mag = sc.exp10 + nd;
      const maxDec = Math.ceil(((f.eMax + f.p) * Math.LN2) / Math.LN10) + 1;
      const minDec = Math.floor((f.eMin * Math.LN2) / Math.LN10) - 1;
      if (mag - 1 > maxDec) return 'inf';
      if (mag < minDec) return { neg: sc.neg, m: 0n, e: 0 };
      const N = BigInt(sc.digits);
      if (sc.exp10 >= 0) return roundToFormat(sc.neg, N * pow10(sc.exp10), 1n, 0, f);
      return roundToFormat(sc.neg, N, pow10(-sc.exp10), 0, f);
    }
  }
}

/** Decompose a finite JS number into m * 2^e. */
function numberToBin(d: number): BinFloat {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, d);
  const hiWord = buf.getUint32(0);
  const loWord = buf.getUint32(4);
  const neg = hiWord >>> 31 === 1;
  const bexp = (hiWord >>> 20) & 0x7ff;
  let m = (BigInt(hiWord & 0xfffff) << 32n) | BigInt(loWord);
  let e: number;
  if (bexp === 0) {
    e = -1074;
  } else {
    m |= 1n << 52n;
    e = bexp - 1075;
  }
  return { neg, m, e };
}

function binToNumber(x: BinFloat): number {
  if (x.m === 0n) return x.neg ? -0 : 0;
  const r = roundToFormat(x.neg, x.m, 1n, x.e, DF);
  if (r === 'inf') return x.neg ? -Infinity : Infinity;
  // r.m < 2^53 and r.e in [-1074, 971]: the product is exact.
  let v = Number(r.m);
  let e = r.e;
  // avoid intermediate overflow/underflow of 2**e
  if (e < -1000) {
    v *= 2 ** -100;
    e += 100;
  }
  v *= 2 ** e;
  return x.neg ? -v : v;
}

// ---------------------------------------------------------------------------
// Float parsing
// ---------------------------------------------------------------------------

/** MAX_LONG_DOUBLE_CHARS: string2ld rejects inputs of this length or longer. */
export const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

/**
 * Redis string2d (ZADD scores, ZINCRBY, ...): strtod on the whole string; rejects
 * empty, leading whitespace, trailing garbage, NaN, overflow (±HUGE_VAL with
 * ERANGE) and underflow to zero. Accepts inf/infinity (any case, optional sign),
 * hex floats ("0x1p3"), ".5", "5.". No length limit.
 */
export function parseDouble(s: string): number | null {
  const sc = scanFloat(s);
  if (sc === null) return null;
  switch (sc.t) {
    case 'nan':
      return null;
    case 'inf':
      return sc.neg ? -Infinity : Infinity;
    case 'zero':
      return sc.neg ? -0 : 0;
    case 'dec': {
      // Number() is correctly rounded like glibc strtod; the grammar was validated.
      const v = Number(s);
      if (v === 0 || !Number.isFinite(v)) return null; // ERANGE underflow/overflow
      return v;
    }
    case 'hex': {
      const r = scannedToFormat(sc, DF);
      if (r === 'inf' || r === 'nan' || r.m === 0n) return null;
      return binToNumber(r);
    }
  }
}

/** Parse a string2ld-valid string to an exact 80-bit long double (or inf). */
function parseLD(s: string): BinFloat | 'inf' | '-inf' | null {
  if (s.length === 0 || s.length >= MAX_LONG_DOUBLE_CHARS) return null;
  const sc = scanFloat(s);
  if (sc === null || sc.t === 'nan') return null;
  if (sc.t === 'inf') return sc.neg ? '-inf' : 'inf';
  const r = scannedToFormat(sc, LDF);
  if (r === 'nan' || r === 'inf') return null; // overflow: ERANGE + HUGE_VALL
  if (r.m === 0n && sc.t !== 'zero') return null; // underflow to zero with ERANGE
  return r;
}

/**
 * Redis string2ld (INCRBYFLOAT / HINCRBYFLOAT): like parseDouble, but with long
 * double range (e.g. "1e400" and "1e-400" are valid) and a length limit
 * (>= 5120 chars rejected). The returned JS number is the value rounded to
 * double (so out-of-double-range values come back as ±Infinity / 0; use
 * addDecimal() for exact INCRBYFLOAT arithmetic).
 */
export function parseLongDouble(s: string): number | null {
  if (s.length === 0 || s.length >= MAX_LONG_DOUBLE_CHARS) return null;
  const sc = scanFloat(s);
  if (sc === null) return null;
  switch (sc.t) {
    case 'nan':
      return null;
    case 'inf':
      return sc.neg ? -Infinity : Infinity;
    case 'zero':
      return sc.neg ? -0 : 0;
    case 'dec': {
      const mag = sc.exp10 + sc.digits.length;
      if (mag > -4900 && mag < 4900) return Number(s);
      const r = scannedToFormat(sc, LDF);
      if (r === 'inf' || r === 'nan' || r.m === 0n) return null;
      return Number(s);
    }
    case 'hex': {
      const r = scannedToFormat(sc, LDF);
      if (r === 'inf' || r === 'nan' || r.m === 0n) return null;
      return binToNumber(r);
    }
  }
}

// ---------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------

/**
 * Round a decimal digit string (no leading zeros) to n significant digits with
 * round-half-even on the exact value. Returns the n digits and whether the
 * rounding carried into a new leading digit (then digits is "1000...").
 */
function roundDigits(digits: string, n: number): { digits: string; carry: boolean } {
  if (digits.length <= n) return { digits: digits.padEnd(n, '0'), carry: false };
  const head = digits.slice(0, n);
  const first = digits.charCodeAt(n);
  let up: boolean;
  if (first > 53) up = true;
  else if (first < 53) up = false;
  else {
    let rest = false;
    for (let i = n + 1; i < digits.length; i++) {
      if (digits.charCodeAt(i) !== 48) {
        rest = true;
        break;
      }
    }
    up = rest || (head.charCodeAt(n - 1) - 48) % 2 === 1;
  }
  if (!up) return { digits: head, carry: false };
  const inc = (BigInt(head) + 1n).toString();
  if (inc.length > n) return { digits: inc.slice(0, n), carry: true };
  return { digits: inc, carry: false };
}

/** Exact significant digits and decimal exponent of a finite non-zero double. */
function exactDigits(d: number): { digits: string; exp: number } {
  const { m, e } = numberToBin(Math.abs(d));
  let s: string;
  let pointPos: number; // number of digits before the decimal point
  if (e >= 0) {
    s = (m << BigInt(e)).toString();
    pointPos = s.length;
  } else {
    s = (m * 5n ** BigInt(-e)).toString();
    pointPos = s.length + e;
  }
  let z = 0;
  while (s.charCodeAt(z) === 48) z++;
  s = s.slice(z);
  pointPos -= z;
  return { digits: s, exp: pointPos - 1 };
}

/** 17 significant digits of |d| (round-half-even, like glibc) and the exponent. */
function digits17(d: number): { digits: string; exp: number } {
  const a = Math.abs(d);
  const s18 = a.toExponential(17);
  const ePos18 = s18.indexOf('e');
  if (s18.charCodeAt(ePos18 - 1) !== 53 /* '5' */) {
    // Not a potential tie: JS's (round-half-up) result equals glibc's.
    const s = a.toExponential(16);
    const ePos = s.indexOf('e');
    return { digits: s[0] + s.slice(2, ePos), exp: Number(s.slice(ePos + 1)) };
  }
  const ex = exactDigits(a);
  const r = roundDigits(ex.digits, 17);
  return { digits: r.digits, exp: ex.exp + (r.carry ? 1 : 0) };
}

/**
 * Redis 7.0 addReplyDouble: printf("%.17g"), with inf/-inf/nan spelled that way.
 * 1.1 -> "1.1000000000000001", 3 -> "3", 1e20 -> "1e+20", 1e-5 ->
 * "1.0000000000000001e-05", -0 -> "-0".
 */
export function formatDouble(d: number): string {
  if (d !== d) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (Number.isSafeInteger(d)) return String(d); // exact and at most 16 digits
  const { digits, exp } = digits17(d);
  const sign = d < 0 ? '-' : '';
  let end = 17;
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
  const sig = digits.slice(0, end);
  if (exp < -4 || exp >= 17) {
    const frac = sig.length > 1 ? '.' + sig.slice(1) : '';
    const ae = Math.abs(exp);
    return sign + sig[0] + frac + 'e' + (exp < 0 ? '-' : '+') + (ae < 10 ? '0' + ae : String(ae));
  }
  if (exp >= 0) {
    if (sig.length <= exp + 1) return sign + sig + '0'.repeat(exp + 1 - sig.length);
    return sign + sig.slice(0, exp + 1) + '.' + sig.slice(exp + 1);
  }
  return sign + '0.' + '0'.repeat(-exp - 1) + sig;
}

const TEN17 = 10n ** 17n;

/**
 * glibc printf("%.17Lf") of an exact binary value, then Redis LD_STR_HUMAN
 * post-processing: strip trailing zeros and a trailing '.', and "-0" -> "0".
 */
function formatBinHuman(x: BinFloat): string {
  let intPart: string;
  let frac: string;
  if (x.e >= 0) {
    intPart = (x.m << BigInt(x.e)).toString();
    frac = '';
  } else {
    const sh = BigInt(-x.e);
    const num = x.m * TEN17;
    let q = num >> sh;
    const rem = num - (q << sh);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    intPart = (q / TEN17).toString();
    frac = (q % TEN17).toString().padStart(17, '0');
    let end = 17;
    while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
    frac = frac.slice(0, end);
  }
  let out = frac.length > 0 ? intPart + '.' + frac : intPart;
  if (x.neg && out !== '0') out = '-' + out;
  return out;
}

/**
 * Redis ld2string(..., LD_STR_HUMAN) of a double value: "%.17Lf" (exact,
 * round-half-even) with trailing zeros / dot removed; "-0" becomes "0".
 * inf -> "inf", -inf -> "-inf", nan -> "nan" (INCRBYFLOAT never formats these).
 */
export function formatLongDouble(d: number): string {
  if (d !== d) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  return formatBinHuman(numberToBin(d));
}

/**
 * Exact emulation of Redis INCRBYFLOAT / HINCRBYFLOAT arithmetic on x86_64:
 * parse both strings as 80-bit long doubles (string2ld), add with x87 rounding,
 * and format with ld2string LD_STR_HUMAN. E.g. ("10.5","0.1") -> "10.6",
 * ("0.1","0.2") -> "0.3", ("5.0e3","2.0e2") -> "5200".
 *
 * Returns null when either input is not a valid string2ld float (including a
 * length >= 5120) or is ±inf, or when the sum overflows: in all those cases
 * Redis replies with an error ("value is not a valid float" or "increment would
 * produce NaN or Infinity"); callers should validate with parseLongDouble first
 * to pick the right error message, and may fall back to double arithmetic +
 * formatLongDouble (which then yields inf/NaN -> the NaN-or-Infinity error).
 */
export function addDecimal(a: string, b: string): string | null {
  const x = parseLD(a);
  const y = parseLD(b);
  if (x === null || y === null || typeof x === 'string' || typeof y === 'string') return null;
  const sum = addBin(x, y);
  if (sum === 'inf') return null;
  return formatBinHuman(sum);
}

function addBin(x: BinFloat, y: BinFloat): BinFloat | 'inf' {
  if (x.m === 0n && y.m === 0n) return { neg: x.neg && y.neg, m: 0n, e: 0 };
  if (x.m === 0n) return y;
  if (y.m === 0n) return x;
  const e = Math.min(x.e, y.e);
  const xs = (x.m << BigInt(x.e - e)) * (x.neg ? -1n : 1n);
  const ys = (y.m << BigInt(y.e - e)) * (y.neg ? -1n : 1n);
  const s = xs + ys;
  if (s === 0n) return { neg: false, m: 0n, e: 0 }; // round-to-nearest: +0
  const neg = s < 0n;
  return roundToFormat(neg, neg ? -s : s, 1n, e, LDF);
}

/** string2ll as a JS number when it is a safe integer, else a bigint; null when not an int64. */
export function parseLLExact(s: string): number | bigint | null {
  const n = parseIntFast(s);
  if (n !== null) return n;
  return parseI64(s);
}

/** string2ll as a JS number: exact up to 2^53, beyond that rounded (fine for counts and indexes). */
export function parseLong(s: string): number | null {
  const n = parseIntFast(s);
  if (n !== null) return n;
  const b = parseI64(s);
  return b === null ? null : Number(b);
}
