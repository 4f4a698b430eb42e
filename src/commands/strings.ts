// String commands: SET (EX/PX/EXAT/PXAT/NX/XX/KEEPTTL/GET), GET, GETSET,
// GETDEL, GETEX, MGET, MSET, MSETNX, SETNX, SETEX, PSETEX, APPEND, STRLEN,
// GETRANGE/SUBSTR, SETRANGE, INCR/DECR/INCRBY/DECRBY, INCRBYFLOAT, LCS.
// Semantics follow Redis 7.0 t_string.c. Values are latin1 JS strings.
//
// Writes that Redis propagates in a rewritten form (relative expires,
// INCRBYFLOAT, GETDEL, GETEX...) replace `c.argv`, which is what the
// propagation hooks see after the handler returns.

import type { Family } from './table.js';
import { CLIENT, type Client } from '../server/client.js';
import { NOTIFY } from '../store/types.js';
import { constants as bufferConstants } from 'node:buffer';
import { ERR } from './errors.js';
import { parseIntFast, parseI64, parseLongDouble, addDecimal, parseLLExact } from '../util/numbers.js';

const MAX_JS_STRING = bufferConstants.MAX_STRING_LENGTH;
const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;
/** Below this, seconds*1000 + now stays an exact double. */
const FAST_EXPIRE_LIMIT = 2 ** 42;


// ---------------------------------------------------------------------------
// SET / GETEX option parsing (parseExtendedStringArgumentsOrReply)

const F_NX = 1 << 0;
const F_XX = 1 << 1;
const F_GET = 1 << 2;
const F_KEEPTTL = 1 << 3;
const F_PERSIST = 1 << 4;
const F_EX = 1 << 5;
const F_PX = 1 << 6;
const F_EXAT = 1 << 7;
const F_PXAT = 1 << 8;
const F_EXPIRE = F_EX | F_PX | F_EXAT | F_PXAT;

// Outputs of parseExtended (module state: no allocation on the hot path).
let optFlags = 0;
let optExpire = '';

function parseExtended(c: Client, argv: string[], isSet: boolean): boolean {
  let flags = 0;
  const argc = argv.length;
  for (let j = isSet ? 3 : 2; j < argc; j++) {
    const opt = argv[j];
    const len = opt.length;
    const hasNext = j !== argc - 1;
    const c0 = len > 0 ? opt.charCodeAt(0) | 32 : 0;
    const c1 = len > 1 ? opt.charCodeAt(1) | 32 : 0;
    if (len === 2 && c1 === 120 /* x */) {
      if (c0 === 110 /* n */ && !(flags & F_XX) && isSet) {
        flags |= F_NX;
        continue;
      }
      if (c0 === 120 /* x */ && !(flags & F_NX) && isSet) {
        flags |= F_XX;
        continue;
      }
      if (c0 === 101 /* e */ && !(flags & (F_KEEPTTL | F_PERSIST | F_EXAT | F_PX | F_PXAT)) && hasNext) {
        flags |= F_EX;
        optExpire = argv[++j];
        continue;
      }
      if (c0 === 112 /* p */ && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PXAT)) && hasNext) {
        flags |= F_PX;
        optExpire = argv[++j];
        continue;
      }
    } else if (len === 3) {
      if (c0 === 103 /* g */ && c1 === 101 /* e */ && (opt.charCodeAt(2) | 32) === 116 /* t */ && isSet) {
        flags |= F_GET;
        continue;
      }
    } else if (len === 4) {
      if (
        c1 === 120 /* x */ &&
        (opt.charCodeAt(2) | 32) === 97 /* a */ &&
        (opt.charCodeAt(3) | 32) === 116 /* t */ &&
        hasNext
      ) {
        if (c0 === 101 /* e */ && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_PX | F_PXAT))) {
          flags |= F_EXAT;
          optExpire = argv[++j];
          continue;
        }
        if (c0 === 112 /* p */ && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PX))) {
          flags |= F_PXAT;
          optExpire = argv[++j];
          continue;
        }
      }
    } else if (len === 7) {
      const l = opt.toLowerCase();
      if (l === 'keepttl' && isSet && !(flags & (F_PERSIST | F_EXPIRE))) {
        flags |= F_KEEPTTL;
        continue;
      }
      if (l === 'persist' && !isSet && !(flags & (F_EXPIRE | F_KEEPTTL))) {
        flags |= F_PERSIST;
        continue;
      }
    }
    c.error(ERR.syntax);
    return false;
  }
  optFlags = flags;
  return true;
}

