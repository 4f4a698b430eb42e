// The keyspace's hash table: open addressing with linear probing. Slot i keeps
// its 32-bit hash and a 32-bit `aux` word (the keyspace stores LRU clock and
// encoding there) in a meta page at [2i, 2i+1], and its key and value in a kv
// page at [2i, 2i+1]: a hit touches one line of each page plus the key string.
//
// Why not a V8 Map: with random keys a Map lookup walks a bucket chain and
// loads every candidate key string on the way, a cache miss per step; at
// 100k keys that made a GET hit cost ~0.6 µs of lookup alone. Here a probe
// compares int32 hashes in contiguous memory and touches a key string only
// when the hashes are equal, and a miss usually costs one array read.
//
// Pages: a table of more than PAGE_SLOTS slots is split into fixed-size pages,
// allocated when a member is first written into them and dropped page by page
// as a resize empties the old table. One array per table made every grow at
// tens of millions of keys a single allocation (and later a single free) of
// hundreds of megabytes, a pause of a second; now no operation allocates more
// than a page or two (~400 KB), and V8's largest-array limit applies per page,
// not per table.
//
// Hash flooding: the hash is seeded per table from a random source, and an
// insert that meets a probe run longer than MAX_PROBE reseeds: a new table of
// the same size under a new seed, filled incrementally like a resize (small
// tables at once), so a reseed of a huge table is no long pause either.
//
// Deletion shifts later members of the run back (no tombstones), so a
// member is always in the run that starts at its home bucket (hash & mask).
// SCAN relies on that: it visits home buckets in Redis's reverse-binary cursor
// order and gives Redis's guarantee across grows and shrinks (not across a
// reseed, which moves every key: `reseeds` changes when one starts and ends).
//
// Iterators (keys/values/entries) may be used across lookups (get/has/find)
// but not across set/delete/randomKey, which can move members during a
// resize. Callers that write while walking collect first.

import { randomInt } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';

const MIN_CAPACITY = 16;
/**
 * Grow past this load; shrink below MIN_LOAD (Redis resizes below 10% too).
 * A slot is 24 bytes (two int32 in the meta page, two pointers in the kv
 * page), so the table is most of a small key's cost: at 0.6, 3M keys needed
 * 2^23 slots (201 MB, 67 B/key); at 0.75 they fit in 2^22. A probe compares
 * int32 hashes in contiguous memory, so the longer runs (8.5 slots per miss
 * on average instead of 3.6) stay within a cache line or two.
 */
export const MAX_LOAD = 0.75;
const MIN_LOAD = 0.1;
/** Past this share of the grow threshold, the next table's pages are allocated, a page per few hundred inserts. */
const PREP_OF_GROW = 0.9;
/**
 * A longer run at insert means colliding keys: reseed. Runs grow fast with
 * the load: filling tables of 2^8 to 2^24 slots to 0.75 with random hashes,
 * the longest run met was 78 to 221 slots (P(run >= L) falls about as
 * e^(-0.038 L) there). A false reseed rebuilds a big table, so the limit
 * keeps a wide margin; a flood pays at most this many probes per insert.
 */
export const MAX_PROBE = 640;
/** Slots per page (2^14: 128 KB of meta and 256 KB of kv per page). */
const PAGE_SHIFT = 14;
const PAGE_SLOTS = 1 << PAGE_SHIFT;
/**
 * A table stops growing here and fills up to one free slot. 2^28 slots are
 * 6 GB of table (80M keys at the load limit): past what one V8 heap holds
 * with the keys and values, so the heap guard's -OOM comes first; slot
 * numbers and the 32-bit SCAN cursor stay exact.
 */
const MAX_CAPACITY = 2 ** 28;

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

/**
 * What an unallocated page reads as: all empty. Never written: every store
 * into an empty slot goes through Pages.page() first.
 */
const ZERO_META = new Int32Array(2 * PAGE_SLOTS);
const ZERO_KV: unknown[] = filled(2 * PAGE_SLOTS);

