// A point-in-time RDB of the keyspace written while the server keeps serving
// (Node has no fork). Nothing is copied up front: each database's table is
// walked with its SCAN cursor a slice at a time between event-loop turns
// (SCAN returns every key present throughout at least once, across resizes;
// a Set of written keys drops repeats). Writes meanwhile go through
// Keyspace.cow: before the first change to a key not written yet, its value,
// TTL and LRU clock are recorded (or that it did not exist), and when the
// command may change the stored object in place the keyspace gets a clone to
// change while the snapshot keeps the original (key-level copy-on-write).
// Strings are immutable, so they are never copied. Recorded keys are written
// from the record, also those deleted before the walk reached them.

import type { Db, Keyspace } from '../store/db.js';
import { LRU_CLOCK_MAX, lruClock } from '../store/db.js';
import type { KeyTable } from '../store/keytable.js';
import type { Value } from '../store/types.js';
import { copyAccounting } from '../store/memory.js';
import { RdbWriter } from './rdb/writer.js';
import { writeHeader, writeAux, writeSelectDb, writeFooter, writeKeyMeta, writeString, valueBody, rdbTypeOf } from './rdb/encode.js';

export interface SnapshotOptions {
  compress: boolean;
  checksum: boolean;
  /** Write IDLE (LRU policies) or FREQ (LFU policies) per key. */
  evictionInfo: 'lru' | 'lfu' | null;
  aux: [string, string][];
}

/** A key's state when the save started; value undefined: it did not exist. */
interface Original {
  value: Value | undefined;
  ttl: number;
  lru: number;
}

/**
 * A set of strings split over 64 Sets: one V8 Set of a million keys rehashes
 * in a single 50+ ms step when it grows; 64 small ones grow in small steps.
 */
class KeySet {
  private readonly parts: Set<string>[] = Array.from({ length: 64 }, () => new Set<string>());
  private part(k: string): Set<string> {
    const n = k.length;
    const h = n === 0 ? 0 : n * 31 + k.charCodeAt(n - 1) * 7 + (n > 1 ? k.charCodeAt(n - 2) * 131 : 0) + (n > 2 ? k.charCodeAt(n - 3) * 1031 : 0);
    return this.parts[h & 63];
  }
  has(k: string): boolean {
    return this.part(k).has(k);
  }
  add(k: string): void {
    this.part(k).add(k);
  }
  clear(): void {
    for (const p of this.parts) p.clear();
  }
}

interface WalkedDb {
  id: number;
  table: KeyTable<Value>;
  expires: KeyTable<number>;
  size: number;
  expiresCount: number;
  recorded: Map<string, Original>;
  written: KeySet;
  cursor: number;
  /** table.reseeds when the scan (re)started: a reseed moves every key, so the scan starts over. */
  reseeds: number;
  scanDone: boolean;
  done: boolean;
  started: boolean;
  /** Keys from the last SCAN step not handled yet. */
  batch: string[];
  bi: number;
  leftovers: IterableIterator<[string, Original]> | null;
}

export class Snapshot {
  private readonly dbs: WalkedDb[] = [];
  private readonly byTable = new Map<KeyTable<Value>, WalkedDb>();
  private cur = 0;
  private started = false;
  private body: Generator<void, void, void> | null = null;
  private bodyKey = '';
  done = false;
  keysTotal = 0;
  keysWritten = 0;
  /** Objects cloned by copy-on-write (Redis reports bytes; this is a count). */
  cowKeys = 0;

  constructor(
    private readonly ks: Keyspace,
    readonly w: RdbWriter,
    private readonly opts: SnapshotOptions,
  ) {
    for (const db of ks.dbs) {
      if (db.dict.size === 0) continue;
      const f: WalkedDb = {
        id: db.id,
        table: db.dict,
        expires: db.expires,
        size: db.dict.size,
        expiresCount: db.expires.size,
        recorded: new Map(),
        written: new KeySet(),
        cursor: 0,
        reseeds: db.dict.reseeds,
        scanDone: false,
        done: false,
        started: false,
        batch: [],
        bi: 0,
        leftovers: null,
      };
      this.dbs.push(f);
      this.byTable.set(db.dict, f);
      this.keysTotal += f.size;
    }
  }

  private attached = false;

  /** Installs the copy-on-write hook (a background save); a synchronous one needs none. */
  attach(): void {
    this.attached = true;
    if (this.dbs.length > 0 && !this.done) this.ks.cow = this.beforeWrite;
  }

  /** The whole file in one go, nothing changing meanwhile (SAVE): a plain walk of the tables. */
  private writeAllNow(): void {
    const w = this.w;
    writeHeader(w);
    for (const [k, v] of this.opts.aux) writeAux(w, k, v);
    const lru = this.opts.evictionInfo === 'lru';
    for (const f of this.dbs) {
      writeSelectDb(w, f.id, f.size, f.expiresCount);
      const t = f.table;
      const exp = f.expires;
      for (const [key, value] of t.entries()) {
        const ttl = exp.size === 0 ? -1 : (exp.get(key) ?? -1);
        this.writeKey(key, value, ttl, lru ? t.auxAt(t.find(key)) & LRU_CLOCK_MAX : 0);
        if (this.body !== null) {
          while (!this.body.next().done);
          this.body = null;
        }
        this.keysWritten++;
      }
      f.done = true;
    }
    writeFooter(w, this.opts.checksum);
    this.done = true;
  }

  detach(): void {
    if (this.ks.cow === this.beforeWrite) this.ks.cow = null;
  }