/** Exact decimal text of the last computed deadline, for propagation. */
let expireText = '';

/**
 * getExpireMillisecondsOrReply: the absolute unix-ms deadline for an
 * EX/PX/EXAT/PXAT argument, or -1 after replying with an error.
 */
function expireDeadline(c: Client, arg: string, flags: number): number {
  const seconds = (flags & (F_EX | F_EXAT)) !== 0;
  const relative = (flags & (F_EX | F_PX)) !== 0;
  const n = parseIntFast(arg);
  if (n !== null && n > 0 && n < FAST_EXPIRE_LIMIT) {
    let ms = seconds ? n * 1000 : n;
    if (relative) ms += Date.now();
    expireText = '';
    return ms;
  }
  const v = n !== null ? BigInt(n) : parseI64(arg);
  if (v === null) {
    c.error(ERR.notInt);
    return -1;
  }
  let ms = v;
  if (ms <= 0n || (seconds && ms > LLONG_MAX / 1000n)) {
    c.error(ERR.invalidExpire(c.cmd?.fullName ?? 'set'));
    return -1;
  }
  if (seconds) ms *= 1000n;
  if (relative) ms += BigInt(Date.now());
  if (ms > LLONG_MAX) {
    // C's signed overflow turns the deadline negative
    c.error(ERR.invalidExpire(c.cmd?.fullName ?? 'set'));
    return -1;
  }
  expireText = ms.toString();
  return Number(ms);
}

function deadlineText(ms: number): string {
  return expireText !== '' ? expireText : String(ms);
}

// ---------------------------------------------------------------------------
// SET family

/** getGenericCommand: replies with the value (or nil); false after a WRONGTYPE error. */
function getGeneric(c: Client, key: string): boolean {
  const v = c.db.read(key);
  if (v === undefined) {
    c.nil();
    return true;
  }
  if (typeof v !== 'string') {
    c.error(ERR.wrongType);
    return false;
  }
  c.bulk(v);
  return true;
}

const REPLY_OK = 0;
const REPLY_ONE_ZERO = 1; // SETNX: :1 when set, :0 when aborted

function setGeneric(c: Client, flags: number, key: string, val: string, expire: string | null, reply: number): void {
  let when = 0;
  if (expire !== null) {
    when = expireDeadline(c, expire, flags);
    if (when < 0) return;
  }
  if (flags & F_GET && !getGeneric(c, key)) return;
  const db = c.db;
  if (flags & (F_NX | F_XX)) {
    const found = db.write(key) !== undefined;
    if ((flags & F_NX && found) || (flags & F_XX && !found)) {
      if (!(flags & F_GET)) {
        if (reply === REPLY_ONE_ZERO) c.raw(':0\r\n');
        else c.nil();
      }
      return;
    }
  } else if (db.expires.size !== 0) {
    db.expireIfNeeded(key);
  }
  // With a new deadline coming, keep the TTL slot instead of deleting and re-adding it.
  db.set(key, val, (flags & F_KEEPTTL) !== 0 || expire !== null);
  c.server.keyspace.dirty++;
  db.notify(NOTIFY.STRING, 'set', key);
  if (expire !== null) {
    db.setExpire(key, when);
    c.argv = ['SET', key, val, 'PXAT', deadlineText(when)];
    db.notify(NOTIFY.GENERIC, 'expire', key);
  }
  if (!(flags & F_GET)) {
    if (reply === REPLY_ONE_ZERO) c.raw(':1\r\n');
    else c.ok();
  } else if (expire === null) {
    // propagate without GET
    const out: string[] = [];
    const argv = c.argv;
    for (let j = 0; j < argv.length; j++) {
      const a = argv[j];
      if (j >= 3 && a.length === 3 && a.toLowerCase() === 'get') continue;
      out.push(a);
    }
    c.argv = out;
  }
}

