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
// Iterators (keys/values/entries) may be used across lookups (get/has/find)
// but not across set/delete/randomKey, which can move members during a
// resize. Callers that write while walking collect first.

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

/** Old-table slots moved per table operation while a resize is in progress. */
const STEP_SLOTS = 64;
const NO_KV: unknown[] = [];

/** Empties slot i of a linear-probing table, pulling later members of its run back. */
function shiftDelete(meta: Int32Array, kv: unknown[], m: number, i: number): void {
  let j = i;
  for (;;) {
    j = (j + 1) & m;
    const h = meta[2 * j];
    if (h === 0) break;
    const home = h & m;
    // move j into the hole when the hole lies (cyclically) between j's home and j
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
}

/** Pushes the keys homed at bucket b (they sit in the run that starts at b). */
function emitBucket(meta: Int32Array, kv: unknown[], m: number, b: number, out: string[]): void {
  for (let i = b; meta[2 * i] !== 0; i = (i + 1) & m) {
    if ((meta[2 * i] & m) === b) out.push(kv[2 * i] as string);
  }
}

/** Redis's reverse-binary cursor increment over the bits of mask m. */
function nextCursor(v: number, m: number): number {
  v = (v | ~m) >>> 0;
  v = rev32(v);
  v = (v + 1) >>> 0;
  return rev32(v);
}

function randomSlot(meta: Int32Array, slots: number): number {
  for (;;) {
    const i = Math.floor(Math.random() * slots);
    if (meta[2 * i] !== 0) return i;
  }
}

/**
 * Resizes are incremental, like Redis's rehashing: a grow or shrink allocates
 * the new table and then moves the old table's members a few runs per
 * operation (and in the server cron), so no single command pays for moving
 * millions of keys. Whole runs move at once: a lookup in the old table must
 * never meet a hole in the middle of a run.
 */
export class KeyTable<V> {
  /** Members in both tables. */
  size = 0;
  /** Bumped by every reseed: a SCAN cursor from before means nothing after it. */
  reseeds = 0;
  private seed = newSeed();
  private mask = MIN_CAPACITY - 1;
  /** [hash, aux] per slot; hash 0 marks an empty slot */
  private meta = new Int32Array(2 * MIN_CAPACITY);
  /** [key, value] per slot */
  private kv: unknown[] = filled(2 * MIN_CAPACITY);
  private growAt = Math.floor(MIN_CAPACITY * MAX_LOAD);
  /** Members in the current table; the others are in the old one. */
  private used = 0;
  // the table being emptied during a resize (null when none)
  private oMeta: Int32Array | null = null;
  private oKv: unknown[] = NO_KV;
  private oMask = 0;
  /** Next old slot to move and how many old slots are left to walk. */
  private oPos = 0;
  private oLeft = 0;

  /** `maxCapacity` (a power of two) and `stepSlots` are lowered by tests only. */
  constructor(
    private readonly maxCapacity = MAX_CAPACITY,
    private readonly stepSlots = STEP_SLOTS,
  ) {}

  get capacity(): number {
    return this.mask + 1;
  }

  get resizing(): boolean {
    return this.oMeta !== null;
  }

  /**
   * Slot of `key`, or -1. Slots of the old table during a resize are numbered
   * from `capacity` on. A slot number is valid until the next set, delete or
   * randomKey: lookups never move members (so a walk over the table may look
   * keys up in it), only writes advance a resize.
   */
  find(key: string): number {
    const h = hashKey(key, this.seed);
    const meta = this.meta;
    const m = this.mask;
    let i = h & m;
    for (;;) {
      const s = meta[2 * i];
      if (s === h) {
        if (this.kv[2 * i] === key) return i;
      } else if (s === 0) break;
      i = (i + 1) & m;
    }
    return this.oMeta === null ? -1 : this.findOld(key, h);
  }

  private findOld(key: string, h: number): number {
    const meta = this.oMeta!;
    const m = this.oMask;
    let i = h & m;
    for (;;) {
      const s = meta[2 * i];
      if (s === h) {
        if (this.oKv[2 * i] === key) return this.mask + 1 + i;
      } else if (s === 0) return -1;
      i = (i + 1) & m;
    }
  }

  valueAt(i: number): V {
    const c = this.mask + 1;
    return (i < c ? this.kv[2 * i + 1] : this.oKv[2 * (i - c) + 1]) as V;
  }
  setValueAt(i: number, value: V): void {
    const c = this.mask + 1;
    if (i < c) this.kv[2 * i + 1] = value;
    else this.oKv[2 * (i - c) + 1] = value;
  }
  auxAt(i: number): number {
    const c = this.mask + 1;
    return i < c ? this.meta[2 * i + 1] : this.oMeta![2 * (i - c) + 1];
  }
  setAuxAt(i: number, aux: number): void {
    const c = this.mask + 1;
    if (i < c) this.meta[2 * i + 1] = aux;
    else this.oMeta![2 * (i - c) + 1] = aux;
  }

  get(key: string): V | undefined {
    const i = this.find(key);
    return i < 0 ? undefined : this.valueAt(i);
  }

  has(key: string): boolean {
    return this.find(key) >= 0;
  }

  /** Inserts or overwrites; `aux` is stored either way. */
  set(key: string, value: V, aux = 0): this {
    if (this.oMeta !== null) this.rehashStep(this.stepSlots);
    const i = this.find(key);
    if (i >= 0) {
      this.setValueAt(i, value);
      this.setAuxAt(i, aux);
      return this;
    }
    if (this.size >= this.growAt && this.mask + 1 < this.maxCapacity) this.startResize((this.mask + 1) * 2);
    // one slot always stays empty: probes end there
    if (this.size >= this.mask) throw new TableFullError(this.mask);
    const h = hashKey(key, this.seed);
    const meta = this.meta;
    const m = this.mask;
    let j = h & m;
    let probes = 0;
    while (meta[2 * j] !== 0) {
      j = (j + 1) & m;
      probes++;
    }
    meta[2 * j] = h;
    meta[2 * j + 1] = aux;
    this.kv[2 * j] = key;
    this.kv[2 * j + 1] = value;
    this.used++;
    this.size++;
    // a table past its load limit (at its largest size) has long runs legitimately
    if (probes > MAX_PROBE && this.size > MAX_PROBE && this.size <= this.growAt) this.reseed();
    return this;
  }

  delete(key: string): boolean {
    if (this.oMeta !== null) this.rehashStep(this.stepSlots);
    const i = this.find(key);
    if (i < 0) return false;
    const c = this.mask + 1;
    if (i < c) {
      shiftDelete(this.meta, this.kv, this.mask, i);
      this.used--;
    } else {
      // the old table's runs stay whole: the shift stays inside the run
      shiftDelete(this.oMeta!, this.oKv, this.oMask, i - c);
    }
    this.size--;
    if (this.oMeta === null && this.size < c * MIN_LOAD && c > MIN_CAPACITY) this.startResize(KeyTable.capacityFor(this.size));
    return true;
  }

  clear(): void {
    this.size = 0;
    this.used = 0;
    this.mask = MIN_CAPACITY - 1;
    this.meta = new Int32Array(2 * MIN_CAPACITY);
    this.kv = filled(2 * MIN_CAPACITY);
    this.growAt = Math.floor(MIN_CAPACITY * MAX_LOAD);
    this.oMeta = null;
    this.oKv = NO_KV;
  }

  private static capacityFor(n: number): number {
    let cap = MIN_CAPACITY;
    while (cap * MAX_LOAD * 0.5 < n) cap *= 2;
    return cap;
  }

  /** Makes a table of `cap` slots current; the members move over incrementally. */
  private startResize(cap: number): void {
    if (this.oMeta !== null) this.rehashStep(Infinity);
    const meta = this.meta;
    const m = this.mask;
    // the walk starts at an empty slot, so it never starts inside a run
    let p0 = 0;
    while (meta[2 * p0] !== 0) p0++;
    this.oMeta = meta;
    this.oKv = this.kv;
    this.oMask = m;
    this.oPos = p0;
    this.oLeft = m + 1;
    this.mask = cap - 1;
    this.meta = new Int32Array(2 * cap);
    this.kv = filled(2 * cap);
    this.growAt = Math.floor(cap * MAX_LOAD);
    this.used = 0;
    if (this.size === 0) this.rehashStep(Infinity);
  }

  /** Moves old-table members over: at least `n` slots' worth, ending between runs. */
  private rehashStep(n: number): void {
    const om = this.oMeta!;
    const okv = this.oKv;
    const omask = this.oMask;
    const meta = this.meta;
    const kv = this.kv;
    const m = this.mask;
    let pos = this.oPos;
    let left = this.oLeft;
    let moved = 0;
    while (left > 0) {
      const h = om[2 * pos];
      if (h === 0) {
        if (n <= 0) break;
      } else {
        let i = h & m;
        while (meta[2 * i] !== 0) i = (i + 1) & m;
        meta[2 * i] = h;
        meta[2 * i + 1] = om[2 * pos + 1];
        kv[2 * i] = okv[2 * pos];
        kv[2 * i + 1] = okv[2 * pos + 1];
        om[2 * pos] = 0;
        om[2 * pos + 1] = 0;
        okv[2 * pos] = undefined;
        okv[2 * pos + 1] = undefined;
        moved++;
      }
      n--;
      left--;
      pos = (pos + 1) & omask;
    }
    this.used += moved;
    this.oPos = pos;
    this.oLeft = left;
    if (left === 0) {
      this.oMeta = null;
      this.oKv = NO_KV;
    }
  }

  /** Spends about `ms` milliseconds moving members of a pending resize (Redis's activerehashing). */
  rehashFor(ms: number): void {
    const end = performance.now() + ms;
    while (this.oMeta !== null) {
      this.rehashStep(4096);
      if (performance.now() >= end) break;
    }
  }

  /** Rehashes everything at once under a new seed (a flood of colliding keys). */
  private reseed(): void {
    if (this.oMeta !== null) this.rehashStep(Infinity);
    const ometa = this.meta;
    const okv = this.kv;
    const seed = newSeed();
    this.seed = seed;
    this.reseeds++;
    this.meta = new Int32Array(ometa.length);
    this.kv = filled(okv.length);
    const meta = this.meta;
    const kv = this.kv;
    const m = this.mask;
    for (let j = 0; j <= m; j++) {
      if (ometa[2 * j] === 0) continue;
      const h = hashKey(okv[2 * j] as string, seed);
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
    if (this.oMeta !== null) {
      this.rehashStep(this.stepSlots);
      // random probing needs a table that is not nearly empty: finish a resize that would make it so
      const inOld = this.size - this.used;
      if (this.oMeta !== null && (inOld * 64 < this.oMask + 1 || this.used * 64 < this.mask + 1)) this.rehashStep(Infinity);
      if (this.oMeta !== null && Math.random() * this.size < inOld) {
        return this.oKv[2 * randomSlot(this.oMeta, this.oMask + 1)] as string;
      }
    }
    return this.kv[2 * randomSlot(this.meta, this.mask + 1)] as string;
  }

  /**
   * One SCAN step from `cursor`: pushes the keys of at least `count` home
   * buckets (or until the cursor wraps) to `out` and returns the next cursor,
   * 0 when the scan is complete. Every key present for the whole scan is
   * returned at least once, whatever grows and shrinks happen between steps
   * (during a resize both tables are visited, as Redis's dictScan does).
   */
  scan(cursor: number, count: number, out: string[]): number {
    if (this.size === 0) return 0;
    let v = cursor >>> 0;
    // Redis visits at most count*10 empty buckets per call so sparse tables return
    let budget = count * 10;
    do {
      if (this.oMeta === null) {
        emitBucket(this.meta, this.kv, this.mask, v & this.mask, out);
        v = nextCursor(v, this.mask);
      } else {
        const oldSmall = this.oMask < this.mask;
        const sMeta = oldSmall ? this.oMeta : this.meta;
        const sKv = oldSmall ? this.oKv : this.kv;
        const sMask = oldSmall ? this.oMask : this.mask;
        const bMeta = oldSmall ? this.meta : this.oMeta;
        const bKv = oldSmall ? this.kv : this.oKv;
        const bMask = oldSmall ? this.mask : this.oMask;
        emitBucket(sMeta, sKv, sMask, v & sMask, out);
        // then every bucket of the larger table that expands the smaller one's
        do {
          emitBucket(bMeta, bKv, bMask, v & bMask, out);
          v = nextCursor(v, bMask);
        } while (v & (sMask ^ bMask));
      }
    } while (v !== 0 && out.length < count && --budget > 0);
    return v;
  }

  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): IterableIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  *entries(): IterableIterator<[string, V]> {
    for (const [meta, kv] of [
      [this.meta, this.kv],
      [this.oMeta, this.oKv],
    ] as const) {
      if (meta === null) continue;
      for (let i = 0; 2 * i < meta.length; i++) if (meta[2 * i] !== 0) yield [kv[2 * i] as string, kv[2 * i + 1] as V];
    }
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }
}
