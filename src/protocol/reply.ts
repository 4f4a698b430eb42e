// Reply encoding for RESP2 and RESP3. Replies accumulate in a latin1 string
// per connection and are flushed with a single socket write per read batch.
// Past SPILL_AT bytes the string moves to a list of chunks (Redis's reply
// list), so a client's pending output is never bounded by V8's largest
// string: only client-output-buffer-limit decides when it has too much.

export type Resp = 2 | 3;

const CRLF = '\r\n';

/** Redis 7.0 formats doubles with %.17g; injected by the numbers util. */
export let formatDoubleForReply: (d: number) => string = (d) => String(d);
export function setDoubleFormatter(f: (d: number) => string): void {
  formatDoubleForReply = f;
}

/** Size at which `out` moves to the chunk list. */
export const SPILL_AT = 1 << 20;

// An array of bulk strings (LRANGE, MGET...) encoded byte by byte into a
// scratch buffer and read back as one flat string: concatenating three pieces
// per element allocated several strings each and left a rope for the write to
// walk (LRANGE of 100 short elements: 2.5 µs -> 1.1 µs to build).
const SCRATCH = Buffer.allocUnsafe(64 * 1024);
/** Elements longer than this are copied by Buffer.write, shorter ones char by char. */
const COPY_LOOP_MAX = 32;

/** Writes the decimal digits of n (a non-negative integer) at p; returns the end. */
function putUint(b: Buffer, p: number, n: number): number {
  if (n < 10) {
    b[p] = 48 + n;
    return p + 1;
  }
  const d = String(n);
  for (let j = 0; j < d.length; j++) b[p + j] = d.charCodeAt(j);
  return p + d.length;
}

/** The RESP array of bulk strings `items`, or null when it does not fit the scratch buffer. */
function packBulks(items: readonly string[]): string | null {
  const n = items.length;
  if (n === 0 || n > 4096) return null;
  const b = SCRATCH;
  const cap = b.length;
  b[0] = 42; // '*'
  let p = putUint(b, 1, n);
  b[p++] = 13;
  b[p++] = 10;
  for (let i = 0; i < n; i++) {
    const s = items[i];
    const l = s.length;
    // header, bytes, CRLF: at most 1 + 10 + 2 + l + 2
    if (p + l + 15 > cap) return null;
    b[p++] = 36; // '$'
    p = putUint(b, p, l);
    b[p++] = 13;
    b[p++] = 10;
    if (l <= COPY_LOOP_MAX) {
      for (let j = 0; j < l; j++) b[p + j] = s.charCodeAt(j);
      p += l;
    } else p += b.write(s, p, l, 'latin1');
    b[p++] = 13;
    b[p++] = 10;
  }
  return b.latin1Slice(0, p);
}

export class ReplyWriter {
  /** The reply being built (appended to by every helper). */
  out = '';
  /** Earlier replies, oldest first, waiting for the write pass; null while there are none. */
  chunks: string[] | null = null;
  chunkBytes = 0;
  resp: Resp = 2;

  /** Moves `out` to the chunk list. */
  spill(): void {
    if (this.out.length === 0) return;
    if (this.chunks === null) this.chunks = [];
    this.chunks.push(this.out);
    this.chunkBytes += this.out.length;
    this.out = '';
  }

  /** Bytes of replies built and not yet handed to the socket. */
  pendingOut(): number {
    return this.chunkBytes + this.out.length;
  }

  /** Drops built replies beyond the first `keep` bytes (CLIENT REPLY OFF, a reply abandoned halfway). */
  truncateOut(keep: number): void {
    if (keep >= this.chunkBytes) {
      this.out = this.out.slice(0, keep - this.chunkBytes);
      return;
    }
    const ch = this.chunks!;
    this.out = '';
    while (ch.length > 0 && this.chunkBytes > keep) {
      const last = ch.pop()!;
      this.chunkBytes -= last.length;
      if (this.chunkBytes < keep) {
        ch.push(last.slice(0, keep - this.chunkBytes));
        this.chunkBytes = keep;
      }
    }
    if (ch.length === 0) this.chunks = null;
  }

  /** Takes every pending reply (chunks, then out), leaving the writer empty. */
  takeOutput(): string[] {
    const list = this.chunks ?? [];
    if (this.out.length !== 0) list.push(this.out);
    this.chunks = null;
    this.chunkBytes = 0;
    this.out = '';
    return list;
  }

