// Databases and the one API through which the keyspace is read and changed.
// Every mutation reports to the Keyspace so that WATCH, keyspace
// notifications, blocking-list wakeups and (later) AOF/replication and
// eviction bookkeeping observe the same events.

import { type Value, type RObject, typeOf, NOTIFY } from './types.js';
import { KeyTable } from './keytable.js';
import { account, accountedBytes, keyBytes, TABLE_SLOT, EXPIRE_ENTRY } from './memory.js';

export interface KeyspaceObserver {
  /** A key's value changed or it was deleted (WATCH invalidation). */
  keyModified?(db: Db, key: string): void;
  /** Keyspace notification, `type` is a NOTIFY class bit. */
  keyEvent?(db: Db, type: number, event: string, key: string): void;
  /** A list/zset/stream key appeared: blocked clients may be served. */
  keyReady?(db: Db, key: string): void;
  /** A key was removed by expiry; propagate a DEL to AOF/replicas. */
  keyExpired?(db: Db, key: string): void;
  /** FLUSHDB (db) / FLUSHALL (null), before the keys are removed (WATCH must see which existed). */
  flushing?(db: Db | null): void;
  /** FLUSHDB (db) / FLUSHALL (null). */
  flushed?(db: Db | null): void;
  swapped?(a: Db, b: Db): void;
}

export const LRU_CLOCK_MAX = (1 << 24) - 1;
/** The encoding bits above the 24-bit clock in a slot's aux word. */
const ENC_MASK = ~LRU_CLOCK_MAX;

/**
 * OBJECT ENCODING of a string value when its content alone does not say it:
 * Redis reports 'raw' for strings changed in place (APPEND, SETRANGE, SETBIT,
 * PFADD...) and 'embstr' for INCRBYFLOAT results.
 */
export type Enc = 'raw' | 'embstr' | null;
function encBits(enc: Enc): number {
  return enc === null ? 0 : enc === 'raw' ? 1 << 24 : 2 << 24;
}
let clock = Math.floor(Date.now() / 1000) & LRU_CLOCK_MAX;
let lfuMinutes = Math.floor(Date.now() / 60000) & 65535;
/** Redis's LRU clock (seconds, 24 bits), cached: reading the time on every key access costs ~4% of a GET. */
export function lruClock(): number {
  return clock;
}
/** Called by the server cron at hz; the clock's resolution is a second anyway. */
export function updateLruClock(now = Date.now()): void {
  clock = Math.floor(now / 1000) & LRU_CLOCK_MAX;
  lfuMinutes = Math.floor(now / 60000) & 65535;
}

// LFU (Redis evict.c): under an allkeys-lfu/volatile-lfu policy a key's 24-bit
// clock field holds the minute of its last decrement (16 bits) and a
// logarithmic access counter (8 bits) instead of the LRU clock.
export const LFU_INIT_VAL = 5;
export const lfu = { on: false, logFactor: 10, decayTime: 1 };

function lfuElapsed(ldt: number): number {
  return lfuMinutes >= ldt ? lfuMinutes - ldt : 65535 - ldt + lfuMinutes;
}
/** LFUDecrAndReturn: the counter after the decay owed since its last access. */
export function lfuDecr(field: number): number {
  const counter = field & 255;
  const periods = lfu.decayTime ? Math.floor(lfuElapsed(field >>> 8) / lfu.decayTime) : 0;
  return periods === 0 ? counter : periods > counter ? 0 : counter - periods;
}
/** LFULogIncr: the higher the counter, the less likely an access increments it. */
function lfuLogIncr(counter: number): number {
  if (counter === 255) return 255;
  const base = counter - LFU_INIT_VAL;
  const p = 1 / ((base < 0 ? 0 : base) * lfu.logFactor + 1);
  return Math.random() < p ? counter + 1 : counter;
}
/** The clock field of a key just accessed (updateLFU or the LRU clock). */
/** An LFU access field with the given counter, stamped now (RESTORE ... FREQ). */
export function lfuField(freq: number): number {
  return (lfuMinutes << 8) | (freq & 255);
}

