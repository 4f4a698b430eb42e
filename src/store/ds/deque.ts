/**
 * Growable power-of-two ring-buffer deque.
 *
 * All index arguments are 0-based logical positions; callers must normalize
 * negative indices and bounds themselves (out-of-range get() returns undefined).
 */
export class Deque<T> {
  private buf: (T | undefined)[];
  private head = 0; // physical index of logical element 0
  private len = 0;
  private mask: number;

  constructor(initialCapacity = 8) {
    let cap = 8;
    while (cap < initialCapacity) cap <<= 1;
    this.buf = new Array<T | undefined>(cap);
    this.mask = cap - 1;
  }

  static from<T>(items: Iterable<T>): Deque<T> {
    const arr = Array.isArray(items) ? (items as T[]) : Array.from(items);
    const d = new Deque<T>(arr.length + 1);
    for (let i = 0; i < arr.length; i++) d.buf[i] = arr[i];
    d.len = arr.length;
    return d;
  }

  get length(): number {
    return this.len;
  }

  private grow(): void {
    const old = this.buf;
    const oldCap = old.length;
    const nb = new Array<T | undefined>(oldCap * 2);
    for (let i = 0; i < this.len; i++) nb[i] = old[(this.head + i) & this.mask];
    this.buf = nb;
    this.head = 0;
    this.mask = nb.length - 1;
  }

  /** Shrink when very sparse so memory follows content (amortized O(1)). */
  private maybeShrink(): void {
    const cap = this.buf.length;
    if (cap > 64 && this.len * 4 < cap) {
      const newCap = cap >>> 1;
      const nb = new Array<T | undefined>(newCap);
      for (let i = 0; i < this.len; i++) nb[i] = this.buf[(this.head + i) & this.mask];
      this.buf = nb;
      this.head = 0;
      this.mask = newCap - 1;
    }
  }

  pushBack(v: T): void {
    if (this.len === this.buf.length) this.grow();
    this.buf[(this.head + this.len) & this.mask] = v;
    this.len++;
  }

  pushFront(v: T): void {
    if (this.len === this.buf.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.buf[this.head] = v;
    this.len++;
  }

  popFront(): T | undefined {
    if (this.len === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.len--;
    this.maybeShrink();
    return v;
  }

  popBack(): T | undefined {
    if (this.len === 0) return undefined;
    const p = (this.head + this.len - 1) & this.mask;
    const v = this.buf[p];
    this.buf[p] = undefined;
    this.len--;
    this.maybeShrink();
    return v;
  }

  peekFront(): T | undefined {
    return this.len === 0 ? undefined : this.buf[this.head];
  }

  peekBack(): T | undefined {
    return this.len === 0 ? undefined : this.buf[(this.head + this.len - 1) & this.mask];
  }

  get(index: number): T | undefined {
    if (index < 0 || index >= this.len) return undefined;
    return this.buf[(this.head + index) & this.mask];
  }

  set(index: number, v: T): boolean {
    if (index < 0 || index >= this.len) return false;
    this.buf[(this.head + index) & this.mask] = v;
    return true;
  }

  /** Elements [start, endInclusive], clamped to the valid range. O(range). */
  slice(start: number, endInclusive: number): T[] {
    if (start < 0) start = 0;
    if (endInclusive >= this.len) endInclusive = this.len - 1;
    if (start > endInclusive) return [];
    const n = endInclusive - start + 1;
    const out = new Array<T>(n);
    let p = this.head + start;
    for (let i = 0; i < n; i++, p++) out[i] = this.buf[p & this.mask] as T;
    return out;
  }

  /** Remove and return element at index; shifts the shorter side. O(min(i, n-i)). */
  removeAt(index: number): T | undefined {
    if (index < 0 || index >= this.len) return undefined;
    const m = this.mask;
    const b = this.buf;
    const v = b[(this.head + index) & m];
    if (index < this.len >>> 1) {
      for (let i = index; i > 0; i--) b[(this.head + i) & m] = b[(this.head + i - 1) & m];
      b[this.head] = undefined;
      this.head = (this.head + 1) & m;
    } else {
      for (let i = index; i < this.len - 1; i++) b[(this.head + i) & m] = b[(this.head + i + 1) & m];
      b[(this.head + this.len - 1) & m] = undefined;
    }
    this.len--;
    this.maybeShrink();
    return v;
  }

  /** Insert v so that it ends up at logical position index (0..length). O(min(i, n-i)). */
  insertAt(index: number, v: T): void {
    if (index < 0 || index > this.len) throw new RangeError('Deque.insertAt index out of range');
    if (this.len === this.buf.length) this.grow();
    const m = this.mask;
    const b = this.buf;
    if (index < this.len >>> 1) {
      this.head = (this.head - 1) & m;
      for (let i = 0; i < index; i++) b[(this.head + i) & m] = b[(this.head + i + 1) & m];
    } else {
      for (let i = this.len; i > index; i--) b[(this.head + i) & m] = b[(this.head + i - 1) & m];
    }
    b[(this.head + index) & m] = v;
    this.len++;
  }

  /**
   * Keep only [start, endInclusive] (clamped); an empty/invalid range clears.
   * O(removed) plus possible O(kept) compaction.
   */
  trim(start: number, endInclusive: number): void {
    if (start < 0) start = 0;
    if (endInclusive >= this.len) endInclusive = this.len - 1;
    if (start > endInclusive) {
      this.clear();
      return;
    }
    const m = this.mask;
    const b = this.buf;
    for (let i = 0; i < start; i++) b[(this.head + i) & m] = undefined;
    for (let i = endInclusive + 1; i < this.len; i++) b[(this.head + i) & m] = undefined;
    this.head = (this.head + start) & m;
    this.len = endInclusive - start + 1;
    // Compact if now very sparse.
    const cap = b.length;
    if (cap > 64 && this.len * 4 < cap) {
      let newCap = 8;
      while (newCap < this.len * 2) newCap <<= 1;
      const nb = new Array<T | undefined>(newCap);
      for (let i = 0; i < this.len; i++) nb[i] = b[(this.head + i) & m];
      this.buf = nb;
      this.head = 0;
      this.mask = newCap - 1;
    }
  }

  clear(): void {
    this.buf = new Array<T | undefined>(8);
    this.head = 0;
    this.len = 0;
    this.mask = 7;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.len; i++) yield this.buf[(this.head + i) & this.mask] as T;
  }

  *reverse(): IterableIterator<T> {
    for (let i = this.len - 1; i >= 0; i--) yield this.buf[(this.head + i) & this.mask] as T;
  }

  toArray(): T[] {
    return this.slice(0, this.len - 1);
  }
}
