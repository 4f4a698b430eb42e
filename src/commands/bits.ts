// Bit commands: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD,
// BITFIELD_RO. Semantics follow Redis 7.0 bitops.c. Strings are latin1 JS
// strings (one char per byte); writes build a new string around the changed
// bytes.

import type { Family } from './table.js';
import { CLIENT, type Client } from '../server/client.js';
import { NOTIFY } from '../store/types.js';
import { constants as bufferConstants } from 'node:buffer';
import { ERR } from './errors.js';
import { parseIntFast, parseLLExact } from '../util/numbers.js';

const MAX_JS_STRING = bufferConstants.MAX_STRING_LENGTH;
const ERR_BIT_OFFSET = 'ERR bit offset is not an integer or out of range';
const ERR_BIT_VALUE = 'ERR bit is not an integer or out of range';
const ERR_BF_TYPE = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';
const ERR_TOO_BIG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';


/** getLongLongFromObjectOrReply; null after an error reply. */
function parseRangeArg(c: Client, s: string): number | bigint | null {
  const v = parseLLExact(s);
  if (v === null) c.error(ERR.notInt);
  return v;
}

/** Past +-2^53 every index behaves like a huge one over strings < 2^53 bytes. */
function clamp(v: number | bigint): number {
  return typeof v === 'number' ? v : v < 0n ? -Number.MAX_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
}

/**
 * getBitOffsetFromArgument: a bit offset (or `#N` times `bits` when allowed),
 * below proto-max-bulk-len bytes. Returns -1 after replying with an error.
 */
function bitOffset(c: Client, s: string, hash: boolean, bits: number): number {
  const usehash = hash && bits > 0 && s.length > 0 && s.charCodeAt(0) === 35; /* # */
  const str = usehash ? s.slice(1) : s;
  let v = parseLLExact(str);
  if (v === null) {
    c.error(ERR_BIT_OFFSET);
    return -1;
  }
  if (usehash) {
    if (typeof v === 'number' && Number.isSafeInteger(v * bits)) v *= bits;
    else v = BigInt.asIntN(64, BigInt(v) * BigInt(bits)); // C's wrap-around
  }
  const max = c.server.config.num('proto-max-bulk-len');
  const master = (c.flags & CLIENT.MASTER) !== 0;
  if (typeof v === 'bigint') {
    if (v < 0n || (!master && v >> 3n >= BigInt(max)) || v >= 2n ** 53n) {
      c.error(ERR_BIT_OFFSET);
      return -1;
    }
    v = Number(v);
  }
  if (v < 0 || (!master && Math.floor(v / 8) >= max)) {
    c.error(ERR_BIT_OFFSET);
    return -1;
  }
  return v;
}

let lookupDirty = false;

/**
 * lookupStringForBitCommand: the string at `key` grown with zero bytes so
 * that bit `maxbit` exists, created when missing. Null after an error reply.
 */
function stringForBits(c: Client, key: string, maxbit: number): string | null {
  const byteLen = Math.floor(maxbit / 8) + 1;
  const db = c.db;
  const v = db.write(key);
  if (v !== undefined && typeof v !== 'string') {
    c.error(ERR.wrongType);
    return null;
  }
  if (byteLen > MAX_JS_STRING) {
    c.error(ERR_TOO_BIG);
    return null;
  }
  lookupDirty = false;
  if (v === undefined) {
    lookupDirty = true;
    const zeros = '\0'.repeat(byteLen);
    db.add(key, zeros, 'raw');
    return zeros;
  }
  // like Redis's dbUnshareStringValue: a bit-written string is 'raw' from now on
  let s = v;
  if (s.length < byteLen) {
    s += '\0'.repeat(byteLen - s.length);
    lookupDirty = true;
  }
  db.store(key, s, 'raw');
  return s;
}

function replaceByte(s: string, i: number, b: number): string {
  return s.slice(0, i) + String.fromCharCode(b) + s.slice(i + 1);
}

// ---------------------------------------------------------------------------

