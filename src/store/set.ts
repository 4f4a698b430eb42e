// The Redis set type with Redis 7.0's two encodings (7.0 has no listpack
// sets; they arrived in 7.2):
// - intset: every member is a canonical int64 (string2ll) and there are at
//   most set-max-intset-entries of them. Redis keeps them sorted ascending and
//   every reply that walks the set (SMEMBERS, SINTER, SPOP of all...) lists them
//   in that order. We keep them as Redis does, in one sorted array of
//   fixed-width integers (ds/intset.ts: one string of a width char and the
//   slots, binary searched, held by the set object itself);
// - hashtable: anything else, a Set<string> (Redis's order is its dict's, which
//   clients cannot rely on; ours is insertion order), which becomes a KeyTable
//   (the keyspace's hash table, cheaper lookups) past TABLE_AFTER members: an
//   empty KeyTable costs ~500 bytes more than a small Set.
// setTypeAdd converts an intset to a hashtable when a non-integer member is
// added or the size exceeds the limit; removals never convert back. Only
// SPOP's "rebuild" strategy (and set algebra results, which are new sets)
// produce an intset from a former hashtable, exactly as in Redis.
//
// The limit is passed in by the caller (store/ does not read config).

import type { RObject } from './types.js';
import { isIntsetMember } from './ds/intset-check.js';
import { randomMapKey } from './db.js';
import { KeyTable } from './keytable.js';
import { scanMap, type ScanResult } from './scan.js';
import { parseIntFast } from '../util/numbers.js';
import { EMPTY_INTSET, intsetAdd, intsetAt, intsetHas, intsetHasNumber, intsetMembers, intsetRemove, intsetSize } from './ds/intset.js';
import { dropSample } from './memory.js';

const TABLE_AFTER = 128;

function tableOf(members: Iterable<string>): KeyTable<1> {
  const t = new KeyTable<1>();
  for (const m of members) t.set(m, 1);
  return t;
}

/** Compares two canonical int64 strings by numeric value. */
export function compareIntStrings(a: string, b: string): number {
  const an = a.charCodeAt(0) === 45;
  const bn = b.charCodeAt(0) === 45;
  if (an !== bn) return an ? -1 : 1;
  let r = a.length - b.length;
  if (r === 0) r = a < b ? -1 : a > b ? 1 : 0;
  return an ? -r : r;
}

export class SetValue implements RObject {
  declare readonly type: 'set';
  /** Memory accounting (store/memory.ts): bytes last accounted. */
  memBytes: number;
  /**
   * The members: while intset-encoded the intset's slot string (ds/intset.ts,
   * sorted by value), else a Set or, past TABLE_AFTER members, a KeyTable.
   * One field, no wrapper object: a small set is this object and a string.
   */
  private r: string | Set<string> | KeyTable<1>;

  private constructor(r: string | Set<string> | KeyTable<1>) {
    this.memBytes = 0;
    this.r = r;
  }

  /** createIntsetObject: an empty intset (set algebra results start here). */
  static createIntset(): SetValue {
    return new SetValue(EMPTY_INTSET);
  }

  /** createSetObject: an empty hashtable set. */
  static createHashtable(): SetValue {
    return new SetValue(new Set());
  }

  /** setTypeCreate: the encoding that can hold `first`. */
  static create(first: string): SetValue {
    return isIntsetMember(first) ? new SetValue(EMPTY_INTSET) : new SetValue(new Set());
  }

  encoding(): string {
    return typeof this.r === 'string' ? 'intset' : 'hashtable';
  }

  get isIntset(): boolean {
    return typeof this.r === 'string';
  }

  /** Length of the intset's packed string (memory accounting); 0 when hashtable. */
  get intsetBytes(): number {
    return typeof this.r === 'string' ? this.r.length - 1 : 0;
  }

  get size(): number {
    const r = this.r;
    return typeof r === 'string' ? intsetSize(r) : r.size;
  }

  has(m: string): boolean {
    const r = this.r;
    if (typeof r === 'string') {
      // parseIntFast keeps string2ll's grammar (no "+", "-0", leading zeros or spaces)
      const v = parseIntFast(m);
      return v !== null ? intsetHasNumber(r, v) : isIntsetMember(m) && intsetHas(r, m);
    }
    return r instanceof Set ? r.has(m) : r.has(m);
  }

  /** setTypeAdd: true when `m` was not a member. `maxIntset` is set-max-intset-entries. */
  add(m: string, maxIntset: number): boolean {
    const r = this.r;
    if (typeof r !== 'string') {
      if (r instanceof Set) {
        const n = r.size;
        r.add(m);
        if (r.size === n) return false;
        if (r.size > TABLE_AFTER) this.r = tableOf(r);
        return true;
      }
      const n = r.size;
      r.set(m, 1);
      return r.size !== n;
    }
    if (!isIntsetMember(m)) {
      this.toHashtable();
      return this.add(m, maxIntset);
    }
    const s = intsetAdd(r, m);
    if (s === null) return false;
    this.r = s;
    if (intsetSize(s) > maxIntset) this.toHashtable();
    return true;
  }

  /** setTypeRemove: true when `m` was a member. */
  remove(m: string): boolean {
    const r = this.r;
    if (typeof r !== 'string') return r instanceof Set ? r.delete(m) : r.delete(m);
    if (!isIntsetMember(m)) return false;
    const s = intsetRemove(r, m);
    if (s === null) return false;
    this.r = s;
    return true;
  }

  private toHashtable(): void {
    dropSample(this); // the intset's sample counted no element strings
    const ints = intsetMembers(this.r as string);
    this.r = ints.length > TABLE_AFTER ? tableOf(ints) : new Set(ints);
  }

  /** Members in Redis's iteration order for intsets (ascending). */
  [Symbol.iterator](): IterableIterator<string> {
    const r = this.r;
    if (typeof r === 'string') return intsetMembers(r).values();
    return r instanceof Set ? r.values() : r.keys();
  }

  members(): IterableIterator<string> {
    return this[Symbol.iterator]();
  }

  /** A snapshot of the members (safe to keep while the set changes). */
  toArray(): string[] {
    return typeof this.r === 'string' ? intsetMembers(this.r) : [...this];
  }

  /** One SSCAN step over a hashtable-encoded set; null while intset (answered in one call). */
  scan(cursor: number, count: number, accept: ((m: string) => boolean) | undefined): ScanResult<string> | null {
    const r = this.r;
    if (typeof r === 'string') return null;
    if (r instanceof Set) return scanMap(r as unknown as Map<string, unknown>, cursor, count, accept);
    const found: string[] = [];
    const next = r.scan(cursor, count, found);
    return { cursor: String(next), items: accept === undefined ? found : found.filter(accept) };
  }

  /** A random member of a non-empty set. */
  random(): string {
    const r = this.r;
    if (typeof r === 'string') return intsetAt(r, Math.floor(Math.random() * intsetSize(r)));
    if (r instanceof Set) return randomMapKey(r as unknown as Map<string, unknown>) as string;
    return r.randomKey() as string;
  }

  /** Takes over another set's members and encoding (SPOP's dbOverwrite with a rebuilt set). */
  replaceWith(o: SetValue): void {
    this.r = o.r;
  }

  /** Deep copy (COPY, RESTORE...): same encoding, same members. */
  clone(): SetValue {
    const r = this.r;
    if (typeof r === 'string') return new SetValue(r);
    if (r instanceof Set) return new SetValue(new Set(r));
    return new SetValue(tableOf(r.keys()));
  }
}
// a constant on the prototype: no field per set
(SetValue.prototype as { type: string }).type = 'set';