  private readonly beforeWrite = (db: Db, key: string, mutate: boolean): void => {
    const f = this.byTable.get(db.dict);
    if (f === undefined || f.done || f.written.has(key)) return;
    const live = db.dict;
    const i = live.find(key);
    let rec = f.recorded.get(key);
    if (rec === undefined) {
      rec = i < 0 ? { value: undefined, ttl: -1, lru: 0 } : { value: live.valueAt(i), ttl: db.expires.get(key) ?? -1, lru: live.auxAt(i) & LRU_CLOCK_MAX };
      f.recorded.set(key, rec);
    }
    if (!mutate || i < 0) return;
    const v = live.valueAt(i);
    if (typeof v !== 'string' && v === rec.value && v.clone) {
      const copy = v.clone();
      // the copy stands for the same bytes in the keyspace's memory accounting
      copyAccounting(v, copy);
      live.setValueAt(i, copy);
      this.cowKeys++;
    }
  };

  /** writeKey during the walk: a complete key is marked written. */
  private emit(f: WalkedDb, key: string, value: Value, ttl: number, lru: number): boolean {
    if (!this.writeKey(key, value, ttl, lru)) return false;
    f.written.add(key);
    this.keysWritten++;
    return true;
  }

  /** Writes a key; false when its value is a collection left to `body`. */
  private writeKey(key: string, value: Value, ttl: number, lru: number): boolean {
    const w = this.w;
    let idle: number | null = null;
    let freq: number | null = null;
    if (this.opts.evictionInfo === 'lru') {
      const now = lruClock();
      idle = now >= lru ? now - lru : now + (LRU_CLOCK_MAX - lru);
    } else if (this.opts.evictionInfo === 'lfu') freq = 5;
    writeKeyMeta(w, ttl === -1 ? undefined : ttl, idle, freq);
    w.byte(rdbTypeOf(value));
    writeString(w, key, this.opts.compress);
    if (typeof value === 'string') {
      writeString(w, value, this.opts.compress);
      return true;
    }
    // written only when the body is complete: until then writes to it are still copied
    this.body = valueBody(w, value, this.opts.compress);
    this.bodyKey = key;
    return false;
  }

  /** The key as it was at the start, or null when it must not be written (new, or written already). */
  private original(f: WalkedDb, key: string): Original | null {
    if (f.written.has(key)) return null;
    const rec = f.recorded.get(key);
    if (rec !== undefined) return rec.value === undefined ? null : rec;
    const i = f.table.find(key);
    if (i < 0) return null;
    return { value: f.table.valueAt(i), ttl: f.expires.get(key) ?? -1, lru: f.table.auxAt(i) & LRU_CLOCK_MAX };
  }

  /** Serialises for about `budgetMs` (or `maxKeys` keys); true once the whole file is written. */
  step(budgetMs: number, maxKeys = Infinity): boolean {
    if (this.done) return true;
    if (!this.attached && !this.started && budgetMs === Infinity && maxKeys === Infinity) {
      this.writeAllNow();
      return true;
    }
    const w = this.w;
    const end = performance.now() + budgetMs;
    if (!this.started) {
      this.started = true;
      writeHeader(w);
      for (const [k, v] of this.opts.aux) writeAux(w, k, v);
    }
    let n = 0;
    while (this.cur < this.dbs.length) {
      const f = this.dbs[this.cur];
      if (!f.started) {
        f.started = true;
        writeSelectDb(w, f.id, f.size, f.expiresCount);
      }
      for (;;) {
        if (this.body !== null) {
          // a big value in progress
          for (;;) {
            if (this.body.next().done) break;
            if (performance.now() >= end) return false;
          }
          this.body = null;
          f.written.add(this.bodyKey);
          this.keysWritten++;
          if (--maxKeys <= 0) return false;
          continue;
        }
        if ((++n & 31) === 0 && performance.now() >= end) return false;
        let key: string;
        let o: Original | null;
        if (f.bi < f.batch.length) {
          key = f.batch[f.bi++];
          if (f.written.has(key)) continue;
          if (f.recorded.size === 0 || !f.recorded.has(key)) {
            // untouched since the start: the live entry is the original (no allocation on this path)
            const t = f.table;
            const i = t.find(key);
            if (i < 0) continue;
            const ttl = f.expires.size === 0 ? -1 : (f.expires.get(key) ?? -1);
            if (this.emit(f, key, t.valueAt(i), ttl, t.auxAt(i) & LRU_CLOCK_MAX) && --maxKeys <= 0) return false;
            continue;
          }
          o = this.original(f, key);
        } else if (!f.scanDone) {
          if (f.table.reseeds !== f.reseeds) {
            // written keys are skipped on the second pass
            f.reseeds = f.table.reseeds;
            f.cursor = 0;
          }
          f.batch.length = 0;
          f.bi = 0;
          f.cursor = f.table.scan(f.cursor, 64, f.batch);
          if (f.cursor === 0) f.scanDone = true;
          continue;
        } else {
          // keys changed before the walk met them, deleted ones included
          f.leftovers ??= f.recorded.entries();
          const r = f.leftovers.next();
          if (r.done) break;
          key = r.value[0];
          o = f.written.has(key) || r.value[1].value === undefined ? null : r.value[1];
        }
        if (o === null) continue;
        if (this.emit(f, key, o.value as Value, o.ttl, o.lru) && --maxKeys <= 0) return false;
      }
      f.done = true;
      f.written.clear();
      f.recorded.clear();
      this.cur++;
    }
    writeFooter(w, this.opts.checksum);
    this.done = true;
    this.detach();
    return true;
  }
}
