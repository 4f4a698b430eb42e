// Hash commands (Redis 7.0 t_hash.c): HSET and friends, the integer and
// float increments, HRANDFIELD and HSCAN.
//
// Arguments are checked in Redis's order (increments are parsed before the
// key lookup, HSCAN's cursor before the key and its options after), because
// the first error wins and clients see which.

import type { Family } from './table.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { NOTIFY } from '../store/types.js';
import { HashValue, type HLimits } from '../store/hash.js';
import { matchCompiled } from '../util/glob.js';
import { parseI64, parseIntFast, parseLongDouble, addDecimal, parseLong } from '../util/numbers.js';
import { ERR } from './errors.js';
import { parseCursor, parseScanOptions, EMPTY_SCAN } from './scan-args.js';

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
/** Largest |count| HRANDFIELD answers; a bigger reply could not be built in memory. */
const RANDFIELD_MAX = 1e8;

// ---------------------------------------------------------------- config

interface HState {
  lim: HLimits;
}

function state(server: Server): HState {
  let st = server.ext.hashes as HState | undefined;
  if (st === undefined) {
    const cfg = server.config;
    const s: HState = {
      lim: { entries: cfg.num('hash-max-listpack-entries'), value: cfg.num('hash-max-listpack-value') },
    };
    server.ext.hashes = s;
    cfg.onChange('hash-max-listpack-entries', () => (s.lim = { ...s.lim, entries: cfg.num('hash-max-listpack-entries') }));
    cfg.onChange('hash-max-listpack-value', () => (s.lim = { ...s.lim, value: cfg.num('hash-max-listpack-value') }));
    st = s;
  }
  return st;
}

export function install(server: Server): void {
  state(server);
}

function limits(c: Client): HLimits {
  return state(c.server).lim;
}

// ---------------------------------------------------------------- helpers


/** The hash at `key` for reading: the value, null when missing, false after WRONGTYPE. */
function hread(c: Client, key: string): HashValue | null | false {
  const v = c.db.read(key);
  if (v === undefined) return null;
  if (v instanceof HashValue) return v;
  c.error(ERR.wrongType);
  return false;
}

/** The hash at `key` for writing: the value, null when missing, false after WRONGTYPE. */
function hwrite(c: Client, key: string): HashValue | null | false {
  const v = c.db.write(key);
  if (v === undefined) return null;
  if (v instanceof HashValue) return v;
  c.error(ERR.wrongType);
  return false;
}

/** hashTypeLookupWriteOrCreate: existing hash, a new one added to the db, or null after WRONGTYPE. */
function lookupOrCreate(c: Client, key: string): HashValue | null {
  const h = hwrite(c, key);
  if (h === false) return null;
  if (h !== null) return h;
  const n = new HashValue(true);
  c.db.add(key, n);
  return n;
}

// ---------------------------------------------------------------- writes

/** HSET / HMSET: HMSET replies OK, HSET the number of new fields. */
function hsetGeneric(c: Client, argv: string[], hmset: boolean): void {
  if (argv.length % 2 === 1) return c.error(ERR.wrongArgs(hmset ? 'hmset' : 'hset'));
  const key = argv[1];
  const h = lookupOrCreate(c, key);
  if (h === null) return;
  const lim = limits(c);
  h.tryConversion(argv, 2, argv.length - 1, lim);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) if (!h.set(argv[i], argv[i + 1], lim)) created++;
  if (hmset) c.ok();
  else c.int(created);
  const db = c.db;
  db.modifiedObject(key, h);
  db.notify(NOTIFY.HASH, 'hset', key);
  c.server.keyspace.dirty += (argv.length - 2) / 2;
}

function hsetnx(c: Client, argv: string[]): void {
  const key = argv[1];
  const h = lookupOrCreate(c, key);
  if (h === null) return;
  if (h.has(argv[2])) return c.int(0);
  const lim = limits(c);
  h.tryConversion(argv, 2, 3, lim);
  h.set(argv[2], argv[3], lim);
  c.int(1);
  const db = c.db;
  db.modifiedObject(key, h);
  db.notify(NOTIFY.HASH, 'hset', key);
  c.server.keyspace.dirty++;
}

function hdel(c: Client, argv: string[]): void {
  const key = argv[1];
  const h = hwrite(c, key);
  if (h === false) return;
  if (h === null) return c.int(0);
  let deleted = 0;
  let keyRemoved = false;
  for (let i = 2; i < argv.length; i++) {
    if (h.delete(argv[i])) {
      deleted++;
      if (h.size === 0) {
        c.db.delete(key);
        keyRemoved = true;
        break;
      }
    }
  }
  if (deleted > 0) {
    const db = c.db;
    db.modified(key);
    db.notify(NOTIFY.HASH, 'hdel', key);
    if (keyRemoved) db.notify(NOTIFY.GENERIC, 'del', key);
    c.server.keyspace.dirty += deleted;
  }
  c.int(deleted);
}

