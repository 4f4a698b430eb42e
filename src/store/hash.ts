// The Redis hash type: a Map<field, value> while Redis would keep it
// listpack-encoded, a KeyTable once it converts to a hashtable (OBJECT
// ENCODING, and HSCAN, which returns a listpack-encoded hash in one call).
//
// A listpack-encoded hash is a PackedMap (ds/packed.ts: the fields and values
// in one string, one allocation as in Redis); past PACK_MAX_BYTES (only with
// raised hash-max-listpack-* limits) an insertion-ordered Map, where rebuilding
// the string on every write would cost more than the memory it saves. Both
// append at the tail, replace in place and delete in place, exactly like a
// listpack, so HGETALL/HKEYS/HVALS of a listpack hash come out in Redis's order.
//
// Redis's rules (t_hash.c), reproduced here:
// - a hash starts as a listpack (createHashObject);
// - HSET/HMSET/HSETNX convert it to a hashtable before inserting when any of
//   the given fields/values is longer than hash-max-listpack-value
//   (hashTypeTryConversion), and HINCRBY/HINCRBYFLOAT when the field or the
//   new value is (hashTypeSet);
// - after an insert it converts when the number of entries exceeds
//   hash-max-listpack-entries;
// - nothing converts a hashtable back (except loading, later).
//
// The thresholds are passed in by the caller (store/ does not read config).

import type { RObject } from './types.js';
import { dropSample } from './memory.js';
import { KeyTable } from './keytable.js';
import { randomMapKey } from './db.js';
import { scanMap, type ScanResult } from './scan.js';
import { PackedMap } from './ds/packed.js';

/** hash-max-listpack-entries / hash-max-listpack-value. */
export interface HLimits {
  entries: number;
  value: number;
}

/** What both representations offer: a Map while listpack, a KeyTable once hashtable. */
export interface FieldMap {
  readonly size: number;
  get(k: string): string | undefined;
  has(k: string): boolean;
  set(k: string, v: string): unknown;
  delete(k: string): boolean;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string>;
  entries(): IterableIterator<[string, string]>;
  [Symbol.iterator](): IterableIterator<[string, string]>;
}

/**
 * Fields a hashtable-encoded hash keeps in a Map before it moves to a KeyTable:
 * an empty KeyTable costs ~500 bytes more than a small Map, and only big hashes
 * gain from its cheaper lookups.
 */
const TABLE_AFTER = 128;
/** Bytes past which a listpack-encoded hash leaves its PackedMap for a Map (the default limits stay under). */
const PACK_MAX_BYTES = 20_000;

/**
 * Whether the last set() on a table-backed hash overwrote a field. Overwrites
 * then probe first (the path that can keep an equal value's stored string);
 * after an insert, set() goes straight to the table, so filling a big hash
 * pays no second probe per field. Process-wide: no field per hash.
 */
let tableOverwrites = false;

/**
 * A listpack-encoded hash past PACK_MAX_BYTES: an insertion-ordered Map whose
 * class says Redis would still call it a listpack, so small hashes carry no
 * encoding field.
 */
class ListpackMap extends Map<string, string> {}

export class HashValue implements RObject {
  declare readonly type: 'hash';
  /** Memory accounting (store/memory.ts): bytes last accounted. */
  memBytes = 0;
  /**
   * A PackedMap or an insertion-ordered ListpackMap (Redis's listpack order)
   * while listpack-encoded; a Map or, past TABLE_AFTER fields, a KeyTable
   * once hashtable-encoded (Redis's dict order is no order anyway).
   */
  map: FieldMap;

  constructor(listpack = true, map?: FieldMap) {
    if (map === undefined) map = listpack ? new PackedMap() : new Map<string, string>();
    else if (map instanceof Map && listpack !== map instanceof ListpackMap) map = listpack ? new ListpackMap(map) : new Map(map);
    this.map = map;
  }

  /** True while Redis would keep this hash listpack-encoded. */
  get listpack(): boolean {
    const m = this.map;
    return m instanceof PackedMap || m instanceof ListpackMap;
  }

