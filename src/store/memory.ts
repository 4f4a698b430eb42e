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
// and extrapolated from a sample beyond: recounting a million-member set on
// every SADD would cost O(n) per write. The sample is refreshed every few
// changes, so the estimate follows the content at O(1) amortised cost.

import type { Value, RObject } from './types.js';
import { KeyTable } from './keytable.js';
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
/** Collections this small are summed exactly on every change. */
const EXACT_MAX = 32;
/** Elements read to estimate the average element size of a bigger collection. */
const SAMPLE = 32;
/** Changes after which a big collection's sample is taken again. */
const RESAMPLE_EVERY = 8;

function pow2(n: number): number {
  let c = 4;
  while (c < n) c *= 2;
  return c;
}

/** A V8 Map/Set with n entries: capacity is the next power of two. */
function mapBytes(n: number, entry: number): number {
  return OBJ + entry * pow2(n);
}

/** An entry of a Redis expires dict: Map entry + boxed deadline. */
export const EXPIRE_ENTRY = MAP_ENTRY * 1.5 + HEAP_NUMBER;

interface Sampled {
  /** Bytes per element beyond the structure (strings, boxed scores). */
  avg: number;
  changes: number;
}
const sampled = new WeakMap<RObject, Sampled>();

/** Sum of element bytes over the first `limit` elements, and how many were read. */
function elementBytes(v: RObject, limit: number): [number, number] {
  let sum = 0;
  let n = 0;
  switch (v.type) {
    case 'hash': {
      for (const [f, x] of (v as HashValue).map) {
        sum += strBytes(f) + strBytes(x);
        if (++n >= limit) break;
      }
      break;
    }
    case 'set': {
      const s = v as SetValue;
      for (const m of s.members()) {
        sum += strBytes(m);
        if (++n >= limit) break;
      }
      break;
    }
    case 'list': {
      const d = (v as ListValue).items;
      const len = d.length;
      // evenly spread indexes: a list is often built of uniform pushes, but not always
      const step = len <= limit ? 1 : len / limit;
      for (let i = 0; i < len && n < limit; n++, i = Math.floor(n * step)) sum += strBytes(d.get(i) as string);
      break;
    }
    case 'zset': {
      for (const [m, sc] of (v as ZSetValue).zs.map) {
        sum += strBytes(m) + (Number.isInteger(sc) && Math.abs(sc) < 2 ** 31 ? 0 : HEAP_NUMBER);
        if (++n >= limit) break;
      }
      break;
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

/** The structure's bytes, elements excluded. */
function structureBytes(v: RObject, n: number): number {
  switch (v.type) {
    case 'hash': {
      const m = (v as HashValue).map;
      return OBJ + (m instanceof KeyTable ? OBJ * 4 + TABLE_SLOT * m.capacity : mapBytes(n, MAP_ENTRY));
    }
    case 'set': {
      const s = v as SetValue;
      if (s.isIntset) return OBJ * 2 + 8 * pow2(n);
      // a big set moves to a KeyTable whose capacity keeps the load under ~0.75
      return OBJ + (n > 128 ? OBJ * 4 + TABLE_SLOT * pow2(Math.ceil(n / 0.75)) : mapBytes(n, SET_ENTRY));
    }
    case 'list':
      return OBJ * 3 + 8 * pow2(n + 1);
    case 'zset':
      // member map + B+tree leaves (score, member per slot, leaves ~3/4 full) + inner nodes
      return OBJ * 12 + mapBytes(n, MAP_ENTRY) + n * 34 + 400;
    default:
      return OBJ;
  }
}

/** Estimated bytes of a value (without its key). `samples` 0 counts every element. */
export function valueBytes(v: Value, samples = -1): number {
  if (typeof v === 'string') return strBytes(v);
  const n = sizeOf(v);
  const base = structureBytes(v, n);
  if (n === 0) return base;
  if (samples === 0 || n <= EXACT_MAX || (samples > 0 && samples >= n)) {
    return base + elementBytes(v, n)[0];
  }
  if (samples > 0) {
    const [sum, k] = elementBytes(v, samples);
    return base + Math.round((sum / k) * n);
  }
  let s = sampled.get(v);
  if (s === undefined || s.changes >= RESAMPLE_EVERY) {
    const [sum, k] = elementBytes(v, SAMPLE);
    if (s === undefined) sampled.set(v, (s = { avg: 0, changes: 0 }));
    s.avg = sum / k;
    s.changes = 0;
  }
  return base + Math.round(s.avg * n);
}

/** Bytes a key costs beyond its table slot: the key string. */
export function keyBytes(key: string): number {
  return strBytes(key);
}

/** Notes that a collection changed (its sample may be stale); returns its new estimate. */
export function objectChanged(v: RObject): number {
  const s = sampled.get(v);
  if (s !== undefined) s.changes++;
  return valueBytes(v);
}

/** What an object was last accounted at (so a change can be applied as a delta). */
const accounted = new WeakMap<RObject, number>();

export function accountedBytes(v: Value): number {
  if (typeof v === 'string') return strBytes(v);
  return accounted.get(v) ?? 0;
}

/** Records and returns an object's current estimate. */
export function account(v: Value): number {
  if (typeof v === 'string') return strBytes(v);
  const b = objectChanged(v);
  accounted.set(v, b);
  return b;
}