function setbit(c: Client, argv: string[]): void {
  const off = bitOffset(c, argv[2], false, 0);
  if (off < 0) return;
  const onArg = argv[3];
  if (onArg !== '0' && onArg !== '1') return c.error(ERR_BIT_VALUE);
  const on = onArg === '1' ? 1 : 0;
  const key = argv[1];
  const s = stringForBits(c, key, off);
  if (s === null) return;
  const byte = Math.floor(off / 8);
  const bit = 7 - (off & 7);
  const byteval = s.charCodeAt(byte);
  const bitval = (byteval >> bit) & 1;
  if (lookupDirty || bitval !== on) {
    if (bitval !== on) c.db.store(key, replaceByte(s, byte, (byteval & ~(1 << bit)) | (on << bit)), 'raw');
    c.db.modified(key);
    c.db.notify(NOTIFY.STRING, 'setbit', key);
    c.server.keyspace.dirty++;
  }
  c.int(bitval);
}

function getbit(c: Client, argv: string[]): void {
  const off = bitOffset(c, argv[2], false, 0);
  if (off < 0) return;
  const s = c.db.read(argv[1]);
  if (s === undefined) return c.int(0);
  if (typeof s !== 'string') return c.error(ERR.wrongType);
  const byte = Math.floor(off / 8);
  if (byte >= s.length) return c.int(0);
  c.int((s.charCodeAt(byte) >> (7 - (off & 7))) & 1);
}

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];

function popcount(s: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i <= end; i++) n += POPCOUNT[s.charCodeAt(i)];
  return n;
}

function bitcount(c: Client, argv: string[]): void {
  const s = c.db.read(argv[1]);
  if (s === undefined) return c.int(0);
  if (typeof s !== 'string') return c.error(ERR.wrongType);
  const argc = argv.length;
  const strlen = s.length;
  let start: number;
  let end: number;
  let isbit = false;
  let firstMask = 0;
  let lastMask = 0;
  if (argc === 4 || argc === 5) {
    let totlen = strlen;
    const st = parseRangeArg(c, argv[2]);
    if (st === null) return;
    const en = parseRangeArg(c, argv[3]);
    if (en === null) return;
    if (st < 0 && en < 0 && st > en) return c.int(0);
    start = clamp(st);
    end = clamp(en);
    if (argc === 5) {
      const u = argv[4].toLowerCase();
      if (u === 'bit') isbit = true;
      else if (u !== 'byte') return c.error(ERR.syntax);
    }
    if (isbit) totlen *= 8;
    if (start < 0) start = totlen + start;
    if (end < 0) end = totlen + end;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= totlen) end = totlen - 1;
    if (isbit && start <= end) {
      firstMask = ~((1 << (8 - (start & 7))) - 1) & 0xff;
      lastMask = (1 << (7 - (end & 7))) - 1;
      start = Math.floor(start / 8);
      end = Math.floor(end / 8);
    }
  } else if (argc === 2) {
    start = 0;
    end = strlen - 1;
  } else {
    return c.error(ERR.syntax);
  }
  if (start > end) return c.int(0);
  let count = popcount(s, start, end);
  if (firstMask !== 0) count -= POPCOUNT[s.charCodeAt(start) & firstMask];
  if (lastMask !== 0) count -= POPCOUNT[s.charCodeAt(end) & lastMask];
  c.int(count);
}

