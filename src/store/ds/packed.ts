// A listpack as one latin1 string: Redis keeps a small hash or sorted set in
// one allocation, and so do we. A V8 Map of ten fields plus twenty field and
// value strings costs ~1,200 bytes where Redis's listpack costs ~250; one
// string of length-prefixed entries costs its bytes plus 16.
//
// Entry layout: a length prefix, then the bytes. A length below 255 is one
// char; 255 is followed by four chars holding the length big-endian.
// Lookups walk the string (O(n) like Redis's lpFind, for n up to the
// *-max-listpack-entries limit); a write builds a new sequential string, as
// Redis reallocs and memmoves its listpack.

/** Encodes one entry: its length prefix and its bytes. */
export function packEntry(x: string): string {
  const l = x.length;
  if (l < 255) return String.fromCharCode(l) + x;
  return String.fromCharCode(255, l >>> 24, (l >>> 16) & 255, (l >>> 8) & 255, l & 255) + x;
}

/** Length of the entry at p (the prefix decoded). */
export function entryLen(s: string, p: number): number {
  const l = s.charCodeAt(p);
  if (l < 255) return l;
  return ((s.charCodeAt(p + 1) << 24) | (s.charCodeAt(p + 2) << 16) | (s.charCodeAt(p + 3) << 8) | s.charCodeAt(p + 4)) >>> 0;
}

/** Where the entry at p ends (the next entry starts). */
export function entryEnd(s: string, p: number): number {
  const l = s.charCodeAt(p);
  return l < 255 ? p + 1 + l : p + 5 + entryLen(s, p);
}

/** The bytes of the entry at p. */
export function entryAt(s: string, p: number): string {
  const l = s.charCodeAt(p);
  return l < 255 ? s.slice(p + 1, p + 1 + l) : s.slice(p + 5, p + 5 + entryLen(s, p));
}

/** True when the entry at p holds exactly x. */
export function entryIs(s: string, p: number, x: string): boolean {
  const l = s.charCodeAt(p);
  if (l < 255) return l === x.length && sameAt(s, p + 1, x);
  return entryLen(s, p) === x.length && s.startsWith(x, p + 5);
}

/**
 * s holds x at p (x.length chars known to fit). A char loop: for the short
 * entries of a listpack it is several times faster than startsWith, which
 * leaves optimized code; it starts from the end, where keys like "field:12"
 * and "field:13" differ.
 */
function sameAt(s: string, p: number, x: string): boolean {
  for (let i = x.length - 1; i >= 0; i--) if (s.charCodeAt(p + i) !== x.charCodeAt(i)) return false;
  return true;
}

// A concatenation is a V8 cons string that keeps its parts (and the old
// listpack they were sliced from) alive; flattening it in place still leaves
// every later read going through the cons (measured: a scan 3x slower, ZADD
// on a 50-member listpack 2x). Array join builds one sequential string, as a
// listpack is one allocation; the scratch arrays avoid an array per write.
const J2: string[] = ['', ''];
const J3: string[] = ['', '', ''];
const J4: string[] = ['', '', '', ''];
export function seq2(a: string, b: string): string {
  J2[0] = a;
  J2[1] = b;
  const r = J2.join('');
  J2[0] = J2[1] = '';
  return r;
}
export function seq3(a: string, b: string, c: string): string {
  J3[0] = a;
  J3[1] = b;
  J3[2] = c;
  const r = J3.join('');
  J3[0] = J3[1] = J3[2] = '';
  return r;
}
export function seq4(a: string, b: string, c: string, d: string): string {
  J4[0] = a;
  J4[1] = b;
  J4[2] = c;
  J4[3] = d;
  const r = J4.join('');
  J4[0] = J4[1] = J4[2] = J4[3] = '';
  return r;
}

/**
 * Field/value pairs in insertion order (a listpack-encoded hash): an update
 * keeps the field's place, a new field goes to the tail, exactly as Redis's
 * listpack, so HGETALL comes out in Redis's order.
 */