  raw(s: string): void {
    this.out += s;
    if (this.out.length > SPILL_AT) this.spill();
  }
  ok(): void {
    this.out += '+OK\r\n';
  }
  simple(s: string): void {
    this.out += '+' + s + CRLF;
  }
  /** `msg` carries its own code, e.g. "ERR syntax error" or "WRONGTYPE ...". */
  error(msg: string): void {
    if (msg.indexOf('\r') !== -1 || msg.indexOf('\n') !== -1) msg = msg.replace(/[\r\n]/g, ' ');
    this.out += '-' + msg + CRLF;
  }
  int(n: number | bigint): void {
    this.out += ':' + n + CRLF;
  }
  bulk(s: string): void {
    this.out += '$' + s.length + CRLF + s + CRLF;
    if (this.out.length > SPILL_AT) this.spill();
  }
  bulkOrNil(s: string | undefined | null): void {
    if (s === undefined || s === null) this.nil();
    else {
      this.out += '$' + s.length + CRLF + s + CRLF;
      if (this.out.length > SPILL_AT) this.spill();
    }
  }
  nil(): void {
    this.out += this.resp === 3 ? '_\r\n' : '$-1\r\n';
  }
  nilArray(): void {
    this.out += this.resp === 3 ? '_\r\n' : '*-1\r\n';
  }
  array(n: number): void {
    this.out += '*' + n + CRLF;
  }
  /** A map of n pairs: RESP3 map, RESP2 flat array. */
  map(n: number): void {
    this.out += (this.resp === 3 ? '%' : '*') + (this.resp === 3 ? n : n * 2) + CRLF;
  }
  set(n: number): void {
    this.out += (this.resp === 3 ? '~' : '*') + n + CRLF;
  }
  push(n: number): void {
    this.out += (this.resp === 3 ? '>' : '*') + n + CRLF;
  }
  /** Attribute-free RESP3 double, bulk string in RESP2. */
  double(d: number): void {
    const s = formatDoubleForReply(d);
    if (this.resp === 3) this.out += ',' + s + CRLF;
    else this.out += '$' + s.length + CRLF + s + CRLF;
  }
  bool(b: boolean): void {
    if (this.resp === 3) this.out += b ? '#t\r\n' : '#f\r\n';
    else this.out += b ? ':1\r\n' : ':0\r\n';
  }
  verbatim(s: string, fmt = 'txt'): void {
    if (this.resp === 3) this.out += '=' + (s.length + 4) + CRLF + fmt + ':' + s + CRLF;
    else this.bulk(s);
  }
  bulks(items: readonly string[]): void {
    const packed = packBulks(items);
    if (packed !== null) {
      this.out += packed;
      if (this.out.length > SPILL_AT) this.spill();
      return;
    }
    let o = '*' + items.length + CRLF;
    for (let i = 0; i < items.length; i++) {
      const s = items[i];
      o += '$' + s.length + CRLF + s + CRLF;
      if (o.length > SPILL_AT) {
        this.out += o;
        this.spill();
        o = '';
      }
    }
    this.out += o;
  }
  /** Array of bulk strings, RESP3 set type when asked. */
  bulkSet(items: readonly string[]): void {
    this.set(items.length);
    for (let i = 0; i < items.length; i++) this.bulk(items[i]);
  }
  /** Generic value rendering used by COMMAND INFO/DOCS and other metadata replies. */
  value(v: unknown): void {
    if (v === null || v === undefined) this.nil();
    else if (typeof v === 'string') this.bulk(v);
    else if (typeof v === 'number' || typeof v === 'bigint') this.int(v);
    else if (typeof v === 'boolean') this.bool(v);
    else if (Array.isArray(v)) {
      this.array(v.length);
      for (const x of v) this.value(x);
    } else if (v instanceof Status) this.simple(v.s);
    else if (v instanceof SetOf) {
      this.set(v.items.length);
      for (const x of v.items) this.value(x);
    } else if (typeof v === 'object') {
      const keys = Object.keys(v as object);
      this.map(keys.length);
      for (const k of keys) {
        this.bulk(k);
        this.value((v as Record<string, unknown>)[k]);
      }
    }
  }
}

/** Marks a status reply (+) inside a generic value(). */
export class Status {
  constructor(readonly s: string) {}
}
/** Marks a RESP3 set inside a generic value(). */
export class SetOf {
  constructor(readonly items: unknown[]) {}
}