function set(c: Client, argv: string[]): void {
  const key = argv[1];
  if (argv.length === 3) {
    // plain SET key value
    const db = c.db;
    if (db.expires.size !== 0) db.expireIfNeeded(key);
    db.set(key, argv[2]);
    c.server.keyspace.dirty++;
    db.notify(NOTIFY.STRING, 'set', key);
    c.out += '+OK\r\n';
    return;
  }
  if (!parseExtended(c, argv, true)) return;
  const flags = optFlags;
  setGeneric(c, flags, key, argv[2], flags & F_EXPIRE ? optExpire : null, REPLY_OK);
}

function setnx(c: Client, argv: string[]): void {
  setGeneric(c, F_NX, argv[1], argv[2], null, REPLY_ONE_ZERO);
}

function setex(c: Client, argv: string[]): void {
  setGeneric(c, F_EX, argv[1], argv[3], argv[2], REPLY_OK);
}

function psetex(c: Client, argv: string[]): void {
  setGeneric(c, F_PX, argv[1], argv[3], argv[2], REPLY_OK);
}

function get(c: Client, argv: string[]): void {
  const v = c.db.read(argv[1]);
  if (v === undefined) return c.nil();
  if (typeof v !== 'string') return c.error(ERR.wrongType);
  c.out += '$' + v.length + '\r\n' + v + '\r\n';
}

function getset(c: Client, argv: string[]): void {
  const key = argv[1];
  if (!getGeneric(c, key)) return;
  const db = c.db;
  db.set(key, argv[2]);
  db.notify(NOTIFY.STRING, 'set', key);
  c.server.keyspace.dirty++;
  c.argv = ['SET', key, argv[2]];
}

function getdel(c: Client, argv: string[]): void {
  const key = argv[1];
  if (!getGeneric(c, key)) return;
  const db = c.db;
  if (db.delete(key)) {
    c.argv = [c.server.config.bool('lazyfree-lazy-user-del') ? 'UNLINK' : 'DEL', key];
    db.notify(NOTIFY.GENERIC, 'del', key);
    c.server.keyspace.dirty++;
  }
}

function getex(c: Client, argv: string[]): void {
  if (!parseExtended(c, argv, false)) return;
  const flags = optFlags;
  const key = argv[1];
  const db = c.db;
  const v = db.read(key);
  if (v === undefined) return c.nil();
  if (typeof v !== 'string') return c.error(ERR.wrongType);
  let when = 0;
  const hasExpire = (flags & F_EXPIRE) !== 0;
  if (hasExpire) {
    when = expireDeadline(c, optExpire, flags);
    if (when < 0) return;
  }
  c.bulk(v);
  if (flags & (F_EXAT | F_PXAT) && when <= Date.now() && !c.server.keyspace.isReplica) {
    db.remove(key);
    c.argv = [c.server.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key];
    db.notify(NOTIFY.GENERIC, 'del', key);
    c.server.keyspace.dirty++;
  } else if (hasExpire) {
    db.setExpire(key, when);
    c.argv = ['PEXPIREAT', key, deadlineText(when)];
    db.notify(NOTIFY.GENERIC, 'expire', key);
    c.server.keyspace.dirty++;
  } else if (flags & F_PERSIST) {
    if (db.persist(key)) {
      c.argv = ['PERSIST', key];
      db.notify(NOTIFY.GENERIC, 'persist', key);
      c.server.keyspace.dirty++;
    }
  }
}

