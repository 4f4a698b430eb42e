// Memory accounting: an estimate of the V8 heap bytes each key and value
// holds, per type and encoding, kept up to date by store/db.ts as values
// change. It is what INFO used_memory, MEMORY USAGE and maxmemory use.
//
// The model (64-bit V8 without pointer compression, as Node 20 ships) is in
// docs/architecture.md, "Memory accounting". Its constants were calibrated
// against measured heap growth (test/integration/memory-accounting.test.ts
// reports the ratios).
//
// A collection's estimate is its structure (exact from its size or capacity)
// plus its element bytes, which are summed exactly up to EXACT_MAX elements
// and extrapolated from a spread sample beyond: recounting a million-member
// set on every SADD would cost O(n) per write. The sample is taken again
// after max(8, n/64) changes, so the estimate follows the content at O(1)
// amortised cost (measured: LPUSH at pipeline 16 lost 20% when every 8th
// change took a sample).

import type { Value, RObject } from './types.js';
import { KeyTable } from './keytable.js';
import { PackedMap } from './ds/packed.js';
import { PackedSortedSet } from './ds/packed-zset.js';
import type { HashValue } from './hash.js';
import type { SetValue } from './set.js';
import type { ListValue } from './list.js';
import type { ZSetValue } from './zset.js';

/** Bytes of a sequential one-byte V8 string: 16 bytes of header, content rounded to 8. */
export function strBytes(s: string): number {
  return 16 + ((s.length + 7) & ~7);
}

/** A KeyTable slot: [hash, aux] Int32 pair + [key, value] pointer pair. */
export const TABLE_SLOT = 24;
/** A V8 OrderedHashMap entry (key, value, chain) plus its share of the bucket array. */
const MAP_ENTRY = 28;
/** A V8 OrderedHashSet entry (key, chain) plus its share of the bucket array. */
const SET_ENTRY = 20;
/** A boxed double (HeapNumber): expiry deadlines, non-Smi scores. */
const HEAP_NUMBER = 16;
/** JS object with a few fields + its Map/array wrapper. */
const OBJ = 56;
/** A packed listpack: its object, header + string pointer + count (calibrated against heap growth). */
const PACKED = 64;
/** Collections this small are summed exactly on every change. */
const EXACT_MAX = 32;
/** Elements read to estimate the average element size of a bigger collection. */
const SAMPLE = 32;
/** Changes after which a collection's sample is taken again (at least; n/64 for big ones). */
const RESAMPLE_EVERY = 8;

function pow2(n: number): number {
  return n <= 4 ? 4 : n >= 2 ** 30 ? 2 ** Math.ceil(Math.log2(n)) : 1 << (32 - Math.clz32(n - 1));
}

/** A V8 Map/Set with n entries: capacity is the next power of two. */
function mapBytes(n: number, entry: number): number {
  return OBJ + entry * pow2(n);
}

/** What an expires-table entry adds beyond its table slot: the boxed deadline (ms timestamps are not Smis). */
export const EXPIRE_ENTRY = HEAP_NUMBER;

let acc = 0;
function addPair(x: string, f: string): void {
  acc += strBytes(f) + strBytes(x);
}
/** A score is boxed unless it is a small integer (a Smi). */
function scoreBytes(sc: number): number {
  return Number.isInteger(sc) && Math.abs(sc) < 2 ** 31 ? 0 : HEAP_NUMBER;
}
function addMember(sc: number, m: string): void {
  acc += strBytes(m) + scoreBytes(sc);
}

/**
 * Sum of element bytes over `limit` elements (every element when limit >= n),
 * and how many were read. Samples are spread over the whole collection where
 * it allows cheap positional or random access (lists, sorted sets, big
 * hashes and sets); small Map-backed ones are read in order.
 */
function elementBytes(v: RObject, limit: number): [number, number] {
  let sum = 0;
  let n = 0;
  switch (v.type) {
    case 'hash': {
      const m = (v as HashValue).map;
      // a packed listpack's elements are inside its string (structureBytes)
      if (m instanceof PackedMap) return [0, m.size];
      if (m instanceof KeyTable && limit < m.size) {
        for (; n < limit; n++) {
          const f = m.randomKey() as string;
          sum += strBytes(f) + strBytes(m.get(f) as string);
        }
        break;
      }
      if (m instanceof Map && limit >= m.size) {
        // forEach with a shared callback: no iterator or entry arrays per change of a small hash
        acc = 0;
        m.forEach(addPair);
        return [acc, m.size];
      }
      for (const [f, x] of m) {
        sum += strBytes(f) + strBytes(x);
        if (++n >= limit) break;
      }
      break;
    }
    case 'set': {
      const s = v as SetValue;
      // an intset's members are inside its packed string (structureBytes)
      if (s.isIntset) return [0, s.size];
      if (limit < s.size && s.size > 128) {
        for (; n < limit; n++) sum += strBytes(s.random());
        break;
      }
      for (const m of s.members()) {
        sum += strBytes(m);
        if (++n >= limit) break;
      }
      break;
    }
    case 'list': {
      const d = (v as ListValue).items;
      const len = d.length;
      const step = len <= limit ? 1 : len / limit;
      for (let i = 0; i < len && n < limit; n++, i = Math.floor(n * step)) sum += strBytes(d.get(i) as string);
      break;
    }
    case 'zset': {
      const zs = (v as ZSetValue).zs;
      const len = zs.size;
      if (zs instanceof PackedSortedSet) return [0, len];
      if (limit < len) {
        const step = len / limit;
        for (; n < limit; n++) {
          const e = zs.byRank(Math.floor(n * step))!;
          sum += strBytes(e[0]) + scoreBytes(e[1]);
        }
        break;
      }
      acc = 0;
      (zs.map as Map<string, number>).forEach(addMember);
      return [acc, len];
    }
    default:
      break;
  }
  return [sum, n];
}

