/**
 * HyperLogLog, bit-compatible with Redis 7.0 (hyperloglog.c).
 *
 * - 16384 registers (P=14), MurmurHash64A (seed 0xadc83b19) over latin1 bytes.
 * - Sparse representation is kept as the exact Redis opcode byte sequence and
 *   updated with a faithful port of hllSparseSet(), because the sparse bytes
 *   depend on insertion history (adjacent-VAL merging is only local).
 * - Dense representation is kept twice: unpacked (one byte per register, for
 *   estimates and merges) and in Redis's exact 6-bit layout, patched register
 *   by register like HLL_DENSE_SET_REGISTER does, so serializing a dense HLL
 *   (every PFADD that changes it) is a 16-byte header plus one 12 KB memcpy
 *   instead of repacking 16384 registers.
 * - The 8 cached-cardinality header bytes are kept verbatim (Redis leaves the
 *   stale low bytes in place when it sets the invalid bit).
 */

export const HLL_P = 14;
export const HLL_Q = 64 - HLL_P;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_P_MASK = HLL_REGISTERS - 1;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + (HLL_REGISTERS * 6) / 8; // 12304
export const HLL_SPARSE_MAX_BYTES_DEFAULT = 3000;
const HLL_SPARSE_VAL_MAX_VALUE = 32;
const HLL_SPARSE_VAL_MAX_LEN = 4;
const HLL_SPARSE_ZERO_MAX_LEN = 64;
const HLL_SPARSE_XZERO_MAX_LEN = 16384;
const HLL_ALPHA_INF = 0.721347520444481703680; // 0.5/ln(2)

// ------------------------------------------------------------------ hashing

/** MurmurHash64A constant m = 0xc6a4a7935bd1e995 split in 32-bit halves. */
const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;

// 64-bit result registers for mulM (avoids allocation).
let RH = 0;
let RL = 0;

const M_LO0 = M_LO & 0xffff;
const M_LO1 = M_LO >>> 16;

/**
 * (ah:al) * m mod 2^64 -> (RH:RL), halves unsigned 32-bit. Every multiply in
 * MurmurHash64A is by m. Integer operations only: the low halves multiply as
 * 16-bit pieces (each partial product < 2^32, exact), the cross terms only
 * matter mod 2^32 (Math.imul).
 */
function mulM(ah: number, al: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const p00 = a0 * M_LO0;
  const p01 = a0 * M_LO1;
  const p10 = a1 * M_LO0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff); // < 3 * 2^16
  RL = ((mid << 16) | (p00 & 0xffff)) >>> 0;
  RH = (a1 * M_LO1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(al, M_HI) + Math.imul(ah, M_LO)) >>> 0;
}

/**
 * MurmurHash64A over the latin1 bytes of s with the given 32-bit seed.
 * Returns [hi, lo] 32-bit halves via the module registers; use murmurHash64A()
 * for a bigint result (tests) or patLen() for the HLL fast path.
 */
function murmur64(s: string, seed: number): void {
  const len = s.length;
  // h = seed ^ (len * m)
  mulM(0, len >>> 0);
  let hh = RH;
  let hl = (RL ^ seed) >>> 0;
  const nblocks = len - (len & 7);
  let i = 0;
  for (; i < nblocks; i += 8) {
    let kl =
      (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) >>>
      0;
    let kh =
      (s.charCodeAt(i + 4) |
        (s.charCodeAt(i + 5) << 8) |
        (s.charCodeAt(i + 6) << 16) |
        (s.charCodeAt(i + 7) << 24)) >>>
      0;
    // k *= m
    mulM(kh, kl);
    kh = RH;
    kl = RL;
    // k ^= k >> 47
    kl = (kl ^ (kh >>> 15)) >>> 0;
    // k *= m
    mulM(kh, kl);
    // h ^= k; h *= m
    mulM((hh ^ RH) >>> 0, (hl ^ RL) >>> 0);
    hh = RH;
    hl = RL;
  }
  const rem = len & 7;
  if (rem > 0) {
    if (rem >= 7) hh ^= s.charCodeAt(i + 6) << 16;
    if (rem >= 6) hh ^= s.charCodeAt(i + 5) << 8;
    if (rem >= 5) hh ^= s.charCodeAt(i + 4);
    if (rem >= 4) hl ^= s.charCodeAt(i + 3) << 24;
    if (rem >= 3) hl ^= s.charCodeAt(i + 2) << 16;
    if (rem >= 2) hl ^= s.charCodeAt(i + 1) << 8;
    hl ^= s.charCodeAt(i);
    mulM(hh >>> 0, hl >>> 0);
    hh = RH;
    hl = RL;
  }
  // h ^= h >> r; h *= m; h ^= h >> r;
  hl = (hl ^ (hh >>> 15)) >>> 0;
  mulM(hh, hl);
  hh = RH;
  hl = (RL ^ (RH >>> 15)) >>> 0;
  RH = hh;
  RL = hl;
}