export class PackedMap {
  /** The entries: field, value, field, value... */
  s = '';
  size = 0;

  /** Offset of the field entry `f`, or -1. */
  private find(f: string): number {
    const s = this.s;
    const n = s.length;
    const fl = f.length;
    if (fl === 0) {
      for (let p = 0; p < n; p = entryEnd(s, entryEnd(s, p))) if (s.charCodeAt(p) === 0) return p;
      return -1;
    }
    // the walk is this module's hot loop: each pair costs its field's length,
    // its last char when the lengths match, and its value's length
    const last = f.charCodeAt(fl - 1);
    let p = 0;
    while (p < n) {
      let l = s.charCodeAt(p);
      let b = p + 1;
      if (l === 255) {
        l = entryLen(s, p);
        b = p + 5;
      }
      if (l === fl && s.charCodeAt(b + l - 1) === last) {
        let i = fl - 2;
        while (i >= 0 && s.charCodeAt(b + i) === f.charCodeAt(i)) i--;
        if (i < 0) return p;
      }
      const vp = b + l;
      const vl = s.charCodeAt(vp);
      p = vl < 255 ? vp + 1 + vl : vp + 5 + entryLen(s, vp);
    }
    return -1;
  }

  get(f: string): string | undefined {
    const p = this.find(f);
    return p < 0 ? undefined : entryAt(this.s, entryEnd(this.s, p));
  }

  has(f: string): boolean {
    return this.find(f) >= 0;
  }

  set(f: string, v: string): this {
    const s = this.s;
    const p = this.find(f);
    if (p < 0) {
      this.s = seq3(s, packEntry(f), packEntry(v));
      this.size++;
    } else {
      const vp = entryEnd(s, p);
      // an equal value: the listpack stays as it is (no new string)
      if (entryIs(s, vp, v)) return this;
      const end = entryEnd(s, vp);
      // the one-char prefix as its own piece: no concatenated entry string to copy twice
      this.s = v.length < 255 ? seq4(s.slice(0, vp), String.fromCharCode(v.length), v, s.slice(end)) : seq3(s.slice(0, vp), packEntry(v), s.slice(end));
    }
    return this;
  }

  delete(f: string): boolean {
    const s = this.s;
    const p = this.find(f);
    if (p < 0) return false;
    const end = entryEnd(s, entryEnd(s, p));
    this.s = p === 0 && end === s.length ? '' : seq2(s.slice(0, p), s.slice(end));
    this.size--;
    return true;
  }

  /** Fields and values alternating, in order. */
  flatten(): string[] {
    const s = this.s;
    const n = s.length;
    const out: string[] = [];
    let p = 0;
    while (p < n) {
      out.push(entryAt(s, p));
      p = entryEnd(s, p);
    }
    return out;
  }

  /** The i-th field/value pair (0 <= i < size). */
  pairAt(i: number): [string, string] {
    const s = this.s;
    let p = 0;
    for (; i > 0; i--) p = entryEnd(s, entryEnd(s, p));
    return [entryAt(s, p), entryAt(s, entryEnd(s, p))];
  }

  keys(): IterableIterator<string> {
    const a = this.flatten();
    const k: string[] = [];
    for (let i = 0; i < a.length; i += 2) k.push(a[i]);
    return k.values();
  }

  values(): IterableIterator<string> {
    const a = this.flatten();
    const v: string[] = [];
    for (let i = 1; i < a.length; i += 2) v.push(a[i]);
    return v.values();
  }

  entries(): IterableIterator<[string, string]> {
    const a = this.flatten();
    const e: [string, string][] = [];
    for (let i = 0; i < a.length; i += 2) e.push([a[i], a[i + 1]]);
    return e.values();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  clone(): PackedMap {
    const m = new PackedMap();
    m.s = this.s;
    m.size = this.size;
    return m;
  }
}