function mget(c: Client, argv: string[]): void {
  const db = c.db;
  const n = argv.length;
  let out = '*' + (n - 1) + '\r\n';
  const nil = c.resp === 3 ? '_\r\n' : '$-1\r\n';
  for (let j = 1; j < n; j++) {
    const v = db.read(argv[j]);
    if (v === undefined) {
      out += nil;
      continue;
    }
    if (typeof v !== 'string') out += nil;
    else out += '$' + v.length + '\r\n' + v + '\r\n';
  }
  c.out += out;
}

function msetGeneric(c: Client, argv: string[], nx: boolean): void {
  const argc = argv.length;
  if ((argc & 1) === 0) return c.error(ERR.wrongArgs(nx ? 'msetnx' : 'mset'));
  const db = c.db;
  if (nx) {
    for (let j = 1; j < argc; j += 2) {
      if (db.write(argv[j]) !== undefined) {
        c.raw(':0\r\n');
        return;
      }
    }
  }
  const checkExpired = db.expires.size !== 0;
  for (let j = 1; j < argc; j += 2) {
    const key = argv[j];
    if (checkExpired) db.expireIfNeeded(key);
    db.set(key, argv[j + 1]);
    db.notify(NOTIFY.STRING, 'set', key);
  }
  c.server.keyspace.dirty += (argc - 1) >> 1;
  if (nx) c.raw(':1\r\n');
  else c.out += '+OK\r\n';
}

// ---------------------------------------------------------------------------
// APPEND, STRLEN, GETRANGE, SETRANGE

/** checkStringLength: false after replying when the result would be too big. */
function checkStringLength(c: Client, total: number): boolean {
  if (total > MAX_JS_STRING || (!(c.flags & CLIENT.MASTER) && total > c.server.config.num('proto-max-bulk-len'))) {
    c.error('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
    return false;
  }
  return true;
}

function append(c: Client, argv: string[]): void {
  const key = argv[1];
  const add = argv[2];
  const db = c.db;
  const v = db.write(key);
  let len: number;
  if (v === undefined) {
    db.add(key, add);
    len = add.length;
  } else {
    if (typeof v !== 'string') return c.error(ERR.wrongType);
    len = v.length + add.length;
    if (!checkStringLength(c, len)) return;
    db.replace(key, v + add, 'raw');
  }
  db.notify(NOTIFY.STRING, 'append', key);
  c.server.keyspace.dirty++;
  c.int(len);
}

function strlen(c: Client, argv: string[]): void {
  const v = c.db.read(argv[1]);
  if (v === undefined) return c.int(0);
  if (typeof v !== 'string') return c.error(ERR.wrongType);
  c.int(v.length);
}

function getrange(c: Client, argv: string[]): void {
  const rs = parseLLExact(argv[2]);
  if (rs === null) return c.error(ERR.notInt);
  const re = parseLLExact(argv[3]);
  if (re === null) return c.error(ERR.notInt);
  const s = c.db.read(argv[1]);
  if (s === undefined) return c.bulk('');
  if (typeof s !== 'string') return c.error(ERR.wrongType);
  const len = s.length;
  if (rs < 0 && re < 0 && rs > re) return c.bulk('');
  // Past +-2^53 every value behaves like a huge one: clamp to doubles.
  let start = typeof rs === 'number' ? rs : rs < 0n ? -Number.MAX_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  let end = typeof re === 'number' ? re : re < 0n ? -Number.MAX_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) return c.bulk('');
  c.bulk(s.slice(start, end + 1));
}

function setrange(c: Client, argv: string[]): void {
  const key = argv[1];
  const val = argv[3];
  const ov = parseLLExact(argv[2]);
  if (ov === null) return c.error(ERR.notInt);
  if (ov < 0) return c.error('ERR offset is out of range');
  const offset = typeof ov === 'number' ? ov : Number.MAX_SAFE_INTEGER;
  const db = c.db;
  const s = db.write(key);
  let result: string;
  if (s === undefined) {
    if (val.length === 0) return c.int(0);
    if (!checkStringLength(c, offset + val.length)) return;
    result = '\0'.repeat(offset) + val;
    db.add(key, result, 'raw');
  } else {
    if (typeof s !== 'string') return c.error(ERR.wrongType);
    if (val.length === 0) return c.int(s.length);
    if (!checkStringLength(c, offset + val.length)) return;
    const olen = s.length;
    if (offset >= olen) result = s + '\0'.repeat(offset - olen) + val;
    else result = s.slice(0, offset) + val + (offset + val.length < olen ? s.slice(offset + val.length) : '');
    db.replace(key, result, 'raw');
  }
  db.notify(NOTIFY.STRING, 'setrange', key);
  c.server.keyspace.dirty++;
  c.int(result.length);
}