/** MurmurHash64A (Redis variant) as a bigint; seed defaults to the HLL seed. */
export function murmurHash64A(s: string, seed = 0xadc83b19): bigint {
  murmur64(s, seed >>> 0);
  return (BigInt(RH) << 32n) | BigInt(RL);
}

// patLen() outputs
let PAT_INDEX = 0;

/** Redis hllPatLen: returns count (1..Q+1) and sets PAT_INDEX. */
function patLen(s: string): number {
  murmur64(s, 0xadc83b19);
  PAT_INDEX = RL & HLL_P_MASK;
  const lowRest = RL >>> HLL_P; // bits 14..31 of hash (18 bits)
  if (lowRest !== 0) return 32 - Math.clz32(lowRest & -lowRest); // ctz + 1
  if (RH !== 0) return 18 + (32 - Math.clz32(RH & -RH)); // 18 + ctz + 1
  return HLL_Q + 1;
}

/** Register index and run length Redis would compute for an element. */
export function hllPatLen(element: string): { index: number; count: number } {
  const count = patLen(element);
  return { index: PAT_INDEX, count };
}

// ------------------------------------------------------------------ estimator

function hllSigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function hllTau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const t = 1 - x;
    z -= t * t * y;
  } while (zPrime !== z);
  return z / 3;
}

/** Ertl's estimator from a register histogram (length >= Q+2). */
function countFromHisto(reghisto: Int32Array | number[]): number {
  const m = HLL_REGISTERS;
  let z = m * hllTau((m - reghisto[HLL_Q + 1]) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += reghisto[j];
    z *= 0.5;
  }
  z += m * hllSigma(reghisto[0] / m);
  return Math.round((HLL_ALPHA_INF * m * m) / z); // llroundl; value is positive
}

function rawHisto(regs: Uint8Array): Int32Array {
  const h = new Int32Array(64);
  for (let i = 0; i < HLL_REGISTERS; i++) h[regs[i]]++;
  return h;
}

// ------------------------------------------------------------------ sparse helpers

/** Decode a sparse opcode sequence into raw registers; false if invalid. */
function sparseDecode(sp: Uint8Array, len: number, out: Uint8Array | null): boolean {
  let idx = 0;
  let p = 0;
  while (p < len) {
    const b = sp[p];
    if ((b & 0xc0) === 0) {
      idx += (b & 0x3f) + 1;
      p++;
    } else if ((b & 0x80) === 0) {
      if (p + 1 >= len) return false;
      idx += (((b & 0x3f) << 8) | sp[p + 1]) + 1;
      p += 2;
    } else {
      let runlen = (b & 3) + 1;
      const val = ((b >>> 2) & 0x1f) + 1;
      if (idx + runlen > HLL_REGISTERS) return false;
      if (out !== null) while (runlen-- > 0) out[idx++] = val;
      else idx += runlen;
      p++;
    }
    if (idx > HLL_REGISTERS) return false;
  }
  return idx === HLL_REGISTERS;
}

const EMPTY_SPARSE = [0x40 | ((HLL_SPARSE_XZERO_MAX_LEN - 1) >>> 8), (HLL_SPARSE_XZERO_MAX_LEN - 1) & 0xff];

/** Redis's HLL_DENSE_SET_REGISTER on a dense buffer (registers start at HLL_HDR_SIZE). */
function packRegister(p: Buffer, index: number, val: number): void {
  const pos = index * 6;
  const byte = HLL_HDR_SIZE + (pos >>> 3);
  const fb = pos & 7;
  p[byte] = (p[byte] & ~(63 << fb)) | ((val << fb) & 0xff);
  if (fb > 2) {
    const fb8 = 8 - fb;
    p[byte + 1] = (p[byte + 1] & ~(63 >>> fb8)) | (val >>> fb8);
  }
}

