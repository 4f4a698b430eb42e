// A listpack-encoded sorted set in one packed string (see packed.ts): entries
// ordered by (score, member) as in Redis's listpack, each the score's eight
// bytes (sortable form, packScore) then the member with its length prefix. A SortedSet (member
// Map + B+tree pools) costs ~2,400 bytes for ten members; this costs the
// members' bytes plus ~9 each.
//
// It answers the same calls as SortedSet. Lookups, inserts, ranks and pops
// walk the string (O(n), n at most zset-max-listpack-entries, like Redis's
// listpack), score ranges on the decoded entries; lex ranges (with Redis's
// mixed-score walk) and range deletes run on a SortedSet built for the call,
// which keeps their many edge cases in one place.

import { SortedSet, type LexBound, type ZEntry } from './skiplist.js';
import { packEntry, entryEnd, entryAt, entryIs, entryLen, seq2, seq3, seq4 } from './packed.js';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// big-endian byte order in the string whatever the machine's
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LE ? 1 : 0;
const LO = LE ? 0 : 1;

/**
 * The score's IEEE-754 bits, big-endian and made sortable (sign bit flipped
 * for positives, every bit flipped for negatives): comparing two encoded
 * scores char by char orders them numerically, so the insertion and range
 * searches read a char or two per entry instead of decoding doubles. -0 is
 * stored as 0 (a listpack holds no -0).
 */
function packScore(sc: number): string {
  f64[0] = sc === 0 ? 0 : sc;
  let hi = u32[HI];
  let lo = u32[LO];
  if (hi & 0x80000000) {
    hi = ~hi;
    lo = ~lo;
  } else {
    hi ^= 0x80000000;
  }
  return String.fromCharCode((hi >>> 24) & 255, (hi >>> 16) & 255, (hi >>> 8) & 255, hi & 255, (lo >>> 24) & 255, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255);
}

function scoreAt(s: string, p: number): number {
  let hi = (s.charCodeAt(p) << 24) | (s.charCodeAt(p + 1) << 16) | (s.charCodeAt(p + 2) << 8) | s.charCodeAt(p + 3);
  let lo = (s.charCodeAt(p + 4) << 24) | (s.charCodeAt(p + 5) << 16) | (s.charCodeAt(p + 6) << 8) | s.charCodeAt(p + 7);
  if (hi & 0x80000000) {
    hi ^= 0x80000000;
  } else {
    hi = ~hi;
    lo = ~lo;
  }
  u32[HI] = hi;
  u32[LO] = lo;
  return f64[0];
}

/** The encoded score at p compared with the encoded score k: <0, 0, >0. */
function compareScore(s: string, p: number, k: string): number {
  for (let i = 0; i < 8; i++) {
    const d = s.charCodeAt(p + i) - k.charCodeAt(i);
    if (d !== 0) return d;
  }
  return 0;
}

/** The member entry at p compared with x in byte order: <0, 0, >0. */
function compareEntry(s: string, p: number, x: string): number {
  const l = entryLen(s, p);
  const b = p + (s.charCodeAt(p) < 255 ? 1 : 5);
  const n = l < x.length ? l : x.length;
  for (let i = 0; i < n; i++) {
    const d = s.charCodeAt(b + i) - x.charCodeAt(i);
    if (d !== 0) return d;
  }
  return l - x.length;
}

// Offsets of every entry, filled by index() for the range calls
// (module scratch: no allocation per call).
const OFF: number[] = [];

/**
 * The last find(), which add() reuses: ZADD and ZINCRBY ask score(m) and then
 * add(m, ...) the same member. Process-wide, not two fields in every small
 * zset; valid only for the same set and the same packed string, and every
 * change clears it.
 */
let memoZ: PackedSortedSet | null = null;
let memoS = '';
let memoM = '';
let memoP = -1;

export class PackedSortedSet {
  /** Entries: score (8 chars), member (length-prefixed), in (score, member) order. */
  s = '';
  private n = 0;

  /** Builds from entries already in (score, member) order. */
  static fromSorted(es: Iterable<ZEntry>): PackedSortedSet {
    const z = new PackedSortedSet();
    const parts: string[] = [];
    for (const [m, sc] of es) {
      parts.push(packScore(sc), packEntry(m));
      z.n++;
    }
    z.s = parts.join('');
    return z;
  }

  get size(): number {
    return this.n;
  }