  /** hashTypeConvert: listpack to hashtable, never back. */
  toHashtable(): void {
    const m = this.map;
    if (m instanceof PackedMap) this.unpack(false);
    else if (m instanceof ListpackMap) this.map = new Map(m);
  }

  /** Same entries, same order, in a Map (a ListpackMap while still listpack-encoded). */
  private unpack(listpack: boolean): void {
    // the packed string's sample (elements counted in its structure) no longer applies
    dropSample(this);
    const a = (this.map as PackedMap).flatten();
    const m = listpack ? new ListpackMap() : new Map<string, string>();
    for (let i = 0; i < a.length; i += 2) m.set(a[i], a[i + 1]);
    this.map = m;
  }

  private toTable(): void {
    const t = new KeyTable<string>();
    for (const [k, v] of this.map) t.set(k, v);
    this.map = t;
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'hashtable';
  }

  get size(): number {
    return this.map.size;
  }

  get(field: string): string | undefined {
    return this.map.get(field);
  }

  has(field: string): boolean {
    return this.map.has(field);
  }

  /**
   * hashTypeTryConversion: converts when any of args[start..end] is longer
   * than the value limit (before the insert happens).
   */
  tryConversion(args: readonly string[], start: number, end: number, lim: HLimits): void {
    if (!this.listpack) return;
    const max = lim.value;
    for (let i = start; i <= end; i++) {
      if (args[i].length > max) {
        this.toHashtable();
        return;
      }
    }
  }

  /**
   * hashTypeSet: insert or update; true when the field was updated (existed).
   * Converts on long field/value and when the entry count exceeds the limit.
   */
  set(field: string, value: string, lim: HLimits): boolean {
    let m = this.map;
    if (m instanceof KeyTable) {
      // hashtable-encoded for good: no conversion applies
      if (tableOverwrites && !m.resizing) {
        // an overwrite is one probe and a store; an equal value keeps the
        // stored copy, so the new string dies young instead of being promoted
        const i = m.find(field);
        if (i >= 0) {
          if (m.valueAt(i) !== value) m.setValueAt(i, value);
          return true;
        }
      }
      const n = m.size;
      m.set(field, value);
      return (tableOverwrites = m.size === n);
    }
    if ((field.length > lim.value || value.length > lim.value) && this.listpack) {
      this.toHashtable();
      m = this.map;
    }
    // one lookup, not has()+set(): with many fields each costs a cache miss
    const before = m.size;
    m.set(field, value);
    const had = m.size === before;
    if (!had && m.size > lim.entries && this.listpack) this.toHashtable();
    else if (m instanceof PackedMap && m.s.length > PACK_MAX_BYTES) this.unpack(true);
    if (!had && m.size > TABLE_AFTER && m instanceof Map && !this.listpack) this.toTable();
    return had;
  }

  delete(field: string): boolean {
    return this.map.delete(field);
  }

  /** A random field of a non-empty hash. */
  randomField(): string {
    const m = this.map;
    if (m instanceof PackedMap) return m.pairAt(Math.floor(Math.random() * m.size))[0];
    return (m instanceof Map ? randomMapKey(m) : (m as KeyTable<string>).randomKey()) as string;
  }

  /** One HSCAN step over a hashtable-encoded hash (listpack ones answer in one call). */
  scan(cursor: number, count: number, accept: ((k: string) => boolean) | undefined): ScanResult<string> {
    const m = this.map;
    if (m instanceof Map) return scanMap(m, cursor, count, accept);
    const found: string[] = [];
    const next = (m as KeyTable<string>).scan(cursor, count, found);
    return { cursor: String(next), items: accept === undefined ? found : found.filter(accept) };
  }

  /** Deep copy (COPY, RESTORE...): same encoding, same entries. */
  clone(): HashValue {
    if (this.map instanceof PackedMap) return new HashValue(true, this.map.clone());
    if (this.map instanceof Map) return new HashValue(this.listpack, this.map instanceof ListpackMap ? new ListpackMap(this.map) : new Map(this.map));
    const h = new HashValue(false, this.map);
    h.toTable();
    return h;
  }
}
// a constant on the prototype: no field per value
(HashValue.prototype as { type: string }).type = 'hash';
