// The node layout Redis 7.0's quicklist would give a list. Redoubt keeps a
// list's elements in one deque (O(1) indexing); what clients can observe of
// Redis's nodes (DEBUG OBJECT's ql_* fields, DEBUG QUICKLIST, the serialized
// length) comes from this model: per node its element count and its size in
// bytes (the listpack's, or the element's for a plain node).
//
// Every list operation follows Redis 7.0's quicklist.c: pushes and pops at
// either end, LTRIM (quicklistDelRange), LREM (no merging), LSET
// (quicklistReplaceEntry) and LINSERT (_quicklistInsert: neighbour, new node
// or split and merge). A list built from a whole array (RDB load, SORT
// STORE, RESTORE) gets the layout of RPUSHing its elements; Redis keeps the
// nodes of a QUICKLIST_2 RDB file as they were saved.

import { parseIntFast, parseI64 } from '../util/numbers.js';

/** Listpack header (total bytes + element count) and end byte. */
const LP_EMPTY = 7;
/** quicklist.c SIZE_ESTIMATE_OVERHEAD and SIZE_SAFETY_LIMIT. */
const SIZE_ESTIMATE_OVERHEAD = 8;
const SIZE_SAFETY_LIMIT = 8192;
/** _quicklistNodeAllowMerge's estimate of the bytes a merge saves. */
const MERGE_OVERHEAD = 11;
/** Node size limits of list-max-listpack-size -1 ... -5. */
const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
export const FILL_MAX = (1 << 15) - 1;
export const COMPRESS_MAX = (1 << 16) - 1;
const DEFAULT_PACKED_THRESHOLD = 1 << 30;

/**
 * Elements at least this long get a plain node of their own (Redis's
 * packed_threshold, process-wide, set by DEBUG QUICKLIST-PACKED-THRESHOLD).
 */
export const packed = { threshold: DEFAULT_PACKED_THRESHOLD };

/** quicklistisSetPackedThreshold: false when out of range; 0 restores the default. */
export function setPackedThreshold(sz: number): boolean {
  if (sz > 2 ** 32 - 2 ** 20) return false;
  packed.threshold = sz === 0 ? DEFAULT_PACKED_THRESHOLD : sz;
  return true;
}

/** quicklistSetFill's clamp of list-max-listpack-size. */
export function clampFill(fill: number): number {
  return fill > FILL_MAX ? FILL_MAX : fill < -5 ? -5 : fill;
}

/** quicklistSetCompressDepth's clamp of list-compress-depth. */
export function clampCompress(depth: number): number {
  return depth > COMPRESS_MAX ? COMPRESS_MAX : depth < 0 ? 0 : depth;
}

/** lpEncodeBacklen's size for an entry of `l` bytes (encoding + data). */
function backlenBytes(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/** The listpack integer encoding of `s`, or null when it is stored as a string (lpStringToInt64). */
export function lpInt(s: string): number | bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  const c = s.charCodeAt(0);
  if (!((c >= 48 && c <= 57) || c === 45)) return null;
  const v = parseIntFast(s);
  if (v !== null || n < 16) return v;
  return parseI64(s);
}

/** Bytes of an integer entry (encoding + data + backlen). */
function intEntryBytes(v: number | bigint): number {
  if (typeof v === 'bigint') return 10;
  if (v >= 0 && v <= 127) return 2;
  if (v >= -4096 && v <= 4095) return 3;
  if (v >= -32768 && v <= 32767) return 4;
  if (v >= -8388608 && v <= 8388607) return 5;
  if (v >= -2147483648 && v <= 2147483647) return 6;
  return 10;
}

/** Bytes `s` takes in a listpack (encoding, data, backlen). */
export function lpEntryBytes(s: string): number {
  const n = s.length;
  const c = n === 0 ? 0 : s.charCodeAt(0);
  if (n <= 20 && ((c >= 48 && c <= 57) || c === 45)) {
    const v = lpInt(s);
    if (v !== null) return intEntryBytes(v);
  }
  const l = (n <= 63 ? 1 : n <= 4095 ? 2 : 5) + n;
  return l + backlenBytes(l);
}

/** _quicklistNodeAllowInsert for a packed node holding `count` elements in `sz` bytes. */
function allowInsert(count: number, sz: number, len: number, fill: number): boolean {
  const newSz = sz + len + SIZE_ESTIMATE_OVERHEAD;
  if (fill < 0) {
    const off = -fill - 1;
    if (off < 5 && newSz <= OPTIMIZATION_LEVEL[off]) return true;
  }
  if (newSz > SIZE_SAFETY_LIMIT) return false;
  return count < fill;
}