function touched(field: number): number {
  return lfu.on ? (lfuMinutes << 8) | lfuLogIncr(lfuDecr(field)) : clock;
}
/** The clock field of a new key. */
function initialClock(): number {
  return lfu.on ? (lfuMinutes << 8) | LFU_INIT_VAL : clock;
}

export class Keyspace {
  readonly dbs: Db[] = [];
  readonly observers: KeyspaceObserver[] = [];
  /** Number of changes since the last save (server.dirty). */
  dirty = 0;
  stats = { hits: 0, misses: 0, expiredKeys: 0, evictedKeys: 0, expiredStalePerc: 0, expiredTimeCapReached: 0 };
  /** Keys recently added as objects, accounted again once their command has filled them (settleMemory). */
  pendingMem: Db[] = [];
  pendingKeys: string[] = [];
  /** Replicas never expire keys themselves; they wait for the primary's DEL. */
  isReplica = false;
  /**
   * Set while a replica applies its primary's stream: the primary's commands
   * see logically expired keys as present (Redis's expireIfNeeded answers 0
   * for the master client), so its DEL does delete them.
   */
  applyingMaster = false;
  /** Set while a command that must not update access times runs (CLIENT NO-TOUCH, OBJECT). */
  noTouch = false;
  /**
   * NOTIFY class bits that reach keyEvent observers; notify() returns at once
   * for any other class, so notifications cost nothing while disabled. The
   * pub/sub module keeps it in sync with notify-keyspace-events; another
   * keyEvent observer must OR in the classes it needs.
   */
  notifyMask = 0;
  /**
   * Set while a background save runs: called before a key is changed
   * (mutate: the caller may change the stored object in place), so the
   * snapshot can keep the key's old value and TTL. null otherwise: one check
   * per write.
   */
  cow: ((db: Db, key: string, mutate: boolean) => void) | null = null;

  constructor(count: number) {
    for (let i = 0; i < count; i++) this.dbs.push(new Db(i, this));
  }

  /** keyModified listeners alone: this runs on every write, so no optional-method probing. */
  private modifiedListeners: ((db: Db, key: string) => void)[] = [];

  observe(o: KeyspaceObserver): void {
    this.observers.push(o);
    if (o.keyModified) this.modifiedListeners.push(o.keyModified.bind(o));
  }

  keyModified(db: Db, key: string): void {
    const l = this.modifiedListeners;
    for (let i = 0; i < l.length; i++) l[i](db, key);
  }
  notify(db: Db, type: number, event: string, key: string): void {
    if ((this.notifyMask & type) === 0) return;
    for (const o of this.observers) o.keyEvent?.(db, type, event, key);
  }
  keyReady(db: Db, key: string): void {
    for (const o of this.observers) o.keyReady?.(db, key);
  }

  flushAll(): number {
    for (const o of this.observers) o.flushing?.(null);
    let n = 0;
    for (const db of this.dbs) n += db.clear();
    for (const o of this.observers) o.flushed?.(null);
    return n;
  }

  swap(a: number, b: number): void {
    const x = this.dbs[a];
    const y = this.dbs[b];
    if (x === y) return;
    const d = x.dict;
    const e = x.expires;
    x.dict = y.dict;
    x.expires = y.expires;
    y.dict = d;
    y.expires = e;
    const m = x.mem;
    x.mem = y.mem;
    y.mem = m;
    x.expireCursor = 0;
    y.expireCursor = 0;
    const t = x.avgTtl;
    x.avgTtl = y.avgTtl;
    y.avgTtl = t;
    for (const o of this.observers) o.swapped?.(x, y);
  }

  /** Accounts the objects added since the last call, now that their command filled them. */
  settleMemory(): void {
    const dbs = this.pendingMem;
    if (dbs.length === 0) return;
    const keys = this.pendingKeys;
    for (let i = 0; i < dbs.length; i++) dbs[i].reaccount(keys[i]);
    dbs.length = 0;
    keys.length = 0;
  }

  /** Estimated bytes of every database (keys, values, tables, expiry entries). */
  memory(): number {
    this.settleMemory();
    let n = 0;
    for (const db of this.dbs) n += db.memory();
    return n;
  }