function bitpos(c: Client, argv: string[]): void {
  const b = argv[2];
  const bv = parseLLExact(b);
  if (bv === null) return c.error(ERR.notInt);
  if (b !== '0' && b !== '1') return c.error('ERR The bit argument must be 1 or 0.');
  const bit = b === '1' ? 1 : 0;
  const s = c.db.read(argv[1]);
  if (s === undefined) return c.int(bit ? -1 : 0);
  if (typeof s !== 'string') return c.error(ERR.wrongType);
  const argc = argv.length;
  const strlen = s.length;
  // The range, in bits, inclusive.
  let sbit: number;
  let ebit: number;
  let endGiven = false;
  if (argc === 4 || argc === 5 || argc === 6) {
    let totlen = strlen;
    let isbit = false;
    const st = parseRangeArg(c, argv[3]);
    if (st === null) return;
    let start = clamp(st);
    let end: number;
    if (argc === 6) {
      const u = argv[5].toLowerCase();
      if (u === 'bit') isbit = true;
      else if (u !== 'byte') return c.error(ERR.syntax);
    }
    if (argc >= 5) {
      const en = parseRangeArg(c, argv[4]);
      if (en === null) return;
      end = clamp(en);
      endGiven = true;
    } else {
      end = isbit ? totlen * 8 + 7 : totlen - 1;
    }
    if (isbit) totlen *= 8;
    if (start < 0) start = totlen + start;
    if (end < 0) end = totlen + end;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= totlen) end = totlen - 1;
    if (start > end) return c.int(-1);
    if (isbit) {
      sbit = start;
      ebit = end;
    } else {
      sbit = start * 8;
      ebit = end * 8 + 7;
    }
  } else if (argc === 3) {
    if (strlen === 0) return c.int(-1);
    sbit = 0;
    ebit = strlen * 8 - 1;
  } else {
    return c.error(ERR.syntax);
  }
  const pos = findBit(s, sbit, ebit, bit);
  if (pos !== -1) return c.int(pos);
  // Not found: a clear bit past the string counts unless the caller bounded the range.
  if (bit === 1 || endGiven) return c.int(-1);
  c.int(ebit + 1);
}

/** First bit equal to `bit` in [sbit, ebit], or -1. */
function findBit(s: string, sbit: number, ebit: number, bit: number): number {
  const skip = bit ? 0 : 0xff; // a byte that holds no candidate
  let i = sbit;
  // leading partial byte
  while (i <= ebit && (i & 7) !== 0) {
    if (((s.charCodeAt(i >> 3) >> (7 - (i & 7))) & 1) === bit) return i;
    i++;
  }
  // whole bytes
  const lastWhole = Math.floor((ebit + 1) / 8); // exclusive byte index
  let byte = i >> 3;
  while (byte < lastWhole && s.charCodeAt(byte) === skip) byte++;
  if (byte < lastWhole) {
    const v = s.charCodeAt(byte);
    for (let k = 0; k < 8; k++) if (((v >> (7 - k)) & 1) === bit) return byte * 8 + k;
  }
  i = Math.max(i, lastWhole * 8);
  // trailing partial byte
  for (; i <= ebit; i++) {
    if (((s.charCodeAt(i >> 3) >> (7 - (i & 7))) & 1) === bit) return i;
  }
  return -1;
}

function bitop(c: Client, argv: string[]): void {
  const opname = argv[1].toLowerCase();
  let op: number;
  if (opname === 'and') op = 0;
  else if (opname === 'or') op = 1;
  else if (opname === 'xor') op = 2;
  else if (opname === 'not') op = 3;
  else return c.error(ERR.syntax);
  if (op === 3 && argv.length !== 4) return c.error('ERR BITOP NOT must be called with a single source key.');
  const db = c.db;
  const n = argv.length - 3;
  const srcs: (string | null)[] = new Array(n);
  let maxlen = 0;
  let minlen = 0;
  for (let j = 0; j < n; j++) {
    const v = db.read(argv[j + 3]);
    if (v === undefined) {
      srcs[j] = null;
      minlen = 0;
      continue;
    }
    if (typeof v !== 'string') return c.error(ERR.wrongType);
    srcs[j] = v;
    if (v.length > maxlen) maxlen = v.length;
    if (j === 0 || v.length < minlen) minlen = v.length;
  }
  const target = argv[2];
  if (maxlen > 0) {
    const out = Buffer.alloc(maxlen);
    if (op === 3) {
      const s = srcs[0]!;
      for (let i = 0; i < maxlen; i++) out[i] = ~s.charCodeAt(i) & 0xff;
    } else {
      const first = srcs[0];
      if (first !== null) out.write(first, 0, 'latin1');
      for (let j = 1; j < n; j++) {
        const s = srcs[j];
        const len = s === null ? 0 : s.length;
        if (op === 0) {
          for (let i = 0; i < len; i++) out[i] &= s!.charCodeAt(i);
          out.fill(0, len);
        } else if (op === 1) {
          for (let i = 0; i < len; i++) out[i] |= s!.charCodeAt(i);
        } else {
          for (let i = 0; i < len; i++) out[i] ^= s!.charCodeAt(i);
        }
      }
    }
    db.set(target, out.toString('latin1'));
    db.setEnc(target, 'raw');
    db.notify(NOTIFY.STRING, 'set', target);
    c.server.keyspace.dirty++;
  } else if (db.delete(target)) {
    db.notify(NOTIFY.GENERIC, 'del', target);
    c.server.keyspace.dirty++;
  }
  c.int(maxlen);
}