function hincrby(c: Client, argv: string[]): void {
  const incrS = argv[3];
  const incrN = parseIntFast(incrS);
  if (incrN === null && parseI64(incrS) === null) return c.error(ERR.notInt);
  const key = argv[1];
  const field = argv[2];
  const h = lookupOrCreate(c, key);
  if (h === null) return;
  const cur = h.get(field);
  const curN = cur === undefined ? 0 : parseIntFast(cur);
  let result: string;
  if (curN !== null && incrN !== null && Number.isSafeInteger(curN + incrN)) {
    result = String(curN + incrN);
  } else {
    const old = cur === undefined ? 0n : parseI64(cur);
    if (old === null) return c.error('ERR hash value is not an integer');
    const inc = parseI64(incrS) as bigint;
    if ((inc < 0n && old < 0n && inc < I64_MIN - old) || (inc > 0n && old > 0n && inc > I64_MAX - old)) {
      return c.error(ERR.overflow);
    }
    result = (old + inc).toString();
  }
  h.set(field, result, limits(c));
  c.raw(':' + result + '\r\n');
  const db = c.db;
  db.modifiedObject(key, h);
  db.notify(NOTIFY.HASH, 'hincrby', key);
  c.server.keyspace.dirty++;
}

/** "inf"/"infinity" with an optional sign, any case (the only infinite string2ld inputs). */
function isInfLiteral(s: string): boolean {
  let i = 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 43 || c0 === 45) i = 1;
  return (s.charCodeAt(i) | 0x20) === 105;
}

function hincrbyfloat(c: Client, argv: string[]): void {
  const incr = argv[3];
  const v = parseLongDouble(incr);
  if (v === null) return c.error(ERR.notFloat);
  // ±Infinity also comes back for finite long doubles past the double range (1e400).
  if (!Number.isFinite(v) && isInfLiteral(incr)) return c.error('ERR value is NaN or Infinity');
  const key = argv[1];
  const field = argv[2];
  const h = lookupOrCreate(c, key);
  if (h === null) return;
  const cur = h.get(field);
  if (cur !== undefined && parseLongDouble(cur) === null) return c.error('ERR hash value is not a float');
  const result = addDecimal(cur === undefined ? '0' : cur, incr);
  if (result === null) return c.error('ERR increment would produce NaN or Infinity');
  h.set(field, result, limits(c));
  c.bulk(result);
  const db = c.db;
  db.modifiedObject(key, h);
  db.notify(NOTIFY.HASH, 'hincrbyfloat', key);
  c.server.keyspace.dirty++;
  // Replicated as HSET with the final value (float formatting never diverges).
  c.argv = ['HSET', key, field, result];
}

// ---------------------------------------------------------------- reads

function hget(c: Client, argv: string[]): void {
  const h = hread(c, argv[1]);
  if (h === false) return;
  if (h === null) return c.nil();
  c.bulkOrNil(h.get(argv[2]));
}

function hmget(c: Client, argv: string[]): void {
  const h = hread(c, argv[1]);
  if (h === false) return;
  c.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    if (h === null) c.nil();
    else c.bulkOrNil(h.get(argv[i]));
  }
}

function hlen(c: Client, argv: string[]): void {
  const h = hread(c, argv[1]);
  if (h === false) return;
  c.int(h === null ? 0 : h.size);
}

function hstrlen(c: Client, argv: string[]): void {
  const h = hread(c, argv[1]);
  if (h === false) return;
  const v = h === null ? undefined : h.get(argv[2]);
  c.int(v === undefined ? 0 : v.length);
}

function hexists(c: Client, argv: string[]): void {
  const h = hread(c, argv[1]);
  if (h === false) return;
  c.int(h !== null && h.has(argv[2]) ? 1 : 0);
}

const KEYS = 1;
const VALS = 2;

/** HKEYS / HVALS / HGETALL (genericHgetallCommand). */
function hgetallGeneric(c: Client, argv: string[], flags: number): void {
  const h = hread(c, argv[1]);
  if (h === false) return;
  if (h === null) {
    if (flags === (KEYS | VALS)) c.map(0);
    else c.array(0);
    return;
  }
  const m = h.map;
  let o: string;
  if (flags === (KEYS | VALS)) o = (c.resp === 3 ? '%' : '*') + (c.resp === 3 ? m.size : m.size * 2) + '\r\n';
  else o = '*' + m.size + '\r\n';
  if (flags === KEYS) for (const k of m.keys()) o += '$' + k.length + '\r\n' + k + '\r\n';
  else if (flags === VALS) for (const v of m.values()) o += '$' + v.length + '\r\n' + v + '\r\n';
  else for (const [k, v] of m) o += '$' + k.length + '\r\n' + k + '\r\n$' + v.length + '\r\n' + v + '\r\n';
  c.raw(o);
}