/** The slots of one table: `cap` slots in pages of `1 << shift`. */
class Pages {
  readonly mask: number;
  readonly shift: number;
  /** Slot within its page. */
  readonly pmask: number;
  readonly meta: Int32Array[];
  readonly kv: unknown[][];
  /** Pages allocated (the others read as ZERO_*). */
  allocated = 0;

  constructor(cap: number, pageSlots: number) {
    this.mask = cap - 1;
    const per = Math.min(cap, pageSlots);
    this.shift = 31 - Math.clz32(per);
    this.pmask = per - 1;
    const n = cap / per;
    this.meta = new Array<Int32Array>(n).fill(ZERO_META);
    this.kv = new Array<unknown[]>(n).fill(ZERO_KV);
    // a one-page table is small: no reason to defer it
    if (n === 1) this.alloc(0);
    else this.metaAll = new Int32Array(2 * cap);
  }

  /**
   * The meta pages of a multi-page table are views into one zeroed buffer.
   * Allocated by calloc, a buffer that size is a fresh mapping whose memory
   * the kernel supplies only as pages are first written, so a page still
   * costs nothing until a member lands in it; and the whole buffer goes back
   * to the system at once when the table is dropped. Separate 128 KB pages
   * fell below glibc's (self-raising) mmap threshold after the first was
   * freed: every resize then left its old meta pages as holes in the malloc
   * heap, about 8 MB of RSS at 1M keys. (A resizable ArrayBuffer, which can
   * be given back without waiting for a collection, made inserts into the
   * table ~15% slower.)
   */
  private metaAll: Int32Array | null = null;

  get capacity(): number {
    return this.mask + 1;
  }

  /** The meta page of slot i, allocated if it was not. */
  page(i: number): Int32Array {
    const p = i >>> this.shift;
    const pg = this.meta[p];
    return pg !== ZERO_META ? pg : this.alloc(p);
  }

  private alloc(p: number): Int32Array {
    const per = this.pmask + 1;
    const pg = this.metaAll === null ? new Int32Array(2 * per) : this.metaAll.subarray(2 * per * p, 2 * per * (p + 1));
    this.meta[p] = pg;
    this.kv[p] = filled(2 * per);
    this.allocated++;
    return pg;
  }

  /** Pages allocated in order by allocNext (prepared tables). */
  private nextAlloc = 0;

  /** Allocates the next page not allocated yet, in order; false when all are. */
  allocNext(): boolean {
    const n = this.meta.length;
    while (this.nextAlloc < n && this.meta[this.nextAlloc] !== ZERO_META) this.nextAlloc++;
    if (this.nextAlloc === n) return false;
    this.alloc(this.nextAlloc++);
    return true;
  }

  /**
   * Drops every page at once: a caller's stack may still hold this table
   * when the collection that should free it starts.
   */
  free(): void {
    this.metaAll = null;
    this.meta.fill(ZERO_META);
    this.kv.fill(ZERO_KV);
    this.allocated = 0;
  }

  /** Drops page p (all its slots are empty). */
  release(p: number): void {
    if (this.meta[p] === ZERO_META) return;
    this.meta[p] = ZERO_META;
    this.kv[p] = ZERO_KV;
    this.allocated--;
  }

  hashAt(i: number): number {
    return this.meta[i >>> this.shift][2 * (i & this.pmask)];
  }
  keyAt(i: number): string {
    return this.kv[i >>> this.shift][2 * (i & this.pmask)] as string;
  }

  /** Stores a member into empty slot i. */
  put(i: number, h: number, aux: number, key: unknown, value: unknown): void {
    const meta = this.page(i);
    const kv = this.kv[i >>> this.shift];
    const o = 2 * (i & this.pmask);
    meta[o] = h;
    meta[o + 1] = aux;
    kv[o] = key;
    kv[o + 1] = value;
  }