// ---------------------------------------------------------------------------
// BITFIELD

const OP_GET = 0;
const OP_SET = 1;
const OP_INCRBY = 2;
const OW_WRAP = 0;
const OW_SAT = 1;
const OW_FAIL = 2;
const I64_MAX = (1n << 63n) - 1n;

interface BfOp {
  op: number;
  ow: number;
  offset: number;
  bits: number;
  signed: boolean;
  value: bigint;
}

/** The unsigned field of `bits` bits at bit `offset` (zero past the end of `s`). */
function getField(s: string, offset: number, bits: number): bigint {
  const byte = Math.floor(offset / 8);
  const shiftIn = offset & 7;
  const nbytes = (shiftIn + bits + 7) >> 3;
  let w = 0n;
  for (let i = 0; i < nbytes; i++) {
    const idx = byte + i;
    w = (w << 8n) | BigInt(idx < s.length ? s.charCodeAt(idx) : 0);
  }
  const tail = BigInt(nbytes * 8 - shiftIn - bits);
  return (w >> tail) & ((1n << BigInt(bits)) - 1n);
}

/** `s` with the field replaced by the low `bits` bits of `value`; `s` covers the field. */
function setField(s: string, offset: number, bits: number, value: bigint): string {
  const byte = Math.floor(offset / 8);
  const shiftIn = offset & 7;
  const nbytes = (shiftIn + bits + 7) >> 3;
  let w = 0n;
  for (let i = 0; i < nbytes; i++) w = (w << 8n) | BigInt(s.charCodeAt(byte + i));
  const tail = BigInt(nbytes * 8 - shiftIn - bits);
  const mask = ((1n << BigInt(bits)) - 1n) << tail;
  w = (w & ~mask) | ((BigInt.asUintN(bits, value) << tail) & mask);
  let mid = '';
  for (let i = nbytes - 1; i >= 0; i--) {
    mid = String.fromCharCode(Number(w & 0xffn)) + mid;
    w >>= 8n;
  }
  return s.slice(0, byte) + mid + s.slice(byte + nbytes);
}

/**
 * checkSignedBitfieldOverflow, with C's 64-bit wrap-around in the increment
 * limits (Redis 7.0 saturates some out-of-range SET values the "wrong" way
 * because of it). Null when no overflow, else the wrapped/saturated value
 * (meaningless for FAIL).
 */
function checkSigned(value: bigint, incr: bigint, bits: number, ow: number): bigint | null {
  const max = bits === 64 ? I64_MAX : (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxincr = BigInt.asIntN(64, max - value);
  const minincr = BigInt.asIntN(64, min - value);
  if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) {
    return ow === OW_SAT ? max : BigInt.asIntN(bits, value + incr);
  }
  if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) {
    return ow === OW_SAT ? min : BigInt.asIntN(bits, value + incr);
  }
  return null;
}

/** checkUnsignedBitfieldOverflow; `value` is a uint64. */
function checkUnsigned(value: bigint, incr: bigint, bits: number, ow: number): bigint | null {
  const max = (1n << BigInt(bits)) - 1n;
  const maxincr = BigInt.asIntN(64, max - value);
  const minincr = BigInt.asIntN(64, -value);
  if (value > max || (incr > 0n && incr > maxincr)) {
    return ow === OW_SAT ? max : BigInt.asUintN(bits, value + incr);
  }
  if (incr < 0n && incr < minincr) {
    return ow === OW_SAT ? 0n : BigInt.asUintN(bits, value + incr);
  }
  return null;
}

