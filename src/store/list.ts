// The Redis list type. Redis 7.0 stores every list as a quicklist (a linked
// list of listpacks; the single-listpack encoding only arrived in 7.2), so
// OBJECT ENCODING always reports "quicklist" whatever list-max-listpack-size
// says. We keep the elements in one ring-buffer deque: O(1) at both ends,
// O(1) indexing, O(range) slices, O(min(i, n-i)) inserts and removals.

import type { RObject } from './types.js';
import { Deque } from './ds/deque.js';

export class ListValue implements RObject {
  readonly type = 'list' as const;
  /** Memory accounting (store/memory.ts): bytes last accounted, sampled element size, changes since. */
  memBytes = 0;
  memAvg = -1;
  memChanges = 0;
  /** The elements, head first. Replaced wholesale by bulk removals. */
  items: Deque<string>;

  constructor(items?: Deque<string>) {
    this.items = items ?? new Deque<string>();
  }

  static from(elements: Iterable<string>): ListValue {
    return new ListValue(Deque.from(elements));
  }

  encoding(): string {
    return 'quicklist';
  }

  get length(): number {
    return this.items.length;
  }

  /** Deep copy (COPY, RESTORE...): the elements are immutable strings. */
  clone(): ListValue {
    return new ListValue(Deque.from(this.items.slice(0, this.items.length - 1)));
  }

  pushHead(v: string): void {
    this.items.pushFront(v);
  }
  pushTail(v: string): void {
    this.items.pushBack(v);
  }
  popHead(): string | undefined {
    return this.items.popFront();
  }
  popTail(): string | undefined {
    return this.items.popBack();
  }

  /** Element at a Redis index (negative counts from the tail), undefined when out of range. */
  index(i: number): string | undefined {
    const n = this.items.length;
    if (i < 0) i += n;
    return this.items.get(i);
  }

  /** Replaces the element at a Redis index; false when out of range. */
  setIndex(i: number, v: string): boolean {
    const n = this.items.length;
    if (i < 0) i += n;
    return this.items.set(i, v);
  }

  /**
   * Elements between two Redis indexes (inclusive, negative from the tail),
   * clamped like LRANGE. O(range).
   */
  range(start: number, end: number): string[] {
    const n = this.items.length;
    if (start < 0) start += n;
    if (end < 0) end += n;
    if (start < 0) start = 0;
    if (start > end || start >= n) return [];
    if (end >= n) end = n - 1;
    return this.items.slice(start, end);
  }

  /** LTRIM semantics; returns the number of elements removed. */
  trim(start: number, end: number): number {
    const n = this.items.length;
    if (start < 0) start += n;
    if (end < 0) end += n;
    if (start < 0) start = 0;
    if (start > end || start >= n) {
      this.items.clear();
      return n;
    }
    if (end >= n) end = n - 1;
    this.items.trim(start, end);
    return n - (end - start + 1);
  }

  /** Index of the first element equal to `v` from the head, or -1. */
  indexOf(v: string): number {
    const d = this.items;
    const n = d.length;
    for (let i = 0; i < n; i++) if (d.get(i) === v) return i;
    return -1;
  }

  /** Inserts before (after=false) or after the first occurrence of pivot. False when pivot is absent. */
  insert(pivot: string, v: string, after: boolean): boolean {
    const i = this.indexOf(pivot);
    if (i === -1) return false;
    this.items.insertAt(after ? i + 1 : i, v);
    return true;
  }

  /**
   * LREM: removes up to |count| occurrences of v (all when count is 0),
   * scanning from the head (count >= 0) or the tail (count < 0).
   * Returns how many were removed.
   */
  remove(v: string, count: number): number {
    const d = this.items;
    const n = d.length;
    const limit = count === 0 ? Infinity : Math.abs(count);
    const hits: number[] = [];
    if (count >= 0) {
      for (let i = 0; i < n && hits.length < limit; i++) if (d.get(i) === v) hits.push(i);
    } else {
      for (let i = n - 1; i >= 0 && hits.length < limit; i--) if (d.get(i) === v) hits.push(i);
    }
    if (hits.length === 0) return 0;
    if (hits.length <= 8) {
      // a few removals: shift in place, highest index first so the others stay valid
      hits.sort((a, b) => b - a);
      for (const i of hits) d.removeAt(i);
    } else {
      // many removals: one O(n) compaction pass
      hits.sort((a, b) => a - b);
      const kept = new Deque<string>(n - hits.length + 1);
      let h = 0;
      for (let i = 0; i < n; i++) {
        if (h < hits.length && hits[h] === i) {
          h++;
          continue;
        }
        kept.pushBack(d.get(i)!);
      }
      this.items = kept;
    }
    return hits.length;
  }

  toArray(): string[] {
    return this.items.toArray();
  }
}

export function isList(v: unknown): v is ListValue {
  return v instanceof ListValue;
}
