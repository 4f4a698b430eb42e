// The keyspace's hash table: open addressing with linear probing. Slot i keeps
// its 32-bit hash and a 32-bit `aux` word (the keyspace stores LRU clock and
// encoding there) at meta[2i], meta[2i+1], and its key and value at kv[2i],
// kv[2i+1]: a hit touches one line of each array plus the key string.
//
// Why not a V8 Map: with random keys a Map lookup walks a bucket chain and
// loads every candidate key string on the way, a cache miss per step; at
// 100k keys that made a GET hit cost ~0.6 µs of lookup alone. Here a probe
// compares int32 hashes in one contiguous array and touches a key string only
// when the hashes are equal, and a miss usually costs one array read.
//
// Hash flooding: the hash is seeded per table from a random source, and an
// insert that meets a probe run longer than MAX_PROBE reseeds and rehashes the
// table, so crafted colliding keys cannot turn lookups into linear scans.
//
// Deletion shifts later members of the run back (no tombstones), so a
// member is always in the run that starts at its home bucket (hash & mask).
// SCAN relies on that: it visits home buckets in Redis's reverse-binary cursor
// order and gives Redis's guarantee across grows and shrinks.
//
// Iterators (keys/values/entries) must not be used across a mutation of the
// table; callers that delete while walking collect first.

import { randomInt } from 'node:crypto';

const MIN_CAPACITY = 16;
/** Grow past this load; shrink below MIN_LOAD (Redis resizes below 10% too). */
const MAX_LOAD = 0.6;
const MIN_LOAD = 0.1;
/** A longer run at insert means colliding keys: reseed. At load 0.6 a legitimate run this long is vanishingly rare. */
const MAX_PROBE = 96;
/**
 * The kv array holds two elements per slot and V8's largest array is just
 * under 2^27 elements (growing past it aborts the process, it does not throw).
 * A table stops growing here and fills up to one free slot: ~33.5M keys.
 */
const MAX_CAPACITY = 2 ** 25;

/** Thrown by an insert into a table that has no free slot left. */
export class TableFullError extends RangeError {
  constructor(max: number) {
    super(`a database holds at most ${max} keys`);
  }
}

function newSeed(): number {
  return randomInt(0, 2 ** 32 - 1) | 0;
}

/** 32-bit multiply-xorshift over latin1 code units four at a time, murmur3's finaliser; never 0 (0 marks an empty slot). */
export function hashKey(s: string, seed: number): number {
  const n = s.length;
  let h = seed ^ Math.imul(n, 0x9e3779b1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const w = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24);
    h = Math.imul(h ^ w, 0x9e3779b1);
    h ^= h >>> 15;
  }
  for (; i < n; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x9e3779b1);
    h ^= h >>> 15;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h === 0 ? 1 : h;
}

function filled(n: number): unknown[] {
  // exact-size backing store in one step (a push loop leaves 2-3x its size in
  // discarded intermediate arrays, and takes 4x as long); no holes remain
  return new Array<unknown>(n).fill(undefined);
}

/** Reverses the low 32 bits (Redis's rev() for the SCAN cursor). */
function rev32(v: number): number {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  return ((v >>> 16) | (v << 16)) >>> 0;
}

export class KeyTable<V> {
  size = 0;
  private seed = newSeed();
  private mask = MIN_CAPACITY - 1;
  /** [hash, aux] per slot; hash 0 marks an empty slot */
  private meta = new Int32Array(2 * MIN_CAPACITY);
  /** [key, value] per slot */
  private kv: unknown[] = filled(2 * MIN_CAPACITY);
  private growAt = Math.floor(MIN_CAPACITY * MAX_LOAD);

  /** `maxCapacity` (a power of two) is lowered by tests only. */
  constructor(private readonly maxCapacity = MAX_CAPACITY) {}

  get capacity(): number {
    return this.mask + 1;
  }

  /** Slot of `key`, or -1. A slot number is valid until the next insert or delete. */
  find(key: string): number {
    const h = hashKey(key, this.seed);
    const meta = this.meta;
    const m = this.mask;
    let i = h & m;
    for (;;) {
      const s = meta[2 * i];
      if (s === h) {
        if (this.kv[2 * i] === key) return i;
      } else if (s === 0) return -1;
      i = (i + 1) & m;
    }
  }

  valueAt(i: number): V {
    return this.kv[2 * i + 1] as V;
  }
  setValueAt(i: number, value: V): void {
    this.kv[2 * i + 1] = value;
  }
  auxAt(i: number): number {
    return this.meta[2 * i + 1];
  }
  setAuxAt(i: number, aux: number): void {
    this.meta[2 * i + 1] = aux;
  }

  get(key: string): V | undefined {
    const i = this.find(key);
    return i < 0 ? undefined : (this.kv[2 * i + 1] as V);
  }

  has(key: string): boolean {
    return this.find(key) >= 0;
  }