// ---------------------------------------------------------------------------
// INCR family

function incrDecr(c: Client, key: string, incr: number | bigint): void {
  const db = c.db;
  const slot = db.writeSlot(key);
  const v = slot < 0 ? undefined : db.dict.valueAt(slot);
  let cur: number | bigint = 0;
  if (v !== undefined) {
    if (typeof v !== 'string') return c.error(ERR.wrongType);
    const n = parseIntFast(v);
    if (n !== null) cur = n;
    else {
      const b = parseI64(v);
      if (b === null) return c.error(ERR.notInt);
      cur = b;
    }
  }
  let text: string;
  if (typeof cur === 'number' && typeof incr === 'number' && Number.isSafeInteger(cur + incr)) {
    const r = cur + incr;
    text = String(r);
    c.out += ':' + text + '\r\n';
  } else {
    const r = BigInt(cur) + BigInt(incr);
    if (r > LLONG_MAX || r < LLONG_MIN) return c.error(ERR.overflow);
    text = r.toString();
    c.out += ':' + text + '\r\n';
  }
  if (slot >= 0) db.replaceAt(slot, key, text);
  else db.add(key, text);
  db.notify(NOTIFY.STRING, 'incrby', key);
  c.server.keyspace.dirty++;
}

function incr(c: Client, argv: string[]): void {
  incrDecr(c, argv[1], 1);
}

function decr(c: Client, argv: string[]): void {
  incrDecr(c, argv[1], -1);
}

function incrby(c: Client, argv: string[]): void {
  const v = parseLLExact(argv[2]);
  if (v === null) return c.error(ERR.notInt);
  incrDecr(c, argv[1], v);
}

function decrby(c: Client, argv: string[]): void {
  const v = parseLLExact(argv[2]);
  if (v === null) return c.error(ERR.notInt);
  if (typeof v === 'bigint' && v === LLONG_MIN) return c.error('ERR decrement would overflow');
  incrDecr(c, argv[1], typeof v === 'number' ? -v : -v);
}

function incrbyfloat(c: Client, argv: string[]): void {
  const key = argv[1];
  const db = c.db;
  const v = db.write(key);
  let curText = '0';
  if (v !== undefined) {
    if (typeof v !== 'string') return c.error(ERR.wrongType);
    if (parseLongDouble(v) === null) return c.error(ERR.notFloat);
    curText = v;
  }
  if (parseLongDouble(argv[2]) === null) return c.error(ERR.notFloat);
  // Exact x87 long-double addition and %.17Lf formatting; null on inf/nan results.
  const text = addDecimal(curText, argv[2]);
  if (text === null) return c.error('ERR increment would produce NaN or Infinity');
  // Redis builds the result as a plain string object: embstr even when it looks like an integer
  const enc = text.length <= 44 ? 'embstr' : 'raw';
  if (v !== undefined) {
    db.replace(key, text, enc);
  } else {
    db.add(key, text, enc);
  }
  db.notify(NOTIFY.STRING, 'incrbyfloat', key);
  c.server.keyspace.dirty++;
  c.bulk(text);
  c.argv = ['SET', key, text, 'KEEPTTL'];
}

// ---------------------------------------------------------------------------
// LCS

