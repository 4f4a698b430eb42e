/**
 * Sorted-set core with Redis semantics: a member->score Map plus an ordered
 * index with order statistics, ordered by (score asc, member byte-order asc).
 * Members are latin1 strings, so JS `<` equals memcmp order. Scores are
 * doubles; -0 and 0 compare equal; NaN must never be passed in (callers
 * reject it).
 *
 * The index is a counted B+tree rather than Redis's skiplist (the file keeps
 * its name for its importers): leaves hold up to CAP entries in two parallel
 * arrays (members, scores in a Float64Array: unboxed doubles), linked both
 * ways for range walks; inner nodes hold, per child, the child's element
 * count (for ranks) and a separator key that is a lower bound of the child's
 * keys (for searches). Every operation Redis does in O(log n) is O(log n)
 * here too, with far fewer allocations and cache misses than a skiplist
 * (one node allocation per ~CAP/2 inserts instead of three per insert).
 *
 * All rank arguments are 0-based. Callers normalize negative indices.
 */

/** Max entries (leaf elements or inner children) per node. */
const CAP = 64;
/** A non-root node with fewer entries than this is merged or refilled. */
const MIN = CAP >> 2;
/** Fill of bulk-loaded nodes (leaves room for inserts). */
const FILL = (CAP * 3) >> 2;
/** Per-node array length: CAP plus one slot for the transient overflow before a split. */
const SLOTS = CAP + 1;
/** Deleting at least len/REBUILD_DIV entries at once rebuilds the tree instead. */
const REBUILD_DIV = 4;

function filledArray<T>(n: number, v: T): T[] {
  const a: T[] = [];
  for (let i = 0; i < n; i++) a.push(v);
  return a;
}

/**
 * One tree node. Leaf: `members`/`scores` are its elements. Inner: entry i is
 * child `kids[i]` with `counts[i]` elements, and (scores[i], members[i]) is a
 * lower bound of that child's keys (unused for i = 0). Unused slots hold ''
 * and null so removed members and nodes can be collected.
 */
class BNode {
  n = 0;
  readonly scores = new Float64Array(SLOTS);
  readonly members: string[] = filledArray(SLOTS, '');
  readonly kids: BNode[] | null;
  readonly counts: Int32Array | null;
  /** Leaf list (leaves only). */
  prev: BNode | null = null;
  next: BNode | null = null;
  constructor(inner: boolean) {
    this.kids = inner ? filledArray(SLOTS, null as unknown as BNode) : null;
    this.counts = inner ? new Int32Array(SLOTS) : null;
  }
}

const NULL_NODE = null as unknown as BNode;

function sumCounts(x: BNode): number {
  const c = x.counts as Int32Array;
  let t = 0;
  for (let k = 0; k < x.n; k++) t += c[k];
  return t;
}

