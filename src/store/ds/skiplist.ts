/**
 * Sorted-set core with Redis semantics: a member->score Map plus a
 * Redis-style skiplist with spans (order statistics), ordered by
 * (score asc, member byte-order asc). Members are latin1 strings, so JS `<`
 * equals memcmp order. Scores are doubles; -0 and 0 compare equal; NaN must
 * never be passed in (callers reject it).
 *
 * All rank arguments are 0-based. Callers normalize negative indices.
 */

const MAX_LEVEL = 32;
const P = 0.25;

class Node {
  member: string;
  score: number;
  backward: Node | null = null;
  next: (Node | null)[];
  span: number[];
  constructor(level: number, member: string, score: number) {
    this.member = member;
    this.score = score;
    this.next = new Array<Node | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }
}

export type ZEntry = [member: string, score: number];

/** A parsed lex range bound: inf=-1 for '-', inf=1 for '+', else value with '['/'(' flag. */
export interface LexBound {
  inf: -1 | 0 | 1;
  value: string;
  exclusive: boolean;
}

/** Parse a Redis lex range item ('-', '+', '[x', '(x'). Returns null if invalid. */
export function parseLexBound(s: string): LexBound | null {
  if (s.length === 0) return null;
  const c = s.charCodeAt(0);
  if (c === 0x2b /* + */) return s.length === 1 ? { inf: 1, value: '', exclusive: false } : null;
  if (c === 0x2d /* - */) return s.length === 1 ? { inf: -1, value: '', exclusive: false } : null;
  if (c === 0x28 /* ( */) return { inf: 0, value: s.slice(1), exclusive: true };
  if (c === 0x5b /* [ */) return { inf: 0, value: s.slice(1), exclusive: false };
  return null;
}

function randomLevel(): number {
  let lvl = 1;
  while (lvl < MAX_LEVEL && Math.random() < P) lvl++;
  return lvl;
}

/** (s1,m1) < (s2,m2) in zset order */
function lessThan(s1: number, m1: string, s2: number, m2: string): boolean {
  return s1 < s2 || (s1 === s2 && m1 < m2);
}

export class SortedSet {
  private readonly dict = new Map<string, number>();
  private readonly header = new Node(MAX_LEVEL, '', 0);
  private tail: Node | null = null;
  private level = 1;
  private readonly update: Node[] = new Array<Node>(MAX_LEVEL);
  private readonly rankTmp: number[] = new Array<number>(MAX_LEVEL).fill(0);

  get size(): number {
    return this.dict.size;
  }

  has(member: string): boolean {
    return this.dict.has(member);
  }

  score(member: string): number | undefined {
    return this.dict.get(member);
  }

  /** member -> score map (read-only view; do not mutate). */
  get map(): ReadonlyMap<string, number> {
    return this.dict;
  }

  // ---------------------------------------------------------------- mutation

  /** Insert or update. Returns true if the member is new. O(log n). */
  add(member: string, score: number): boolean {
    const cur = this.dict.get(member);
    if (cur === undefined) {
      this.dict.set(member, score);
      this.slInsert(member, score);
      return true;
    }
    if (cur !== score) {
      this.dict.set(member, score);
      this.slUpdateScore(member, cur, score);
    }
    return false;
  }

  /** Remove member. Returns true if it existed. O(log n). */
  remove(member: string): boolean {
    const cur = this.dict.get(member);
    if (cur === undefined) return false;
    this.dict.delete(member);
    const x = this.findUpdate(member, cur);
    this.deleteNode(x);
    return true;
  }

  clear(): void {
    this.dict.clear();
    for (let i = 0; i < MAX_LEVEL; i++) {
      this.header.next[i] = null;
      this.header.span[i] = 0;
    }
    this.tail = null;
    this.level = 1;
  }