/** A dense buffer (header bytes left zero) holding the given registers. */
function packAll(regs: Uint8Array): Buffer {
  const out = Buffer.alloc(HLL_DENSE_SIZE);
  let o = HLL_HDR_SIZE;
  for (let i = 0; i < HLL_REGISTERS; i += 4) {
    const a = regs[i];
    const b = regs[i + 1];
    const c = regs[i + 2];
    const d = regs[i + 3];
    out[o++] = (a | (b << 6)) & 0xff;
    out[o++] = ((b >>> 2) | (c << 4)) & 0xff;
    out[o++] = ((c >>> 4) | (d << 2)) & 0xff;
  }
  return out;
}

// ------------------------------------------------------------------ HLL

export class HLL {
  /** 'sparse' or 'dense' (Redis encoding byte 1 / 0). */
  private sparse: boolean;
  /** Sparse opcode bytes (valid prefix of length spLen) when sparse. */
  private sp: Uint8Array;
  private spLen: number;
  /** Raw registers (one byte each) when dense. */
  private regs: Uint8Array | null;
  /** When dense: Redis's serialization, registers kept packed in sync with regs (header written on output). */
  private packed: Buffer | null;
  /** Cached cardinality, 8 bytes little endian; MSB of byte 7 = invalid. */
  private readonly card = new Uint8Array(8);
  /** The 3 "notused" header bytes, preserved verbatim. */
  private readonly notused = new Uint8Array(3);

  /** A new empty HLL, sparse (XZERO:16384), cache valid with value 0, like createHLLObject(). */
  constructor() {
    this.sparse = true;
    this.sp = new Uint8Array(32);
    this.sp[0] = EMPTY_SPARSE[0];
    this.sp[1] = EMPTY_SPARSE[1];
    this.spLen = 2;
    this.regs = null;
    this.packed = null;
  }

  get encoding(): 'sparse' | 'dense' {
    return this.sparse ? 'sparse' : 'dense';
  }

  /** Serialized size in bytes (what STRLEN would report). */
  get byteLength(): number {
    return this.sparse ? HLL_HDR_SIZE + this.spLen : HLL_DENSE_SIZE;
  }

  get cacheValid(): boolean {
    return (this.card[7] & 0x80) === 0;
  }

  /** HLL_INVALIDATE_CACHE. PFADD calls this when it creates the key or changes anything. */
  invalidateCache(): void {
    this.card[7] |= 0x80;
  }

  clone(): HLL {
    const h = new HLL();
    h.sparse = this.sparse;
    h.sp = this.sp.slice();
    h.spLen = this.spLen;
    h.regs = this.regs === null ? null : this.regs.slice();
    h.packed = this.packed === null ? null : Buffer.from(this.packed);
    h.card.set(this.card);
    h.notused.set(this.notused);
    return h;
  }

  // ---------------------------------------------------------------- registers

  /** Copy of all 16384 register values (PFDEBUG GETREG). */
  registers(): Uint8Array {
    if (!this.sparse) return (this.regs as Uint8Array).slice();
    const out = new Uint8Array(HLL_REGISTERS);
    sparseDecode(this.sp, this.spLen, out);
    return out;
  }

  /** Max registers into `max` (hllMerge). */
  private maxInto(max: Uint8Array): void {
    if (!this.sparse) {
      const r = this.regs as Uint8Array;
      for (let i = 0; i < HLL_REGISTERS; i++) if (r[i] > max[i]) max[i] = r[i];
      return;
    }
    const sp = this.sp;
    let idx = 0;
    for (let p = 0; p < this.spLen; ) {
      const b = sp[p];
      if ((b & 0xc0) === 0) {
        idx += (b & 0x3f) + 1;
        p++;
      } else if ((b & 0x80) === 0) {
        idx += (((b & 0x3f) << 8) | sp[p + 1]) + 1;
        p += 2;
      } else {
        let runlen = (b & 3) + 1;
        const val = ((b >>> 2) & 0x1f) + 1;
        while (runlen-- > 0) {
          if (val > max[idx]) max[idx] = val;
          idx++;
        }
        p++;
      }
    }
  }

