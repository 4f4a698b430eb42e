// The Redis hash type. Every hash is one Map<field, value>; `listpack` only
// tracks the encoding Redis 7.0 would report (OBJECT ENCODING, and HSCAN,
// which returns a listpack-encoded hash in one call).
//
// A V8 Map iterates in insertion order and an update keeps the entry's place,
// exactly like a listpack (append at the tail, replace in place, delete in
// place), so HGETALL/HKEYS/HVALS of a listpack hash come out in Redis's order.
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

/** hash-max-listpack-entries / hash-max-listpack-value. */
export interface HLimits {
  entries: number;
  value: number;
}

export class HashValue implements RObject {
  readonly type = 'hash' as const;
  readonly map: Map<string, string>;
  /** True while Redis would keep this hash listpack-encoded. */
  listpack: boolean;

  constructor(listpack = true, map?: Map<string, string>) {
    this.listpack = listpack;
    this.map = map ?? new Map();
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
        this.listpack = false;
        return;
      }
    }
  }

  /**
   * hashTypeSet: insert or update; true when the field was updated (existed).
   * Converts on long field/value and when the entry count exceeds the limit.
   */
  set(field: string, value: string, lim: HLimits): boolean {
    const m = this.map;
    if (this.listpack && (field.length > lim.value || value.length > lim.value)) this.listpack = false;
    const had = m.has(field);
    m.set(field, value);
    if (this.listpack && !had && m.size > lim.entries) this.listpack = false;
    return had;
  }

  delete(field: string): boolean {
    return this.map.delete(field);
  }

  /** Deep copy (COPY, RESTORE...): same encoding, same entries. */
  clone(): HashValue {
    return new HashValue(this.listpack, new Map(this.map));
  }
}
