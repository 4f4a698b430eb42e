// The Redis list type. Redis 7.0 stores every list as a quicklist (a linked
// list of listpacks, plus "plain" nodes for elements past the packed
// threshold; the single-listpack encoding only arrived in 7.2), so OBJECT
// ENCODING always reports "quicklist". We keep the elements in one ring-buffer
// deque: O(1) at both ends, O(1) indexing, O(range) slices, O(min(i, n-i))
// inserts and removals. What Redis's node layout shows (DEBUG OBJECT,
// DEBUG QUICKLIST) comes from a model of it kept beside the deque
// (store/quicklist.ts); element bytes are summed as they come and go, so
// memory accounting needs no sampling.

import type { RObject } from './types.js';
import { Deque } from './ds/deque.js';
import { QuicklistModel, clampFill, clampCompress, packed } from './quicklist.js';

/** strBytes of store/memory.ts (a V8 one-byte string), inlined for the push path. */
function strBytes(s: string): number {
  return 16 + ((s.length + 7) & ~7);
}

export class ListValue implements RObject {
  /**
   * list-max-listpack-size and list-compress-depth as a new list takes them
   * (Redis reads them when it creates the quicklist); kept in step with
   * CONFIG SET by the lists family.
   */
  static defaults = { fill: -2, compress: 0 };

  declare readonly type: 'list';
  /** Memory accounting (store/memory.ts): bytes last accounted. */
  memBytes = 0;
  /** Sum of the elements' string bytes (store/memory.ts strBytes). */
  elemBytes = 0;
  /** The quicklist's fill and compress depth, fixed at creation as in Redis. */
  readonly fill: number;
  readonly compress: number;
  /** Redis's node layout; null only if it must be rebuilt from the elements. */
  private ql: QuicklistModel | null;
  /** The elements, head first. Replaced wholesale by bulk removals. */
  items: Deque<string>;

  constructor(items?: Deque<string>, fill = ListValue.defaults.fill, compress = ListValue.defaults.compress) {
    this.fill = clampFill(fill);
    this.compress = clampCompress(compress);
    if (items === undefined) {
      this.items = new Deque<string>();
      this.ql = new QuicklistModel();
    } else {
      this.items = items;
      let b = 0;
      for (let i = 0; i < items.length; i++) b += strBytes(items.get(i)!);
      this.elemBytes = b;
      this.ql = QuicklistModel.build(items, this.fill);
    }
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

  /** Redis's node layout (rebuilt as an RPUSH-built list's when unknown). */
  nodes(): QuicklistModel {
    if (this.ql === null) this.ql = QuicklistModel.build(this.items, this.fill);
    return this.ql;
  }

  /** Heap bytes of the list's own fields and node model (memory accounting). */
  modelBytes(): number {
    return 32 + (this.ql === null ? 0 : this.ql.heapBytes());
  }

  /** Deep copy (COPY, RESTORE...): the elements are immutable strings; the layout is kept (quicklistDup). */
  clone(): ListValue {
    const c = new ListValue(Deque.from(this.items.slice(0, this.items.length - 1)), this.fill, this.compress);
    c.ql = this.ql === null ? null : this.ql.clone();
    return c;
  }

  // An element equal to the one it lands next to shares that one's string:
  // the new copy then dies young, where a kept one is copied out of the young
  // generation and remembered by the write barrier (a list of repeated
  // values, as queues of tokens or redis-benchmark's, pays no GC per push).
  pushHead(v: string): void {
    const d = this.items;
    const h = d.peekFront();
    if (h === v) v = h;
    d.pushFront(v);
    this.elemBytes += strBytes(v);
    if (this.ql !== null) this.ql.push(true, v, this.fill);
  }
  pushTail(v: string): void {
    const d = this.items;
    const t = d.peekBack();
    if (t === v) v = t;
    d.pushBack(v);
    this.elemBytes += strBytes(v);
    if (this.ql !== null) this.ql.push(false, v, this.fill);
  }
  popHead(): string | undefined {
    const v = this.items.popFront();
    if (v !== undefined) {
      this.elemBytes -= strBytes(v);
      if (this.ql !== null) this.ql.pop(true, v);
    }
    return v;
  }
  popTail(): string | undefined {
    const v = this.items.popBack();
    if (v !== undefined) {
      this.elemBytes -= strBytes(v);
      if (this.ql !== null) this.ql.pop(false, v);
    }
    return v;
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
    const old = this.items.get(i);
    if (old === undefined) return false;
    this.items.set(i, v);
    this.elemBytes += strBytes(v) - strBytes(old);
    const ql = this.ql;
    if (ql !== null) {
      // quicklistReplaceEntry: lpReplace inside a packed node, a plain
      // node's element swapped, or (the element changes kind) an insertion
      // after it and the old one deleted
      const [node] = ql.locate(i);
      const at = (k: number): string => this.items.get(k)!;
      if (!ql.isPlain(node)) {
        if (!isLarge(v)) ql.replaced(node, old, v);
        else {
          ql.insert(i, v, true, this.fill, at);
          if (ql.count(node) === 1) ql.deleteNode(node);
          else ql.removeLast(node, old);
        }
      } else if (isLarge(v)) ql.replacedPlain(node, v);
      else {
        ql.insert(i, v, true, this.fill, at);
        ql.deleteNode(node);
      }
    }
    return true;
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
    const d = this.items;
    const n = d.length;
    if (start < 0) start += n;
    if (end < 0) end += n;
    if (start < 0) start = 0;
    if (start > end || start >= n) {
      d.clear();
      this.elemBytes = 0;
      this.ql = new QuicklistModel();
      return n;
    }
    if (end >= n) end = n - 1;
    // quicklistDelRange from each end: whole nodes go, partial ones shrink
    const ql = this.ql;
    let b = 0;
    for (let i = 0; i < start; i++) {
      const v = d.get(i)!;
      b += strBytes(v);
      if (ql !== null) ql.pop(true, v);
    }
    for (let i = n - 1; i > end; i--) {
      const v = d.get(i)!;
      b += strBytes(v);
      if (ql !== null) ql.pop(false, v);
    }
    this.elemBytes -= b;
    d.trim(start, end);
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
    if (this.ql !== null) this.ql.insert(i, v, after, this.fill, (k) => this.items.get(k)!);
    this.items.insertAt(after ? i + 1 : i, v);
    this.elemBytes += strBytes(v);
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
    hits.sort((a, b) => a - b);
    if (this.ql !== null) this.ql.removeAt(hits, v);
    this.elemBytes -= strBytes(v) * hits.length;
    if (hits.length <= 8) {
      // a few removals: shift in place, highest index first so the others stay valid
      for (let k = hits.length - 1; k >= 0; k--) d.removeAt(hits[k]);
    } else {
      // many removals: one O(n) compaction pass
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

function isLarge(v: string): boolean {
  return v.length >= packed.threshold;
}

export function isList(v: unknown): v is ListValue {
  return v instanceof ListValue;
}
// a constant on the prototype: no field per value
(ListValue.prototype as { type: string }).type = 'list';