function sizeOf(v: RObject): number {
  switch (v.type) {
    case 'hash':
      return (v as HashValue).size;
    case 'set':
      return (v as SetValue).size;
    case 'list':
      return (v as ListValue).length;
    case 'zset':
      return (v as ZSetValue).size;
    default:
      return 0;
  }
}

/** A listpack or intset: its elements are inside its one string, counted by structureBytes. */
function isPacked(v: RObject): boolean {
  switch (v.type) {
    case 'hash':
      return (v as HashValue).map instanceof PackedMap;
    case 'set':
      return (v as SetValue).isIntset;
    case 'zset':
      return (v as ZSetValue).zs instanceof PackedSortedSet;
    default:
      return false;
  }
}

/** The structure's bytes, elements excluded. */
function structureBytes(v: RObject, n: number): number {
  switch (v.type) {
    case 'hash': {
      const m = (v as HashValue).map;
      if (m instanceof PackedMap) return OBJ + PACKED + strBytes(m.s);
      return OBJ + (m instanceof KeyTable ? OBJ * 4 + TABLE_SLOT * m.capacity : mapBytes(n, MAP_ENTRY));
    }
    case 'set': {
      const s = v as SetValue;
      // the set object holds the intset's one string (a width char and the slots) itself
      if (s.isIntset) return OBJ + strBytes(' ') - 8 + ((s.intsetBytes + 1 + 7) & ~7);
      // a big set moves to a KeyTable whose capacity keeps the load under ~0.75
      return OBJ + (n > 128 ? OBJ * 4 + TABLE_SLOT * pow2(Math.ceil(n / 0.75)) : mapBytes(n, SET_ENTRY));
    }
    case 'list':
      return OBJ * 3 + 8 * pow2(n + 1);
    case 'zset':
      if ((v as ZSetValue).zs instanceof PackedSortedSet) return OBJ + PACKED + strBytes(((v as ZSetValue).zs as PackedSortedSet).s);
      // member map + B+tree leaves (score, member per slot, leaves ~3/4 full) + inner nodes
      return OBJ * 12 + mapBytes(n, MAP_ENTRY) + n * 34 + 400;
    default:
      return OBJ;
  }
}

/** Estimated bytes of a value (without its key). `samples` 0 counts every element. */
export function valueBytes(v: Value, samples = -1, aging = false): number {
  if (typeof v === 'string') return strBytes(v);
  const n = sizeOf(v);
  const base = structureBytes(v, n);
  if (n === 0 || isPacked(v)) return base;
  // a list sums its element bytes as they come and go: exact, no sample
  if (v.type === 'list') return base + (v as ListValue).modelBytes() + (v as ListValue).elemBytes;
  if (samples === 0 || n <= EXACT_MAX || (samples > 0 && samples >= n)) {
    return base + elementBytes(v, n)[0];
  }
  if (samples > 0) {
    const [sum, k] = elementBytes(v, samples);
    return base + Math.round((sum / k) * n);
  }
  // the average of a big collection moves by at most a few elements' worth per change
  let st = samples_.get(v);
  if (st === undefined) samples_.set(v, (st = { avg: -1, changes: 0 }));
  else if (aging) st.changes++;
  if (st.avg < 0 || st.changes >= (n >> 6 > RESAMPLE_EVERY ? n >> 6 : RESAMPLE_EVERY)) {
    const [sum, k] = elementBytes(v, SAMPLE);
    st.avg = sum / k;
    st.changes = 0;
  }
  return base + Math.round(st.avg * n);
}

/** A big collection's sampled average element size and the changes since the sample. */
interface Sample {
  avg: number;
  changes: number;
}
/**
 * Only collections past EXACT_MAX elements are sampled: a side table keeps
 * two fields off every small value (the many), at one lookup per write of a
 * big one.
 */
const samples_ = new WeakMap<RObject, Sample>();

/** The value's element sample no longer applies (its representation changed). */
export function dropSample(v: RObject): void {
  samples_.delete(v);
}

/** A copy standing for the same bytes (snapshot copy-on-write) takes over the sample. */
export function copyAccounting(from: RObject, to: RObject): void {
  to.memBytes = from.memBytes;
  const st = samples_.get(from);
  if (st !== undefined) samples_.set(to, { avg: st.avg, changes: st.changes });
}

/** Bytes a key costs beyond its table slot: the key string. */
export function keyBytes(key: string): number {
  return strBytes(key);
}

/** What a value was last accounted at (so a change can be applied as a delta). */
export function accountedBytes(v: Value): number {
  return typeof v === 'string' ? strBytes(v) : v.memBytes;
}

/** Records and returns a value's current estimate; a collection's sample ages by one change. */
export function account(v: Value): number {
  if (typeof v === 'string') return strBytes(v);
  return (v.memBytes = valueBytes(v, -1, true));
}