  /** First empty slot of the run from bucket b. */
  freeSlot(b: number): number {
    const m = this.mask;
    let i = b;
    while (this.hashAt(i) !== 0) i = (i + 1) & m;
    return i;
  }

  /** Empties slot i, pulling later members of its run back (no tombstones). */
  shiftDelete(i: number): void {
    const m = this.mask;
    const sh = this.shift;
    const pm = this.pmask;
    let j = i;
    for (;;) {
      j = (j + 1) & m;
      const jm = this.meta[j >>> sh];
      const jo = 2 * (j & pm);
      const h = jm[jo];
      if (h === 0) break;
      const home = h & m;
      // move j into the hole when the hole lies (cyclically) between j's home and j
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        const im = this.meta[i >>> sh];
        const ikv = this.kv[i >>> sh];
        const jkv = this.kv[j >>> sh];
        const io = 2 * (i & pm);
        im[io] = h;
        im[io + 1] = jm[jo + 1];
        ikv[io] = jkv[jo];
        ikv[io + 1] = jkv[jo + 1];
        i = j;
      }
    }
    const im = this.meta[i >>> sh];
    const ikv = this.kv[i >>> sh];
    const io = 2 * (i & pm);
    im[io] = 0;
    im[io + 1] = 0;
    ikv[io] = undefined;
    ikv[io + 1] = undefined;
  }

  /** Pushes the keys homed at bucket b (they sit in the run that starts at b), and their values to `vals` when given. */
  emitBucket(b: number, out: string[], vals: unknown[] | null): void {
    const m = this.mask;
    for (let i = b; ; i = (i + 1) & m) {
      const h = this.hashAt(i);
      if (h === 0) break;
      if ((h & m) === b) {
        const kv = this.kv[i >>> this.shift];
        const o = 2 * (i & this.pmask);
        out.push(kv[o] as string);
        if (vals !== null) vals.push(kv[o + 1]);
      }
    }
  }

  randomSlot(): number {
    const n = this.mask + 1;
    for (;;) {
      const i = Math.floor(Math.random() * n);
      if (this.hashAt(i) !== 0) return i;
    }
  }
}

/** Reverses the low 32 bits (Redis's rev() for the SCAN cursor). */
function rev32(v: number): number {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  return ((v >>> 16) | (v << 16)) >>> 0;
}

/** Redis's reverse-binary cursor increment over the bits of mask m. */
function nextCursor(v: number, m: number): number {
  v = (v | ~m) >>> 0;
  v = rev32(v);
  v = (v + 1) >>> 0;
  return rev32(v);
}

/** Past V8's soft limit for external memory growth between collections (64 MB). */
const HINT_BYTES = 64 * 1024 * 1024 + 4096;
let lastHint = 0;

/**
 * Starts a concurrent major collection now rather than whenever V8 next
 * would, when a dropped table (`slots` slots, 24 B each) is garbage worth
 * it: at least an eighth of the heap, and at most ten times a second (a major
 * collection's marking costs CPU in proportion to the whole heap). A grow
 * drops the old table, a third of the table's memory; V8 finds it
 * unreachable only at its next major collection, which after a load is
 * usually the memory reducer's, ~20 s later: until then RSS holds both
 * tables (24 MB at 1M keys, 768 MB at 30M). There is no API to ask for an
 * incremental collection, but V8 starts one (concurrent marking with the
 * usual short final pause; never the stop-the-world collection gc() does)
 * when external memory grows past a soft limit: allocating an ArrayBuffer
 * that big does it. Its memory is never touched, so the kernel never
 * supplies it, and it is freed at the next scavenge.
 */
function collectSoon(slots: number): void {
  if (slots < 1 << 16) return;
  const now = Date.now();
  if (now - lastHint < 100 || slots * 24 * 8 < getHeapStatistics().total_heap_size) return;
  lastHint = now;
  try {
    void new ArrayBuffer(HINT_BYTES);
  } catch {
    // no address space for it (a strict overcommit policy): V8 collects when it would have
  }
}

