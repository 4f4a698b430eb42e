/**
 * Sorted-set core with Redis semantics: a member->score Map plus an ordered
 * index with order statistics, ordered by (score asc, member byte-order asc).
 * Members are latin1 strings, so JS `<` equals memcmp order. Scores are
 * doubles; -0 and 0 compare equal; NaN must never be passed in (callers
 * reject it).
 *
 * The index is a counted B+tree rather than Redis's skiplist (the file keeps
 * its name for its importers). Every operation Redis does in O(log n) is
 * O(log n) here too, with far fewer allocations and cache misses:
 *
 * - Leaves hold up to CAP elements, sorted, and are linked both ways for
 *   range walks. Inner nodes hold, per child, the child's element count (for
 *   ranks) and a separator key that is a lower bound of the child's keys (for
 *   searches; unused for child 0).
 * - Nodes are not objects but ids into pools of packed JS arrays ("struct of
 *   arrays"): node x owns slots [x*SLOTS, x*SLOTS + n) of its pool. Scores
 *   are unboxed doubles (a packed double array), members a packed array of
 *   strings, counts/child ids/links packed small integers. Reaching a node's
 *   keys is one memory access instead of a chain node -> array -> elements,
 *   and an insert allocates nothing except on a split (once per ~CAP/2).
 * - The pools are ordinary JS arrays that grow by appending, so a small set
 *   costs a few hundred bytes: its single root leaf (id 0) grows slot by slot
 *   and gets its full SLOTS slots when it first splits.
 * - Freed node ids are reused; when more than half the leaf ids are free the
 *   tree is rebuilt compactly (bulk load, O(n), amortized over the deletions).
 *
 * All rank arguments are 0-based. Callers normalize negative indices.
 */

/** Max entries (leaf elements or inner children) per node. */
const CAP = 64;
/** A non-root node with fewer entries than this is merged or refilled. */
const MIN = CAP >> 2;
/** Fill of bulk-loaded nodes (leaves room for inserts). */
const FILL = (CAP * 3) >> 2;
/** Pool slots per node: CAP plus one for the transient overflow before a split. */
const SLOTS = CAP + 1;
/** Deleting at least len/REBUILD_DIV entries at once rebuilds the tree instead. */
const REBUILD_DIV = 4;
/** No id / end of the leaf list. */
const NONE = -1;

function filledArray<T>(n: number, v: T): T[] {
  const a: T[] = [];
  for (let i = 0; i < n; i++) a.push(v);
  return a;
}

// Pools start as slices of these templates: slice() keeps the elements kind
// (packed doubles / packed tagged), so all pools of all sets share one kind
// and element accesses stay monomorphic. Integer pools are [] literals
// (packed small integers).
const T_DOUBLES: number[] = filledArray(1, 0.5);
const T_STRINGS: string[] = filledArray(1, '');
/** One node's worth of empty slots, appended to a pool in one push. */
const NODE_ZEROS: number[] = filledArray(SLOTS, 0);
const NODE_EMPTY: string[] = filledArray(SLOTS, '');