// ---------------------------------------------------------------- HRANDFIELD

function hrandfield(c: Client, argv: string[]): void {
  if (argv.length >= 3) {
    const l = parseLong(argv[2]);
    if (l === null) return c.error(ERR.notInt);
    if (argv[2] === '-9223372036854775808') {
      return c.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    }
    if (argv.length > 4 || (argv.length === 4 && argv[3].toLowerCase() !== 'withvalues')) return c.error(ERR.syntax);
    let withvalues = false;
    if (argv.length === 4) {
      withvalues = true;
      const big = BigInt(argv[2]);
      if (big < -4611686018427387903n || big > 4611686018427387903n) return c.error('ERR value is out of range');
    }
    return hrandfieldCount(c, argv[1], l, withvalues);
  }
  const h = hread(c, argv[1]);
  if (h === false) return;
  if (h === null) return c.nil();
  c.bulk(h.randomField());
}

function replyPair(c: Client, k: string, v: string, withvalues: boolean, nested: boolean): void {
  if (nested) c.array(2);
  c.bulk(k);
  if (withvalues) c.bulk(v);
}

function hrandfieldCount(c: Client, key: string, l: number, withvalues: boolean): void {
  const h = hread(c, key);
  if (h === false) return;
  if (h === null) return c.array(0);
  const m = h.map;
  const size = m.size;
  const uniq = l >= 0;
  const count = Math.abs(l);
  if (count === 0) return c.array(0);
  const nested = withvalues && c.resp === 3;
  // CASE 1: negative count (repetitions allowed) or a single element.
  if (!uniq || count === 1) {
    if (count > RANDFIELD_MAX) return c.error('ERR value is out of range');
    c.array(withvalues && !nested ? count * 2 : count);
    if (count > 8 && count * 4 > size) {
      const es = [...m.entries()];
      for (let i = 0; i < count; i++) {
        const e = es[Math.floor(Math.random() * es.length)];
        replyPair(c, e[0], e[1], withvalues, nested);
      }
    } else {
      for (let i = 0; i < count; i++) {
        const k = h.randomField();
        replyPair(c, k, m.get(k) as string, withvalues, nested);
      }
    }
    return;
  }
  const replySize = count < size ? count : size;
  c.array(withvalues && !nested ? replySize * 2 : replySize);
  // CASE 2: the whole hash, in its order.
  if (count >= size) {
    for (const [k, v] of m) replyPair(c, k, v, withvalues, nested);
    return;
  }
  // CASE 3/4: count distinct random fields.
  const es = [...m.entries()];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(Math.random() * (es.length - i));
    const t = es[i];
    es[i] = es[j];
    es[j] = t;
    replyPair(c, es[i][0], es[i][1], withvalues, nested);
  }
}

// ---------------------------------------------------------------- HSCAN

function hscan(c: Client, argv: string[]): void {
  const cursor = parseCursor(argv[2]);
  if (cursor === null) return c.error('ERR invalid cursor');
  const h = hread(c, argv[1]);
  if (h === false) return;
  if (h === null) return c.raw(EMPTY_SCAN);
  const opts = parseScanOptions(c, argv, 3, false);
  if (opts === null) return;
  const count = opts.count;
  const g = opts.match;
  const m = h.map;
  let next = '0';
  let fields: string[];
  if (h.listpack) {
    let o = '';
    let n = 0;
    for (const [k, v] of m) {
      if (g !== null && !matchCompiled(g, k)) continue;
      o += '$' + k.length + '\r\n' + k + '\r\n$' + v.length + '\r\n' + v + '\r\n';
      n++;
    }
    return c.raw('*2\r\n$1\r\n0\r\n*' + n * 2 + '\r\n' + o);
  } else {
    const r = h.scan(cursor, count, g === null ? undefined : (k: string) => matchCompiled(g, k));
    next = r.cursor;
    fields = r.items;
  }
  let o = '*2\r\n$' + next.length + '\r\n' + next + '\r\n*' + fields.length * 2 + '\r\n';
  for (const k of fields) {
    const v = m.get(k) as string;
    o += '$' + k.length + '\r\n' + k + '\r\n$' + v.length + '\r\n' + v + '\r\n';
  }
  c.raw(o);
}

// ---------------------------------------------------------------- table

export const commands: Family = {
  hset: (c, argv) => hsetGeneric(c, argv, false),
  hmset: (c, argv) => hsetGeneric(c, argv, true),
  hsetnx,
  hget,
  hmget,
  hdel,
  hlen,
  hstrlen,
  hexists,
  hkeys: (c, argv) => hgetallGeneric(c, argv, KEYS),
  hvals: (c, argv) => hgetallGeneric(c, argv, VALS),
  hgetall: (c, argv) => hgetallGeneric(c, argv, KEYS | VALS),
  hincrby,
  hincrbyfloat,
  hrandfield,
  hscan,
};