/**
 * The nodes, head first: a ring of (count, bytes) pairs in one plain array
 * (a plain node has count -1). One small array, not typed arrays: a list of
 * a few elements must not pay hundreds of bytes for its model.
 */
export class QuicklistModel {
  private q: number[];
  /** Ring position (in pairs) of the head node, and capacity - 1. */
  private head = 0;
  private mask: number;
  /** Number of nodes (ql_nodes). */
  len = 0;

  constructor(cap = 1) {
    let c = 1;
    while (c < cap) c <<= 1;
    this.q = new Array<number>(c * 2).fill(0);
    this.mask = c - 1;
  }

  /** The layout RPUSHing `items` one by one into an empty list gives. */
  static build(items: { length: number; get(i: number): string | undefined }, fill: number): QuicklistModel {
    const m = new QuicklistModel();
    for (let i = 0; i < items.length; i++) m.push(false, items.get(i)!, fill);
    return m;
  }

  clone(): QuicklistModel {
    const m = new QuicklistModel(this.len);
    for (let i = 0; i < this.len; i++) {
      const p = ((this.head + i) & this.mask) * 2;
      m.q[i * 2] = this.q[p];
      m.q[i * 2 + 1] = this.q[p + 1];
    }
    m.len = this.len;
    return m;
  }

  private pos(i: number): number {
    return ((this.head + i) & this.mask) * 2;
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2;
    const q = new Array<number>(cap * 2).fill(0);
    for (let i = 0; i < this.len; i++) {
      const p = this.pos(i);
      q[i * 2] = this.q[p];
      q[i * 2 + 1] = this.q[p + 1];
    }
    this.q = q;
    this.head = 0;
    this.mask = cap - 1;
  }

  private newNode(atHead: boolean, s: string): void {
    if (this.len === this.mask + 1) this.grow();
    let p: number;
    if (atHead) {
      this.head = (this.head - 1) & this.mask;
      p = this.head * 2;
    } else p = this.pos(this.len);
    this.len++;
    if (s.length >= packed.threshold) {
      this.q[p] = -1;
      this.q[p + 1] = s.length;
    } else {
      this.q[p] = 1;
      this.q[p + 1] = LP_EMPTY + lpEntryBytes(s);
    }
  }

  /** quicklistPushHead / quicklistPushTail. */
  push(atHead: boolean, s: string, fill: number): void {
    const n = s.length;
    if (this.len !== 0 && n < packed.threshold) {
      const p = atHead ? this.head * 2 : this.pos(this.len - 1);
      const q = this.q;
      const c = q[p];
      if (c > 0 && allowInsert(c, q[p + 1], n, fill)) {
        q[p] = c + 1;
        q[p + 1] += lpEntryBytes(s);
        return;
      }
    }
    this.newNode(atHead, s);
  }

  /** Removes element `s` from the head or tail node (a node left empty goes). */
  pop(atHead: boolean, s: string): void {
    if (this.len === 0) return;
    const p = atHead ? this.head * 2 : this.pos(this.len - 1);
    const c = this.q[p];
    if (c <= 1) {
      if (atHead) this.head = (this.head + 1) & this.mask;
      this.len--;
      return;
    }
    this.q[p] = c - 1;
    this.q[p + 1] -= lpEntryBytes(s);
  }

  /** Logical node index holding element `index`, and the first element's index in it. */
  locate(index: number): [node: number, first: number] {
    let first = 0;
    for (let i = 0; i < this.len; i++) {
      const c = this.count(i);
      if (index < first + c) return [i, first];
      first += c;
    }
    return [-1, first];
  }

  count(i: number): number {
    const c = this.q[this.pos(i)];
    return c < 0 ? 1 : c;
  }
  bytes(i: number): number {
    return this.q[this.pos(i) + 1];
  }
  isPlain(i: number): boolean {
    return this.q[this.pos(i)] < 0;
  }

  /** lpReplace inside packed node `i`: its size changes by the entries' difference. */
  replaced(i: number, oldS: string, newS: string): void {
    this.q[this.pos(i) + 1] += lpEntryBytes(newS) - lpEntryBytes(oldS);
  }

  /** A plain node's element replaced by another large one. */
  replacedPlain(i: number, newS: string): void {
    this.q[this.pos(i) + 1] = newS.length;
  }