function bitfieldGeneric(c: Client, argv: string[], ro: boolean): void {
  const ops: BfOp[] = [];
  let ow = OW_WRAP;
  let readonly = true;
  let highest = 0;
  const argc = argv.length;
  for (let j = 2; j < argc; j++) {
    const rem = argc - j - 1;
    const sub = argv[j].toLowerCase();
    let op: number;
    if (sub === 'get' && rem >= 2) op = OP_GET;
    else if (sub === 'set' && rem >= 3) op = OP_SET;
    else if (sub === 'incrby' && rem >= 3) op = OP_INCRBY;
    else if (sub === 'overflow' && rem >= 1) {
      const t = argv[++j].toLowerCase();
      if (t === 'wrap') ow = OW_WRAP;
      else if (t === 'sat') ow = OW_SAT;
      else if (t === 'fail') ow = OW_FAIL;
      else return c.error('ERR Invalid OVERFLOW type specified');
      continue;
    } else return c.error(ERR.syntax);

    // type: i1..i64, u1..u63
    const t = argv[j + 1];
    const t0 = t.length > 0 ? t.charCodeAt(0) : 0;
    if (t0 !== 105 && t0 !== 117) return c.error(ERR_BF_TYPE);
    const signed = t0 === 105;
    let nul = t.indexOf('\0');
    if (nul === -1) nul = t.length;
    const bitsV = parseIntFast(t.slice(1, nul));
    if (bitsV === null || bitsV < 1 || (signed && bitsV > 64) || (!signed && bitsV > 63)) return c.error(ERR_BF_TYPE);
    const bits = bitsV;

    const offset = bitOffset(c, argv[j + 2], true, bits);
    if (offset < 0) return;

    let value = 0n;
    if (op !== OP_GET) {
      readonly = false;
      if (highest < offset + bits - 1) highest = offset + bits - 1;
      const v = parseLLExact(argv[j + 3]);
      if (v === null) return c.error(ERR.notInt);
      value = BigInt(v);
    }
    ops.push({ op, ow, offset, bits, signed, value });
    j += op === OP_GET ? 2 : 3;
  }

  const key = argv[1];
  let cur: string;
  if (readonly) {
    const v = c.db.read(key);
    if (v !== undefined && typeof v !== 'string') return c.error(ERR.wrongType);
    cur = v ?? '';
  } else {
    if (ro) return c.error('ERR BITFIELD_RO only supports the GET subcommand');
    const v = stringForBits(c, key, highest);
    if (v === null) return;
    cur = v;
  }

  c.array(ops.length);
  let changes = 0;
  for (const o of ops) {
    if (o.op === OP_GET) {
      const u = getField(cur, o.offset, o.bits);
      c.int(o.signed ? BigInt.asIntN(o.bits, u) : u);
      continue;
    }
    const s = cur;
    const old = o.signed ? BigInt.asIntN(o.bits, getField(s, o.offset, o.bits)) : getField(s, o.offset, o.bits);
    const r = o.signed
      ? o.op === OP_INCRBY
        ? checkSigned(old, o.value, o.bits, o.ow)
        : checkSigned(o.value, 0n, o.bits, o.ow)
      : o.op === OP_INCRBY
        ? checkUnsigned(old, o.value, o.bits, o.ow)
        : checkUnsigned(BigInt.asUintN(64, o.value), 0n, o.bits, o.ow);
    const overflow = r !== null;
    const newval = r !== null ? r : o.op === OP_INCRBY ? old + o.value : o.value;
    if (overflow && o.ow === OW_FAIL) {
      c.nil();
      continue;
    }
    c.int(o.op === OP_INCRBY ? newval : old);
    cur = setField(s, o.offset, o.bits, newval);
    changes++;
  }
  if (changes) {
    c.db.store(key, cur, 'raw');
    c.db.modified(key);
    c.db.notify(NOTIFY.STRING, 'setbit', key);
    c.server.keyspace.dirty += changes;
  }
}

export const commands: Family = {
  setbit,
  getbit,
  bitcount,
  bitpos,
  bitop,
  bitfield: (c, argv) => bitfieldGeneric(c, argv, false),
  bitfield_ro: (c, argv) => bitfieldGeneric(c, argv, true),
};