  private slInsert(member: string, score: number): Node {
    const update = this.update;
    const rank = this.rankTmp;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1];
      let n = x.next[i];
      while (n !== null && (n.score < score || (n.score === score && n.member < member))) {
        rank[i] += x.span[i];
        x = n;
        n = x.next[i];
      }
      update[i] = x;
    }
    const lvl = randomLevel();
    const len = this.dict.size - 1; // dict already contains the new member
    if (lvl > this.level) {
      for (let i = this.level; i < lvl; i++) {
        rank[i] = 0;
        update[i] = this.header;
        this.header.span[i] = len;
      }
      this.level = lvl;
    }
    const node = new Node(lvl, member, score);
    for (let i = 0; i < lvl; i++) {
      const u = update[i];
      node.next[i] = u.next[i];
      u.next[i] = node;
      node.span[i] = u.span[i] - (rank[0] - rank[i]);
      u.span[i] = rank[0] - rank[i] + 1;
    }
    for (let i = lvl; i < this.level; i++) update[i].span[i]++;
    node.backward = update[0] === this.header ? null : update[0];
    const nx = node.next[0];
    if (nx !== null) nx.backward = node;
    else this.tail = node;
    return node;
  }

  /** Fill this.update for the node (member, score) and return that node. */
  private findUpdate(member: string, score: number): Node {
    const update = this.update;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && (n.score < score || (n.score === score && n.member < member))) {
        x = n;
        n = x.next[i];
      }
      update[i] = x;
    }
    const node = x.next[0];
    if (node === null || node.member !== member) throw new Error('SortedSet: index inconsistent');
    return node;
  }

  /** Unlink x using this.update (as filled by findUpdate / rank traversal). */
  private deleteNode(x: Node): void {
    const update = this.update;
    for (let i = 0; i < this.level; i++) {
      const u = update[i];
      if (u.next[i] === x) {
        u.span[i] += x.span[i] - 1;
        u.next[i] = x.next[i];
      } else {
        u.span[i] -= 1;
      }
    }
    const nx = x.next[0];
    if (nx !== null) nx.backward = x.backward;
    else this.tail = x.backward;
    while (this.level > 1 && this.header.next[this.level - 1] === null) this.level--;
  }

  private slUpdateScore(member: string, cur: number, score: number): void {
    const x = this.findUpdate(member, cur);
    const prev = x.backward;
    const next = x.next[0];
    if (
      (prev === null || lessThan(prev.score, prev.member, score, member)) &&
      (next === null || lessThan(score, member, next.score, next.member))
    ) {
      x.score = score; // position unchanged
      return;
    }
    this.deleteNode(x);
    this.slInsert(member, score);
  }

  // ---------------------------------------------------------------- ranks

  /** 0-based rank in ascending order, or -1 if absent. O(log n). */
  rank(member: string): number {
    const score = this.dict.get(member);
    if (score === undefined) return -1;
    let r = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && (n.score < score || (n.score === score && n.member <= member))) {
        r += x.span[i];
        x = n;
        n = x.next[i];
      }
      if (x !== this.header && x.member === member) return r - 1;
    }
    return -1; // unreachable when consistent
  }

  /** 0-based rank in descending order, or -1 if absent. */
  revRank(member: string): number {
    const r = this.rank(member);
    return r < 0 ? -1 : this.dict.size - 1 - r;
  }

  /** Node at 0-based rank, or null. O(log n). */
  private nodeAt(rank0: number): Node | null {
    if (rank0 < 0 || rank0 >= this.dict.size) return null;
    const target = rank0 + 1;
    let traversed = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && traversed + x.span[i] <= target) {
        traversed += x.span[i];
        x = n;
        n = x.next[i];
      }
      if (traversed === target) return x;
    }
    return null;
  }

  /** Entry at 0-based ascending rank. O(log n). */
  byRank(i: number): ZEntry | undefined {
    const n = this.nodeAt(i);
    return n === null ? undefined : [n.member, n.score];
  }

  /**
   * Entries with rank in [start, stop] (0-based, inclusive, clamped).
   * If reverse, ranks count from the highest element (ZREVRANGE) and output is
   * descending. O(log n + m).
   */
  rangeByRank(start: number, stop: number, reverse = false): ZEntry[] {
    const len = this.dict.size;
    if (start < 0) start = 0;
    if (stop >= len) stop = len - 1;
    if (start > stop) return [];
    const n = stop - start + 1;
    return reverse ? this.collectBackward(len - 1 - start, n) : this.collectForward(start, n);
  }

  private collectForward(rank0: number, n: number): ZEntry[] {
    const out: ZEntry[] = new Array<ZEntry>(n);
    let x = this.nodeAt(rank0);
    for (let i = 0; i < n; i++) {
      const node = x as Node;
      out[i] = [node.member, node.score];
      x = node.next[0];
    }
    return out;
  }

  private collectBackward(rank0: number, n: number): ZEntry[] {
    const out: ZEntry[] = new Array<ZEntry>(n);
    let x = rank0 === this.dict.size - 1 ? this.tail : this.nodeAt(rank0);
    for (let i = 0; i < n; i++) {
      const node = x as Node;
      out[i] = [node.member, node.score];
      x = node.backward;
    }
    return out;
  }

  // ---------------------------------------------------------------- score ranges

  /** Number of elements with score < s (or <= s when inclusive). O(log n). */
  private countScoreBelow(s: number, inclusive: boolean): number {
    let r = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && (n.score < s || (inclusive && n.score === s))) {
        r += x.span[i];
        x = n;
        n = x.next[i];
      }
    }
    return r;
  }

  /** [firstRank, endRankExclusive) of the score range. */
  private scoreRankRange(min: number, max: number, minEx: boolean, maxEx: boolean): [number, number] {
    if (min > max || (min === max && (minEx || maxEx))) return [0, 0];
    const lo = this.countScoreBelow(min, minEx);
    const hi = this.countScoreBelow(max, !maxEx);
    return hi > lo ? [lo, hi] : [0, 0];
  }

  countInScoreRange(min: number, max: number, minEx = false, maxEx = false): number {
    const [lo, hi] = this.scoreRankRange(min, max, minEx, maxEx);
    return hi - lo;
  }

  /**
   * Elements with min <(=) score <(=) max. If reverse, output is descending
   * (ZREVRANGEBYSCORE; note min/max are still passed as min/max).
   * offset < 0 yields nothing; limit < 0 means unlimited. O(log n + m).
   */
  rangeByScore(
    min: number,
    max: number,
    minEx = false,
    maxEx = false,
    reverse = false,
    offset = 0,
    limit = -1,
  ): ZEntry[] {
    const [lo, hi] = this.scoreRankRange(min, max, minEx, maxEx);
    return this.rankWindow(lo, hi, reverse, offset, limit);
  }

  private rankWindow(lo: number, hi: number, reverse: boolean, offset: number, limit: number): ZEntry[] {
    if (offset < 0) return [];
    let n = hi - lo - offset;
    if (n <= 0) return [];
    if (limit >= 0 && limit < n) n = limit;
    if (n === 0) return [];
    return reverse ? this.collectBackward(hi - 1 - offset, n) : this.collectForward(lo + offset, n);
  }

  // ---------------------------------------------------------------- lex ranges
  // Like Redis, lex operations assume all scores are equal; the skiplist order
  // is then the member order.

  /** Number of elements with member < v (or <= v when inclusive). O(log n). */
  private countLexBelow(v: string, inclusive: boolean): number {
    let r = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && (n.member < v || (inclusive && n.member === v))) {
        r += x.span[i];
        x = n;
        n = x.next[i];
      }
    }
    return r;
  }

  private lexRankRange(min: LexBound, max: LexBound): [number, number] {
    const len = this.dict.size;
    const lo = min.inf < 0 ? 0 : min.inf > 0 ? len : this.countLexBelow(min.value, min.exclusive);
    const hi = max.inf < 0 ? 0 : max.inf > 0 ? len : this.countLexBelow(max.value, !max.exclusive);
    return hi > lo ? [lo, hi] : [0, 0];
  }

  countInLexRange(min: LexBound, max: LexBound): number {
    const [lo, hi] = this.lexRankRange(min, max);
    return hi - lo;
  }

  /** ZRANGEBYLEX / ZREVRANGEBYLEX (min/max always passed as min/max). */
  rangeByLex(min: LexBound, max: LexBound, reverse = false, offset = 0, limit = -1): ZEntry[] {
    const [lo, hi] = this.lexRankRange(min, max);
    return this.rankWindow(lo, hi, reverse, offset, limit);
  }

  // ---------------------------------------------------------------- deletion ranges

  /** Delete ascending ranks [lo, hiEx); returns removed entries in ascending order. */
  private deleteRanks(lo: number, hiEx: number): ZEntry[] {
    const len = this.dict.size;
    if (lo < 0) lo = 0;
    if (hiEx > len) hiEx = len;
    if (lo >= hiEx) return [];
    const update = this.update;
    let traversed = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && traversed + x.span[i] <= lo) {
        traversed += x.span[i];
        x = n;
        n = x.next[i];
      }
      update[i] = x;
    }
    const out: ZEntry[] = new Array<ZEntry>(hiEx - lo);
    let node = x.next[0];
    for (let k = 0; k < out.length; k++) {
      const cur = node as Node;
      node = cur.next[0];
      this.deleteNode(cur);
      this.dict.delete(cur.member);
      out[k] = [cur.member, cur.score];
    }
    return out;
  }

  private static members(es: ZEntry[]): string[] {
    const out = new Array<string>(es.length);
    for (let i = 0; i < es.length; i++) out[i] = es[i][0];
    return out;
  }

  /** ZREMRANGEBYRANK with 0-based inclusive [start, stop] (clamped). */
  deleteRangeByRank(start: number, stop: number): string[] {
    return SortedSet.members(this.deleteRanks(start, stop + 1));
  }

  deleteRangeByScore(min: number, max: number, minEx = false, maxEx = false): string[] {
    const [lo, hi] = this.scoreRankRange(min, max, minEx, maxEx);
    return SortedSet.members(this.deleteRanks(lo, hi));
  }

  deleteRangeByLex(min: LexBound, max: LexBound): string[] {
    const [lo, hi] = this.lexRankRange(min, max);
    return SortedSet.members(this.deleteRanks(lo, hi));
  }

  /** Remove and return up to count lowest entries (ascending). */
  popMin(count = 1): ZEntry[] {
    return this.deleteRanks(0, count);
  }

  /** Remove and return up to count highest entries (descending, like ZPOPMAX). */
  popMax(count = 1): ZEntry[] {
    const len = this.dict.size;
    return this.deleteRanks(len - count, len).reverse();
  }

  /** Uniformly random entry, or undefined when empty. O(log n). */
  randomMember(): ZEntry | undefined {
    const len = this.dict.size;
    if (len === 0) return undefined;
    return this.byRank(Math.floor(Math.random() * len));
  }

  first(): ZEntry | undefined {
    const n = this.header.next[0];
    return n === null ? undefined : [n.member, n.score];
  }

  last(): ZEntry | undefined {
    const n = this.tail;
    return n === null ? undefined : [n.member, n.score];
  }

  // ---------------------------------------------------------------- iteration

  *[Symbol.iterator](): IterableIterator<ZEntry> {
    for (let x = this.header.next[0]; x !== null; x = x.next[0]) yield [x.member, x.score];
  }

  *reverse(): IterableIterator<ZEntry> {
    for (let x = this.tail; x !== null; x = x.backward) yield [x.member, x.score];
  }

  toArray(): ZEntry[] {
    return this.rangeByRank(0, this.dict.size - 1);
  }

  /** Debug: verify structural invariants (spans, order, backward links). */
  checkInvariants(): void {
    const len = this.dict.size;
    let count = 0;
    let prev: Node | null = null;
    for (let x = this.header.next[0]; x !== null; x = x.next[0]) {
      if (x.backward !== prev) throw new Error('bad backward link');
      if (prev !== null && !lessThan(prev.score, prev.member, x.score, x.member)) throw new Error('bad order');
      if (this.dict.get(x.member) !== x.score) throw new Error('dict mismatch');
      prev = x;
      count++;
    }
    if (prev !== this.tail) throw new Error('bad tail');
    if (count !== len) throw new Error('length mismatch');
    // The position of each node reached at level i must equal the cumulative span.
    const posOf = new Map<Node, number>();
    let p = 0;
    for (let y = this.header.next[0]; y !== null; y = y.next[0]) posOf.set(y, ++p);
    for (let i = 0; i < this.level; i++) {
      let x: Node = this.header;
      let sum = 0;
      while (x.next[i] !== null) {
        sum += x.span[i];
        x = x.next[i] as Node;
        if (posOf.get(x) !== sum) throw new Error(`bad span at level ${i}`);
      }
    }
    for (let i = this.level; i < MAX_LEVEL; i++) if (this.header.next[i] !== null) throw new Error('bad level');
  }
}
