// The Redis set type with Redis 7.0's two encodings (7.0 has no listpack
// sets; they arrived in 7.2):
// - intset: every member is a canonical int64 (string2ll) and there are at
//   most set-max-intset-entries of them. Redis keeps them sorted ascending and
//   every reply that walks the set (SMEMBERS, SINTER, SPOP of all...) lists them
//   in that order. We keep them as Redis does, in one sorted array of
//   fixed-width integers (ds/intset.ts: a packed string, binary searched, held
//   with its width in the set object itself);
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
import { intsetAdd, intsetAt, intsetHas, intsetMembers, intsetRemove, upgradedWidth } from './ds/intset.js';
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
  /** The intset's slot width (2, 4 or 8); 0 while hashtable-encoded. */
  private w: number;

  private constructor(r: string | Set<string> | KeyTable<1>, w: number) {
    this.memBytes = 0;
    this.r = r;
    this.w = w;
  }

  /** createIntsetObject: an empty intset (set algebra results start here). */
  static createIntset(): SetValue {
    return new SetValue('', 2);
  }

  /** createSetObject: an empty hashtable set. */
  static createHashtable(): SetValue {
    return new SetValue(new Set(), 0);
  }

  /** setTypeCreate: the encoding that can hold `first`. */
  static create(first: string): SetValue {
    return isIntsetMember(first) ? new SetValue('', 2) : new SetValue(new Set(), 0);
  }

  encoding(): string {
    return this.w !== 0 ? 'intset' : 'hashtable';
  }

  get isIntset(): boolean {
    return this.w !== 0;
  }

  /** Length of the intset's packed string (memory accounting); 0 when hashtable. */
  get intsetBytes(): number {
    return this.w !== 0 ? (this.r as string).length : 0;
  }

  get size(): number {
    const w = this.w;
    return w !== 0 ? (this.r as string).length / w : (this.r as Set<string> | KeyTable<1>).size;
  }

  has(m: string): boolean {
    const r = this.r;
    if (this.w === 0) return r instanceof Set ? r.has(m) : (r as KeyTable<1>).has(m);
    return isIntsetMember(m) && intsetHas(r as string, this.w, m);
  }

  /** setTypeAdd: true when `m` was not a member. `maxIntset` is set-max-intset-entries. */
  add(m: string, maxIntset: number): boolean {
    const r = this.r;
    if (this.w === 0) {
      if (r instanceof Set) {
        const n = r.size;
        r.add(m);
        if (r.size === n) return false;
        if (r.size > TABLE_AFTER) this.r = tableOf(r);
        return true;
      }
      const big = r as KeyTable<1>;
      const n = big.size;
      big.set(m, 1);
      return big.size !== n;
    }
    if (!isIntsetMember(m)) {
      this.toHashtable();
      return this.add(m, maxIntset);
    }
    const s = intsetAdd(r as string, this.w, m);
    if (s === null) return false;
    this.r = s;
    this.w = upgradedWidth;
    if (s.length / upgradedWidth > maxIntset) this.toHashtable();
    return true;
  }

  /** setTypeRemove: true when `m` was a member. */
  remove(m: string): boolean {
    const r = this.r;
    if (this.w === 0) return r instanceof Set ? r.delete(m) : (r as KeyTable<1>).delete(m);
    if (!isIntsetMember(m)) return false;
    const s = intsetRemove(r as string, this.w, m);
    if (s === null) return false;
    this.r = s;
    return true;
  }

  private toHashtable(): void {
    dropSample(this); // the intset's sample counted no element strings
    const ints = intsetMembers(this.r as string, this.w);
    this.r = ints.length > TABLE_AFTER ? tableOf(ints) : new Set(ints);
    this.w = 0;
  }

  /** Members in Redis's iteration order for intsets (ascending). */
  [Symbol.iterator](): IterableIterator<string> {
    const r = this.r;
    if (this.w !== 0) return intsetMembers(r as string, this.w).values();
    return r instanceof Set ? r.values() : (r as KeyTable<1>).keys();
  }

  members(): IterableIterator<string> {
    return this[Symbol.iterator]();
  }

  /** A snapshot of the members (safe to keep while the set changes). */
  toArray(): string[] {
    return this.w !== 0 ? intsetMembers(this.r as string, this.w) : [...this];
  }

  /** One SSCAN step over a hashtable-encoded set; null while intset (answered in one call). */
  scan(cursor: number, count: number, accept: ((m: string) => boolean) | undefined): ScanResult<string> | null {
    const r = this.r;
    if (this.w !== 0) return null;
    if (r instanceof Set) return scanMap(r as unknown as Map<string, unknown>, cursor, count, accept);
    const found: string[] = [];
    const next = (r as KeyTable<1>).scan(cursor, count, found);
    return { cursor: String(next), items: accept === undefined ? found : found.filter(accept) };
  }

  /** A random member of a non-empty set. */
  random(): string {
    const r = this.r;
    const w = this.w;
    if (w !== 0) return intsetAt(r as string, w, Math.floor((Math.random() * (r as string).length) / w));
    if (r instanceof Set) return randomMapKey(r as unknown as Map<string, unknown>) as string;
    return (r as KeyTable<1>).randomKey() as string;
  }

  /** Takes over another set's members and encoding (SPOP's dbOverwrite with a rebuilt set). */
  replaceWith(o: SetValue): void {
    this.r = o.r;
    this.w = o.w;
  }

  /** Deep copy (COPY, RESTORE...): same encoding, same members. */
  clone(): SetValue {
    const r = this.r;
    if (this.w !== 0) return new SetValue(r, this.w);
    if (r instanceof Set) return new SetValue(new Set(r), 0);
    return new SetValue(tableOf((r as KeyTable<1>).keys()), 0);
  }
}
// a constant on the prototype: no field per set
(SetValue.prototype as { type: string }).type = 'set';