  totalKeys(): number {
    let n = 0;
    for (const db of this.dbs) n += db.dict.size;
    return n;
  }
}

export class Db {
  /** Each slot's aux word holds the 24-bit LRU clock and the Enc bits above it. */
  dict = new KeyTable<Value>();
  /**
   * Absolute unix ms deadlines, kept apart from entries like Redis's expires dict: a
   * KeyTable, not a Map, since a V8 Map stops at 2^24 entries and tens of millions of
   * keys may carry a TTL.
   */
  expires = new KeyTable<number>();
  /** Where the active expiry cycle's scan of `expires` stands (0: start over). */
  expireCursor = 0;
  /** Running estimate of the TTL left to volatile keys (INFO keyspace avg_ttl), kept by the expiry cycle. */
  avgTtl = 0;
  /** Estimated bytes of the keys and values (store/memory.ts); tables and expiry entries are added by memory(). */
  mem = 0;

  constructor(
    readonly id: number,
    readonly ks: Keyspace,
  ) {}

  get size(): number {
    return this.dict.size;
  }

  /** Removes `key` if its deadline passed. True when the key is (now) gone. */
  expireIfNeeded(key: string, now?: number): boolean {
    const when = this.expires.get(key);
    if (when === undefined || when > (now ?? Date.now())) return false;
    if (this.ks.isReplica) return !this.ks.applyingMaster;
    this.deleteExpired(key);
    return true;
  }

  deleteExpired(key: string): void {
    this.ks.stats.expiredKeys++;
    this.remove(key);
    this.ks.notify(this, NOTIFY.EXPIRED, 'expired', key);
    for (const o of this.ks.observers) o.keyExpired?.(this, key);
  }