  /** Offset of the member's entry (its score), or -1. */
  private find(m: string): number {
    if (memoZ === this && m === memoM && this.s === memoS) return memoP;
    const s = this.s;
    const len = s.length;
    const ml = m.length;
    let p = 0;
    if (ml === 0) {
      while (p < len && s.charCodeAt(p + 8) !== 0) p = entryEnd(s, p + 8);
    } else {
      // per entry: the member's length and, when it matches, its bytes from the last
      const last = m.charCodeAt(ml - 1);
      while (p < len) {
        const b = p + 8;
        let l = s.charCodeAt(b);
        let d = b + 1;
        if (l === 255) {
          l = entryLen(s, b);
          d = b + 5;
        }
        if (l === ml && s.charCodeAt(d + l - 1) === last) {
          let i = ml - 2;
          while (i >= 0 && s.charCodeAt(d + i) === m.charCodeAt(i)) i--;
          if (i < 0) break;
        }
        p = d + l;
      }
    }
    if (p >= len) p = -1;
    memoZ = this;
    memoS = s;
    memoM = m;
    memoP = p;
    return p;
  }

  /** Fills OFF with every entry's offset; returns the count. */
  private index(): number {
    const s = this.s;
    const len = s.length;
    let i = 0;
    for (let p = 0; p < len; i++) {
      OFF[i] = p;
      p = entryEnd(s, p + 8);
    }
    return i;
  }

  has(m: string): boolean {
    return this.find(m) >= 0;
  }

  score(m: string): number | undefined {
    const p = this.find(m);
    return p < 0 ? undefined : scoreAt(this.s, p);
  }

  /** Insert or update; true when the member is new. */
  add(m: string, sc: number): boolean {
    const s = this.s;
    const p = this.find(m);
    memoZ = null;
    // the old entry [p, e) when updating, skipped by the search below
    let e = -1;
    if (p >= 0) {
      if (scoreAt(s, p) === sc) return false;
      e = entryEnd(s, p + 8);
    } else {
      this.n++;
    }
    // first entry that sorts after (sc, m)
    const k = packScore(sc);
    const len = s.length;
    let q = 0;
    while (q < len) {
      if (q === p) {
        q = e;
        continue;
      }
      const c = compareScore(s, q, k);
      if (c > 0 || (c === 0 && compareEntry(s, q + 8, m) > 0)) break;
      q = entryEnd(s, q + 8);
    }
    const entry = k + packEntry(m);
    // one new string, built from at most three pieces of the old one
    if (p < 0) this.s = seq3(s.slice(0, q), entry, s.slice(q));
    else if (q <= p) this.s = seq4(s.slice(0, q), entry, s.slice(q, p), s.slice(e));
    else this.s = seq4(s.slice(0, p), s.slice(e, q), entry, s.slice(q));
    return p < 0;
  }


  remove(m: string): boolean {
    const s = this.s;
    const p = this.find(m);
    memoZ = null;
    if (p < 0) return false;
    const e = entryEnd(s, p + 8);
    this.s = p === 0 && e === s.length ? '' : seq2(s.slice(0, p), s.slice(e));
    this.n--;
    return true;
  }

  clear(): void {
    memoZ = null;
    this.s = '';
    this.n = 0;
  }

  toArray(): ZEntry[] {
    const s = this.s;
    const len = s.length;
    const out: ZEntry[] = [];
    let p = 0;
    while (p < len) {
      out.push([entryAt(s, p + 8), scoreAt(s, p)]);
      p = entryEnd(s, p + 8);
    }
    return out;
  }

  [Symbol.iterator](): IterableIterator<ZEntry> {
    return this.toArray().values();
  }

  reverse(): IterableIterator<ZEntry> {
    return this.toArray().reverse().values();
  }

  /** member -> score (a copy: the packed string has no Map to show). */
  get map(): ReadonlyMap<string, number> {
    return new Map(this.toArray());
  }

  rank(m: string): number {
    const s = this.s;
    const len = s.length;
    let p = 0;
    for (let r = 0; p < len; r++) {
      if (entryIs(s, p + 8, m)) return r;
      p = entryEnd(s, p + 8);
    }
    return -1;
  }

  revRank(m: string): number {
    const r = this.rank(m);
    return r < 0 ? -1 : this.n - 1 - r;
  }

  byRank(i: number): ZEntry | undefined {
    if (i < 0 || i >= this.n) return undefined;
    const s = this.s;
    let p = 0;
    for (; i > 0; i--) p = entryEnd(s, p + 8);
    return [entryAt(s, p + 8), scoreAt(s, p)];
  }

