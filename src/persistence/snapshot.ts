// A point-in-time RDB of the keyspace written while the server keeps serving
// (Node has no fork). At start every database's slot arrays are copied
// (KeyTable.freeze: a memcpy of pointers, values shared); the walk then
// serialises the frozen slots a slice at a time between event-loop turns.
// Writes meanwhile go through Keyspace.cow: before the first change to a key
// the walk has not reached, its TTL is recorded and, when the command may
// change the stored object in place, the keyspace gets a clone to change
// while the snapshot keeps the original (key-level copy-on-write). Strings
// are immutable, so a new value never needs a copy: the frozen slot still
// points at the old one.

import type { Db, Keyspace } from '../store/db.js';
import { LRU_CLOCK_MAX, lruClock } from '../store/db.js';
import type { FrozenTable, KeyTable } from '../store/keytable.js';
import type { Value } from '../store/types.js';
import { RdbWriter } from './rdb/writer.js';
import { writeHeader, writeAux, writeSelectDb, writeFooter, writeKeyMeta, writeString, valueBody, rdbTypeOf } from './rdb/encode.js';

export interface SnapshotOptions {
  compress: boolean;
  checksum: boolean;
  /** Write IDLE (LRU policies) or FREQ (LFU policies) per key. */
  evictionInfo: 'lru' | 'lfu' | null;
  aux: [string, string][];
}

interface FrozenDb {
  id: number;
  table: FrozenTable<Value>;
  live: KeyTable<Value>;
  expires: Map<string, number>;
  expiresCount: number;
  /** TTLs (-1: none) of keys changed before the walk reached them. */
  oldTtl: Map<string, number>;
  /** Slots below this are written (the key at `pos` may be in progress). */
  pos: number;
}

export class Snapshot {
  private readonly dbs: FrozenDb[] = [];
  private readonly byTable = new Map<KeyTable<Value>, FrozenDb>();
  private cur = 0;
  private started = false;
  private body: Generator<void, void, void> | null = null;
  done = false;
  keysTotal = 0;
  keysWritten = 0;
  /** Bytes of values cloned by copy-on-write (a count of elements, Redis's cow size analogue). */
  cowKeys = 0;

  constructor(
    private readonly ks: Keyspace,
    readonly w: RdbWriter,
    private readonly opts: SnapshotOptions,
  ) {
    for (const db of ks.dbs) {
      if (db.dict.size === 0) continue;
      const f: FrozenDb = { id: db.id, table: db.dict.freeze(), live: db.dict, expires: db.expires, expiresCount: db.expires.size, oldTtl: new Map(), pos: 0 };
      this.dbs.push(f);
      this.byTable.set(db.dict, f);
      this.keysTotal += f.table.size;
    }
  }

  /** Installs the copy-on-write hook; call once, before the first step. */
  attach(): void {
    if (this.dbs.length > 0 && !this.done) this.ks.cow = this.beforeWrite;
  }

  detach(): void {
    if (this.ks.cow === this.beforeWrite) this.ks.cow = null;
  }

  private readonly beforeWrite = (db: Db, key: string, mutate: boolean): void => {
    const f = this.byTable.get(db.dict);
    if (f === undefined) return;
    const idx = f.table.indexOf(key);
    if (idx < f.pos || idx < 0) return;
    if (!f.oldTtl.has(key)) f.oldTtl.set(key, db.expires.get(key) ?? -1);
    if (!mutate) return;
    const live = db.dict;
    const i = live.find(key);
    if (i < 0) return;
    const v = live.valueAt(i);
    if (typeof v !== 'string' && v === f.table.valueAt(idx) && v.clone) {
      live.setValueAt(i, v.clone());
      this.cowKeys++;
    }
  };

  /** Serialises for about `budgetMs` (or `maxKeys` keys); true once the whole file is written. */
  step(budgetMs: number, maxKeys = Infinity): boolean {
    if (this.done) return true;
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
      if (f.pos === 0 && this.body === null) writeSelectDb(w, f.id, f.table.size, f.expiresCount);
      const slots = f.table.slots;
      while (f.pos < slots) {
        if (this.body !== null) {
          // a big value in progress
          for (;;) {
            if (this.body.next().done) break;
            if (performance.now() >= end) return false;
          }
          this.body = null;
          this.keysWritten++;
          f.pos++;
          if (--maxKeys <= 0) return false;
          continue;
        }
        const key = f.table.keyAt(f.pos);
        if (key === undefined) {
          f.pos++;
          continue;
        }
        const value = f.table.valueAt(f.pos);
        const ttl = f.oldTtl.has(key) ? (f.oldTtl.get(key) as number) : (f.expires.get(key) ?? -1);
        let idle: number | null = null;
        let freq: number | null = null;
        if (this.opts.evictionInfo === 'lru') {
          const lru = f.table.auxAt(f.pos) & LRU_CLOCK_MAX;
          const now = lruClock();
          idle = now >= lru ? now - lru : now + (LRU_CLOCK_MAX - lru);
        } else if (this.opts.evictionInfo === 'lfu') freq = 5;
        writeKeyMeta(w, ttl === -1 ? undefined : ttl, idle, freq);
        w.byte(rdbTypeOf(value));
        writeString(w, key, this.opts.compress);
        if (typeof value === 'string') {
          writeString(w, value, this.opts.compress);
          this.keysWritten++;
          f.pos++;
          if (--maxKeys <= 0) return false;
        } else {
          this.body = valueBody(w, value, this.opts.compress);
          continue;
        }
        if ((++n & 63) === 0 && performance.now() >= end) return false;
      }
      this.cur++;
    }
    writeFooter(w, this.opts.checksum);
    this.done = true;
    this.detach();
    return true;
  }
}
