// Redis's intset as one latin1 string: sorted int64 values in fixed-width
// big-endian slots of 2, 4 or 8 bytes (the narrowest that holds every
// member, widened for all when a bigger value arrives, as intsetUpgradeAndAdd
// does). Each slot is stored offset-binary (sign bit flipped), so comparing
// two slots char by char orders them numerically and lookups are a binary
// search. Ten small members cost 16 + 40 bytes instead of ten strings and an
// array (~500 bytes).
//
// Members go in and come out as canonical int64 strings (string2ll form), the
// way the set commands see them.

import { seq2, seq3 } from './packed.js';

const TWO32 = 4294967296;

/** The slot width (2, 4 or 8) `m` needs, with its value split into a signed high and unsigned low 32-bit word. */
let hi = 0;
let lo = 0;
function parse(m: string): number {
  if (m.length <= 15) {
    const v = Number(m);
    if (v >= -32768 && v <= 32767) {
      hi = v < 0 ? -1 : 0;
      lo = v >>> 0;
      return 2;
    }
    if (v >= -2147483648 && v <= 2147483647) {
      hi = v < 0 ? -1 : 0;
      lo = v >>> 0;
      return 4;
    }
    hi = Math.floor(v / TWO32);
    lo = v - hi * TWO32;
    return 8;
  }
  const b = BigInt(m);
  hi = Number(b >> 32n);
  lo = Number(b & 0xffffffffn);
  return 8;
}

/** The slot of the value last parsed, at width w. */
function encode(w: number): string {
  if (w === 2) {
    const u = (lo + 32768) & 0xffff;
    return String.fromCharCode(u >>> 8, u & 255);
  }
  if (w === 4) {
    const u = (lo ^ 0x80000000) >>> 0;
    return String.fromCharCode(u >>> 24, (u >>> 16) & 255, (u >>> 8) & 255, u & 255);
  }
  const h = (hi ^ 0x80000000) >>> 0;
  return String.fromCharCode(h >>> 24, (h >>> 16) & 255, (h >>> 8) & 255, h & 255, lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255);
}

function word(s: string, p: number): number {
  return ((s.charCodeAt(p) << 24) | (s.charCodeAt(p + 1) << 16) | (s.charCodeAt(p + 2) << 8) | s.charCodeAt(p + 3)) >>> 0;
}

/** The member in the slot at p, width w. */
function decode(s: string, p: number, w: number): string {
  if (w === 2) return String(((s.charCodeAt(p) << 8) | s.charCodeAt(p + 1)) - 32768);
  if (w === 4) return String(word(s, p) - 2147483648);
  const h = word(s, p) - 2147483648;
  const l = word(s, p + 4);
  if (h >= -2097152 && h < 2097152) return String(h * TWO32 + l);
  return String((BigInt(h) << 32n) + BigInt(l));
}

// The intset is one string: a char holding the slot width (2, 4 or 8), then
// the slots. Its owner (store/set.ts's SetValue) holds just that string, no
// wrapper object and no width field per small set. An operation that
// changes the set returns the new string.

/** An empty intset (2-byte slots). */
export const EMPTY_INTSET = '\x02';

/** Members in intset s. */
export function intsetSize(s: string): number {
  return (s.length - 1) / s.charCodeAt(0);
}

/** Slot index of the encoded value e in s (width w), or -(insertion point) - 1. */
function search(s: string, w: number, e: string): number {
  let a = 0;
  let b = (s.length - 1) / w - 1;
  while (a <= b) {
    const mid = (a + b) >>> 1;
    const p = 1 + mid * w;
    let c = 0;
    for (let k = 0; k < w && c === 0; k++) c = s.charCodeAt(p + k) - e.charCodeAt(k);
    if (c === 0) return mid;
    if (c < 0) a = mid + 1;
    else b = mid - 1;
  }
  return -a - 1;
}

/** `m` must be a canonical int64 string (isIntsetMember). */
export function intsetHas(s: string, m: string): boolean {
  const w = s.charCodeAt(0);
  return parse(m) <= w && search(s, w, encode(w)) >= 0;
}

/**
 * intsetHas for a member already parsed to a safe integer (SISMEMBER's hot
 * path): a binary search on the slots' numeric values, no probe slot built.
 */
export function intsetHasNumber(s: string, v: number): boolean {
  const w = s.charCodeAt(0);
  let a = 0;
  let b = (s.length - 1) / w - 1;
  if (w === 2) {
    if (v < -32768 || v > 32767) return false;
    const u = v + 32768;
    while (a <= b) {
      const mid = (a + b) >>> 1;
      const p = 1 + 2 * mid;
      const x = (s.charCodeAt(p) << 8) | s.charCodeAt(p + 1);
      if (x === u) return true;
      if (x < u) a = mid + 1;
      else b = mid - 1;
    }
    return false;
  }
  if (w === 4) {
    if (v < -2147483648 || v > 2147483647) return false;
    const u = v + 2147483648;
    while (a <= b) {
      const mid = (a + b) >>> 1;
      const x = word(s, 1 + 4 * mid);
      if (x === u) return true;
      if (x < u) a = mid + 1;
      else b = mid - 1;
    }
    return false;
  }
  const h = Math.floor(v / TWO32);
  const l = v - h * TWO32;
  const uh = h + 2147483648;
  while (a <= b) {
    const mid = (a + b) >>> 1;
    const p = 1 + 8 * mid;
    const xh = word(s, p);
    const x = xh === uh ? word(s, p + 4) - l : xh - uh;
    if (x === 0) return true;
    if (x < 0) a = mid + 1;
    else b = mid - 1;
  }
  return false;
}

/** The new intset when `m` (a canonical int64 string) was added, else null. */
export function intsetAdd(s: string, m: string): string | null {
  const w = s.charCodeAt(0);
  const nw = parse(m);
  if (nw > w) {
    // intsetUpgradeAndAdd: the new value is below or above every member
    const neg = hi < 0;
    const e = encode(nw);
    const parts: string[] = [String.fromCharCode(nw)];
    const h = hi;
    const l = lo;
    if (neg) parts.push(e);
    for (let p = 1; p < s.length; p += w) {
      parse(decode(s, p, w));
      parts.push(encode(nw));
    }
    hi = h;
    lo = l;
    if (!neg) parts.push(e);
    return parts.join('');
  }
  const e = encode(w);
  const i = search(s, w, e);
  if (i >= 0) return null;
  const p = 1 + (-i - 1) * w;
  return seq3(s.slice(0, p), e, s.slice(p));
}

/** The new intset when `m` (a canonical int64 string) was a member, else null. */
export function intsetRemove(s: string, m: string): string | null {
  const w = s.charCodeAt(0);
  if (parse(m) > w) return null;
  const i = search(s, w, encode(w));
  if (i < 0) return null;
  const p = 1 + i * w;
  // removals never narrow (Redis's intset keeps its encoding)
  return s.length === 1 + w ? s.slice(0, 1) : seq2(s.slice(0, p), s.slice(p + w));
}

/** The i-th smallest member. */
export function intsetAt(s: string, i: number): string {
  const w = s.charCodeAt(0);
  return decode(s, 1 + i * w, w);
}

/** Members ascending. */
export function intsetMembers(s: string): string[] {
  const w = s.charCodeAt(0);
  const out: string[] = new Array<string>((s.length - 1) / w);
  for (let p = 1, i = 0; p < s.length; p += w, i++) out[i] = decode(s, p, w);
  return out;
}