/** Old-table slots moved per table operation while a resize is in progress. */
const STEP_SLOTS = 64;
/** The step's multiplier while a reseed waits for the resize in progress to end. */
const HURRY = 64;

/**
 * Resizes are incremental, like Redis's rehashing: a grow or shrink makes
 * the new (lazily paged) table current and then moves the old table's
 * members a few runs per operation (and in the server cron), so no single
 * command pays for moving millions of keys. Whole runs move at once: a
 * lookup in the old table must never meet a hole in the middle of a run.
 * A reseed is a resize to the same size under a new seed.
 */
export class KeyTable<V> {
  /** Members in both tables. */
  size = 0;
  /** Bumped when a reseed starts and when it ends: a SCAN cursor from before means nothing after it. */
  reseeds = 0;
  private seed = newSeed();
  private t: Pages;
  private growAt = Math.floor(MIN_CAPACITY * MAX_LOAD);
  /**
   * The table the next grow will use, allocated a page at a time as the
   * current one fills from PREP_OF_GROW (90%) of its grow threshold on. The
   * cost: the next table's memory is held for the last 10% before the grow
   * (a 10M-key server, just under the 10.07M grow, shows ~190 B/key RSS
   * instead of ~145). Allocated lazily after the grow instead, its pages came
   * all at once (the first few thousand inserts each landed in a fresh page):
   * at 20M keys 1.5 GB in ~10k inserts, a hundred scavenges and seconds of
   * stall (measured with bench/scale.ts).
   */
  private next: Pages | null = null;
  /** Members in the current table; the others are in the old one. */
  private used = 0;
  /** The table being emptied during a resize (null when none) and the seed its hashes were made with. */
  private old: Pages | null = null;
  private oSeed = 0;
  /** Where the walk of the old table started (an empty slot), the next slot to move, how many are left. */
  private oStart = 0;
  private oPos = 0;
  private oLeft = 0;
  /** A long run was met while a resize was in progress: reseed once it ends. */
  private reseedWanted = false;

  /** `maxCapacity`, `stepSlots` and `pageSlots` (powers of two, pageSlots at most 2^14) are lowered by tests only. */
  constructor(
    private readonly maxCapacity = MAX_CAPACITY,
    private readonly stepSlots = STEP_SLOTS,
    private readonly pageSlots = PAGE_SLOTS,
  ) {
    this.t = new Pages(MIN_CAPACITY, pageSlots);
  }

  get capacity(): number {
    return this.t.mask + 1;
  }

  get resizing(): boolean {
    return this.old !== null;
  }

  /** Slots of every allocated page: the current table, the one a resize empties and the one prepared for the next grow. */
  get slotsAllocated(): number {
    const t = this.t;
    let n = t.allocated * (t.pmask + 1);
    if (this.old !== null) n += this.old.allocated * (this.old.pmask + 1);
    if (this.next !== null) n += this.next.allocated * (this.next.pmask + 1);
    return n;
  }

  /** Pages allocated in both tables (tests and MEMORY DOCTOR-style reports). */
  get pagesAllocated(): number {
    return this.t.allocated + (this.old === null ? 0 : this.old.allocated) + (this.next === null ? 0 : this.next.allocated);
  }

  /**
   * Slot of `key`, or -1. Slots of the old table during a resize are numbered
   * from `capacity` on. A slot number is valid until the next set, delete or
   * randomKey: lookups never move members (so a walk over the table may look
   * keys up in it), only writes advance a resize.
   */
  find(key: string): number {
    return this.findHashed(key, hashKey(key, this.seed));
  }

