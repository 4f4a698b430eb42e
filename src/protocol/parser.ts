// Incremental RESP request parser (multibulk and inline), with Redis's limits
// and error texts. It yields one command at a time so that state changes made
// by a command (AUTH lifting the pre-auth limits) apply to the next one.

import { splitArgs } from '../util/splitargs.js';

export const PROTO_INLINE_MAX_SIZE = 64 * 1024;
/** Longest string V8 can hold; bulks above it could never be stored. */
const MAX_JS_STRING = (1 << 29) - 24;
/** Bulks at least this large are assembled into a preallocated buffer. */
const BIG_BULK = 32 * 1024;

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** Redis's limits for clients that must authenticate and have not. */
  unauthenticated: boolean;
}

export class ProtocolError {
  constructor(readonly message: string) {}
}

const EMPTY = Buffer.alloc(0);
const EMPTY_ARGV: string[] = [];

export class RespParser {
  private buf: Buffer = EMPTY;
  private pos = 0;
  private argc = 0; // remaining bulks of the current multibulk
  private argv: string[] = [];
  private argi = 0; // next index in argv
  private bulkLen = -1;
  private big: Buffer | null = null;
  private bigFill = 0;
  inline = false; // last command was inline (for MONITOR/log shapes)
  /** The last command name read, reused while clients repeat it. */
  private name = '';

  constructor(readonly limits: ParserLimits) {}

  push(chunk: Buffer): void {
    if (this.big !== null) {
      const need = this.big.length - this.bigFill;
      const n = Math.min(need, chunk.length);
      chunk.copy(this.big, this.bigFill, 0, n);
      this.bigFill += n;
      chunk = n === chunk.length ? EMPTY : chunk.subarray(n);
      if (chunk.length === 0) return;
    }
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.pos = 0;
  }

  /**
   * Copies the bytes not parsed yet out of `shared`, a read buffer the
   * caller is about to reuse (server/direct-read.ts); nothing to do when
   * the parser holds none of it.
   */
  retain(shared: ArrayBufferLike): void {
    if (this.buf.buffer !== shared) return;
    if (this.pos < this.buf.length) this.buf = Buffer.from(this.buf.subarray(this.pos));
    else this.buf = EMPTY;
    this.pos = 0;
  }

  /** Bytes held for commands not yet complete (client-query-buffer-limit). */
  pending(): number {
    return this.buf.length - this.pos + this.bigFill;
  }

  /** Size of the buffer a big bulk is being assembled in (its length + CRLF), 0 when none. */
  bigBulkSize(): number {
    return this.big === null ? 0 : this.big.length;
  }

  /** Bytes of the arguments already parsed of an incomplete command (Redis's argv-mem while it waits). */
  partialArgvBytes(): number {
    if (this.argc === 0) return 0;
    let n = 0;
    for (let i = 0; i < this.argi; i++) n += this.argv[i].length;
    return n;
  }

  /** How many arguments of an incomplete command are parsed. */
  partialArgc(): number {
    return this.argc === 0 ? 0 : this.argi;
  }