  /** Lookup for reading: counts hits/misses, updates the access clock. */
  read(key: string): Value | undefined {
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) {
      this.ks.stats.misses++;
      this.ks.notify(this, NOTIFY.KEY_MISS, 'keymiss', key);
      return undefined;
    }
    const t = this.dict;
    const i = t.find(key);
    if (i < 0) {
      this.ks.stats.misses++;
      this.ks.notify(this, NOTIFY.KEY_MISS, 'keymiss', key);
      return undefined;
    }
    this.ks.stats.hits++;
    if (!this.ks.noTouch) {
      const a = t.auxAt(i);
      t.setAuxAt(i, (a & ENC_MASK) | touched(a & LRU_CLOCK_MAX));
    }
    return t.valueAt(i);
  }

  /** Lookup for writing: expires the key if needed, no hit/miss accounting. */
  write(key: string): Value | undefined {
    if (this.ks.cow !== null) this.ks.cow(this, key, true);
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return undefined;
    const t = this.dict;
    const i = t.find(key);
    if (i < 0) return undefined;
    if (!this.ks.noTouch) {
      const a = t.auxAt(i);
      t.setAuxAt(i, (a & ENC_MASK) | touched(a & LRU_CLOCK_MAX));
    }
    return t.valueAt(i);
  }

  /** Existence without touching the access clock or the stats. */
  peek(key: string): Value | undefined {
    if (this.ks.cow !== null) this.ks.cow(this, key, false);
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return undefined;
    return this.dict.get(key);
  }

  /** Adds a key that must not exist (dbAdd). */
  add(key: string, value: Value, enc: Enc = null): void {
    if (this.ks.cow !== null) this.ks.cow(this, key, false);
    this.dict.set(key, value, encBits(enc) | initialClock());
    this.mem += keyBytes(key) + account(value);
    this.ks.keyModified(this, key);
    if (typeof value !== 'string') {
      // settled when memory is next read; a long list is settled early (older entries are filled by now)
      if (this.ks.pendingMem.length >= 64) this.ks.settleMemory();
      this.ks.pendingMem.push(this);
      this.ks.pendingKeys.push(key);
      const t = value.type;
      if (t === 'list' || t === 'zset' || t === 'stream') this.ks.keyReady(this, key);
    }
    if (this.ks.notifyMask & NOTIFY.NEW) this.ks.notify(this, NOTIFY.NEW, 'new', key);
  }

  /** SET semantics: create or overwrite, dropping the TTL unless keepTtl. */
  set(key: string, value: Value, keepTtl = false): void {
    if (this.ks.cow !== null) this.ks.cow(this, key, false);
    const t = this.dict;
    const i = t.find(key);
    if (i < 0) {
      this.add(key, value);
    } else {
      const cur = t.valueAt(i);
      const old = accountedBytes(cur);
      this.mem += account(value) - old;
      // an equal string keeps the stored copy: the new one dies young instead of being promoted
      if (cur !== value) t.setValueAt(i, value);
      // Redis's dbSetValue keeps an overwritten key's LFU data
      t.setAuxAt(i, lfu.on ? t.auxAt(i) & LRU_CLOCK_MAX : clock);
      this.ks.keyModified(this, key);
    }
    if (!keepTtl && this.expires.size !== 0) this.expires.delete(key);
  }

  /**
   * Gives an existing key a new value in place (APPEND, INCR, SETRANGE...):
   * TTL and access clock stay, WATCH sees the change. No-op for a missing key.
   */
  replace(key: string, value: Value, enc: Enc = null): void {
    if (this.store(key, value, enc)) this.ks.keyModified(this, key);
  }

  /** replace() without telling observers: for callers that report the change themselves later. */
  store(key: string, value: Value, enc: Enc = null): boolean {
    if (this.ks.cow !== null) this.ks.cow(this, key, false);
    const t = this.dict;
    const i = t.find(key);
    if (i < 0) return false;
    const old = accountedBytes(t.valueAt(i));
    this.mem += account(value) - old;
    t.setValueAt(i, value);
    t.setAuxAt(i, (t.auxAt(i) & LRU_CLOCK_MAX) | encBits(enc));
    return true;
  }

  /** OBJECT ENCODING hint of a string value (see Enc); null for a missing key. */
  encOf(key: string): Enc {
    const t = this.dict;
    const i = t.find(key);
    if (i < 0) return null;
    const b = t.auxAt(i) >>> 24;
    return b === 1 ? 'raw' : b === 2 ? 'embstr' : null;
  }

  setEnc(key: string, enc: Enc): void {
    const t = this.dict;
    const i = t.find(key);
    if (i >= 0) t.setAuxAt(i, (t.auxAt(i) & LRU_CLOCK_MAX) | encBits(enc));
  }

  /** The key's access clock (OBJECT IDLETIME), -1 for a missing key. */
  lruOf(key: string): number {
    const t = this.dict;
    const i = t.find(key);
    return i < 0 ? -1 : t.auxAt(i) & LRU_CLOCK_MAX;
  }

  setLru(key: string, lru: number): void {
    const t = this.dict;
    const i = t.find(key);
    if (i >= 0) t.setAuxAt(i, (t.auxAt(i) & ENC_MASK) | (lru & LRU_CLOCK_MAX));
  }

  /** Call after changing a stored object in place (HSET on an existing hash...). */
  modified(key: string): void {
    this.reaccount(key);
    this.ks.keyModified(this, key);
  }

  /** modified() for a caller that holds the key's object: no second lookup. */
  modifiedObject(key: string, v: RObject): void {
    const old = v.memBytes;
    this.mem += account(v) - old;
    this.ks.keyModified(this, key);
  }

  /** Brings the key's accounted size up to date after its object changed in place. */
  reaccount(key: string): void {
    const v = this.dict.get(key);
    if (v !== undefined && typeof v !== 'string') {
      const old = accountedBytes(v);
      this.mem += account(v) - old;
    }
  }

  /** Estimated bytes of this database: keys, values, the key table and the expiry entries. */
  memory(): number {
    // pages actually allocated, including both tables of a resize in progress and a grow's
    // prepared table; the expires table is a key table too
    return this.mem + TABLE_SLOT * (this.dict.slotsAllocated + this.expires.slotsAllocated) + EXPIRE_ENTRY * this.expires.size;
  }

  /** Removes a key and its TTL. True when it existed. */
  remove(key: string): boolean {
    if (this.ks.cow !== null) this.ks.cow(this, key, false);
    const v = this.dict.take(key);
    if (v === undefined) return false;
    this.mem -= keyBytes(key) + accountedBytes(v);
    if (this.expires.size !== 0) this.expires.delete(key);
    this.ks.keyModified(this, key);
    return true;
  }

  /** DEL semantics with lazy expiry first. */
  delete(key: string): boolean {
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return false;
    return this.remove(key);
  }

  setExpire(key: string, whenMs: number): void {
    if (this.ks.cow !== null) this.ks.cow(this, key, false);
    this.expires.set(key, whenMs);
    this.ks.keyModified(this, key);
  }
  getExpire(key: string): number | undefined {
    return this.expires.get(key);
  }
  persist(key: string): boolean {
    if (this.ks.cow !== null) this.ks.cow(this, key, false);
    if (!this.expires.delete(key)) return false;
    this.ks.keyModified(this, key);
    return true;
  }

  notify(type: number, event: string, key: string): void {
    this.ks.notify(this, type, event, key);
  }

  /** Empties the database; returns the number of keys removed. */
  clear(): number {
    const n = this.dict.size;
    this.mem = 0;
    this.dict = new KeyTable();
    this.expires = new KeyTable();
    this.expireCursor = 0;
    this.avgTtl = 0;
    return n;
  }

  flush(): number {
    for (const o of this.ks.observers) o.flushing?.(this);
    const n = this.clear();
    for (const o of this.ks.observers) o.flushed?.(this);
    return n;
  }

  /** A random key that is not expired, or undefined (RANDOMKEY). */
  randomKey(): string | undefined {
    for (let tries = 0; tries < 100 && this.dict.size > 0; tries++) {
      const key = this.dict.randomKey();
      if (key === undefined) return undefined;
      if (this.expires.size !== 0 && this.expireIfNeeded(key)) continue;
      return key;
    }
    return undefined;
  }

  typeOf(key: string): string {
    const v = this.peek(key);
    return v === undefined ? 'none' : typeOf(v);
  }

  /**
   * write() that returns the key's slot (-1: no such key) instead of its value,
   * for a read-modify-write that then calls replaceAt: one lookup where
   * write() + replace() hash and probe twice (INCR). The slot is valid until
   * the table next changes.
   */
  writeSlot(key: string): number {
    if (this.ks.cow !== null) this.ks.cow(this, key, true);
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return -1;
    const t = this.dict;
    const i = t.find(key);
    if (i >= 0 && !this.ks.noTouch) {
      const a = t.auxAt(i);
      t.setAuxAt(i, (a & ENC_MASK) | touched(a & LRU_CLOCK_MAX));
    }
    return i;
  }

  /** replace() of the key writeSlot() found at slot i, the table unchanged since. */
  replaceAt(i: number, key: string, value: Value, enc: Enc = null): void {
    const t = this.dict;
    this.mem += account(value) - accountedBytes(t.valueAt(i));
    t.setValueAt(i, value);
    t.setAuxAt(i, (t.auxAt(i) & LRU_CLOCK_MAX) | encBits(enc));
    this.ks.keyModified(this, key);
  }
}

/**
 * Picks a random key from a Map. Maps have no random access, so this walks a
 * random prefix of at most 64 entries from a rotating iterator: cheap, and
 * uniform enough over repeated calls (Redis's own pick is not uniform either).
 */
const randomIters = new WeakMap<Map<string, unknown>, Iterator<string>>();
export function randomMapKey(m: Map<string, unknown>): string | undefined {
  if (m.size === 0) return undefined;
  let it = randomIters.get(m);
  if (it === undefined) {
    it = m.keys();
    randomIters.set(m, it);
  }
  let skip = Math.floor(Math.random() * Math.min(64, m.size));
  for (;;) {
    const r = it.next();
    if (r.done) {
      it = m.keys();
      randomIters.set(m, it);
      continue;
    }
    if (skip-- <= 0) return r.value;
  }
}

export { typeOf };