  /** find() with the key's hash under the current seed already computed. */
  private findHashed(key: string, h: number): number {
    const t = this.t;
    const m = t.mask;
    const sh = t.shift;
    const pm = t.pmask;
    const pages = t.meta;
    let i = h & m;
    for (;;) {
      const o = 2 * (i & pm);
      const s = pages[i >>> sh][o];
      if (s === h) {
        if (t.kv[i >>> sh][o] === key) return i;
      } else if (s === 0) break;
      i = (i + 1) & m;
    }
    return this.old === null ? -1 : this.findOld(key, h);
  }

  private findOld(key: string, h: number): number {
    const t = this.old!;
    if (this.oSeed !== this.seed) h = hashKey(key, this.oSeed);
    const m = t.mask;
    let i = h & m;
    for (;;) {
      const s = t.hashAt(i);
      if (s === h) {
        if (t.keyAt(i) === key) return this.t.mask + 1 + i;
      } else if (s === 0) return -1;
      i = (i + 1) & m;
    }
  }

  valueAt(i: number): V {
    let t = this.t;
    const c = t.mask + 1;
    if (i >= c) {
      t = this.old!;
      i -= c;
    }
    return t.kv[i >>> t.shift][2 * (i & t.pmask) + 1] as V;
  }
  setValueAt(i: number, value: V): void {
    let t = this.t;
    const c = t.mask + 1;
    if (i >= c) {
      t = this.old!;
      i -= c;
    }
    t.kv[i >>> t.shift][2 * (i & t.pmask) + 1] = value;
  }
  auxAt(i: number): number {
    let t = this.t;
    const c = t.mask + 1;
    if (i >= c) {
      t = this.old!;
      i -= c;
    }
    return t.meta[i >>> t.shift][2 * (i & t.pmask) + 1];
  }
  setAuxAt(i: number, aux: number): void {
    let t = this.t;
    const c = t.mask + 1;
    if (i >= c) {
      t = this.old!;
      i -= c;
    }
    t.meta[i >>> t.shift][2 * (i & t.pmask) + 1] = aux;
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
    if (this.old !== null) this.step();
    let h = hashKey(key, this.seed);
    const i = this.findHashed(key, h);
    if (i >= 0) {
      this.setValueAt(i, value);
      this.setAuxAt(i, aux);
      return this;
    }
    if (this.size >= this.growAt && this.t.mask + 1 < this.maxCapacity) {
      this.startResize((this.t.mask + 1) * 2, this.seed);
      // (finishing the resize before it may have started a reseed)
      h = hashKey(key, this.seed);
    }
    const t = this.t;
    const m = t.mask;
    // one slot always stays empty: probes end there
    if (this.size >= m) throw new TableFullError(m);
    let j = h & m;
    let probes = 0;
    while (t.hashAt(j) !== 0) {
      j = (j + 1) & m;
      probes++;
    }
    t.put(j, h, aux, key, value);
    this.used++;
    this.size++;
    // a table past its load limit (at its largest size) has long runs legitimately
    if (probes > MAX_PROBE && this.size > MAX_PROBE && this.size <= this.growAt) this.reseed();
    else if (this.size > this.growAt * PREP_OF_GROW && this.old === null && m >= this.pageSlots && m + 1 < this.maxCapacity) this.prepare();
    return this;
  }

  /** Allocates pages of the next table so that all are there when the grow comes (about one page per thousand inserts). */
  private prepare(): void {
    const cap = (this.t.mask + 1) * 2;
    if (this.next === null) this.next = new Pages(cap, this.pageSlots);
    const next = this.next;
    const pages = cap / this.pageSlots;
    const from = this.growAt * PREP_OF_GROW;
    const want = Math.min(pages, Math.ceil(((this.size - from) / (this.growAt - from)) * pages) + 1);
    for (let k = 0; k < 2 && next.allocated < want; k++) next.allocNext();
  }

  delete(key: string): boolean {
    if (this.old !== null) this.step();
    const i = this.find(key);
    if (i < 0) return false;
    this.removeAt(i);
    return true;
  }