  rangeByRank(start: number, stop: number, reverse = false): ZEntry[] {
    if (start < 0) start = 0;
    if (stop >= this.n) stop = this.n - 1;
    if (start > stop) return [];
    const a = this.toArray();
    return reverse ? a.slice(this.n - 1 - stop, this.n - start).reverse() : a.slice(start, stop + 1);
  }

  first(): ZEntry | undefined {
    return this.byRank(0);
  }

  last(): ZEntry | undefined {
    return this.byRank(this.n - 1);
  }

  randomMember(): ZEntry | undefined {
    return this.n === 0 ? undefined : this.byRank(Math.floor(Math.random() * this.n));
  }

  popMin(count = 1): ZEntry[] {
    const a = this.toArray();
    const out = a.slice(0, count);
    this.keep(a, out.length, a.length);
    return out;
  }

  popMax(count = 1): ZEntry[] {
    const a = this.toArray();
    const from = Math.max(0, a.length - count);
    const out = a.slice(from).reverse();
    this.keep(a, 0, from);
    return out;
  }

  /** Keeps entries [lo, hi) of a (this set's entries in order). */
  private keep(a: ZEntry[], lo: number, hi: number): void {
    memoZ = null;
    const z = PackedSortedSet.fromSorted(a.slice(lo, hi));
    this.s = z.s;
    this.n = z.n;
  }

  /** A SortedSet with the same entries, for the range queries. */
  toSortedSet(): SortedSet {
    const z = new SortedSet();
    for (const [m, sc] of this.toArray()) z.add(m, sc);
    return z;
  }

  private replaceFrom(z: SortedSet): void {
    memoZ = null;
    const p = PackedSortedSet.fromSorted(z);
    this.s = p.s;
    this.n = p.n;
  }

  /** [firstRank, endRankExclusive) of a score range over the n entries in OFF, as SortedSet's. */
  private scoreRankRange(n: number, min: number, max: number, minEx: boolean, maxEx: boolean): [number, number] {
    if (min > max || (min === max && (minEx || maxEx))) return [0, 0];
    const lo = this.countBelow(n, packScore(min), minEx);
    const hi = this.countBelow(n, packScore(max), !maxEx);
    return hi > lo ? [lo, hi] : [0, 0];
  }

  /** Entries (of the n in OFF) with score < k (or <= k when inclusive), k encoded. */
  private countBelow(n: number, k: string, inclusive: boolean): number {
    const s = this.s;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareScore(s, OFF[mid], k);
      if (c < 0 || (inclusive && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  countInScoreRange(min: number, max: number, minEx = false, maxEx = false): number {
    const [lo, hi] = this.scoreRankRange(this.index(), min, max, minEx, maxEx);
    return hi - lo;
  }

  countInLexRange(min: LexBound, max: LexBound): number {
    return this.toSortedSet().countInLexRange(min, max);
  }

  rangeByScore(min: number, max: number, minEx = false, maxEx = false, reverse = false, offset = 0, limit = -1): ZEntry[] {
    const [lo, hi] = this.scoreRankRange(this.index(), min, max, minEx, maxEx);
    if (offset < 0) return [];
    let n = hi - lo - offset;
    if (n <= 0) return [];
    if (limit >= 0 && limit < n) n = limit;
    if (n === 0) return [];
    const s = this.s;
    const out: ZEntry[] = new Array<ZEntry>(n);
    // forward: ranks lo+offset.. ascending; reverse: hi-1-offset.. descending
    for (let k = 0; k < n; k++) {
      const r = reverse ? hi - 1 - offset - k : lo + offset + k;
      out[k] = [entryAt(s, OFF[r] + 8), scoreAt(s, OFF[r])];
    }
    return out;
  }

  rangeByLex(min: LexBound, max: LexBound, reverse = false, offset = 0, limit = -1): ZEntry[] {
    return this.toSortedSet().rangeByLex(min, max, reverse, offset, limit);
  }

  deleteRangeByRank(start: number, stop: number): string[] {
    const z = this.toSortedSet();
    const r = z.deleteRangeByRank(start, stop);
    if (r.length > 0) this.replaceFrom(z);
    return r;
  }

  deleteRangeByScore(min: number, max: number, minEx = false, maxEx = false): string[] {
    const z = this.toSortedSet();
    const r = z.deleteRangeByScore(min, max, minEx, maxEx);
    if (r.length > 0) this.replaceFrom(z);
    return r;
  }

  deleteRangeByLex(min: LexBound, max: LexBound): string[] {
    const z = this.toSortedSet();
    const r = z.deleteRangeByLex(min, max);
    if (r.length > 0) this.replaceFrom(z);
    return r;
  }
}