  /** hllSparseToDense (no-op when already dense). Keeps header/card bytes. */
  toDense(): void {
    if (!this.sparse) return;
    const regs = new Uint8Array(HLL_REGISTERS);
    sparseDecode(this.sp, this.spLen, regs);
    this.regs = regs;
    this.packed = packAll(regs);
    this.sparse = false;
    this.sp = new Uint8Array(0);
    this.spLen = 0;
  }

  private denseSet(index: number, count: number): boolean {
    const r = this.regs as Uint8Array;
    if (count > r[index]) {
      r[index] = count;
      packRegister(this.packed as Buffer, index, count);
      return true;
    }
    return false;
  }

  private ensureSparseCapacity(n: number): void {
    if (this.sp.length >= n) return;
    let cap = this.sp.length * 2;
    if (cap < n) cap = n;
    const nb = new Uint8Array(cap);
    nb.set(this.sp.subarray(0, this.spLen));
    this.sp = nb;
  }

  /** Faithful port of Redis 7.0 hllSparseSet(). Returns true if a register changed. */
  private sparseSet(index: number, count: number, maxBytes: number): boolean {
    if (count > HLL_SPARSE_VAL_MAX_VALUE) return this.promoteAndSet(index, count);
    this.ensureSparseCapacity(this.spLen + 3);
    const sp = this.sp;
    let end = this.spLen;

    // Step 1: locate the opcode covering `index`.
    let p = 0;
    let first = 0;
    let prev = -1;
    let span = 0;
    while (p < end) {
      const b = sp[p];
      let oplen = 1;
      if ((b & 0xc0) === 0) span = (b & 0x3f) + 1;
      else if (b & 0x80) span = (b & 3) + 1;
      else {
        span = (((b & 0x3f) << 8) | sp[p + 1]) + 1;
        oplen = 2;
      }
      if (index <= first + span - 1) break;
      prev = p;
      p += oplen;
      first += span;
    }
    if (span === 0 || p >= end) throw new Error('HLL: corrupt sparse representation');

    const op = sp[p];
    const isXzero = (op & 0xc0) === 0x40;
    const isZero = (op & 0xc0) === 0;
    const isVal = (op & 0x80) !== 0;
    let next = isXzero ? p + 2 : p + 1;
    if (next >= end) next = -1;
    const runlen = isZero ? (op & 0x3f) + 1 : isXzero ? (((op & 0x3f) << 8) | sp[p + 1]) + 1 : (op & 3) + 1;

    let updatedInPlace = false;
    if (isVal) {
      const oldcount = ((op >>> 2) & 0x1f) + 1;
      if (oldcount >= count) return false; // case A
      if (runlen === 1) {
        sp[p] = ((count - 1) << 2) | 0x80; // case B
        updatedInPlace = true;
      }
    }
    if (!updatedInPlace && isZero && runlen === 1) {
      sp[p] = ((count - 1) << 2) | 0x80; // case C
      updatedInPlace = true;
    }

    if (!updatedInPlace) {
      // Case D: split into up to 5 bytes.
      const seq = SEQ;
      let n = 0;
      const last = first + span - 1;
      if (isZero || isXzero) {
        if (index !== first) {
          const len = index - first;
          if (len > HLL_SPARSE_ZERO_MAX_LEN) {
            seq[n++] = ((len - 1) >>> 8) | 0x40;
            seq[n++] = (len - 1) & 0xff;
          } else seq[n++] = len - 1;
        }
        seq[n++] = ((count - 1) << 2) | 0x80;
        if (index !== last) {
          const len = last - index;
          if (len > HLL_SPARSE_ZERO_MAX_LEN) {
            seq[n++] = ((len - 1) >>> 8) | 0x40;
            seq[n++] = (len - 1) & 0xff;
          } else seq[n++] = len - 1;
        }
      } else {
        const curval = ((op >>> 2) & 0x1f) + 1;
        if (index !== first) seq[n++] = ((curval - 1) << 2) | (index - first - 1) | 0x80;
        seq[n++] = ((count - 1) << 2) | 0x80;
        if (index !== last) seq[n++] = ((curval - 1) << 2) | (last - index - 1) | 0x80;
      }
      // Step 3: substitute.
      const oldlen = isXzero ? 2 : 1;
      const deltalen = n - oldlen;
      if (deltalen > 0 && HLL_HDR_SIZE + this.spLen + deltalen > maxBytes) return this.promoteAndSet(index, count);
      if (deltalen !== 0 && next >= 0) sp.copyWithin(next + deltalen, next, end);
      for (let k = 0; k < n; k++) sp[p + k] = seq[k];
      this.spLen += deltalen;
      end += deltalen;
    }

    // Step 4: merge adjacent VAL opcodes, scanning up to 5 opcodes from prev.
    p = prev >= 0 ? prev : 0;
    let scanlen = 5;
    while (p < end && scanlen-- !== 0) {
      const b = sp[p];
      if ((b & 0xc0) === 0x40) {
        p += 2;
        continue;
      } else if ((b & 0xc0) === 0) {
        p++;
        continue;
      }
      if (p + 1 < end && sp[p + 1] & 0x80) {
        const b2 = sp[p + 1];
        const v1 = ((b >>> 2) & 0x1f) + 1;
        const v2 = ((b2 >>> 2) & 0x1f) + 1;
        if (v1 === v2) {
          const len = (b & 3) + 1 + (b2 & 3) + 1;
          if (len <= HLL_SPARSE_VAL_MAX_LEN) {
            sp[p + 1] = ((v1 - 1) << 2) | (len - 1) | 0x80;
            sp.copyWithin(p, p + 1, end);
            this.spLen--;
            end--;
            continue;
          }
        }
      }
      p++;
    }
    this.invalidateCache();
    return true;
  }