/** Index of the child of inner node x whose key range holds (s, m). */
function childIndex(x: BNode, s: number, m: string): number {
  const sc = x.scores;
  let lo = 1;
  let hi = x.n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const t = sc[mid];
    if (t < s || (t === s && x.members[mid] <= m)) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Number of elements of leaf x that are < (s, m). */
function leafLowerBound(x: BNode, s: number, m: string): number {
  const sc = x.scores;
  let lo = 0;
  let hi = x.n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const t = sc[mid];
    if (t < s || (t === s && x.members[mid] < m)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Move entries [from, from+k) of a to [to, to+k) of b (a may be b; overlapping ranges are fine). */
function moveEntries(a: BNode, from: number, b: BNode, to: number, k: number): void {
  const as = a.scores;
  const am = a.members;
  const bs = b.scores;
  const bm = b.members;
  const ak = a.kids;
  if (ak === null) {
    if (a === b && to > from) {
      for (let j = k - 1; j >= 0; j--) {
        bs[to + j] = as[from + j];
        bm[to + j] = am[from + j];
      }
    } else {
      for (let j = 0; j < k; j++) {
        bs[to + j] = as[from + j];
        bm[to + j] = am[from + j];
      }
    }
    return;
  }
  const ac = a.counts as Int32Array;
  const bk = b.kids as BNode[];
  const bc = b.counts as Int32Array;
  if (a === b && to > from) {
    for (let j = k - 1; j >= 0; j--) {
      bs[to + j] = as[from + j];
      bm[to + j] = am[from + j];
      bk[to + j] = ak[from + j];
      bc[to + j] = ac[from + j];
    }
  } else {
    for (let j = 0; j < k; j++) {
      bs[to + j] = as[from + j];
      bm[to + j] = am[from + j];
      bk[to + j] = ak[from + j];
      bc[to + j] = ac[from + j];
    }
  }
}

/** Reset slots [from, to) of x to their empty values. */
function clearSlots(x: BNode, from: number, to: number): void {
  const mm = x.members;
  const kk = x.kids;
  for (let j = from; j < to; j++) mm[j] = '';
  if (kk !== null) for (let j = from; j < to; j++) kk[j] = NULL_NODE;
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

/** (s1,m1) < (s2,m2) in zset order */
function lessThan(s1: number, m1: string, s2: number, m2: string): boolean {
  return s1 < s2 || (s1 === s2 && m1 < m2);
}

export class SortedSet {
  private readonly dict = new Map<string, number>();
  private root: BNode;
  /** Number of inner levels above the leaves (0: the root is a leaf). */
  private height = 0;
  private head: BNode;
  private tail: BNode;
  /** Descent path: node and child index per inner level (0 = root). */
  private readonly pathN: BNode[] = filledArray(64, NULL_NODE);
  private readonly pathI: number[] = filledArray(64, 0);
  /** locate() result. */
  private locLeaf: BNode;
  private locIdx = 0;

  constructor() {
    const leaf = new BNode(false);
    this.root = leaf;
    this.head = leaf;
    this.tail = leaf;
    this.locLeaf = leaf;
  }

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
      this.insertKey(member, score);
      return true;
    }
    if (cur !== score) {
      this.dict.set(member, score);
      this.updateKey(member, cur, score);
    }
    return false;
  }

  /** Remove member. Returns true if it existed. O(log n). */
  remove(member: string): boolean {
    const cur = this.dict.get(member);
    if (cur === undefined) return false;
    this.dict.delete(member);
    this.deleteKey(member, cur);
    return true;
  }

  clear(): void {
    this.dict.clear();
    this.resetTree();
  }

  private resetTree(): void {
    const leaf = new BNode(false);
    this.root = leaf;
    this.head = leaf;
    this.tail = leaf;
    this.locLeaf = leaf;
    this.height = 0;
    this.pathN.fill(NULL_NODE);
  }

  private insertKey(m: string, s: number): void {
    let x = this.root;
    const h = this.height;
    for (let lvl = 0; lvl < h; lvl++) {
      const i = childIndex(x, s, m);
      (x.counts as Int32Array)[i]++;
      this.pathN[lvl] = x;
      this.pathI[lvl] = i;
      x = (x.kids as BNode[])[i];
    }
    const pos = leafLowerBound(x, s, m);
    const n = x.n;
    const sc = x.scores;
    const mm = x.members;
    for (let j = n; j > pos; j--) {
      sc[j] = sc[j - 1];
      mm[j] = mm[j - 1];
    }
    sc[pos] = s;
    mm[pos] = m;
    x.n = n + 1;
    if (n === CAP) this.splitLeaf(x, pos);
  }

  /** x holds CAP+1 elements after inserting at pos: split it in two. */
  private splitLeaf(x: BNode, pos: number): void {
    const n = x.n;
    // Appending at the very end (or prepending at the very start) keeps the
    // full node full: sequential inserts then fill leaves completely.
    let mid = n >>> 1;
    if (pos === n - 1 && x.next === null) mid = n - 1;
    else if (pos === 0 && x.prev === null) mid = 1;
    const r = new BNode(false);
    moveEntries(x, mid, r, 0, n - mid);
    clearSlots(x, mid, n);
    r.n = n - mid;
    x.n = mid;
    r.next = x.next;
    r.prev = x;
    if (x.next !== null) x.next.prev = r;
    else this.tail = r;
    x.next = r;
    this.insertChild(this.height - 1, r, mid, r.n);
  }

  /**
   * Insert node r right after the child at the path position of level lvl
   * (whose new size is lCount). lvl < 0: that child is the root.
   */
  private insertChild(lvl: number, r: BNode, lCount: number, rCount: number): void {
    const sepS = r.scores[0];
    const sepM = r.members[0];
    if (lvl < 0) {
      const nr = new BNode(true);
      const kids = nr.kids as BNode[];
      const counts = nr.counts as Int32Array;
      kids[0] = this.root;
      kids[1] = r;
      counts[0] = lCount;
      counts[1] = rCount;
      nr.scores[0] = this.root.scores[0];
      nr.members[0] = this.root.members[0];
      nr.scores[1] = sepS;
      nr.members[1] = sepM;
      nr.n = 2;
      this.root = nr;
      this.height++;
      return;
    }
    const p = this.pathN[lvl];
    const i = this.pathI[lvl];
    const j = i + 1;
    const n = p.n;
    moveEntries(p, j, p, j + 1, n - j);
    (p.kids as BNode[])[j] = r;
    const c = p.counts as Int32Array;
    c[j] = rCount;
    c[i] = lCount;
    p.scores[j] = sepS;
    p.members[j] = sepM;
    p.n = n + 1;
    if (n === CAP) this.splitInner(lvl, p, j);
  }

  private isRightmost(lvl: number): boolean {
    for (let k = 0; k < lvl; k++) if (this.pathI[k] !== this.pathN[k].n - 1) return false;
    return true;
  }

  private isLeftmost(lvl: number): boolean {
    for (let k = 0; k < lvl; k++) if (this.pathI[k] !== 0) return false;
    return true;
  }

  /** Inner node p (at level lvl) holds CAP+1 children after inserting at j: split it. */
  private splitInner(lvl: number, p: BNode, j: number): void {
    const n = p.n;
    let mid = n >>> 1;
    if (j === n - 1 && this.isRightmost(lvl)) mid = n - 2;
    else if (j === 1 && this.isLeftmost(lvl)) mid = 2;
    const r = new BNode(true);
    moveEntries(p, mid, r, 0, n - mid);
    clearSlots(p, mid, n);
    r.n = n - mid;
    p.n = mid;
    this.insertChild(lvl - 1, r, sumCounts(p), sumCounts(r));
  }

  private deleteKey(m: string, s: number): void {
    let x = this.root;
    const h = this.height;
    for (let lvl = 0; lvl < h; lvl++) {
      const i = childIndex(x, s, m);
      (x.counts as Int32Array)[i]--;
      this.pathN[lvl] = x;
      this.pathI[lvl] = i;
      x = (x.kids as BNode[])[i];
    }
    const pos = leafLowerBound(x, s, m);
    if (pos >= x.n || x.members[pos] !== m) throw new Error('SortedSet: index inconsistent');
    this.removeAt(x, pos);
  }

  /** Remove element pos of leaf x, whose path (counts already decremented) is in pathN/pathI. */
  private removeAt(x: BNode, pos: number): void {
    const n = x.n - 1;
    const sc = x.scores;
    const mm = x.members;
    for (let j = pos; j < n; j++) {
      sc[j] = sc[j + 1];
      mm[j] = mm[j + 1];
    }
    mm[n] = '';
    x.n = n;
    if (n < MIN && this.height > 0) this.rebalance(this.height - 1);
  }

  /** The child at the path position of level lvl is underfull: merge it with or refill it from a sibling. */
  private rebalance(lvl: number): void {
    const p = this.pathN[lvl];
    const i = this.pathI[lvl];
    const li = i > 0 ? i - 1 : 0;
    const pk = p.kids as BNode[];
    const pc = p.counts as Int32Array;
    const L = pk[li];
    const R = pk[li + 1];
    const leaf = L.kids === null;
    // For inner nodes, R's entry 0 gets its lower bound from the parent, so
    // entries move between L and R as uniform (separator, child, count) triples.
    if (!leaf) {
      R.scores[0] = p.scores[li + 1];
      R.members[0] = p.members[li + 1];
    }
    const total = L.n + R.n;
    if (total <= CAP) {
      moveEntries(R, 0, L, L.n, R.n);
      L.n = total;
      if (leaf) {
        L.next = R.next;
        if (R.next !== null) R.next.prev = L;
        else this.tail = L;
      }
      pc[li] += pc[li + 1];
      const n = p.n;
      moveEntries(p, li + 2, p, li + 1, n - li - 2);
      clearSlots(p, n - 1, n);
      p.n = n - 1;
      if (lvl === 0) {
        if (p.n === 1) {
          this.root = L;
          this.height--;
          this.pathN[0] = NULL_NODE;
        }
      } else if (p.n < MIN) this.rebalance(lvl - 1);
      return;
    }
    const target = total >>> 1;
    if (L.n > target) {
      const k = L.n - target;
      moveEntries(R, 0, R, k, R.n);
      moveEntries(L, target, R, 0, k);
      clearSlots(L, target, L.n);
    } else {
      const k = target - L.n;
      moveEntries(R, 0, L, L.n, k);
      moveEntries(R, k, R, 0, R.n - k);
      clearSlots(R, R.n - k, R.n);
    }
    L.n = target;
    R.n = total - target;
    p.scores[li + 1] = R.scores[0];
    p.members[li + 1] = R.members[0];
    const both = pc[li] + pc[li + 1];
    const rc = leaf ? R.n : sumCounts(R);
    pc[li + 1] = rc;
    pc[li] = both - rc;
  }

  private updateKey(member: string, cur: number, score: number): void {
    // In place when the new key stays between its neighbours in the same leaf.
    let x = this.root;
    for (let lvl = 0; lvl < this.height; lvl++) x = (x.kids as BNode[])[childIndex(x, cur, member)];
    const pos = leafLowerBound(x, cur, member);
    if (pos > 0 && pos < x.n - 1) {
      const sc = x.scores;
      const mm = x.members;
      if (lessThan(sc[pos - 1], mm[pos - 1], score, member) && lessThan(score, member, sc[pos + 1], mm[pos + 1])) {
        sc[pos] = score;
        return;
      }
    }
    this.deleteKey(member, cur);
    this.insertKey(member, score);
  }

  /**
   * Rebuild the tree from sorted entries (bulk load, O(n)): leaves and inner
   * nodes FILL-full, evenly spread so none is underfull.
   */
  private build(ms: string[], ss: ArrayLike<number>): void {
    const n = ms.length;
    this.resetTree();
    if (n === 0) return;
    const nLeaves = n <= CAP ? 1 : Math.ceil(n / FILL);
    let level: BNode[] = new Array<BNode>(nLeaves);
    let cnt: number[] = new Array<number>(nLeaves);
    let prev: BNode | null = null;
    for (let g = 0; g < nLeaves; g++) {
      const a = Math.floor((g * n) / nLeaves);
      const b = Math.floor(((g + 1) * n) / nLeaves);
      const leaf = new BNode(false);
      for (let k = a; k < b; k++) {
        leaf.scores[k - a] = ss[k];
        leaf.members[k - a] = ms[k];
      }
      leaf.n = b - a;
      leaf.prev = prev;
      if (prev !== null) prev.next = leaf;
      prev = leaf;
      level[g] = leaf;
      cnt[g] = b - a;
    }
    this.head = level[0];
    this.tail = level[nLeaves - 1];
    let height = 0;
    while (level.length > 1) {
      const k = level.length;
      const groups = k <= CAP ? 1 : Math.ceil(k / FILL);
      const up = new Array<BNode>(groups);
      const upCnt = new Array<number>(groups);
      for (let g = 0; g < groups; g++) {
        const a = Math.floor((g * k) / groups);
        const b = Math.floor(((g + 1) * k) / groups);
        const node = new BNode(true);
        const kids = node.kids as BNode[];
        const counts = node.counts as Int32Array;
        let t = 0;
        for (let j = a; j < b; j++) {
          const kid = level[j];
          kids[j - a] = kid;
          counts[j - a] = cnt[j];
          node.scores[j - a] = kid.scores[0];
          node.members[j - a] = kid.members[0];
          t += cnt[j];
        }
        node.n = b - a;
        up[g] = node;
        upCnt[g] = t;
      }
      level = up;
      cnt = upCnt;
      height++;
    }
    this.root = level[0];
    this.height = height;
  }

  // ---------------------------------------------------------------- ranks

  /** 0-based rank in ascending order, or -1 if absent. O(log n). */
  rank(member: string): number {
    const score = this.dict.get(member);
    if (score === undefined) return -1;
    let r = 0;
    let x = this.root;
    let total = this.dict.size;
    for (let lvl = 0; lvl < this.height; lvl++) {
      const i = childIndex(x, score, member);
      const c = x.counts as Int32Array;
      // sum the shorter side
      if (i <= x.n >>> 1) {
        for (let k = 0; k < i; k++) r += c[k];
      } else {
        let right = 0;
        for (let k = i; k < x.n; k++) right += c[k];
        r += total - right;
      }
      total = c[i];
      x = (x.kids as BNode[])[i];
    }
    const pos = leafLowerBound(x, score, member);
    return pos < x.n && x.members[pos] === member ? r + pos : -1;
  }

  /** 0-based rank in descending order, or -1 if absent. */
  revRank(member: string): number {
    const r = this.rank(member);
    return r < 0 ? -1 : this.dict.size - 1 - r;
  }

  /** Find the element at 0-based rank (0 <= rank0 < size) into locLeaf/locIdx. */
  private locate(rank0: number): void {
    let x = this.root;
    let r = rank0;
    for (let lvl = 0; lvl < this.height; lvl++) {
      const c = x.counts as Int32Array;
      let i = 0;
      while (r >= c[i]) r -= c[i++];
      x = (x.kids as BNode[])[i];
    }
    this.locLeaf = x;
    this.locIdx = r;
  }

  /** Entry at 0-based ascending rank. O(log n). */
  byRank(i: number): ZEntry | undefined {
    if (i < 0 || i >= this.dict.size) return undefined;
    this.locate(i);
    const x = this.locLeaf;
    const k = this.locIdx;
    return [x.members[k], x.scores[k]];
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
    this.locate(rank0);
    let x = this.locLeaf;
    let k = this.locIdx;
    for (let i = 0; i < n; i++) {
      if (k >= x.n) {
        x = x.next as BNode;
        k = 0;
      }
      out[i] = [x.members[k], x.scores[k]];
      k++;
    }
    return out;
  }

  private collectBackward(rank0: number, n: number): ZEntry[] {
    const out: ZEntry[] = new Array<ZEntry>(n);
    let x: BNode;
    let k: number;
    if (rank0 === this.dict.size - 1) {
      x = this.tail;
      k = x.n - 1;
    } else {
      this.locate(rank0);
      x = this.locLeaf;
      k = this.locIdx;
    }
    for (let i = 0; i < n; i++) {
      if (k < 0) {
        x = x.prev as BNode;
        k = x.n - 1;
      }
      out[i] = [x.members[k], x.scores[k]];
      k--;
    }
    return out;
  }

  // ---------------------------------------------------------------- score ranges

  /** Number of elements with score < s (or <= s when inclusive). O(log n). */
  private countScoreBelow(s: number, inclusive: boolean): number {
    let r = 0;
    let x = this.root;
    for (let lvl = 0; lvl <= this.height; lvl++) {
      const sc = x.scores;
      let lo = lvl === this.height ? 0 : 1;
      let hi = x.n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const t = sc[mid];
        if (t < s || (inclusive && t === s)) lo = mid + 1;
        else hi = mid;
      }
      if (lvl === this.height) return r + lo;
      const i = lo - 1;
      const c = x.counts as Int32Array;
      for (let k = 0; k < i; k++) r += c[k];
      x = (x.kids as BNode[])[i];
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
  // Like Redis, lex operations assume all scores are equal; the index order
  // is then the member order.

  /** Number of elements with member < v (or <= v when inclusive). O(log n). */
  private countLexBelow(v: string, inclusive: boolean): number {
    let r = 0;
    let x = this.root;
    for (let lvl = 0; lvl <= this.height; lvl++) {
      const mm = x.members;
      let lo = lvl === this.height ? 0 : 1;
      let hi = x.n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const t = mm[mid];
        if (t < v || (inclusive && t === v)) lo = mid + 1;
        else hi = mid;
      }
      if (lvl === this.height) return r + lo;
      const i = lo - 1;
      const c = x.counts as Int32Array;
      for (let k = 0; k < i; k++) r += c[k];
      x = (x.kids as BNode[])[i];
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
    const m = hiEx - lo;
    const out = this.collectForward(lo, m);
    const dict = this.dict;
    for (let k = 0; k < m; k++) dict.delete(out[k][0]);
    if (m === len) {
      this.resetTree();
    } else if (m * REBUILD_DIV >= len) {
      // Cheaper to rebuild from what remains than to delete one by one.
      const rest = len - m;
      const ms = new Array<string>(rest);
      const ss = new Float64Array(rest);
      let j = 0;
      for (let x: BNode | null = this.head, r = 0; x !== null; x = x.next) {
        for (let k = 0; k < x.n; k++, r++) {
          if (r >= lo && r < hiEx) continue;
          ms[j] = x.members[k];
          ss[j++] = x.scores[k];
        }
      }
      this.build(ms, ss);
    } else {
      for (let k = 0; k < m; k++) this.deleteKey(out[k][0], out[k][1]);
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
    const x = this.head;
    return this.dict.size === 0 ? undefined : [x.members[0], x.scores[0]];
  }

  last(): ZEntry | undefined {
    const x = this.tail;
    return this.dict.size === 0 ? undefined : [x.members[x.n - 1], x.scores[x.n - 1]];
  }

  // ---------------------------------------------------------------- iteration

  *[Symbol.iterator](): IterableIterator<ZEntry> {
    for (let x: BNode | null = this.head; x !== null; x = x.next) {
      for (let k = 0; k < x.n; k++) yield [x.members[k], x.scores[k]];
    }
  }

  *reverse(): IterableIterator<ZEntry> {
    for (let x: BNode | null = this.tail; x !== null; x = x.prev) {
      for (let k = x.n - 1; k >= 0; k--) yield [x.members[k], x.scores[k]];
    }
  }

  toArray(): ZEntry[] {
    return this.rangeByRank(0, this.dict.size - 1);
  }

  /** Debug: verify structural invariants (counts, order, bounds, fill, leaf links, map). */
  checkInvariants(): void {
    const leaves: BNode[] = [];
    const check = (x: BNode, depth: number, isRoot: boolean, lowS: number, lowM: string | null, hiS: number, hiM: string | null): number => {
      // keys of x must be >= (lowS, lowM) (when lowM !== null) and < (hiS, hiM) (when hiM !== null)
      for (let k = x.n; k < SLOTS; k++) {
        if (x.members[k] !== '') throw new Error('stale member slot');
        if (x.kids !== null && x.kids[k] !== null) throw new Error('stale kid slot');
      }
      if (x.kids === null) {
        if (depth !== this.height) throw new Error('leaf at wrong depth');
        if (!isRoot && x.n < 1) throw new Error('empty leaf');
        if (x.n > CAP) throw new Error('overfull leaf');
        for (let k = 0; k < x.n; k++) {
          const s = x.scores[k];
          const m = x.members[k];
          if (k > 0 && !lessThan(x.scores[k - 1], x.members[k - 1], s, m)) throw new Error('bad order');
          if (lowM !== null && lessThan(s, m, lowS, lowM)) throw new Error('key below separator');
          if (hiM !== null && !lessThan(s, m, hiS, hiM)) throw new Error('key above separator');
          if (!Object.is(this.dict.get(m), s)) throw new Error('dict mismatch');
        }
        leaves.push(x);
        return x.n;
      }
      if (x.n < 2 || x.n > CAP) throw new Error('bad inner fill');
      let total = 0;
      for (let k = 0; k < x.n; k++) {
        if (k > 1 && !lessThan(x.scores[k - 1], x.members[k - 1], x.scores[k], x.members[k]))
          throw new Error('bad separator order');
        const loS = k === 0 ? lowS : x.scores[k];
        const loM = k === 0 ? lowM : x.members[k];
        const upS = k === x.n - 1 ? hiS : x.scores[k + 1];
        const upM = k === x.n - 1 ? hiM : x.members[k + 1];
        const c = check((x.kids as BNode[])[k], depth + 1, false, loS, loM, upS, upM);
        if ((x.counts as Int32Array)[k] !== c) throw new Error('bad count');
        total += c;
      }
      return total;
    };
    const total = check(this.root, 0, true, 0, null, 0, null);
    if (total !== this.dict.size) throw new Error('length mismatch');
    if (leaves[0] !== this.head || leaves[leaves.length - 1] !== this.tail) throw new Error('bad head/tail');
    for (let k = 0; k < leaves.length; k++) {
      if (leaves[k].prev !== (k > 0 ? leaves[k - 1] : null)) throw new Error('bad prev link');
      if (leaves[k].next !== (k + 1 < leaves.length ? leaves[k + 1] : null)) throw new Error('bad next link');
    }
  }
}