  /** Removes `key` and returns its value (undefined when absent): one lookup where get + delete take two. */
  take(key: string): V | undefined {
    if (this.old !== null) this.step();
    const i = this.find(key);
    if (i < 0) return undefined;
    const v = this.valueAt(i);
    this.removeAt(i);
    return v;
  }

  private removeAt(i: number): void {
    const c = this.t.mask + 1;
    if (i < c) {
      this.t.shiftDelete(i);
      this.used--;
    } else {
      // the old table's runs stay whole: the shift stays inside the run
      this.old!.shiftDelete(i - c);
    }
    this.size--;
    if (this.old === null && this.size < c * MIN_LOAD && c > MIN_CAPACITY) this.startResize(KeyTable.capacityFor(this.size), this.seed);
  }

  clear(): void {
    this.size = 0;
    this.used = 0;
    collectSoon(this.t.mask + 1);
    this.t = new Pages(MIN_CAPACITY, this.pageSlots);
    this.growAt = Math.floor(MIN_CAPACITY * MAX_LOAD);
    this.old = null;
    this.next = null;
    this.reseedWanted = false;
  }

  private static capacityFor(n: number): number {
    let cap = MIN_CAPACITY;
    while (cap * MAX_LOAD * 0.5 < n) cap *= 2;
    return cap;
  }

  /** Makes a table of `cap` slots under `seed` current; the members move over incrementally. */
  private startResize(cap: number, seed: number): void {
    // (finishing may start a wanted reseed: finish that too)
    this.finishNow();
    const old = this.t;
    // the walk starts at an empty slot, so it never starts inside a run
    let p0 = 0;
    while (old.hashAt(p0) !== 0) p0++;
    this.old = old;
    this.oSeed = this.seed;
    this.seed = seed;
    this.oStart = p0;
    this.oPos = p0;
    this.oLeft = old.mask + 1;
    const next = this.next;
    this.next = null;
    this.t = next !== null && next.capacity === cap && seed === this.oSeed ? next : new Pages(cap, this.pageSlots);
    this.growAt = Math.floor(cap * MAX_LOAD);
    this.used = 0;
    if (this.size === 0) this.rehashStep(Infinity);
  }

  /** Completes the resize in progress, and a reseed its end starts. */
  private finishNow(): void {
    while (this.old !== null) this.rehashStep(Infinity);
  }

  /** The work a table operation does for a resize in progress. */
  private step(): void {
    this.rehashStep(this.reseedWanted ? this.stepSlots * HURRY : this.stepSlots);
  }

  /** Moves old-table members over: at least `n` slots' worth, ending between runs. */
  private rehashStep(n: number): void {
    const old = this.old!;
    const omask = old.mask;
    const osh = old.shift;
    const opm = old.pmask;
    const t = this.t;
    const m = t.mask;
    const rehash = this.oSeed !== this.seed;
    const seed = this.seed;
    const startPage = this.oStart >>> osh;
    let pos = this.oPos;
    let left = this.oLeft;
    let moved = 0;
    while (left > 0) {
      const om = old.meta[pos >>> osh];
      const o = 2 * (pos & opm);
      const h = om[o];
      if (h === 0) {
        if (n <= 0) break;
      } else {
        const okv = old.kv[pos >>> osh];
        const key = okv[o];
        const nh = rehash ? hashKey(key as string, seed) : h;
        t.put(t.freeSlot(nh & m), nh, om[o + 1], key, okv[o + 1]);
        om[o] = 0;
        om[o + 1] = 0;
        okv[o] = undefined;
        okv[o + 1] = undefined;
        moved++;
      }
      n--;
      left--;
      pos = (pos + 1) & omask;
      // a page the walk has gone all the way through is empty: drop it now, not all at the end
      if ((pos & opm) === 0) {
        const done = ((pos - 1) & omask) >>> osh;
        if (done !== startPage) old.release(done);
      }
    }
    this.used += moved;
    this.oPos = pos;
    this.oLeft = left;
    if (left === 0) this.finishResize();
  }