  private promoteAndSet(index: number, count: number): boolean {
    this.toDense();
    this.denseSet(index, count);
    this.invalidateCache();
    return true;
  }

  /** Set register `index` to max(current, count), Redis style (may promote). */
  setRegister(index: number, count: number, sparseMaxBytes = HLL_SPARSE_MAX_BYTES_DEFAULT): boolean {
    if (this.sparse) return this.sparseSet(index, count, sparseMaxBytes);
    if (this.denseSet(index, count)) {
      this.invalidateCache();
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- commands

  /** PFADD one element. Returns true if a register changed (cache is then invalidated). */
  add(element: string, sparseMaxBytes = HLL_SPARSE_MAX_BYTES_DEFAULT): boolean {
    const count = patLen(element);
    return this.setRegister(PAT_INDEX, count, sparseMaxBytes);
  }

  /** Estimate from the registers, ignoring and not touching the cache. */
  estimate(): number {
    if (!this.sparse) return countFromHisto(rawHisto(this.regs as Uint8Array));
    const h = new Int32Array(64);
    const sp = this.sp;
    for (let p = 0; p < this.spLen; ) {
      const b = sp[p];
      if ((b & 0xc0) === 0) {
        h[0] += (b & 0x3f) + 1;
        p++;
      } else if ((b & 0x80) === 0) {
        h[0] += (((b & 0x3f) << 8) | sp[p + 1]) + 1;
        p += 2;
      } else {
        h[((b >>> 2) & 0x1f) + 1] += (b & 3) + 1;
        p++;
      }
    }
    return countFromHisto(h);
  }

  /**
   * Single-key PFCOUNT: returns the cached cardinality when valid, otherwise
   * computes it and stores it in the cache (the key is then modified).
   * A crafted cache above 2^53 loses precision (returned as a JS number).
   */
  count(): number {
    const c = this.card;
    if (this.cacheValid) {
      let v = 0;
      for (let i = 7; i >= 0; i--) v = v * 256 + c[i];
      return v;
    }
    const est = this.estimate();
    let v = est;
    for (let i = 0; i < 8; i++) {
      c[i] = v % 256;
      v = Math.floor(v / 256);
    }
    return est;
  }

  /**
   * PFMERGE into this HLL (this is both the destination and a source, like Redis):
   * registers = max over this and `others`; converts to dense if any input
   * (including this) is dense; then sets registers in ascending order;
   * always invalidates the cache.
   */
  merge(others: HLL | readonly HLL[], sparseMaxBytes = HLL_SPARSE_MAX_BYTES_DEFAULT): void {
    const list = others instanceof HLL ? [others] : others;
    const max = new Uint8Array(HLL_REGISTERS);
    let useDense = !this.sparse;
    this.maxInto(max);
    for (const o of list) {
      if (!o.sparse) useDense = true;
      o.maxInto(max);
    }
    if (useDense) this.toDense();
    for (let j = 0; j < HLL_REGISTERS; j++) {
      if (max[j] === 0) continue;
      if (this.sparse) this.sparseSet(j, max[j], sparseMaxBytes);
      else this.denseSet(j, max[j]);
    }
    this.invalidateCache();
  }

  /** Multi-key PFCOUNT: estimate of the union, no caches touched. */
  static countUnion(hlls: readonly HLL[]): number {
    const max = new Uint8Array(HLL_REGISTERS);
    for (const h of hlls) h.maxInto(max);
    return countFromHisto(rawHisto(max));
  }

  // ---------------------------------------------------------------- serialization

  /** Exact Redis string value (what GET returns). */
  toRedisString(): string {
    const total = this.byteLength;
    // dense: the maintained buffer; sparse: a fresh one (small: from Node's pool)
    const out = this.sparse ? Buffer.allocUnsafe(total) : (this.packed as Buffer);
    out[0] = 0x48; // H
    out[1] = 0x59; // Y
    out[2] = 0x4c; // L
    out[3] = 0x4c; // L
    out[4] = this.sparse ? 1 : 0;
    out[5] = this.notused[0];
    out[6] = this.notused[1];
    out[7] = this.notused[2];
    for (let i = 0; i < 8; i++) out[8 + i] = this.card[i];
    if (this.sparse) out.set(this.sp.subarray(0, this.spLen), HLL_HDR_SIZE);
    return out.toString('latin1', 0, total);
  }

  /**
   * True when Redis's isHLLObjectOrReply() would accept the string as an HLL
   * (magic, encoding <= 1, dense length exact). Sparse payload is not checked:
   * when this is true but fromRedisString() returns null, Redis would reply
   * "-INVALIDOBJ Corrupted HLL object detected" instead of WRONGTYPE.
   */
  static isHLLHeader(s: string): boolean {
    if (s.length < HLL_HDR_SIZE) return false;
    if (s.charCodeAt(0) !== 0x48 || s.charCodeAt(1) !== 0x59 || s.charCodeAt(2) !== 0x4c || s.charCodeAt(3) !== 0x4c)
      return false;
    const enc = s.charCodeAt(4);
    if (enc === 0) return s.length === HLL_DENSE_SIZE;
    return enc === 1;
  }

  /** Parse a Redis HLL string; null if not a valid HLL (never throws). */
  static fromRedisString(s: string): HLL | null {
    if (typeof s !== 'string' || !HLL.isHLLHeader(s)) return null;
    const len = s.length;
    for (let i = 0; i < len; i++) if (s.charCodeAt(i) > 0xff) return null;
    const h = new HLL();
    h.notused[0] = s.charCodeAt(5);
    h.notused[1] = s.charCodeAt(6);
    h.notused[2] = s.charCodeAt(7);
    for (let i = 0; i < 8; i++) h.card[i] = s.charCodeAt(8 + i);
    if (s.charCodeAt(4) === 1) {
      const n = len - HLL_HDR_SIZE;
      const sp = new Uint8Array(n + 8);
      for (let i = 0; i < n; i++) sp[i] = s.charCodeAt(HLL_HDR_SIZE + i);
      if (!sparseDecode(sp, n, null)) return null;
      h.sp = sp;
      h.spLen = n;
      return h;
    }
    const packed = Buffer.from(s, 'latin1');
    const regs = new Uint8Array(HLL_REGISTERS);
    let o = HLL_HDR_SIZE;
    for (let i = 0; i < HLL_REGISTERS; i += 4) {
      const b0 = packed[o++];
      const b1 = packed[o++];
      const b2 = packed[o++];
      regs[i] = b0 & 63;
      regs[i + 1] = ((b0 >>> 6) | (b1 << 2)) & 63;
      regs[i + 2] = ((b1 >>> 4) | (b2 << 4)) & 63;
      regs[i + 3] = b2 >>> 2;
    }
    h.sparse = false;
    h.regs = regs;
    h.packed = packed;
    h.sp = new Uint8Array(0);
    h.spLen = 0;
    return h;
  }
}

const SEQ = new Uint8Array(5);
