// The Redis set type with Redis 7.0's two encodings (7.0 has no listpack
// sets; they arrived in 7.2):
// - intset: every member is a canonical int64 (string2ll) and there are at
//   most set-max-intset-entries of them. Redis keeps them sorted ascending and
//   every reply that walks the set (SMEMBERS, SINTER, SPOP of all...) lists them
//   in that order, so we keep a sorted array of the member strings;
// - hashtable: anything else, a KeyTable (the keyspace's hash table; Redis's
//   order is its dict's, which clients cannot rely on, and so is ours).
// setTypeAdd converts an intset to a hashtable when a non-integer member is
// added or the size exceeds the limit; removals never convert back. Only
// SPOP's "rebuild" strategy (and set algebra results, which are new sets)
// produce an intset from a former hashtable, exactly as in Redis.
//
// The limit is passed in by the caller (store/ does not read config).

import type { RObject } from './types.js';
import { isIntsetMember } from './ds/intset-check.js';
import { KeyTable } from './keytable.js';

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

/** Index of the first element >= m in the sorted int array. */
function lowerBound(arr: readonly string[], m: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareIntStrings(arr[mid], m) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class SetValue implements RObject {
  readonly type = 'set' as const;
  /** Members sorted by value while intset-encoded, else null. */
  private ints: string[] | null;
  /** Members while hashtable-encoded, else null. */
  private ht: KeyTable<1> | null;

  private constructor(ints: string[] | null, ht: KeyTable<1> | null) {
    this.ints = ints;
    this.ht = ht;
  }

  /** createIntsetObject: an empty intset (set algebra results start here). */
  static createIntset(): SetValue {
    return new SetValue([], null);
  }

  /** createSetObject: an empty hashtable set. */
  static createHashtable(): SetValue {
    return new SetValue(null, new KeyTable<1>());
  }

  /** setTypeCreate: the encoding that can hold `first`. */
  static create(first: string): SetValue {
    return isIntsetMember(first) ? new SetValue([], null) : new SetValue(null, new KeyTable<1>());
  }

  encoding(): string {
    return this.ints !== null ? 'intset' : 'hashtable';
  }

  get isIntset(): boolean {
    return this.ints !== null;
  }

  get size(): number {
    return this.ints !== null ? this.ints.length : (this.ht as KeyTable<1>).size;
  }

  has(m: string): boolean {
    const ints = this.ints;
    if (ints === null) return (this.ht as KeyTable<1>).has(m);
    if (!isIntsetMember(m)) return false;
    const i = lowerBound(ints, m);
    return i < ints.length && ints[i] === m;
  }

  /** setTypeAdd: true when `m` was not a member. `maxIntset` is set-max-intset-entries. */
  add(m: string, maxIntset: number): boolean {
    const ints = this.ints;
    if (ints === null) {
      const ht = this.ht as KeyTable<1>;
      const n = ht.size;
      ht.set(m, 1);
      return ht.size !== n;
    }
    if (!isIntsetMember(m)) {
      this.toHashtable();
      (this.ht as KeyTable<1>).set(m, 1);
      return true;
    }
    const i = lowerBound(ints, m);
    if (i < ints.length && ints[i] === m) return false;
    if (i === ints.length) ints.push(m);
    else ints.splice(i, 0, m);
    if (ints.length > maxIntset) this.toHashtable();
    return true;
  }

  /** setTypeRemove: true when `m` was a member. */
  remove(m: string): boolean {
    const ints = this.ints;
    if (ints === null) return (this.ht as KeyTable<1>).delete(m);
    if (!isIntsetMember(m)) return false;
    const i = lowerBound(ints, m);
    if (i >= ints.length || ints[i] !== m) return false;
    if (i === ints.length - 1) ints.pop();
    else ints.splice(i, 1);
    return true;
  }

  private toHashtable(): void {
    this.ht = tableOf(this.ints as string[]);
    this.ints = null;
  }

  /** Members in Redis's iteration order for intsets (ascending). */
  [Symbol.iterator](): IterableIterator<string> {
    return this.ints !== null ? this.ints.values() : (this.ht as KeyTable<1>).keys();
  }

  members(): IterableIterator<string> {
    return this[Symbol.iterator]();
  }

  /** A snapshot of the members (safe to keep while the set changes). */
  toArray(): string[] {
    return this.ints !== null ? this.ints.slice() : [...(this.ht as KeyTable<1>).keys()];
  }

  /** One SSCAN step over a hashtable-encoded set (see KeyTable.scan); null while intset. */
  scan(cursor: number, count: number, out: string[]): number | null {
    return this.ht === null ? null : this.ht.scan(cursor, count, out);
  }

  /** A random member of a non-empty set. */
  random(): string {
    const ints = this.ints;
    if (ints !== null) return ints[Math.floor(Math.random() * ints.length)];
    return (this.ht as KeyTable<1>).randomKey() as string;
  }

  /** Takes over another set's members and encoding (SPOP's dbOverwrite with a rebuilt set). */
  replaceWith(o: SetValue): void {
    this.ints = o.ints;
    this.ht = o.ht;
  }

  /** Deep copy (COPY, RESTORE...): same encoding, same members. */
  clone(): SetValue {
    return this.ints !== null ? new SetValue(this.ints.slice(), null) : new SetValue(null, tableOf((this.ht as KeyTable<1>).keys()));
  }
}