  /**
   * Deletes, from each node, the elements whose (ascending) indexes are in
   * `hits` (all equal to `s`); nodes left empty go (quicklistDelEntry, no merging).
   */
  removeAt(hits: number[], s: string): void {
    const e = lpEntryBytes(s);
    const kept: number[] = [];
    let h = 0;
    let first = 0;
    for (let i = 0; i < this.len; i++) {
      const p = this.pos(i);
      const raw = this.q[p];
      const c = raw < 0 ? 1 : raw;
      let k = 0;
      while (h < hits.length && hits[h] < first + c) {
        h++;
        k++;
      }
      first += c;
      if (k === c) continue;
      kept.push(raw < 0 ? raw : c - k, raw < 0 ? this.q[p + 1] : this.q[p + 1] - k * e);
    }
    const nodes = kept.length / 2;
    let cap = 1;
    while (cap < nodes) cap <<= 1;
    while (kept.length < cap * 2) kept.push(0);
    this.q = kept;
    this.head = 0;
    this.mask = cap - 1;
    this.len = nodes;
  }

  /** Heap bytes of this model: the object, its array and the array's slots. */
  heapBytes(): number {
    return 88 + 16 * (this.mask + 1);
  }

  /** The nodes as [count, bytes] pairs (count -1: plain), head first. */
  private toPairs(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.len; i++) {
      const p = this.pos(i);
      out.push([this.q[p], this.q[p + 1]]);
    }
    return out;
  }

  private fromPairs(nodes: number[][]): void {
    let cap = 1;
    while (cap < nodes.length) cap <<= 1;
    const q = new Array<number>(cap * 2).fill(0);
    for (let i = 0; i < nodes.length; i++) {
      q[i * 2] = nodes[i][0];
      q[i * 2 + 1] = nodes[i][1];
    }
    this.q = q;
    this.head = 0;
    this.mask = cap - 1;
    this.len = nodes.length;
  }

  /**
   * _quicklistInsert: `s` goes before or after the element at `index`
   * (LINSERT, and LSET when an element changes between packed and plain).
   * `at(i)` reads the list's elements as they are before the insertion.
   * Full nodes push the element into a neighbour, a new node, or split and
   * merge again, as quicklist.c does.
   */
  insert(index: number, s: string, after: boolean, fill: number, at: (i: number) => string): void {
    const nodes = this.toPairs();
    let ni = 0;
    let first = 0;
    for (; ni < nodes.length; ni++) {
      const c = nodes[ni][0] < 0 ? 1 : nodes[ni][0];
      if (index < first + c) break;
      first += c;
    }
    const node = nodes[ni];
    const count = node[0] < 0 ? 1 : node[0];
    const plain = node[0] < 0;
    const offset = index - first;
    const large = s.length >= packed.threshold;
    const allow = (x: number[] | undefined): boolean => x !== undefined && x[0] > 0 && !large && allowInsert(x[0], x[1], s.length, fill);
    const full = !allow(node);
    const atTail = after && offset === count - 1;
    const atHead = !after && offset === 0;
    const availNext = atTail && allow(nodes[ni + 1]);
    const availPrev = atHead && allow(nodes[ni - 1]);
    const e = lpEntryBytes(s);
    const fresh = (): number[] => (large ? [-1, s.length] : [1, LP_EMPTY + e]);
    /** Splits `node` at `offset`: it keeps [0, offset] (after) or [offset, end]; returns the other part. */
    const split = (): number[] => {
      let moved = 0;
      const lo = after ? offset + 1 : 0;
      const hi = after ? count : offset;
      for (let i = lo; i < hi; i++) moved += lpEntryBytes(at(first + i));
      node[0] = count - (hi - lo);
      node[1] -= moved;
      return [hi - lo, LP_EMPTY + moved];
    };
    if (large) {
      if (plain || atTail || atHead) nodes.splice(after ? ni + 1 : ni, 0, fresh());
      else {
        const other = split();
        if (after) nodes.splice(ni + 1, 0, fresh(), other);
        else nodes.splice(ni, 0, other, fresh());
      }
    } else if (!full) {
      node[0]++;
      node[1] += e;
    } else if (atTail && availNext) {
      nodes[ni + 1][0]++;
      nodes[ni + 1][1] += e;
    } else if (atHead && availPrev) {
      nodes[ni - 1][0]++;
      nodes[ni - 1][1] += e;
    } else if (atTail || atHead) {
      nodes.splice(after ? ni + 1 : ni, 0, fresh());
    } else {
      const other = split();
      other[0]++;
      other[1] += e;
      nodes.splice(after ? ni + 1 : ni, 0, other);
      mergeAround(nodes, after ? ni : ni + 1, fill);
    }
    this.fromPairs(nodes.filter((x) => x[0] !== 0));
  }

  /** Deletes node `i` (a plain node, or one whose last element is being replaced). */
  deleteNode(i: number): void {
    const nodes = this.toPairs();
    nodes.splice(i, 1);
    this.fromPairs(nodes);
  }

  /** Removes the last element `s` of packed node `i` (the node goes when emptied). */
  removeLast(i: number, s: string): void {
    const nodes = this.toPairs();
    const n = nodes[i];
    if (n[0] <= 1) nodes.splice(i, 1);
    else {
      n[0]--;
      n[1] -= lpEntryBytes(s);
    }
    this.fromPairs(nodes);
  }

  /** ql_uncompressed_size: every node's uncompressed size. */
  totalBytes(): number {
    let t = 0;
    for (let i = 0; i < this.len; i++) t += this.q[this.pos(i) + 1];
    return t;
  }
}

