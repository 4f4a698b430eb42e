// CRC-64/Jones as Redis computes it (crc64.c: reflected, poly
// 0xad93d23594c935a9, init 0, no final xor), the RDB file trailer. The 64-bit
// state is kept as two uint32 halves: BigInt arithmetic per byte is ~50x slower.

const LO = new Uint32Array(256);
const HI = new Uint32Array(256);
{
  // the reflected polynomial, 0x95ac9329ac4bc9b5
  const PLO = 0xac4bc9b5;
  const PHI = 0x95ac9329;
  for (let i = 0; i < 256; i++) {
    let lo = i;
    let hi = 0;
    for (let k = 0; k < 8; k++) {
      const bit = lo & 1;
      lo = ((lo >>> 1) | (hi << 31)) >>> 0;
      hi = hi >>> 1;
      if (bit) {
        lo = (lo ^ PLO) >>> 0;
        hi = (hi ^ PHI) >>> 0;
      }
    }
    LO[i] = lo;
    HI[i] = hi;
  }
}

/** Running CRC64 over byte chunks. */
export class Crc64 {
  lo = 0;
  hi = 0;

  update(buf: Uint8Array, start = 0, end = buf.length): void {
    let lo = this.lo;
    let hi = this.hi;
    for (let i = start; i < end; i++) {
      const idx = (lo ^ buf[i]) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ LO[idx];
      hi = (hi >>> 8) ^ HI[idx];
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** The 8 little-endian bytes Redis appends after EOF. */
  bytes(): Buffer {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(this.lo >>> 0, 0);
    b.writeUInt32LE(this.hi >>> 0, 4);
    return b;
  }

  hex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}

export function crc64(buf: Uint8Array, start = 0, end = buf.length): Crc64 {
  const c = new Crc64();
  c.update(buf, start, end);
  return c;
}