/** Append empty slots to pool a until it has `need` entries. */
function growPool<T>(a: T[], need: number, node: T[], v: T): void {
  while (a.length + SLOTS <= need) a.push(...node);
  while (a.length < need) a.push(v);
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

/**
 * Descent path of the operation in progress: inner id and child index per
 * level (0 = root). Shared by all sets: operations are synchronous and never
 * interleave, and a per-set copy would cost every small zset a kilobyte.
 */
const PATH_N: number[] = filledArray(64, 0);
const PATH_I: number[] = filledArray(64, 0);

/** sdscmplex: '-' below and '+' above every member. */
function lexCmp(a: LexBound, b: LexBound): number {
  if (a.inf !== 0 || b.inf !== 0) {
    if (a.inf === b.inf) return 0;
    if (a.inf < 0 || b.inf > 0) return -1;
    return 1;
  }
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}
function lexGteMin(v: string, min: LexBound): boolean {
  if (min.inf !== 0) return min.inf < 0;
  return min.exclusive ? v > min.value : v >= min.value;
}
function lexLteMax(v: string, max: LexBound): boolean {
  if (max.inf !== 0) return max.inf > 0;
  return max.exclusive ? v < max.value : v <= max.value;
}

/** (s1,m1) < (s2,m2) in zset order */
function lessThan(s1: number, m1: string, s2: number, m2: string): boolean {
  return s1 < s2 || (s1 === s2 && m1 < m2);
}

export class SortedSet {
  private readonly dict = new Map<string, number>();
  /**
   * Set while the owning zset is still listpack-encoded (store/zset.ts: only
   * past its packed-string size limit, with raised zset-max-listpack-*): the
   * flag lives here, not in every small zset.
   */
  listpackEncoded = false;

  // The pools, created by newPools() (from the constructor).
  // Leaves: leaf x has lN[x] elements in slots x*SLOTS.. of lS/lM.
  private lS!: number[];
  private lM!: string[];
  private lN!: number[];
  private lNext!: number[];
  private lPrev!: number[];
  private lFree!: number[];
  // Inner nodes: entry i of node x is slot x*SLOTS+i: child id iK (a leaf id
  // on the lowest inner level, an inner id above), its element count iC and
  // the separator (iS, iM).
  private iS!: number[];
  private iM!: string[];
  private iK!: number[];
  private iC!: number[];
  private iN!: number[];
  private iFree!: number[];

  /** Root id: a leaf id when height is 0, else an inner id. */
  private root = 0;
  /** Number of inner levels above the leaves. */
  private height = 0;
  private head = 0;
  private tail = 0;
  /** locate() result. */
  private locLeaf = 0;
  private locIdx = 0;
  /**
   * The last score()/has() lookup, which add() reuses: ZADD and ZINCRBY ask
   * score(m) and then add(m, ...) the same member, and a Map lookup in a big
   * set is a cache miss. Every change clears it.
   */
  private memoM: string | null = null;
  private memoS: number | undefined = undefined;

  constructor() {
    this.resetTree();
  }

  get size(): number {
    return this.dict.size;
  }

  has(member: string): boolean {
    return this.score(member) !== undefined;
  }

  score(member: string): number | undefined {
    const s = this.dict.get(member);
    this.memoM = member;
    this.memoS = s;
    return s;
  }

  /** member -> score map (read-only view; do not mutate). */
  get map(): ReadonlyMap<string, number> {
    return this.dict;
  }

  // ---------------------------------------------------------------- mutation

  /** Insert or update. Returns true if the member is new. O(log n). */
  add(member: string, score: number): boolean {
    const cur = member === this.memoM ? this.memoS : this.dict.get(member);
    this.memoM = null;
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
    this.memoM = null;
    const cur = this.dict.get(member);
    if (cur === undefined) return false;
    this.dict.delete(member);
    this.deleteKey(member, cur);
    this.maybeCompact();
    return true;
  }

  clear(): void {
    this.memoM = null;
    this.dict.clear();
    this.resetTree();
  }

  /** Fresh, empty pools. */
  private newPools(): void {
    this.lS = T_DOUBLES.slice(0, 0);
    this.lM = T_STRINGS.slice(0, 0);
    this.lN = [];
    this.lNext = [];
    this.lPrev = [];
    this.lFree = [];
    this.iS = T_DOUBLES.slice(0, 0);
    this.iM = T_STRINGS.slice(0, 0);
    this.iK = [];
    this.iC = [];
    this.iN = [];
    this.iFree = [];
  }

  /** Empty tree: one small root leaf (id 0, no slots yet). */
  private resetTree(): void {
    this.newPools();
    this.lN.push(0);
    this.lNext.push(NONE);
    this.lPrev.push(NONE);
    this.root = 0;
    this.height = 0;
    this.head = 0;
    this.tail = 0;
  }

  private newLeaf(): number {
    const free = this.lFree;
    if (free.length > 0) return free.pop() as number;
    const x = this.lN.length;
    this.lN.push(0);
    this.lNext.push(NONE);
    this.lPrev.push(NONE);
    const need = (x + 1) * SLOTS;
    growPool(this.lS, need, NODE_ZEROS, 0);
    growPool(this.lM, need, NODE_EMPTY, '');
    return x;
  }

  private newInner(): number {
    const free = this.iFree;
    if (free.length > 0) return free.pop() as number;
    const x = this.iN.length;
    this.iN.push(0);
    const need = (x + 1) * SLOTS;
    growPool(this.iS, need, NODE_ZEROS, 0);
    growPool(this.iM, need, NODE_EMPTY, '');
    growPool(this.iK, need, NODE_ZEROS, 0);
    growPool(this.iC, need, NODE_ZEROS, 0);
    return x;
  }

  private insertKey(m: string, s: number): void {
    let x = this.root;
    const h = this.height;
    if (h > 0) {
      const iS = this.iS;
      const iM = this.iM;
      const iC = this.iC;
      const iK = this.iK;
      const iN = this.iN;
      for (let lvl = 0; lvl < h; lvl++) {
        const b = x * SLOTS;
        let lo = 1;
        let hi = iN[x];
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          const t = iS[b + mid];
          if (t < s || (t === s && iM[b + mid] <= m)) lo = mid + 1;
          else hi = mid;
        }
        const i = b + lo - 1;
        iC[i]++;
        PATH_N[lvl] = x;
        PATH_I[lvl] = lo - 1;
        x = iK[i];
      }
    }
    const lS = this.lS;
    const lM = this.lM;
    const b = x * SLOTS;
    const n = this.lN[x];
    let lo = b;
    let hi = b + n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = lS[mid];
      if (t < s || (t === s && lM[mid] < m)) lo = mid + 1;
      else hi = mid;
    }
    for (let j = b + n; j > lo; j--) {
      lS[j] = lS[j - 1];
      lM[j] = lM[j - 1];
    }
    lS[lo] = s;
    lM[lo] = m;
    this.lN[x] = n + 1;
    if (n === CAP) this.splitLeaf(x, lo - b);
  }

  /** Leaf x holds CAP+1 elements after inserting at pos: split it in two. */
  private splitLeaf(x: number, pos: number): void {
    const n = this.lN[x];
    // Appending at the very end (or prepending at the very start) keeps the
    // full node full: sequential inserts then fill leaves completely.
    let mid = n >>> 1;
    if (pos === n - 1 && this.lNext[x] === NONE) mid = n - 1;
    else if (pos === 0 && this.lPrev[x] === NONE) mid = 1;
    const r = this.newLeaf();
    const lS = this.lS;
    const lM = this.lM;
    const bx = x * SLOTS;
    const br = r * SLOTS;
    for (let j = mid; j < n; j++) {
      lS[br + j - mid] = lS[bx + j];
      lM[br + j - mid] = lM[bx + j];
      lM[bx + j] = '';
    }
    this.lN[x] = mid;
    this.lN[r] = n - mid;
    const nx = this.lNext[x];
    this.lNext[r] = nx;
    this.lPrev[r] = x;
    if (nx !== NONE) this.lPrev[nx] = r;
    else this.tail = r;
    this.lNext[x] = r;
    this.insertChild(this.height - 1, r, lS[br], lM[br], mid, n - mid);
  }

  /**
   * Insert child r (separator sepS/sepM, rCount elements) right after the
   * child at the path position of level lvl, whose size becomes lCount.
   * lvl < 0: that child is the root, which gets a new parent.
   */
  private insertChild(lvl: number, r: number, sepS: number, sepM: string, lCount: number, rCount: number): void {
    if (lvl < 0) {
      const nr = this.newInner();
      const b = nr * SLOTS;
      this.iK[b] = this.root;
      this.iK[b + 1] = r;
      this.iC[b] = lCount;
      this.iC[b + 1] = rCount;
      this.iS[b + 1] = sepS;
      this.iM[b + 1] = sepM;
      this.iN[nr] = 2;
      this.root = nr;
      this.height++;
      return;
    }
    const p = PATH_N[lvl];
    const i = PATH_I[lvl];
    const n = this.iN[p];
    const b = p * SLOTS;
    const iS = this.iS;
    const iM = this.iM;
    const iK = this.iK;
    const iC = this.iC;
    for (let k = b + n; k > b + i + 1; k--) {
      iS[k] = iS[k - 1];
      iM[k] = iM[k - 1];
      iK[k] = iK[k - 1];
      iC[k] = iC[k - 1];
    }
    const j = b + i + 1;
    iS[j] = sepS;
    iM[j] = sepM;
    iK[j] = r;
    iC[j] = rCount;
    iC[b + i] = lCount;
    this.iN[p] = n + 1;
    if (n === CAP) this.splitInner(lvl, p, i + 1);
  }

  private isRightmost(lvl: number): boolean {
    for (let k = 0; k < lvl; k++) if (PATH_I[k] !== this.iN[PATH_N[k]] - 1) return false;
    return true;
  }

  private isLeftmost(lvl: number): boolean {
    for (let k = 0; k < lvl; k++) if (PATH_I[k] !== 0) return false;
    return true;
  }

  private sumCounts(x: number): number {
    const iC = this.iC;
    const b = x * SLOTS;
    const e = b + this.iN[x];
    let t = 0;
    for (let k = b; k < e; k++) t += iC[k];
    return t;
  }

  /** Inner node p (at level lvl) holds CAP+1 children after inserting at j: split it. */
  private splitInner(lvl: number, p: number, j: number): void {
    const n = this.iN[p];
    let mid = n >>> 1;
    if (j === n - 1 && this.isRightmost(lvl)) mid = n - 2;
    else if (j === 1 && this.isLeftmost(lvl)) mid = 2;
    const q = this.newInner();
    this.moveInner(p, mid, q, 0, n - mid);
    this.clearInner(p, mid, n);
    this.iN[p] = mid;
    this.iN[q] = n - mid;
    const bq = q * SLOTS;
    this.insertChild(lvl - 1, q, this.iS[bq], this.iM[bq], this.sumCounts(p), this.sumCounts(q));
  }

  /** Move leaf elements [from, from+k) of a to [to, to+k) of b (a may be b). */
  private moveLeaf(a: number, from: number, b: number, to: number, k: number): void {
    const lS = this.lS;
    const lM = this.lM;
    const src = a * SLOTS + from;
    const dst = b * SLOTS + to;
    if (dst > src) {
      for (let j = k - 1; j >= 0; j--) {
        lS[dst + j] = lS[src + j];
        lM[dst + j] = lM[src + j];
      }
    } else {
      for (let j = 0; j < k; j++) {
        lS[dst + j] = lS[src + j];
        lM[dst + j] = lM[src + j];
      }
    }
  }

  /** Move inner entries [from, from+k) of a to [to, to+k) of b (a may be b). */
  private moveInner(a: number, from: number, b: number, to: number, k: number): void {
    const iS = this.iS;
    const iM = this.iM;
    const iK = this.iK;
    const iC = this.iC;
    const src = a * SLOTS + from;
    const dst = b * SLOTS + to;
    if (dst > src) {
      for (let j = k - 1; j >= 0; j--) {
        iS[dst + j] = iS[src + j];
        iM[dst + j] = iM[src + j];
        iK[dst + j] = iK[src + j];
        iC[dst + j] = iC[src + j];
      }
    } else {
      for (let j = 0; j < k; j++) {
        iS[dst + j] = iS[src + j];
        iM[dst + j] = iM[src + j];
        iK[dst + j] = iK[src + j];
        iC[dst + j] = iC[src + j];
      }
    }
  }

  /** Drop the member references of slots [from, to) of leaf x (so they can be collected). */
  private clearLeaf(x: number, from: number, to: number): void {
    const lM = this.lM;
    const b = x * SLOTS;
    for (let j = b + from; j < b + to; j++) lM[j] = '';
  }

  private clearInner(x: number, from: number, to: number): void {
    const iM = this.iM;
    const b = x * SLOTS;
    for (let j = b + from; j < b + to; j++) iM[j] = '';
  }

  /** Descend to the leaf holding key (s, m), recording the path in PATH_N/PATH_I. */
  private descend(s: number, m: string): number {
    let x = this.root;
    const iS = this.iS;
    const iM = this.iM;
    const iK = this.iK;
    const iN = this.iN;
    for (let lvl = 0; lvl < this.height; lvl++) {
      const b = x * SLOTS;
      let lo = 1;
      let hi = iN[x];
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const t = iS[b + mid];
        if (t < s || (t === s && iM[b + mid] <= m)) lo = mid + 1;
        else hi = mid;
      }
      PATH_N[lvl] = x;
      PATH_I[lvl] = lo - 1;
      x = iK[b + lo - 1];
    }
    return x;
  }

  /** Remove element pos of leaf x reached by descend(). */
  private removeFound(x: number, pos: number, m: string): void {
    if (pos >= this.lN[x] || this.lM[x * SLOTS + pos] !== m) throw new Error('SortedSet: index inconsistent');
    const iC = this.iC;
    for (let lvl = 0; lvl < this.height; lvl++) iC[PATH_N[lvl] * SLOTS + PATH_I[lvl]]--;
    this.removeAt(x, pos);
  }

  private deleteKey(m: string, s: number): void {
    const x = this.descend(s, m);
    this.removeFound(x, this.leafLowerBound(x, s, m), m);
  }

  /** Number of elements of leaf x that are < (s, m). */
  private leafLowerBound(x: number, s: number, m: string): number {
    const lS = this.lS;
    const lM = this.lM;
    const b = x * SLOTS;
    let lo = b;
    let hi = b + this.lN[x];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = lS[mid];
      if (t < s || (t === s && lM[mid] < m)) lo = mid + 1;
      else hi = mid;
    }
    return lo - b;
  }

  /** Remove element pos of leaf x, whose path (counts already decremented) is in PATH_N/PATH_I. */
  private removeAt(x: number, pos: number): void {
    const lS = this.lS;
    const lM = this.lM;
    const b = x * SLOTS;
    const n = this.lN[x] - 1;
    for (let j = b + pos; j < b + n; j++) {
      lS[j] = lS[j + 1];
      lM[j] = lM[j + 1];
    }
    lM[b + n] = '';
    this.lN[x] = n;
    if (n < MIN && this.height > 0) this.rebalance(this.height - 1);
  }

  /** The child at the path position of level lvl is underfull: merge it with or refill it from a sibling. */
  private rebalance(lvl: number): void {
    const p = PATH_N[lvl];
    const i = PATH_I[lvl];
    const li = i > 0 ? i - 1 : 0;
    const bp = p * SLOTS;
    const iC = this.iC;
    const L = this.iK[bp + li];
    const R = this.iK[bp + li + 1];
    if (lvl === this.height - 1) {
      // children are leaves
      const ln = this.lN[L];
      const rn = this.lN[R];
      const total = ln + rn;
      if (total <= CAP) {
        this.moveLeaf(R, 0, L, ln, rn);
        this.clearLeaf(R, 0, rn);
        this.lN[L] = total;
        const nx = this.lNext[R];
        this.lNext[L] = nx;
        if (nx !== NONE) this.lPrev[nx] = L;
        else this.tail = L;
        this.lN[R] = 0;
        this.lNext[R] = NONE;
        this.lPrev[R] = NONE;
        this.lFree.push(R);
        this.dropEntry(lvl, p, li);
        return;
      }
      const target = total >>> 1;
      if (ln > target) {
        const k = ln - target;
        this.moveLeaf(R, 0, R, k, rn);
        this.moveLeaf(L, target, R, 0, k);
        this.clearLeaf(L, target, ln);
      } else {
        const k = target - ln;
        this.moveLeaf(R, 0, L, ln, k);
        this.moveLeaf(R, k, R, 0, rn - k);
        this.clearLeaf(R, rn - k, rn);
      }
      this.lN[L] = target;
      this.lN[R] = total - target;
      const br = R * SLOTS;
      this.iS[bp + li + 1] = this.lS[br];
      this.iM[bp + li + 1] = this.lM[br];
      iC[bp + li] = target;
      iC[bp + li + 1] = total - target;
      return;
    }
    // Children are inner nodes. R's entry 0 gets its lower bound from the
    // parent, so entries move between L and R as uniform (separator, child,
    // count) tuples.
    const br = R * SLOTS;
    this.iS[br] = this.iS[bp + li + 1];
    this.iM[br] = this.iM[bp + li + 1];
    const ln = this.iN[L];
    const rn = this.iN[R];
    const total = ln + rn;
    if (total <= CAP) {
      this.moveInner(R, 0, L, ln, rn);
      this.clearInner(R, 0, rn);
      this.iN[L] = total;
      this.iN[R] = 0;
      this.iFree.push(R);
      this.dropEntry(lvl, p, li);
      return;
    }
    const target = total >>> 1;
    if (ln > target) {
      const k = ln - target;
      this.moveInner(R, 0, R, k, rn);
      this.moveInner(L, target, R, 0, k);
      this.clearInner(L, target, ln);
    } else {
      const k = target - ln;
      this.moveInner(R, 0, L, ln, k);
      this.moveInner(R, k, R, 0, rn - k);
      this.clearInner(R, rn - k, rn);
    }
    this.iN[L] = target;
    this.iN[R] = total - target;
    this.iS[bp + li + 1] = this.iS[br];
    this.iM[bp + li + 1] = this.iM[br];
    const both = iC[bp + li] + iC[bp + li + 1];
    const rc = this.sumCounts(R);
    iC[bp + li + 1] = rc;
    iC[bp + li] = both - rc;
  }

  /** After child li+1 of p (level lvl) was merged into child li: remove its entry, then fix p. */
  private dropEntry(lvl: number, p: number, li: number): void {
    const bp = p * SLOTS;
    const iC = this.iC;
    iC[bp + li] += iC[bp + li + 1];
    const n = this.iN[p];
    this.moveInner(p, li + 2, p, li + 1, n - li - 2);
    this.clearInner(p, n - 1, n);
    this.iN[p] = n - 1;
    if (lvl === 0) {
      if (n - 1 === 1) {
        // the root has a single child left: it becomes the root
        this.root = this.iK[bp];
        this.height--;
        this.clearInner(p, 0, 1);
        this.iN[p] = 0;
        this.iFree.push(p);
      }
    } else if (n - 1 < MIN) this.rebalance(lvl - 1);
  }

  /** Rebuild compactly when most leaf ids are free (after many removals). */
  private maybeCompact(): void {
    const free = this.lFree.length;
    if (free >= 64 && free * 2 > this.lN.length) this.rebuild(0, 0);
  }

  private updateKey(member: string, cur: number, score: number): void {
    // In place when the new key stays between its neighbours in the same leaf.
    const x = this.descend(cur, member);
    const pos = this.leafLowerBound(x, cur, member);
    if (pos > 0 && pos < this.lN[x] - 1) {
      const lS = this.lS;
      const lM = this.lM;
      const k = x * SLOTS + pos;
      if (lessThan(lS[k - 1], lM[k - 1], score, member) && lessThan(score, member, lS[k + 1], lM[k + 1])) {
        lS[k] = score;
        return;
      }
    }
    // the tree keeps the string it holds (the dict's key): the caller's copy
    // dies young instead of being kept twice and promoted
    const stored = this.lM[x * SLOTS + pos];
    this.removeFound(x, pos, member);
    this.insertKey(stored, score);
  }

  /** Rebuild the tree from its elements except ranks [lo, hiEx). */
  private rebuild(lo: number, hiEx: number): void {
    const rest = this.dict.size;
    const ms = new Array<string>(rest);
    const ss = new Array<number>(rest);
    let j = 0;
    let r = 0;
    const lS = this.lS;
    const lM = this.lM;
    for (let x = this.head; x !== NONE; x = this.lNext[x]) {
      const b = x * SLOTS;
      const n = this.lN[x];
      for (let k = 0; k < n; k++, r++) {
        if (r >= lo && r < hiEx) continue;
        ms[j] = lM[b + k];
        ss[j++] = lS[b + k];
      }
    }
    this.build(ms, ss, j);
  }

  /**
   * Rebuild the tree from n sorted entries (bulk load, O(n)): leaves and
   * inner nodes FILL-full, evenly spread so none is underfull.
   */
  private build(ms: string[], ss: ArrayLike<number>, n: number): void {
    if (n <= CAP) {
      this.resetTree();
      const lS = this.lS;
      const lM = this.lM;
      for (let k = 0; k < n; k++) {
        lS.push(ss[k]);
        lM.push(ms[k]);
      }
      this.lN[0] = n;
      return;
    }
    this.newPools();
    const nLeaves = Math.ceil(n / FILL);
    const lS = this.lS;
    const lM = this.lM;
    // per node of the level being built: id, element count, first key
    let ids: number[] = new Array<number>(nLeaves);
    let cnt: number[] = new Array<number>(nLeaves);
    let lowS: number[] = new Array<number>(nLeaves);
    let lowM: string[] = new Array<string>(nLeaves);
    for (let g = 0; g < nLeaves; g++) {
      const a = Math.floor((g * n) / nLeaves);
      const e = Math.floor(((g + 1) * n) / nLeaves);
      for (let k = 0; k < SLOTS; k++) {
        const ok = a + k < e;
        lS.push(ok ? ss[a + k] : 0);
        lM.push(ok ? ms[a + k] : '');
      }
      this.lN.push(e - a);
      this.lNext.push(g + 1 < nLeaves ? g + 1 : NONE);
      this.lPrev.push(g > 0 ? g - 1 : NONE);
      ids[g] = g;
      cnt[g] = e - a;
      lowS[g] = ss[a];
      lowM[g] = ms[a];
    }
    this.head = 0;
    this.tail = nLeaves - 1;
    let height = 0;
    while (ids.length > 1) {
      const k = ids.length;
      const groups = k <= CAP ? 1 : Math.ceil(k / FILL);
      const upIds = new Array<number>(groups);
      const upCnt = new Array<number>(groups);
      const upS = new Array<number>(groups);
      const upM = new Array<string>(groups);
      for (let g = 0; g < groups; g++) {
        const a = Math.floor((g * k) / groups);
        const e = Math.floor(((g + 1) * k) / groups);
        const x = this.newInner();
        const b = x * SLOTS;
        let t = 0;
        for (let j = a; j < e; j++) {
          this.iK[b + j - a] = ids[j];
          this.iC[b + j - a] = cnt[j];
          this.iS[b + j - a] = lowS[j];
          this.iM[b + j - a] = lowM[j];
          t += cnt[j];
        }
        this.iN[x] = e - a;
        upIds[g] = x;
        upCnt[g] = t;
        upS[g] = lowS[a];
        upM[g] = lowM[a];
      }
      ids = upIds;
      cnt = upCnt;
      lowS = upS;
      lowM = upM;
      height++;
    }
    this.root = ids[0];
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
    const iS = this.iS;
    const iM = this.iM;
    const iK = this.iK;
    const iC = this.iC;
    const iN = this.iN;
    for (let lvl = 0; lvl < this.height; lvl++) {
      const b = x * SLOTS;
      const n = iN[x];
      let lo = 1;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const t = iS[b + mid];
        if (t < score || (t === score && iM[b + mid] <= member)) lo = mid + 1;
        else hi = mid;
      }
      const i = lo - 1;
      // sum the shorter side
      if (i <= n >>> 1) {
        for (let k = b; k < b + i; k++) r += iC[k];
      } else {
        let right = 0;
        for (let k = b + i; k < b + n; k++) right += iC[k];
        r += total - right;
      }
      total = iC[b + i];
      x = iK[b + i];
    }
    const pos = this.leafLowerBound(x, score, member);
    return pos < this.lN[x] && this.lM[x * SLOTS + pos] === member ? r + pos : -1;
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
    const iC = this.iC;
    const iK = this.iK;
    for (let lvl = 0; lvl < this.height; lvl++) {
      let k = x * SLOTS;
      while (r >= iC[k]) r -= iC[k++];
      x = iK[k];
    }
    this.locLeaf = x;
    this.locIdx = r;
  }

  /** Entry at 0-based ascending rank. O(log n). */
  byRank(i: number): ZEntry | undefined {
    if (i < 0 || i >= this.dict.size) return undefined;
    this.locate(i);
    const k = this.locLeaf * SLOTS + this.locIdx;
    return [this.lM[k], this.lS[k]];
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
    const lS = this.lS;
    const lM = this.lM;
    let x = this.locLeaf;
    let k = x * SLOTS + this.locIdx;
    let end = x * SLOTS + this.lN[x];
    for (let i = 0; i < n; i++) {
      if (k >= end) {
        x = this.lNext[x];
        k = x * SLOTS;
        end = k + this.lN[x];
      }
      out[i] = [lM[k], lS[k]];
      k++;
    }
    return out;
  }

  private collectBackward(rank0: number, n: number): ZEntry[] {
    const out: ZEntry[] = new Array<ZEntry>(n);
    let x: number;
    let k: number;
    if (rank0 === this.dict.size - 1) {
      x = this.tail;
      k = x * SLOTS + this.lN[x] - 1;
    } else {
      this.locate(rank0);
      x = this.locLeaf;
      k = x * SLOTS + this.locIdx;
    }
    const lS = this.lS;
    const lM = this.lM;
    let start = x * SLOTS;
    for (let i = 0; i < n; i++) {
      if (k < start) {
        x = this.lPrev[x];
        start = x * SLOTS;
        k = start + this.lN[x] - 1;
      }
      out[i] = [lM[k], lS[k]];
      k--;
    }
    return out;
  }

  // ---------------------------------------------------------------- score ranges

  /** Number of elements with score < s (or <= s when inclusive). O(log n). */
  private countScoreBelow(s: number, inclusive: boolean): number {
    let r = 0;
    let x = this.root;
    const iS = this.iS;
    const iC = this.iC;
    for (let lvl = 0; lvl < this.height; lvl++) {
      const b = x * SLOTS;
      let lo = 1;
      let hi = this.iN[x];
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const t = iS[b + mid];
        if (t < s || (inclusive && t === s)) lo = mid + 1;
        else hi = mid;
      }
      for (let k = b; k < b + lo - 1; k++) r += iC[k];
      x = this.iK[b + lo - 1];
    }
    const lS = this.lS;
    const b = x * SLOTS;
    let lo = b;
    let hi = b + this.lN[x];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = lS[mid];
      if (t < s || (inclusive && t === s)) lo = mid + 1;
      else hi = mid;
    }
    return r + lo - b;
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
    const iM = this.iM;
    const iC = this.iC;
    for (let lvl = 0; lvl < this.height; lvl++) {
      const b = x * SLOTS;
      let lo = 1;
      let hi = this.iN[x];
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const t = iM[b + mid];
        if (t < v || (inclusive && t === v)) lo = mid + 1;
        else hi = mid;
      }
      for (let k = b; k < b + lo - 1; k++) r += iC[k];
      x = this.iK[b + lo - 1];
    }
    const lM = this.lM;
    const b = x * SLOTS;
    let lo = b;
    let hi = b + this.lN[x];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = lM[mid];
      if (t < v || (inclusive && t === v)) lo = mid + 1;
      else hi = mid;
    }
    return r + lo - b;
  }

  private lexRankRange(min: LexBound, max: LexBound): [number, number] {
    const len = this.dict.size;
    const lo = min.inf < 0 ? 0 : min.inf > 0 ? len : this.countLexBelow(min.value, min.exclusive);
    const hi = max.inf < 0 ? 0 : max.inf > 0 ? len : this.countLexBelow(max.value, !max.exclusive);
    return hi > lo ? [lo, hi] : [0, 0];
  }

  countInLexRange(min: LexBound, max: LexBound): number {
    if (this.mixedScores()) return this.lexWalk(min, max, false, 0, -1).length;
    const [lo, hi] = this.lexRankRange(min, max);
    return hi - lo;
  }

  /** ZRANGEBYLEX / ZREVRANGEBYLEX (min/max always passed as min/max). */
  rangeByLex(min: LexBound, max: LexBound, reverse = false, offset = 0, limit = -1): ZEntry[] {
    if (this.mixedScores()) return this.lexWalk(min, max, reverse, offset, limit);
    const [lo, hi] = this.lexRankRange(min, max);
    return this.rankWindow(lo, hi, reverse, offset, limit);
  }

  /** Members not all of one score: member order is not index order. */
  private mixedScores(): boolean {
    const n = this.dict.size;
    return n > 1 && this.first()![1] !== this.last()![1];
  }

  /**
   * Redis's listpack lex walk (zzlFirstInLexRange / zzlLastInLexRange, then
   * the ZRANGEBYLEX loop), which is what Redis does with such ranges on a
   * set with mixed scores: from the head, the first member >= min starts the
   * range only if it is also <= max; members follow in index order while
   * they are <= max (reverse: the mirror image). The offset skips without
   * checking, as Redis's does.
   */
  private lexWalk(min: LexBound, max: LexBound, reverse: boolean, offset: number, limit: number): ZEntry[] {
    const out: ZEntry[] = [];
    const n = this.dict.size;
    if (n === 0 || lexCmp(min, max) > 0 || (lexCmp(min, max) === 0 && (min.exclusive || max.exclusive))) return out;
    const all = this.toArray();
    if (!lexGteMin(all[n - 1][0], min) || !lexLteMax(all[0][0], max)) return out;
    let i: number;
    if (!reverse) {
      for (i = 0; i < n && !lexGteMin(all[i][0], min); i++);
      if (i === n || !lexLteMax(all[i][0], max)) return out;
    } else {
      for (i = n - 1; i >= 0 && !lexLteMax(all[i][0], max); i--);
      if (i < 0 || !lexGteMin(all[i][0], min)) return out;
    }
    const step = reverse ? -1 : 1;
    while (i >= 0 && i < n && offset-- > 0) i += step;
    if (offset < -1) return out; // a negative offset walks off the end
    while (i >= 0 && i < n && limit-- !== 0) {
      const e = all[i];
      if (reverse ? !lexGteMin(e[0], min) : !lexLteMax(e[0], max)) break;
      out.push(e);
      i += step;
    }
    return out;
  }

  // ---------------------------------------------------------------- deletion ranges

  /** Delete ascending ranks [lo, hiEx); returns removed entries in ascending order. */
  private deleteRanks(lo: number, hiEx: number): ZEntry[] {
    const len = this.dict.size;
    if (lo < 0) lo = 0;
    if (hiEx > len) hiEx = len;
    if (lo >= hiEx) return [];
    this.memoM = null;
    const m = hiEx - lo;
    const out = this.collectForward(lo, m);
    const dict = this.dict;
    for (let k = 0; k < m; k++) dict.delete(out[k][0]);
    if (m === len) {
      this.resetTree();
    } else if (m * REBUILD_DIV >= len) {
      // Cheaper to rebuild from what remains than to delete one by one.
      this.rebuild(lo, hiEx);
    } else {
      for (let k = 0; k < m; k++) this.deleteKey(out[k][0], out[k][1]);
      this.maybeCompact();
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
    if (this.mixedScores()) {
      // zzlDeleteRangeByLex: the forward walk's members
      const gone = SortedSet.members(this.lexWalk(min, max, false, 0, -1));
      for (const m of gone) this.remove(m);
      return gone;
    }
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
    if (this.dict.size === 0) return undefined;
    const k = this.head * SLOTS;
    return [this.lM[k], this.lS[k]];
  }

  last(): ZEntry | undefined {
    if (this.dict.size === 0) return undefined;
    const k = this.tail * SLOTS + this.lN[this.tail] - 1;
    return [this.lM[k], this.lS[k]];
  }

  // ---------------------------------------------------------------- iteration

  *[Symbol.iterator](): IterableIterator<ZEntry> {
    for (let x = this.head; x !== NONE; x = this.lNext[x]) {
      const b = x * SLOTS;
      for (let k = 0; k < this.lN[x]; k++) yield [this.lM[b + k], this.lS[b + k]];
    }
  }

  *reverse(): IterableIterator<ZEntry> {
    for (let x = this.tail; x !== NONE; x = this.lPrev[x]) {
      const b = x * SLOTS;
      for (let k = this.lN[x] - 1; k >= 0; k--) yield [this.lM[b + k], this.lS[b + k]];
    }
  }

  toArray(): ZEntry[] {
    return this.rangeByRank(0, this.dict.size - 1);
  }

  /** Debug: verify structural invariants (counts, order, bounds, fill, leaf links, pools, map). */
  checkInvariants(): void {
    const leaves: number[] = [];
    const seenInner = new Set<number>();
    const lS = this.lS;
    const lM = this.lM;
    const iS = this.iS;
    const iM = this.iM;
    // keys under x must be >= (lowS, lowM) (when lowM !== null) and < (hiS, hiM) (when hiM !== null)
    const check = (x: number, depth: number, lowS: number, lowM: string | null, hiS: number, hiM: string | null): number => {
      const isRoot = depth === 0;
      if (depth === this.height) {
        const b = x * SLOTS;
        const n = this.lN[x];
        if (!isRoot && n < 1) throw new Error('empty leaf');
        if (n > CAP) throw new Error('overfull leaf');
        if (lM.length < b + n || lS.length < b + n) throw new Error('leaf pool too short');
        if (!isRoot && lM.length < b + SLOTS) throw new Error('short non-root leaf');
        for (let k = b; k < b + n; k++) {
          const s = lS[k];
          const m = lM[k];
          if (k > b && !lessThan(lS[k - 1], lM[k - 1], s, m)) throw new Error('bad order');
          if (lowM !== null && lessThan(s, m, lowS, lowM)) throw new Error('key below separator');
          if (hiM !== null && !lessThan(s, m, hiS, hiM)) throw new Error('key above separator');
          if (!Object.is(this.dict.get(m), s)) throw new Error('dict mismatch');
        }
        for (let k = b + n; k < Math.min(lM.length, b + SLOTS); k++) if (lM[k] !== '') throw new Error('stale member slot');
        leaves.push(x);
        return n;
      }
      if (seenInner.has(x)) throw new Error('inner node reached twice');
      seenInner.add(x);
      const b = x * SLOTS;
      const n = this.iN[x];
      if (n < 2 || n > CAP) throw new Error('bad inner fill');
      for (let k = b + n; k < b + SLOTS; k++) if (iM[k] !== '') throw new Error('stale separator slot');
      let total = 0;
      for (let k = 0; k < n; k++) {
        if (k > 1 && !lessThan(iS[b + k - 1], iM[b + k - 1], iS[b + k], iM[b + k])) throw new Error('bad separator order');
        const loS = k === 0 ? lowS : iS[b + k];
        const loM = k === 0 ? lowM : iM[b + k];
        const upS = k === n - 1 ? hiS : iS[b + k + 1];
        const upM = k === n - 1 ? hiM : iM[b + k + 1];
        const c = check(this.iK[b + k], depth + 1, loS, loM, upS, upM);
        if (this.iC[b + k] !== c) throw new Error('bad count');
        total += c;
      }
      return total;
    };
    const total = check(this.root, 0, 0, null, 0, null);
    if (total !== this.dict.size) throw new Error('length mismatch');
    if (leaves[0] !== this.head || leaves[leaves.length - 1] !== this.tail) throw new Error('bad head/tail');
    for (let k = 0; k < leaves.length; k++) {
      if (this.lPrev[leaves[k]] !== (k > 0 ? leaves[k - 1] : NONE)) throw new Error('bad prev link');
      if (this.lNext[leaves[k]] !== (k + 1 < leaves.length ? leaves[k + 1] : NONE)) throw new Error('bad next link');
    }
    // every leaf / inner id is either in the tree or free, never both
    const leafSet = new Set(leaves);
    if (leafSet.size !== leaves.length) throw new Error('leaf reached twice');
    for (const f of this.lFree) if (leafSet.has(f) || this.lN[f] !== 0) throw new Error('bad free leaf');
    if (leaves.length + new Set(this.lFree).size !== this.lN.length) throw new Error('leaked leaf ids');
    for (const f of this.iFree) if (seenInner.has(f)) throw new Error('bad free inner');
    if (seenInner.size + new Set(this.iFree).size !== this.iN.length) throw new Error('leaked inner ids');
    for (const f of this.lFree) {
      for (let k = f * SLOTS; k < (f + 1) * SLOTS; k++) if (lM[k] !== '') throw new Error('stale slot in free leaf');
    }
  }
}