  private finishResize(): void {
    const reseeding = this.oSeed !== this.seed;
    const old = this.old!;
    this.old = null;
    old.free();
    collectSoon(old.mask + 1);
    if (reseeding) this.reseeds++;
    if (this.reseedWanted) {
      this.reseedWanted = false;
      this.reseed();
    }
  }

  /** Spends about `ms` milliseconds moving members of a pending resize (Redis's activerehashing). */
  rehashFor(ms: number): void {
    const end = performance.now() + ms;
    while (this.old !== null) {
      this.rehashStep(4096);
      if (performance.now() >= end) break;
    }
  }

  /**
   * Moves every key under a new seed (a flood of colliding keys): a resize to
   * the same capacity, so a big table is rehashed a step per operation (the
   * flood's long run stays in the old table meanwhile, which only lookups of
   * keys not yet moved walk). A table of one page is done at once.
   * Bounded, not smooth: the new seed scatters the moved members, so the new
   * table's pages are allocated in a burst at the start (up to one per member
   * moved: ~40 pages, 15 MB, per operation) instead of in order as for a grow.
   * Only a hash flood against a huge table reseeds; preparing the pages first
   * (as prepare() does for grows) is the fix if that ever matters.
   */
  private reseed(): void {
    if (this.old !== null) {
      // finish the resize in progress first, faster than usual
      this.reseedWanted = true;
      return;
    }
    this.reseeds++;
    this.startResize(this.t.mask + 1, newSeed());
    // one page is quick to rehash (a millisecond at most): no reason to defer it
    if (this.t.mask < this.pageSlots) this.rehashStep(Infinity);
  }

  /** A uniformly random key, or undefined when empty. */
  randomKey(): string | undefined {
    if (this.size === 0) return undefined;
    if (this.old !== null) {
      this.step();
      // random probing needs a table that is not nearly empty: finish a resize that would make it so
      const inOld = this.size - this.used;
      if (this.old !== null && (inOld * 64 < this.old.mask + 1 || this.used * 64 < this.t.mask + 1)) this.finishNow();
    }
    const old = this.old;
    if (old !== null && Math.random() * this.size < this.size - this.used) return old.keyAt(old.randomSlot());
    return this.t.keyAt(this.t.randomSlot());
  }

  /**
   * One SCAN step from `cursor`: pushes the keys of at least `count` home
   * buckets (or until the cursor wraps) to `out` and returns the next cursor,
   * 0 when the scan is complete. Every key present for the whole scan is
   * returned at least once, whatever grows and shrinks happen between steps
   * (during a resize both tables are visited, as Redis's dictScan does).
   */
  scan(cursor: number, count: number, out: string[], vals: V[] | null = null): number {
    if (this.size === 0) return 0;
    let v = cursor >>> 0;
    // Redis visits at most count*10 empty buckets per call so sparse tables return
    let budget = count * 10;
    do {
      const old = this.old;
      if (old === null) {
        this.t.emitBucket(v & this.t.mask, out, vals);
        v = nextCursor(v, this.t.mask);
      } else {
        const oldSmall = old.mask < this.t.mask;
        const s = oldSmall ? old : this.t;
        const b = oldSmall ? this.t : old;
        s.emitBucket(v & s.mask, out, vals);
        // then every bucket of the larger table that expands the smaller one's
        do {
          b.emitBucket(v & b.mask, out, vals);
          v = nextCursor(v, b.mask);
        } while (v & (s.mask ^ b.mask));
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
    for (const t of [this.t, this.old]) {
      if (t === null) continue;
      for (let p = 0; p < t.meta.length; p++) {
        const meta = t.meta[p];
        if (meta === ZERO_META) continue;
        const kv = t.kv[p];
        for (let o = 0; o < meta.length; o += 2) if (meta[o] !== 0) yield [kv[o] as string, kv[o + 1] as V];
      }
    }
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }
}
