// The Redis set type with Redis 7.0's two encodings (7.0 has no listpack
// sets; they arrived in 7.2):
// - intset: every member is a canonical int64 (string2ll) and there are at
//   most set-max-intset-entries of them. Redis keeps them sorted ascending and
//   every reply that walks the set (SMEMBERS, SINTER, SPOP of all...) lists them
//   in that order. We keep them as Redis does, in one sorted array of
//   fixed-width integers (ds/intset.ts: a packed string, binary searched);
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
import { IntSet } from './ds/intset.js';

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
  readonly type = 'set' as const;
  /** Memory accounting (store/memory.ts): bytes last accounted, sampled element size, changes since. */
  memBytes = 0;
  memAvg = -1;
  memChanges = 0;
  /** Members sorted by value while intset-encoded, else null. */
  private ints: IntSet | null;
  /** Members while hashtable-encoded, else null. */
  private ht: Set<string> | null;
  /** Members of a big hashtable-encoded set (then ints and ht are null). */
  private big: KeyTable<1> | null = null;

  private constructor(ints: IntSet | null, ht: Set<string> | null, big: KeyTable<1> | null = null) {
    this.ints = ints;
    this.ht = ht;
    this.big = big;
  }

  /** createIntsetObject: an empty intset (set algebra results start here). */
  static createIntset(): SetValue {
    return new SetValue(new IntSet(), null);
  }

  /** createSetObject: an empty hashtable set. */
  static createHashtable(): SetValue {
    return new SetValue(null, new Set());
  }

  /** setTypeCreate: the encoding that can hold `first`. */
  static create(first: string): SetValue {
    return isIntsetMember(first) ? new SetValue(new IntSet(), null) : new SetValue(null, new Set());
  }

  encoding(): string {
    return this.ints !== null ? 'intset' : 'hashtable';
  }

  get isIntset(): boolean {
    return this.ints !== null;
  }

  /** Length of the intset's packed string (memory accounting); 0 when hashtable. */
  get intsetBytes(): number {
    return this.ints !== null ? this.ints.s.length : 0;
  }

  get size(): number {
    return this.ints !== null ? this.ints.size : this.ht !== null ? this.ht.size : (this.big as KeyTable<1>).size;
  }

  has(m: string): boolean {
    const ints = this.ints;
    if (ints === null) return this.ht !== null ? this.ht.has(m) : (this.big as KeyTable<1>).has(m);
    return isIntsetMember(m) && ints.has(m);
  }

  /** setTypeAdd: true when `m` was not a member. `maxIntset` is set-max-intset-entries. */
  add(m: string, maxIntset: number): boolean {
    const ints = this.ints;
    if (ints === null) {
      const ht = this.ht;
      if (ht === null) {
        const big = this.big as KeyTable<1>;
        const n = big.size;
        big.set(m, 1);
        return big.size !== n;
      }
      const n = ht.size;
      ht.add(m);
      if (ht.size === n) return false;
      if (ht.size > TABLE_AFTER) {
        this.big = tableOf(ht);
        this.ht = null;
      }
      return true;
    }
    if (!isIntsetMember(m)) {
      this.toHashtable();
      return this.add(m, maxIntset);
    }
    if (!ints.add(m)) return false;
    if (ints.size > maxIntset) this.toHashtable();
    return true;
  }

  /** setTypeRemove: true when `m` was a member. */
  remove(m: string): boolean {
    const ints = this.ints;
    if (ints === null) return this.ht !== null ? this.ht.delete(m) : (this.big as KeyTable<1>).delete(m);
    return isIntsetMember(m) && ints.remove(m);
  }

  private toHashtable(): void {
    this.memAvg = -1; // the intset's sample counted no element strings
    const ints = (this.ints as IntSet).members();
    if (ints.length > TABLE_AFTER) this.big = tableOf(ints);
    else this.ht = new Set(ints);
    this.ints = null;
  }

  /** Members in Redis's iteration order for intsets (ascending). */
  [Symbol.iterator](): IterableIterator<string> {
    return this.ints !== null ? this.ints.members().values() : this.ht !== null ? this.ht.values() : (this.big as KeyTable<1>).keys();
  }

  members(): IterableIterator<string> {
    return this[Symbol.iterator]();
  }

  /** A snapshot of the members (safe to keep while the set changes). */
  toArray(): string[] {
    return this.ints !== null ? this.ints.members() : [...this];
  }

  /** One SSCAN step over a hashtable-encoded set; null while intset (answered in one call). */
  scan(cursor: number, count: number, accept: ((m: string) => boolean) | undefined): ScanResult<string> | null {
    if (this.ht !== null) return scanMap(this.ht as unknown as Map<string, unknown>, cursor, count, accept);
    if (this.big === null) return null;
    const found: string[] = [];
    const next = this.big.scan(cursor, count, found);
    return { cursor: String(next), items: accept === undefined ? found : found.filter(accept) };
  }

  /** A random member of a non-empty set. */
  random(): string {
    const ints = this.ints;
    if (ints !== null) return ints.at(Math.floor(Math.random() * ints.size));
    if (this.ht !== null) return randomMapKey(this.ht as unknown as Map<string, unknown>) as string;
    return (this.big as KeyTable<1>).randomKey() as string;
  }

  /** Takes over another set's members and encoding (SPOP's dbOverwrite with a rebuilt set). */
  replaceWith(o: SetValue): void {
    this.ints = o.ints;
    this.ht = o.ht;
    this.big = o.big;
  }

  /** Deep copy (COPY, RESTORE...): same encoding, same members. */
  clone(): SetValue {
    if (this.ints !== null) return new SetValue(this.ints.clone(), null);
    if (this.ht !== null) return new SetValue(null, new Set(this.ht));
    return new SetValue(null, null, tableOf((this.big as KeyTable<1>).keys()));
  }
}
