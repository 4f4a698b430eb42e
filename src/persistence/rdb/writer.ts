// The byte sink of an RDB encoder: a buffer handed to `flush` in chunks, with
// the running CRC64 over everything written.

import { Crc64 } from './crc64.js';

const CHUNK = 1 << 20;

export class RdbWriter {
  private buf = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  readonly crc = new Crc64();
  /** Bytes flushed so far plus the pending ones. */
  written = 0;

  constructor(
    private readonly flush: (chunk: Buffer) => void,
    private readonly checksum = true,
  ) {}

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.drain();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  /** Hands the pending bytes to the sink. */
  drain(): void {
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    if (this.checksum) this.crc.update(chunk);
    this.flush(Buffer.from(chunk));
    this.pos = 0;
  }

  get pending(): number {
    return this.pos;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.pos++] = b;
    this.written++;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    this.written += b.length;
  }

  /** Latin1 string bytes. */
  latin1(s: string): void {
    this.room(s.length);
    this.buf.write(s, this.pos, s.length, "latin1");
    this.pos += s.length;
    this.written += s.length;
  }

  /** rdbSaveLen */
  len(n: number): void {
    this.room(9);
    const b = this.buf;
    let p = this.pos;
    if (n < 1 << 6) b[p++] = n;
    else if (n < 1 << 14) {
      b[p++] = (n >>> 8) | 0x40;
      b[p++] = n & 0xff;
    } else if (n <= 0xffffffff) {
      b[p++] = 0x80;
      b.writeUInt32BE(n, p);
      p += 4;
    } else {
      b[p++] = 0x81;
      b.writeBigUInt64BE(BigInt(n), p);
      p += 8;
    }
    this.written += p - this.pos;
    this.pos = p;
  }

  u32le(n: number): void {
    this.room(4);
    this.buf.writeUInt32LE(n >>> 0, this.pos);
    this.pos += 4;
    this.written += 4;
  }

  i64le(n: number): void {
    this.room(8);
    this.buf.writeBigInt64LE(BigInt(n), this.pos);
    this.pos += 8;
    this.written += 8;
  }

  double(d: number): void {
    this.room(8);
    this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
    this.written += 8;
  }
}