function lcs(c: Client, argv: string[]): void {
  const db = c.db;
  const va = db.read(argv[1]);
  const vb = db.read(argv[2]);
  if ((va !== undefined && typeof va !== 'string') || (vb !== undefined && typeof vb !== 'string')) {
    return c.error('ERR The specified keys must contain string values');
  }
  const a = va === undefined ? '' : va;
  const b = vb === undefined ? '' : vb;
  let getlen = false;
  let getidx = false;
  let withmatchlen = false;
  let minmatchlen = 0;
  const argc = argv.length;
  for (let j = 3; j < argc; j++) {
    const opt = argv[j].toLowerCase();
    const more = argc - 1 - j;
    if (opt === 'idx') getidx = true;
    else if (opt === 'len') getlen = true;
    else if (opt === 'withmatchlen') withmatchlen = true;
    else if (opt === 'minmatchlen' && more > 0) {
      const v = parseLLExact(argv[j + 1]);
      if (v === null) return c.error(ERR.notInt);
      minmatchlen = v < 0 ? 0 : typeof v === 'number' ? v : Number.MAX_SAFE_INTEGER;
      j++;
    } else return c.error(ERR.syntax);
  }
  if (getidx && getlen) return c.error('ERR If you want both the length and indexes, please just use IDX.');
  const alen = a.length;
  const blen = b.length;
  const cells = (alen + 1) * (blen + 1);
  if (cells * 4 > c.server.config.num('proto-max-bulk-len')) {
    return c.error('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  }
  let table: Uint32Array;
  try {
    table = new Uint32Array(cells);
  } catch {
    return c.error('ERR Insufficient memory, failed allocating transient memory for LCS');
  }
  const w = blen + 1;
  for (let i = 1; i <= alen; i++) {
    const ca = a.charCodeAt(i - 1);
    const row = i * w;
    const prev = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ca === b.charCodeAt(j - 1)) table[row + j] = table[prev + j - 1] + 1;
      else {
        const l1 = table[prev + j];
        const l2 = table[row + j - 1];
        table[row + j] = l1 > l2 ? l1 : l2;
      }
    }
  }
  const total = table[alen * w + blen];
  const computeLcs = getidx || !getlen;
  if (!computeLcs) return c.int(total);

  const chars: number[] = new Array(total);
  let idx = total;
  // Ranges, emitted from the end of the strings backwards.
  const ranges: number[] = [];
  let aStart = alen; // alen: no range in progress
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = blen;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      chars[idx - 1] = a.charCodeAt(i - 1);
      if (aStart === alen) {
        aStart = i - 1;
        aEnd = i - 1;
        bStart = j - 1;
        bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      const l1 = table[(i - 1) * w + j];
      const l2 = table[i * w + j - 1];
      if (l1 > l2) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (minmatchlen === 0 || matchLen >= minmatchlen) ranges.push(aStart, aEnd, bStart, bEnd, matchLen);
      aStart = alen;
    }
  }
  if (getidx) {
    c.map(2);
    c.bulk('matches');
    const n = ranges.length / 5;
    c.array(n);
    for (let k = 0; k < ranges.length; k += 5) {
      c.array(withmatchlen ? 3 : 2);
      c.array(2);
      c.int(ranges[k]);
      c.int(ranges[k + 1]);
      c.array(2);
      c.int(ranges[k + 2]);
      c.int(ranges[k + 3]);
      if (withmatchlen) c.int(ranges[k + 4]);
    }
    c.bulk('len');
    c.int(total);
    return;
  }
  let out = '';
  for (let k = 0; k < total; k += 8192) out += String.fromCharCode.apply(null, chars.slice(k, k + 8192));
  c.bulk(out);
}

export const commands: Family = {
  set,
  get,
  getset,
  getdel,
  getex,
  mget,
  mset: (c, argv) => msetGeneric(c, argv, false),
  msetnx: (c, argv) => msetGeneric(c, argv, true),
  setnx,
  setex,
  psetex,
  append,
  strlen,
  getrange,
  substr: getrange,
  setrange,
  incr,
  decr,
  incrby,
  decrby,
  incrbyfloat,
  lcs,
};
