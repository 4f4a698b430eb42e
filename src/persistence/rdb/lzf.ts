// LZF (liblzf 3.6, as bundled with Redis): the compression of RDB strings.
// The compressor produces valid LZF, not necessarily the same bytes as Redis's
// build (any valid stream decodes the same).

const HLOG = 14;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

const htab = new Int32Array(HSIZE);

/**
 * Compresses `input` into at most `outMax` bytes; returns the compressed bytes,
 * or null when they would not fit (the caller then stores the string plain).
 */
export function lzfCompress(input: Uint8Array, outMax: number): Buffer | null {
  const inLen = input.length;
  if (inLen < 3 || outMax <= 0) return null;
  const out = Buffer.allocUnsafe(outMax + 4);
  htab.fill(-1);
  let ip = 0;
  let op = 1; // room for the first literal run's control byte
  let lit = 0;
  const outEnd = outMax;
  let hval = (input[0] << 8) | input[1];
  while (ip < inLen - 2) {
    hval = ((hval << 8) | input[ip + 2]) & 0xffffff;
    const slot = ((hval >>> (3 * 8 - HLOG)) - hval) & (HSIZE - 1);
    const ref = htab[slot];
    htab[slot] = ip;
    let off: number;
    if (ref >= 0 && ref < ip && (off = ip - ref - 1) < MAX_OFF && input[ref] === input[ip] && input[ref + 1] === input[ip + 1] && input[ref + 2] === input[ip + 2]) {
      let len = 2;
      let maxlen = inLen - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;
      if (op + 3 + 1 >= outEnd && op - (lit === 0 ? 1 : 0) + 3 + 1 >= outEnd) return null;
      out[op - lit - 1] = lit - 1; // close the literal run
      if (lit === 0) op--; // an empty run takes no byte
      do len++;
      while (len < maxlen && input[ref + len] === input[ip + len]);
      len -= 2;
      ip++;
      if (len < 7) {
        out[op++] = (off >>> 8) + (len << 5);
      } else {
        out[op++] = (off >>> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // start a new run
      ip += len + 1;
      if (ip >= inLen - 2) break;
      // index the positions inside the match so later data can refer to them
      --ip;
      hval = (input[ip] << 8) | input[ip + 1];
      hval = ((hval << 8) | input[ip + 2]) & 0xffffff;
      htab[((hval >>> (3 * 8 - HLOG)) - hval) & (HSIZE - 1)] = ip;
      ip++;
      hval = (input[ip] << 8) | input[ip + 1];
    } else {
      if (op >= outEnd) return null;
      lit++;
      out[op++] = input[ip++];
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > outEnd) return null;
  while (ip < inLen) {
    lit++;
    out[op++] = input[ip++];
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1;
  if (lit === 0) op--;
  if (op > outMax) return null;
  return out.subarray(0, op);
}

/** Decompresses to exactly `outLen` bytes; throws on a malformed stream. */
export function lzfDecompress(input: Uint8Array, outLen: number): Buffer {
  const out = Buffer.allocUnsafe(outLen);
  let ip = 0;
  let op = 0;
  const inLen = input.length;
  while (ip < inLen) {
    let ctrl = input[ip++];
    if (ctrl < 32) {
      ctrl++;
      if (op + ctrl > outLen || ip + ctrl > inLen) throw new Error('Invalid LZF compressed string');
      for (let k = 0; k < ctrl; k++) out[op++] = input[ip++];
    } else {
      let len = ctrl >>> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (len === 7) {
        if (ip >= inLen) throw new Error('Invalid LZF compressed string');
        len += input[ip++];
      }
      if (ip >= inLen) throw new Error('Invalid LZF compressed string');
      ref -= input[ip++];
      len += 2;
      if (op + len > outLen || ref < 0) throw new Error('Invalid LZF compressed string');
      for (let k = 0; k < len; k++) out[op++] = out[ref++];
    }
  }
  if (op !== outLen) throw new Error('Invalid LZF compressed string');
  return out;
}
