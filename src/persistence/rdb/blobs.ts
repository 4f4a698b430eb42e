// The compact encodings Redis stores inside RDB string blobs: ziplist,
// listpack, intset and zipmap (Redis 7.0 ziplist.c, listpack.c, intset.c,
// zipmap.c). Each parser validates bounds and throws RdbError on anything
// malformed, so a corrupt file never loads half a value.

export class RdbError extends Error {}

function bad(what: string): never {
  throw new RdbError(`Invalid ${what} encoding`);
}

const I64_MIN = -(2n ** 63n);

/** Ziplist entries as strings (integers in decimal). */
export function parseZiplist(b: Buffer): string[] {
  if (b.length < 11) bad('ziplist');
  const total = b.readUInt32LE(0);
  if (total !== b.length) bad('ziplist');
  const count = b.readUInt16LE(8);
  const out: string[] = [];
  let p = 10;
  for (;;) {
    if (p >= b.length) bad('ziplist');
    if (b[p] === 0xff) break;
    // prevlen
    p += b[p] < 254 ? 1 : 5;
    if (p >= b.length) bad('ziplist');
    const e = b[p];
    const kind = e >> 6;
    let len = -1;
    if (kind === 0) {
      len = e & 0x3f;
      p += 1;
    } else if (kind === 1) {
      if (p + 2 > b.length) bad('ziplist');
      len = ((e & 0x3f) << 8) | b[p + 1];
      p += 2;
    } else if (kind === 2) {
      if (p + 5 > b.length) bad('ziplist');
      len = b.readUInt32BE(p + 1);
      p += 5;
    }
    if (len >= 0) {
      if (p + len > b.length) bad('ziplist');
      out.push(b.latin1Slice(p, p + len));
      p += len;
      continue;
    }
    p += 1;
    let v: number | bigint;
    if (e === 0xc0) {
      if (p + 2 > b.length) bad('ziplist');
      v = b.readInt16LE(p);
      p += 2;
    } else if (e === 0xd0) {
      if (p + 4 > b.length) bad('ziplist');
      v = b.readInt32LE(p);
      p += 4;
    } else if (e === 0xe0) {
      if (p + 8 > b.length) bad('ziplist');
      v = b.readBigInt64LE(p);
      p += 8;
    } else if (e === 0xf0) {
      if (p + 3 > b.length) bad('ziplist');
      v = b.readIntLE(p, 3);
      p += 3;
    } else if (e === 0xfe) {
      if (p + 1 > b.length) bad('ziplist');
      v = b.readInt8(p);
      p += 1;
    } else if (e >= 0xf1 && e <= 0xfd) {
      v = (e & 0x0f) - 1;
    } else bad('ziplist');
    out.push(String(v));
  }
  if (p !== b.length - 1) bad('ziplist');
  if (count !== 0xffff && count !== out.length) bad('ziplist');
  return out;
}

/** Listpack entries as strings (integers in decimal). */
export function parseListpack(b: Buffer): string[] {
  if (b.length < 7) bad('listpack');
  if (b.readUInt32LE(0) !== b.length) bad('listpack');
  const count = b.readUInt16LE(4);
  const out: string[] = [];
  let p = 6;
  const n = b.length;
  for (;;) {
    if (p >= n) bad('listpack');
    const e = b[p];
    if (e === 0xff) break;
    const start = p;
    let s: string;
    if ((e & 0x80) === 0) {
      s = String(e & 0x7f);
      p += 1;
    } else if ((e & 0xc0) === 0x80) {
      const len = e & 0x3f;
      if (p + 1 + len > n) bad('listpack');
      s = b.latin1Slice(p + 1, p + 1 + len);
      p += 1 + len;
    } else if ((e & 0xe0) === 0xc0) {
      if (p + 2 > n) bad('listpack');
      let v = ((e & 0x1f) << 8) | b[p + 1];
      if (v >= 1 << 12) v -= 1 << 13;
      s = String(v);
      p += 2;
    } else if ((e & 0xf0) === 0xe0) {
      if (p + 2 > n) bad('listpack');
      const len = ((e & 0x0f) << 8) | b[p + 1];
      if (p + 2 + len > n) bad('listpack');
      s = b.latin1Slice(p + 2, p + 2 + len);
      p += 2 + len;
    } else if (e === 0xf0) {
      if (p + 5 > n) bad('listpack');
      const len = b.readUInt32LE(p + 1);
      if (p + 5 + len > n) bad('listpack');
      s = b.latin1Slice(p + 5, p + 5 + len);
      p += 5 + len;
    } else if (e === 0xf1) {
      if (p + 3 > n) bad('listpack');
      s = String(b.readInt16LE(p + 1));
      p += 3;
    } else if (e === 0xf2) {
      if (p + 4 > n) bad('listpack');
      s = String(b.readIntLE(p + 1, 3));
      p += 4;
    } else if (e === 0xf3) {
      if (p + 5 > n) bad('listpack');
      s = String(b.readInt32LE(p + 1));
      p += 5;
    } else if (e === 0xf4) {
      if (p + 9 > n) bad('listpack');
      const v = b.readBigInt64LE(p + 1);
      s = v < I64_MIN ? bad('listpack') : String(v);
      p += 9;
    } else bad('listpack');
    // the backlen: the entry's size (encoding + data) in 1-5 bytes
    const l = p - start;
    p += l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
    out.push(s);
  }
  if (p !== n - 1) bad('listpack');
  if (count !== 0xffff && count !== out.length) bad('listpack');
  return out;
}

/** Intset members as decimal strings (ascending). */
export function parseIntset(b: Buffer): string[] {
  if (b.length < 8) bad('intset');
  const enc = b.readUInt32LE(0);
  const len = b.readUInt32LE(4);
  if ((enc !== 2 && enc !== 4 && enc !== 8) || 8 + enc * len !== b.length) bad('intset');
  const out: string[] = new Array(len);
  for (let i = 0; i < len; i++) {
    const p = 8 + i * enc;
    out[i] = enc === 2 ? String(b.readInt16LE(p)) : enc === 4 ? String(b.readInt32LE(p)) : String(b.readBigInt64LE(p));
  }
  return out;
}

/** Zipmap field/value pairs, flattened. */
export function parseZipmap(b: Buffer): string[] {
  const out: string[] = [];
  let p = 1;
  const n = b.length;
  const readLen = (): number => {
    if (p >= n) bad('zipmap');
    const x = b[p];
    if (x < 254) {
      p += 1;
      return x;
    }
    if (x === 254) {
      if (p + 5 > n) bad('zipmap');
      const v = b.readUInt32LE(p + 1);
      p += 5;
      return v;
    }
    return -1; // 255: end
  };
  for (;;) {
    const klen = readLen();
    if (klen < 0) break;
    if (p + klen > n) bad('zipmap');
    const k = b.latin1Slice(p, p + klen);
    p += klen;
    const vlen = readLen();
    if (vlen < 0 || p >= n) bad('zipmap');
    const free = b[p++];
    if (p + vlen + free > n) bad('zipmap');
    out.push(k, b.latin1Slice(p, p + vlen));
    p += vlen + free;
  }
  if (p !== n - 1) bad('zipmap');
  return out;
}