/** _quicklistNodeAllowMerge: two packed nodes whose merged listpack fits the fill. */
function allowMerge(a: number[] | undefined, b: number[] | undefined, fill: number): boolean {
  if (a === undefined || b === undefined || a[0] <= 0 || b[0] <= 0) return false;
  const mergeSz = a[1] + b[1] - MERGE_OVERHEAD;
  if (fill < 0) {
    const off = -fill - 1;
    if (off < 5 && mergeSz <= OPTIMIZATION_LEVEL[off]) return true;
  }
  if (mergeSz > SIZE_SAFETY_LIMIT) return false;
  return a[0] + b[0] <= fill;
}

/** lpMerge of nodes i and i+1 into one (one header and end byte fewer). */
function merge(nodes: number[][], i: number): void {
  const a = nodes[i];
  const b = nodes[i + 1];
  nodes.splice(i, 2, [a[0] + b[0], a[1] + b[1] - LP_EMPTY]);
}

/** _quicklistMergeNodes around the node at `center`. */
function mergeAround(nodes: number[][], center: number, fill: number): void {
  let c = center;
  if (c >= 2 && allowMerge(nodes[c - 1], nodes[c - 2], fill)) {
    merge(nodes, c - 2);
    c--;
  }
  if (allowMerge(nodes[c + 1], nodes[c + 2], fill)) merge(nodes, c + 1);
  let target = c;
  if (c >= 1 && allowMerge(nodes[c], nodes[c - 1], fill)) {
    merge(nodes, c - 1);
    target = c - 1;
  }
  if (allowMerge(nodes[target], nodes[target + 1], fill)) merge(nodes, target);
}

/** Writes the listpack Redis would hold for `items` (one packed node). */
export function listpackBytes(items: string[]): Buffer {
  let total = LP_EMPTY;
  for (const s of items) total += lpEntryBytes(s);
  const b = Buffer.allocUnsafe(total);
  b.writeUInt32LE(total, 0);
  b.writeUInt16LE(items.length < 65535 ? items.length : 65535, 4);
  let o = 6;
  for (const s of items) {
    const start = o;
    const v = lpInt(s);
    if (v !== null) {
      const bytes = intEntryBytes(v) - 1;
      if (bytes === 1) b[o++] = Number(v);
      else if (bytes === 2) {
        const u = (Number(v) + 8192) & 0x1fff; // 13-bit two's complement
        b[o++] = 0xc0 | (u >> 8);
        b[o++] = u & 0xff;
      } else if (bytes === 3) {
        b[o++] = 0xf1;
        b.writeInt16LE(Number(v), o);
        o += 2;
      } else if (bytes === 4) {
        b[o++] = 0xf2;
        b.writeIntLE(Number(v), o, 3);
        o += 3;
      } else if (bytes === 5) {
        b[o++] = 0xf3;
        b.writeInt32LE(Number(v), o);
        o += 4;
      } else {
        b[o++] = 0xf4;
        b.writeBigInt64LE(BigInt(v), o);
        o += 8;
      }
    } else {
      const n = s.length;
      if (n <= 63) b[o++] = 0x80 | n;
      else if (n <= 4095) {
        b[o++] = 0xe0 | (n >> 8);
        b[o++] = n & 0xff;
      } else {
        b[o++] = 0xf0;
        b.writeUInt32LE(n, o);
        o += 4;
      }
      o += b.write(s, o, 'latin1');
    }
    // backlen: the entry's length, 7 bits per byte, read right to left
    let l = o - start;
    if (l <= 127) b[o++] = l;
    else {
      const parts: number[] = [];
      while (l > 0) {
        parts.push(l & 127);
        l = Math.floor(l / 128);
      }
      // most significant group first in memory, flagged on every byte after it
      for (let i = parts.length - 1; i >= 0; i--) b[o++] = parts[i] | (i === parts.length - 1 ? 0 : 128);
    }
  }
  b[o] = 0xff;
  return b;
}