  /** Inserts or overwrites; `aux` is stored either way. */
  set(key: string, value: V, aux = 0): this {
    const h = hashKey(key, this.seed);
    const meta = this.meta;
    const kv = this.kv;
    const m = this.mask;
    let i = h & m;
    let probes = 0;
    for (;;) {
      const s = meta[2 * i];
      if (s === h) {
        if (kv[2 * i] === key) {
          kv[2 * i + 1] = value;
          meta[2 * i + 1] = aux;
          return this;
        }
      } else if (s === 0) break;
      i = (i + 1) & m;
      probes++;
    }
    // one slot always stays empty: probes end there
    if (this.size >= this.mask) throw new TableFullError(this.mask);
    meta[2 * i] = h;
    meta[2 * i + 1] = aux;
    kv[2 * i] = key;
    kv[2 * i + 1] = value;
    this.size++;
    if (this.size > this.growAt) this.resize(this.capacity * 2);
    else if (probes > MAX_PROBE && this.size > MAX_PROBE) this.rehash(this.capacity, newSeed());
    return this;
  }

  delete(key: string): boolean {
    let i = this.find(key);
    if (i < 0) return false;
    const meta = this.meta;
    const kv = this.kv;
    const m = this.mask;
    // backward-shift: pull later members of the run into the hole when the
    // hole lies between their home bucket and where they sit
    let j = i;
    for (;;) {
      j = (j + 1) & m;
      const h = meta[2 * j];
      if (h === 0) break;
      const home = h & m;
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        meta[2 * i] = h;
        meta[2 * i + 1] = meta[2 * j + 1];
        kv[2 * i] = kv[2 * j];
        kv[2 * i + 1] = kv[2 * j + 1];
        i = j;
      }
    }
    meta[2 * i] = 0;
    meta[2 * i + 1] = 0;
    kv[2 * i] = undefined;
    kv[2 * i + 1] = undefined;
    this.size--;
    if (this.size < this.capacity * MIN_LOAD && this.capacity > MIN_CAPACITY) this.resize(KeyTable.capacityFor(this.size));
    return true;
  }

  clear(): void {
    this.size = 0;
    this.mask = MIN_CAPACITY - 1;
    this.meta = new Int32Array(2 * MIN_CAPACITY);
    this.kv = filled(2 * MIN_CAPACITY);
    this.growAt = Math.floor(MIN_CAPACITY * MAX_LOAD);
  }

  private static capacityFor(n: number): number {
    let cap = MIN_CAPACITY;
    while (cap * MAX_LOAD * 0.5 < n) cap *= 2;
    return cap;
  }

  private resize(cap: number): void {
    if (cap > this.maxCapacity) return; // keep going at a higher load
    this.rehash(cap, this.seed);
  }

  private rehash(cap: number, seed: number): void {
    const ometa = this.meta;
    const okv = this.kv;
    const reseed = seed !== this.seed;
    this.seed = seed;
    this.mask = cap - 1;
    this.meta = new Int32Array(2 * cap);
    this.kv = filled(2 * cap);
    this.growAt = Math.floor(cap * MAX_LOAD);
    const meta = this.meta;
    const kv = this.kv;
    const m = this.mask;
    const on = ometa.length >>> 1;
    for (let j = 0; j < on; j++) {
      let h = ometa[2 * j];
      if (h === 0) continue;
      if (reseed) h = hashKey(okv[2 * j] as string, seed);
      let i = h & m;
      while (meta[2 * i] !== 0) i = (i + 1) & m;
      meta[2 * i] = h;
      meta[2 * i + 1] = ometa[2 * j + 1];
      kv[2 * i] = okv[2 * j];
      kv[2 * i + 1] = okv[2 * j + 1];
    }
  }

  /** A uniformly random key, or undefined when empty. */
  randomKey(): string | undefined {
    if (this.size === 0) return undefined;
    const meta = this.meta;
    const n = this.mask + 1;
    for (;;) {
      const i = Math.floor(Math.random() * n);
      if (meta[2 * i] !== 0) return this.kv[2 * i] as string;
    }
  }

  /**
   * One SCAN step from `cursor`: pushes the keys of at least `count` home
   * buckets (or until the cursor wraps) to `out` and returns the next cursor,
   * 0 when the scan is complete. Every key present for the whole scan is
   * returned at least once, whatever grows and shrinks happen between steps.
   */
  scan(cursor: number, count: number, out: string[]): number {
    if (this.size === 0) return 0;
    const meta = this.meta;
    const kv = this.kv;
    const m = this.mask;
    let v = cursor >>> 0;
    // Redis visits at most count*10 empty buckets per call so sparse tables return
    let budget = count * 10;
    do {
      const b = v & m;
      // members homed at b live in the run that starts at b
      for (let i = b; meta[2 * i] !== 0; i = (i + 1) & m) {
        if ((meta[2 * i] & m) === b) out.push(kv[2 * i] as string);
      }
      v = (v | ~m) >>> 0;
      v = rev32(v);
      v = (v + 1) >>> 0;
      v = rev32(v);
    } while (v !== 0 && out.length < count && --budget > 0);
    return v;
  }

  *keys(): IterableIterator<string> {
    const meta = this.meta;
    const kv = this.kv;
    for (let i = 0; 2 * i < meta.length; i++) if (meta[2 * i] !== 0) yield kv[2 * i] as string;
  }

  *values(): IterableIterator<V> {
    const meta = this.meta;
    const kv = this.kv;
    for (let i = 0; 2 * i < meta.length; i++) if (meta[2 * i] !== 0) yield kv[2 * i + 1] as V;
  }

  *entries(): IterableIterator<[string, V]> {
    const meta = this.meta;
    const kv = this.kv;
    for (let i = 0; 2 * i < meta.length; i++) if (meta[2 * i] !== 0) yield [kv[2 * i] as string, kv[2 * i + 1] as V];
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }
}