  /** Next complete command, null when more bytes are needed, or a ProtocolError. */
  next(): string[] | null | ProtocolError {
    for (;;) {
      if (this.big !== null) {
        if (this.bigFill < this.big.length) return null;
        const b = this.big;
        this.big = null;
        this.bigFill = 0;
        this.argv[this.argi++] = b.latin1Slice(0, b.length - 2);
        this.bulkLen = -1;
        if (--this.argc === 0) return this.take();
        continue;
      }
      const buf = this.buf;
      let pos = this.pos;
      if (this.argc === 0) {
        if (pos >= buf.length) return null;
        if (buf[pos] !== 42 /* '*' */) {
          const r = this.parseInline();
          if (r === undefined) continue; // empty line
          return r;
        }
        this.inline = false;
        const nl = findCR(buf, pos);
        if (nl === -1 || nl + 1 >= buf.length) {
          if (buf.length - pos > PROTO_INLINE_MAX_SIZE) return new ProtocolError('Protocol error: too big mbulk count string');
          return null;
        }
        const n = parseLen(buf, pos + 1, nl);
        if (n === null || n > 2147483647) return new ProtocolError('Protocol error: invalid multibulk length');
        if (this.limits.unauthenticated && n > 10) return new ProtocolError('Protocol error: unauthenticated multibulk length');
        this.pos = nl + 2;
        if (n <= 0) continue; // Redis ignores empty multibulks
        this.argc = n;
        // exact size for ordinary commands (no growth garbage); like Redis, no
        // more than 1024 slots up front for a declared count nobody has sent yet
        this.argv = n <= 1024 ? new Array<string>(n) : [];
        this.argi = 0;
        continue;
      }
      // inside a multibulk: read bulks
      if (this.bulkLen === -1) {
        if (pos >= buf.length) return null;
        const nl = findCR(buf, pos);
        if (nl === -1 || nl + 1 >= buf.length) {
          if (buf.length - pos > PROTO_INLINE_MAX_SIZE) return new ProtocolError('Protocol error: too big bulk count string');
          return null;
        }
        if (buf[pos] !== 36 /* '$' */) {
          return new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(buf[pos])}'`);
        }
        const n = parseLen(buf, pos + 1, nl);
        if (n === null || n < 0 || n > this.limits.maxBulkLen || n > MAX_JS_STRING) return new ProtocolError('Protocol error: invalid bulk length');
        if (this.limits.unauthenticated && n > 16384) return new ProtocolError('Protocol error: unauthenticated bulk length');
        pos = nl + 2;
        this.pos = pos;
        this.bulkLen = n;
        if (n >= BIG_BULK && buf.length - pos < n + 2) {
          // assemble big bulks in place instead of re-concatenating every chunk
          this.big = Buffer.allocUnsafe(n + 2);
          const have = buf.length - pos;
          buf.copy(this.big, 0, pos, buf.length);
          this.bigFill = have;
          this.buf = EMPTY;
          this.pos = 0;
          continue;
        }
      }
      const n = this.bulkLen;
      // like Redis, the two bytes after a bulk are skipped without being checked
      if (buf.length - pos < n + 2) return null;
      if (this.argi === 0 && n === this.name.length && sameBytes(buf, pos, this.name)) {
        // the same command name as last time: reuse its string (and the hash V8 cached on it)
        this.argv[this.argi++] = this.name;
      } else {
        const s = n <= 16 ? shortLatin1(buf, pos, n) : buf.latin1Slice(pos, pos + n);
        if (this.argi === 0 && n <= 32) this.name = s;
        this.argv[this.argi++] = s;
      }
      this.pos = pos + n + 2;
      this.bulkLen = -1;
      if (--this.argc === 0) return this.take();
    }
  }

  private take(): string[] {
    const a = this.argv;
    this.argv = EMPTY_ARGV;
    if (this.pos >= this.buf.length) {
      this.buf = EMPTY;
      this.pos = 0;
    }
    return a;
  }

  private parseInline(): string[] | null | ProtocolError | undefined {
    const buf = this.buf;
    const pos = this.pos;
    const nl = buf.indexOf(10, pos);
    if (nl === -1) {
      if (buf.length - pos > PROTO_INLINE_MAX_SIZE) return new ProtocolError('Protocol error: too big inline request');
      return null;
    }
    let end = nl;
    if (end > pos && buf[end - 1] === 13) end--;
    const line = buf.latin1Slice(pos, end);
    this.pos = nl + 1;
    if (this.pos >= buf.length) {
      this.buf = EMPTY;
      this.pos = 0;
    }
    const args = splitArgs(line);
    if (args === null) return new ProtocolError('Protocol error: unbalanced quotes in request');
    if (args.length === 0) return undefined;
    this.inline = true;
    return args;
  }
}

/**
 * Index of the next '\r' at or after `from`, or -1. Length lines are a few
 * bytes long: a JS loop beats a native Buffer.indexOf call there; long
 * stretches (an unterminated line) fall back to indexOf.
 */
function findCR(buf: Buffer, from: number): number {
  const end = Math.min(buf.length, from + 24);
  for (let i = from; i < end; i++) if (buf[i] === 13) return i;
  return end === buf.length ? -1 : buf.indexOf(13, end);
}

/**
 * A string of n <= 16 bytes. latin1Slice is a call into C++ that costs the
 * same ~60 ns for 3 bytes as for 16; String.fromCharCode with the bytes as
 * arguments stays in V8's builtins and takes a third of that for short
 * keys and values (most arguments of most commands).
 */
function shortLatin1(b: Buffer, p: number, n: number): string {
  switch (n) {
    case 0:
      return '';
    case 1:
      return String.fromCharCode(b[p]);
    case 2:
      return String.fromCharCode(b[p], b[p + 1]);
    case 3:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2]);
    case 4:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3]);
    case 5:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4]);
    case 6:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5]);
    case 7:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6]);
    case 8:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7]);
    case 9:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8]);
    case 10:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9]);
    case 11:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10]);
    case 12:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11]);
    case 13:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11], b[p + 12]);
    case 14:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11], b[p + 12], b[p + 13]);
    case 15:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11], b[p + 12], b[p + 13], b[p + 14]);
    case 16:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11], b[p + 12], b[p + 13], b[p + 14], b[p + 15]);
    default:
      return b.latin1Slice(p, p + n);
  }
}

function sameBytes(buf: Buffer, pos: number, s: string): boolean {
  for (let i = 0; i < s.length; i++) if (buf[pos + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** Parses the decimal between `from` and `to` (exclusive) like string2ll; null if invalid. */
function parseLen(buf: Buffer, from: number, to: number): number | null {
  if (from >= to || to - from > 20) return null;
  let i = from;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    i++;
    if (i === to) return null;
  }
  let n = 0;
  if (buf[i] === 48 && to - i > 1) return null;
  for (; i < to; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  return neg ? -n : n;
}
