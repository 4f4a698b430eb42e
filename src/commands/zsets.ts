// Sorted-set commands (Redis 7.0 t_zset.c): ZADD and friends, the ZRANGE
// family with its store form, removals by range, pops and their blocking
// forms (BZPOPMIN, BZPOPMAX, BZMPOP; parked through server/blocking.ts),
// ZRANDMEMBER, the set algebra (ZUNION, ZINTER, ZDIFF, their STORE forms,
// ZINTERCARD) and ZSCAN.
//
// Arguments are checked in Redis's order (options, then ranges, then the key
// lookup and its type), because the first error wins and clients see which.

import type { Family } from './table.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Db } from '../store/db.js';
import { NOTIFY, type Value } from '../store/types.js';
import { ZSetValue, type ZLimits, type ZCore } from '../store/zset.js';
import { SetValue } from '../store/set.js';
import type { ZEntry, LexBound } from '../store/ds/skiplist.js';
import { ERR } from './errors.js';
import { blocking, parseTimeout } from '../server/blocking.js';
import { scanMap } from '../store/scan.js';
import { matchCompiled } from '../util/glob.js';
import { parseDouble, parseLong, parseIntFast } from '../util/numbers.js';
import { formatDoubleForReply } from '../protocol/reply.js';
import { parseCursor, parseScanOptions, EMPTY_SCAN } from './scan-args.js';

const NAN_ERR = 'ERR resulting score is not a number (NaN)';
const RANGE_FLOAT_ERR = 'ERR min or max is not a float';
const RANGE_LEX_ERR = 'ERR min or max not valid string range item';
const POSITIVE_ERR = 'ERR value is out of range, must be positive';

// ---------------------------------------------------------------- config

interface ZState {
  lim: ZLimits;
}

function state(server: Server): ZState {
  let st = server.ext.zsets as ZState | undefined;
  if (st === undefined) {
    const cfg = server.config;
    st = {
      lim: { entries: cfg.num('zset-max-listpack-entries'), value: cfg.num('zset-max-listpack-value') },
    };
    server.ext.zsets = st;
    const s = st;
    cfg.onChange('zset-max-listpack-entries', () => (s.lim = { ...s.lim, entries: cfg.num('zset-max-listpack-entries') }));
    cfg.onChange('zset-max-listpack-value', () => (s.lim = { ...s.lim, value: cfg.num('zset-max-listpack-value') }));
  }
  return st;
}

export function install(server: Server): void {
  state(server);
}

function limits(c: Client): ZLimits {
  return state(c.server).lim;
}

// ---------------------------------------------------------------- number parsing


/** getLongFromObjectOrReply; null after replying. */
function longArg(c: Client, s: string, msg: string = ERR.notInt): number | null {
  const v = parseLong(s);
  if (v === null) c.error(msg);
  return v;
}

/** getRangeLongFromObjectOrReply(min..LONG_MAX) with one message for both failures. */
function longAtLeast(c: Client, s: string, min: number, msg: string): number | null {
  const v = parseLong(s);
  if (v === null || v < min) {
    c.error(msg);
    return null;
  }
  return v;
}

function isSpace(ch: number): boolean {
  return ch === 32 || (ch >= 9 && ch <= 13);
}

const HEXDIG = /[0-9a-fA-F]/;

/**
 * glibc strtod on s from `start`: returns [value, end]. When nothing can be
 * converted end === start (leading spaces are not consumed then), value 0.
 */
export function strtod(s: string, start: number): [number, number] {
  const n = s.length;
  let i = start;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  const signPos = i;
  let neg = false;
  if (i < n && (s[i] === '+' || s[i] === '-')) {
    neg = s[i] === '-';
    i++;
  }
  const rest = s.slice(i, i + 8).toLowerCase();
  if (rest.startsWith('inf')) {
    const len = rest.startsWith('infinity') ? 8 : 3;
    return [neg ? -Infinity : Infinity, i + len];
  }
  if (rest.startsWith('nan')) {
    let j = i + 3;
    if (j < n && s[j] === '(') {
      let k = j + 1;
      while (k < n && /[0-9A-Za-z_]/.test(s[k])) k++;
      if (k < n && s[k] === ')') j = k + 1;
    }
    return [NaN, j];
  }
  // hexadecimal float
  if (i + 1 < n && s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X')) {
    let j = i + 2;
    let mant = '';
    let fracDigits = 0;
    while (j < n && HEXDIG.test(s[j])) mant += s[j++];
    if (j < n && s[j] === '.') {
      let k = j + 1;
      let frac = '';
      while (k < n && HEXDIG.test(s[k])) frac += s[k++];
      if (mant.length > 0 || frac.length > 0) {
        mant += frac;
        fracDigits = frac.length;
        j = k;
      }
    }
    if (mant.length > 0) {
      let exp = 0;
      if (j < n && (s[j] === 'p' || s[j] === 'P')) {
        let k = j + 1;
        let eneg = false;
        if (k < n && (s[k] === '+' || s[k] === '-')) {
          eneg = s[k] === '-';
          k++;
        }
        const ds = k;
        while (k < n && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) k++;
        if (k > ds) {
          exp = Number(s.slice(ds, k)) * (eneg ? -1 : 1);
          j = k;
        }
      }
      let v = Number(BigInt('0x' + mant));
      let e2 = exp - 4 * fracDigits;
      while (e2 > 0 && Number.isFinite(v) && v !== 0) {
        const step = Math.min(e2, 1000);
        v *= 2 ** step;
        e2 -= step;
      }
      while (e2 < 0 && v !== 0) {
        const step = Math.min(-e2, 1000);
        v /= 2 ** step;
        e2 += step;
      }
      return [neg ? -v : v, j];
    }
    // "0x" without digits: only the "0" converts
    return [neg ? -0 : 0, i + 1];
  }
  let j = i;
  let digits = 0;
  while (j < n && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) {
    j++;
    digits++;
  }
  if (j < n && s[j] === '.') {
    j++;
    while (j < n && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) {
      j++;
      digits++;
    }
  }
  if (digits === 0) return [0, start];
  if (j < n && (s[j] === 'e' || s[j] === 'E')) {
    let k = j + 1;
    if (k < n && (s[k] === '+' || s[k] === '-')) k++;
    const ds = k;
    while (k < n && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) k++;
    if (k > ds) j = k;
  }
  let text = s.slice(signPos, j);
  if (text.endsWith('.')) text = text.slice(0, -1);
  if (text.startsWith('.') || text.startsWith('-.') || text.startsWith('+.')) text = text.replace('.', '0.');
  return [Number(text), j];
}

/** Score argument (string2d rules); null after replying. */
function scoreArg(c: Client, s: string, msg: string = ERR.notFloat): number | null {
  // a plain integer (no sign on 0, no leading zero, at most 17 digits) is exact: strtod's value without its scan
  const n = parseIntFast(s);
  if (n !== null) return n;
  const v = parseDouble(s);
  if (v === null || Number.isNaN(v)) {
    c.error(msg);
    return null;
  }
  return v;
}

interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** One zslParseRange item: '(' prefix = exclusive, strtod, must end at the string end (or a NUL). */
function parseScoreItem(s: string): [number, boolean] | null {
  const ex = s.length > 0 && s.charCodeAt(0) === 40;
  const start = ex ? 1 : 0;
  const [v, end] = strtod(s, start);
  if ((end < s.length && s.charCodeAt(end) !== 0) || Number.isNaN(v)) return null;
  return [v, ex];
}

function parseScoreRange(minS: string, maxS: string): ScoreRange | null {
  const a = parseScoreItem(minS);
  if (a === null) return null;
  const b = parseScoreItem(maxS);
  if (b === null) return null;
  return { min: a[0], minex: a[1], max: b[0], maxex: b[1] };
}

function parseLexItem(s: string): LexBound | null {
  if (s.length === 0) return null;
  const ch = s.charCodeAt(0);
  if (ch === 43 || ch === 45) {
    if (s.length > 1 && s.charCodeAt(1) !== 0) return null;
    return { inf: ch === 43 ? 1 : -1, value: '', exclusive: false };
  }
  if (ch === 40) return { inf: 0, value: s.slice(1), exclusive: true };
  if (ch === 91) return { inf: 0, value: s.slice(1), exclusive: false };
  return null;
}

function parseLexRange(minS: string, maxS: string): [LexBound, LexBound] | null {
  const a = parseLexItem(minS);
  if (a === null) return null;
  const b = parseLexItem(maxS);
  if (b === null) return null;
  return [a, b];
}

// ---------------------------------------------------------------- lookups

/** A zset, null when missing, false after replying WRONGTYPE. */
function zread(c: Client, key: string): ZSetValue | null | false {
  const v = c.db.read(key);
  if (v === undefined) return null;
  if (!(v instanceof ZSetValue)) {
    c.error(ERR.wrongType);
    return false;
  }
  return v;
}

function zwrite(c: Client, key: string): ZSetValue | null | false {
  const v = c.db.write(key);
  if (v === undefined) return null;
  if (!(v instanceof ZSetValue)) {
    c.error(ERR.wrongType);
    return false;
  }
  return v;
}

/** Deletes the key when its zset became empty; true when deleted (the caller notifies 'del'). */
function deleteIfEmpty(db: Db, key: string, z: ZSetValue): boolean {
  if (z.size !== 0) return false;
  db.delete(key);
  return true;
}

// ---------------------------------------------------------------- replies

function replyEntries(c: Client, es: readonly ZEntry[], withscores: boolean): void {
  const n = es.length;
  if (!withscores || c.resp === 2) {
    // a flat array of bulk strings (scores as RESP2 bulks): encoded in one pass by bulks()
    const a = new Array<string>(withscores ? 2 * n : n);
    if (withscores) {
      for (let i = 0; i < n; i++) {
        const e = es[i];
        a[2 * i] = e[0];
        a[2 * i + 1] = formatDoubleForReply(e[1]);
      }
    } else for (let i = 0; i < n; i++) a[i] = es[i][0];
    c.bulks(a);
    return;
  }
  // RESP3 WITHSCORES: [member, double] pairs
  c.array(n);
  for (let i = 0; i < n; i++) {
    const e = es[i];
    c.array(2);
    c.bulk(e[0]);
    c.double(e[1]);
  }
}

// ---------------------------------------------------------------- ZADD / ZINCRBY

function zaddGeneric(c: Client, argv: string[], incrCmd: boolean): void {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  let ch = false;
  let incr = incrCmd;
  let i = 2;
  if (!incrCmd) {
    for (; i < argv.length; i++) {
      // options are letters; a score (digits, sign, dot) ends them without a lowercased copy
      const c0 = argv[i].charCodeAt(0) | 0x20;
      if (c0 < 97 || c0 > 122) break;
      const o = argv[i].toLowerCase();
      if (o === 'nx') nx = true;
      else if (o === 'xx') xx = true;
      else if (o === 'ch') ch = true;
      else if (o === 'incr') incr = true;
      else if (o === 'gt') gt = true;
      else if (o === 'lt') lt = true;
      else break;
    }
  }
  const elements = argv.length - i;
  if (elements % 2 !== 0 || elements === 0) return c.error(ERR.syntax);
  const pairs = elements / 2;
  if (nx && xx) return c.error('ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    return c.error('ERR GT, LT, and/or NX options at the same time are not compatible');
  }
  if (incr && pairs > 1) return c.error('ERR INCR option supports a single increment-element pair');
  const scores = new Array<number>(pairs);
  for (let j = 0; j < pairs; j++) {
    const v = scoreArg(c, argv[i + j * 2]);
    if (v === null) return;
    scores[j] = v;
  }
  const key = argv[1];
  const db = c.db;
  let z = zwrite(c, key);
  if (z === false) return;
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  if (z === null) {
    if (xx) return replyZadd(c, incr, ch, processed, score, added, updated);
    z = new ZSetValue(true);
    db.add(key, z);
  }
  const lim = limits(c);
  for (let j = 0; j < pairs; j++) {
    const member = argv[i + j * 2 + 1];
    let s = scores[j];
    const cur = z.zs.score(member); // not hoisted: an insert may convert the listpack to a skiplist
    if (cur !== undefined) {
      if (nx) continue;
      if (incr) {
        s = cur + s;
        if (Number.isNaN(s)) {
          c.error(NAN_ERR);
          return finishZadd(c, key, z, incr, added, updated);
        }
      }
      if ((lt && s >= cur) || (gt && s <= cur)) continue;
      if (s !== cur) {
        z.add(member, s, lim);
        updated++;
      }
      processed++;
      score = s;
    } else if (!xx) {
      z.add(member, s, lim);
      added++;
      processed++;
      score = s;
    }
  }
  c.server.keyspace.dirty += added + updated;
  replyZadd(c, incr, ch, processed, score, added, updated);
  finishZadd(c, key, z, incr, added, updated);
}

function replyZadd(c: Client, incr: boolean, ch: boolean, processed: number, score: number, added: number, updated: number): void {
  if (incr) {
    if (processed) c.double(score);
    else c.nil();
  } else c.int(ch ? added + updated : added);
}

function finishZadd(c: Client, key: string, z: ZSetValue, incr: boolean, added: number, updated: number): void {
  if (added || updated) {
    c.db.modifiedObject(key, z);
    c.db.notify(NOTIFY.ZSET, incr ? 'zincr' : 'zadd', key);
  }
}

function zadd(c: Client, argv: string[]): void {
  zaddGeneric(c, argv, false);
}

function zincrby(c: Client, argv: string[]): void {
  zaddGeneric(c, argv, true);
}

// ---------------------------------------------------------------- ZREM, ZCARD, ZSCORE...

function zrem(c: Client, argv: string[]): void {
  const key = argv[1];
  const z = zwrite(c, key);
  if (z === false) return;
  if (z === null) return c.int(0);
  let deleted = 0;
  let keyremoved = false;
  for (let j = 2; j < argv.length; j++) {
    if (z.remove(argv[j])) deleted++;
    if (z.size === 0) {
      c.db.delete(key);
      keyremoved = true;
      break;
    }
  }
  if (deleted) {
    c.db.notify(NOTIFY.ZSET, 'zrem', key);
    if (keyremoved) c.db.notify(NOTIFY.GENERIC, 'del', key);
    c.db.modified(key);
    c.server.keyspace.dirty += deleted;
  }
  c.int(deleted);
}

function zcard(c: Client, argv: string[]): void {
  const z = zread(c, argv[1]);
  if (z === false) return;
  c.int(z === null ? 0 : z.size);
}

function zcount(c: Client, argv: string[]): void {
  const r = parseScoreRange(argv[2], argv[3]);
  if (r === null) return c.error(RANGE_FLOAT_ERR);
  const z = zread(c, argv[1]);
  if (z === false) return;
  if (z === null) return c.int(0);
  c.int(z.zs.countInScoreRange(r.min, r.max, r.minex, r.maxex));
}

function zlexcount(c: Client, argv: string[]): void {
  const r = parseLexRange(argv[2], argv[3]);
  if (r === null) return c.error(RANGE_LEX_ERR);
  const z = zread(c, argv[1]);
  if (z === false) return;
  if (z === null) return c.int(0);
  c.int(z.zs.countInLexRange(r[0], r[1]));
}

function zscore(c: Client, argv: string[]): void {
  const z = zread(c, argv[1]);
  if (z === false) return;
  const s = z === null ? undefined : z.zs.score(argv[2]);
  if (s === undefined) c.nil();
  else c.double(s);
}

function zmscore(c: Client, argv: string[]): void {
  const z = zread(c, argv[1]);
  if (z === false) return;
  c.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z === null ? undefined : z.zs.score(argv[j]);
    if (s === undefined) c.nil();
    else c.double(s);
  }
}

function zrankGeneric(c: Client, argv: string[], reverse: boolean): void {
  const z = zread(c, argv[1]);
  if (z === false) return;
  if (z === null) return c.nil();
  const r = reverse ? z.zs.revRank(argv[2]) : z.zs.rank(argv[2]);
  if (r < 0) c.nil();
  else c.int(r);
}

// ---------------------------------------------------------------- ZRANGE family

const enum RType {
  AUTO,
  RANK,
  SCORE,
  LEX,
}
const enum Dir {
  AUTO,
  FORWARD,
  REVERSE,
}

/** zrangeGenericCommand: argStart is the index of the source key; store = ZRANGESTORE. */
function zrangeGeneric(c: Client, argv: string[], argStart: number, store: boolean, rtype: RType, dir: Dir): void {
  const key = argv[argStart];
  let minidx = argStart + 1;
  let maxidx = argStart + 2;
  let withscores = false;
  let offset = 0;
  let limit = -1;
  for (let j = argStart + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const o = argv[j].toLowerCase();
    if (!store && o === 'withscores') withscores = true;
    else if (o === 'limit' && left >= 2) {
      const off = longArg(c, argv[j + 1]);
      if (off === null) return;
      const lim = longArg(c, argv[j + 2]);
      if (lim === null) return;
      offset = off;
      limit = lim;
      j += 2;
    } else if (dir === Dir.AUTO && o === 'rev') dir = Dir.REVERSE;
    else if (rtype === RType.AUTO && o === 'bylex') rtype = RType.LEX;
    else if (rtype === RType.AUTO && o === 'byscore') rtype = RType.SCORE;
    else return c.error(ERR.syntax);
  }
  if (dir === Dir.AUTO) dir = Dir.FORWARD;
  if (rtype === RType.AUTO) rtype = RType.RANK;
  if (limit !== -1 && rtype === RType.RANK) {
    return c.error('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  }
  if (withscores && rtype === RType.LEX) {
    return c.error('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  }
  const reverse = dir === Dir.REVERSE;
  if (reverse && rtype !== RType.RANK) {
    const t = maxidx;
    maxidx = minidx;
    minidx = t;
  }
  let start = 0;
  let end = 0;
  let srange: ScoreRange | null = null;
  let lrange: [LexBound, LexBound] | null = null;
  if (rtype === RType.RANK) {
    const a = longArg(c, argv[minidx]);
    if (a === null) return;
    const b = longArg(c, argv[maxidx]);
    if (b === null) return;
    start = a;
    end = b;
  } else if (rtype === RType.SCORE) {
    srange = parseScoreRange(argv[minidx], argv[maxidx]);
    if (srange === null) return c.error(RANGE_FLOAT_ERR);
  } else {
    lrange = parseLexRange(argv[minidx], argv[maxidx]);
    if (lrange === null) return c.error(RANGE_LEX_ERR);
  }
  const z = zread(c, key);
  if (z === false) return;
  let es: ZEntry[];
  if (z === null) es = [];
  else if (rtype === RType.RANK) {
    const llen = z.size;
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) es = [];
    else {
      if (end >= llen) end = llen - 1;
      es = z.zs.rangeByRank(start, end, reverse);
    }
  } else if (rtype === RType.SCORE) {
    const r = srange as ScoreRange;
    es = z.zs.rangeByScore(r.min, r.max, r.minex, r.maxex, reverse, offset, limit);
  } else {
    const r = lrange as [LexBound, LexBound];
    es = z.zs.rangeByLex(r[0], r[1], reverse, offset, limit);
  }
  if (!store) return replyEntries(c, es, withscores);
  storeResult(c, argv[1], es);
}

/** zrangeResultFinalizeStore. */
function storeResult(c: Client, dst: string, es: readonly ZEntry[]): void {
  const db = c.db;
  if (es.length > 0) {
    const lim = limits(c);
    const z = new ZSetValue(true);
    for (const [m, s] of es) z.add(m, s, lim);
    db.set(dst, z);
    c.int(es.length);
    db.notify(NOTIFY.ZSET, 'zrangestore', dst);
    c.server.keyspace.dirty++;
  } else {
    c.int(0);
    if (db.delete(dst)) {
      db.notify(NOTIFY.GENERIC, 'del', dst);
      c.server.keyspace.dirty++;
    }
  }
}

function zrange(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, false, RType.AUTO, Dir.AUTO);
}
function zrangestore(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 2, true, RType.AUTO, Dir.AUTO);
}
function zrevrange(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, false, RType.RANK, Dir.REVERSE);
}
function zrangebyscore(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, false, RType.SCORE, Dir.FORWARD);
}
function zrevrangebyscore(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, false, RType.SCORE, Dir.REVERSE);
}
function zrangebylex(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, false, RType.LEX, Dir.FORWARD);
}
function zrevrangebylex(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, false, RType.LEX, Dir.REVERSE);
}

// ---------------------------------------------------------------- ZREMRANGEBY*

function zremrangeGeneric(c: Client, argv: string[], rtype: RType): void {
  const key = argv[1];
  let start = 0;
  let end = 0;
  let srange: ScoreRange | null = null;
  let lrange: [LexBound, LexBound] | null = null;
  let event: string;
  if (rtype === RType.RANK) {
    event = 'zremrangebyrank';
    const a = longArg(c, argv[2]);
    if (a === null) return;
    const b = longArg(c, argv[3]);
    if (b === null) return;
    start = a;
    end = b;
  } else if (rtype === RType.SCORE) {
    event = 'zremrangebyscore';
    srange = parseScoreRange(argv[2], argv[3]);
    if (srange === null) return c.error(RANGE_FLOAT_ERR);
  } else {
    event = 'zremrangebylex';
    lrange = parseLexRange(argv[2], argv[3]);
    if (lrange === null) return c.error(RANGE_LEX_ERR);
  }
  const z = zwrite(c, key);
  if (z === false) return;
  if (z === null) return c.int(0);
  let removed: string[];
  if (rtype === RType.RANK) {
    const llen = z.size;
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) return c.int(0);
    if (end >= llen) end = llen - 1;
    removed = z.zs.deleteRangeByRank(start, end);
  } else if (rtype === RType.SCORE) {
    const r = srange as ScoreRange;
    removed = z.zs.deleteRangeByScore(r.min, r.max, r.minex, r.maxex);
  } else {
    const r = lrange as [LexBound, LexBound];
    removed = z.zs.deleteRangeByLex(r[0], r[1]);
  }
  const deleted = removed.length;
  if (deleted) {
    const db = c.db;
    const keyremoved = deleteIfEmpty(db, key, z);
    db.modified(key);
    db.notify(NOTIFY.ZSET, event, key);
    if (keyremoved) db.notify(NOTIFY.GENERIC, 'del', key);
  }
  c.server.keyspace.dirty += deleted;
  c.int(deleted);
}

// ---------------------------------------------------------------- pops

const MIN = 0;
const MAX = 1;

/**
 * Pops up to `count` (-1 = a single plain pop) entries from `z` at `key` and
 * writes the reply in the shape genericZpopCommand picks. Notifies, counts
 * dirty and deletes the emptied key.
 */
function popAndReply(c: Client, db: Db, key: string, z: ZSetValue, where: number, emitkey: boolean, count: number, nested: boolean): void {
  if (count === -1) count = 1;
  const llen = z.size;
  const n = count > llen ? llen : count;
  if (!nested && !emitkey) c.array(n * 2);
  else if (nested && !emitkey) c.array(n);
  else if (!nested && emitkey) {
    c.array(n * 2 + 1);
    c.bulk(key);
  } else {
    c.array(2);
    c.bulk(key);
    c.array(n);
  }
  const es = where === MIN ? z.zs.popMin(n) : z.zs.popMax(n);
  c.server.keyspace.dirty += es.length;
  db.notify(NOTIFY.ZSET, where === MIN ? 'zpopmin' : 'zpopmax', key);
  db.modified(key);
  for (const e of es) {
    if (nested) c.array(2);
    c.bulk(e[0]);
    c.double(e[1]);
  }
  if (deleteIfEmpty(db, key, z)) db.notify(NOTIFY.GENERIC, 'del', key);
}

/** genericZpopCommand over several keys; returns the key popped from, or null. */
function zpopGeneric(c: Client, keys: readonly string[], where: number, emitkey: boolean, count: number, nested: boolean, nilWhenEmpty: boolean): string | null {
  let z: ZSetValue | null = null;
  let key = '';
  for (const k of keys) {
    const v = zwrite(c, k);
    if (v === false) return null;
    if (v === null) continue;
    z = v;
    key = k;
    break;
  }
  if (z === null) {
    if (nilWhenEmpty) c.nilArray();
    else c.array(0);
    return null;
  }
  if (count === 0) {
    c.array(0);
    return null;
  }
  popAndReply(c, c.db, key, z, where, emitkey, count, nested);
  return key;
}

function zpopMinMax(c: Client, argv: string[], where: number): void {
  if (argv.length > 3) return c.error(ERR.syntax);
  let count = -1;
  if (argv.length === 3) {
    const v = longAtLeast(c, argv[2], 0, POSITIVE_ERR);
    if (v === null) return;
    count = v;
  }
  const nested = c.resp === 3 && count !== -1;
  zpopGeneric(c, [argv[1]], where, false, count, nested, false);
}

function popArgv(where: number, key: string, count: number): string[] {
  const name = where === MAX ? 'ZPOPMAX' : 'ZPOPMIN';
  return count === -1 ? [name, key] : [name, key, String(count > 0 ? count : 1)];
}

/** blockingGenericZpopCommand. */
function blockingZpop(c: Client, argv: string[], keys: readonly string[], where: number, timeoutIdx: number, count: number, nested: boolean): void {
  const deadline = parseTimeout(argv[timeoutIdx]);
  if (typeof deadline === 'string') return c.error(deadline);
  for (const key of keys) {
    const z = zwrite(c, key);
    if (z === false) return;
    if (z === null || z.size === 0) continue;
    popAndReply(c, c.db, key, z, where, true, count, nested);
    c.argv = popArgv(where, key, count);
    return;
  }
  const b = blocking(c.server);
  if (!b.mayBlock(c)) return c.nilArray();
  b.block(c, {
    db: c.db,
    keys: [...keys],
    deadline,
    onTimeout: (x) => x.nilArray(),
    tryServe: (x, key) => {
      const db = x.db;
      const z = db.write(key);
      if (!(z instanceof ZSetValue) || z.size === 0) return false;
      x.server.propagate(db.id, popArgv(where, key, count));
      popAndReply(x, db, key, z, where, true, count, nested);
      return true;
    },
  });
}

function bzpopMinMax(c: Client, argv: string[], where: number): void {
  blockingZpop(c, argv, argv.slice(1, -1), where, argv.length - 1, -1, false);
}

/** zmpopGenericCommand: ZMPOP (numkeysIdx 1) and BZMPOP (numkeysIdx 2). */
function zmpopGeneric(c: Client, argv: string[], numkeysIdx: number, block: boolean): void {
  const numkeys = longAtLeast(c, argv[numkeysIdx], 1, 'ERR numkeys should be greater than 0');
  if (numkeys === null) return;
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) return c.error(ERR.syntax);
  const w = argv[whereIdx].toLowerCase();
  let where: number;
  if (w === 'min') where = MIN;
  else if (w === 'max') where = MAX;
  else return c.error(ERR.syntax);
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (count === -1 && more > 0 && argv[j].toLowerCase() === 'count') {
      j++;
      const v = longAtLeast(c, argv[j], 1, 'ERR count should be greater than 0');
      if (v === null) return;
      count = v;
    } else return c.error(ERR.syntax);
  }
  if (count === -1) count = 1;
  const keys = argv.slice(numkeysIdx + 1, numkeysIdx + 1 + numkeys);
  if (block) return blockingZpop(c, argv, keys, where, 1, count, true);
  const key = zpopGeneric(c, keys, where, true, count, true, true);
  if (key !== null) c.argv = popArgv(where, key, count);
}

// ---------------------------------------------------------------- ZRANDMEMBER

/**
 * A reply larger than this (in bytes) is refused: it could not be built as
 * one string (Redis would try, and grow its output buffer without bound).
 */
const MAX_REPLY_BYTES = 256 * 1024 * 1024;

function zrandmember(c: Client, argv: string[]): void {
  if (argv.length >= 3) {
    const l = parseLong(argv[2]);
    if (l === null) return c.error(ERR.notInt);
    const big = BigInt(argv[2]);
    if (big < -9223372036854775807n) {
      return c.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    }
    let withscores = false;
    if (argv.length > 4 || (argv.length === 4 && argv[3].toLowerCase() !== 'withscores')) return c.error(ERR.syntax);
    if (argv.length === 4) {
      withscores = true;
      if (big < -4611686018427387903n || big > 4611686018427387903n) return c.error('ERR value is out of range');
    }
    return zrandmemberCount(c, argv[1], l, withscores);
  }
  const z = zread(c, argv[1]);
  if (z === false) return;
  if (z === null) return c.nil();
  c.bulk((z.zs.randomMember() as ZEntry)[0]);
}

function zrandmemberCount(c: Client, key: string, l: number, withscores: boolean): void {
  const z = zread(c, key);
  if (z === false) return;
  if (z === null) return c.array(0);
  const size = z.size;
  const uniq = l >= 0;
  const count = Math.abs(l);
  if (count === 0) return c.array(0);
  const nested = withscores && c.resp === 3;
  const zs = z.zs;
  if (!uniq || count === 1) {
    const mark = c.pendingOut();
    if (count > MAX_REPLY_BYTES / 4) return c.error('ERR value is out of range');
    c.array(withscores && !nested ? count * 2 : count);
    for (let i = 0; i < count; i++) {
      const e = zs.randomMember() as ZEntry;
      if (nested) c.array(2);
      c.bulk(e[0]);
      if (withscores) c.double(e[1]);
      if ((i & 1023) === 1023 && c.pendingOut() - mark > MAX_REPLY_BYTES) {
        c.truncateOut(mark);
        return c.error('ERR value is out of range');
      }
    }
    return;
  }
  let es: ZEntry[];
  if (count >= size) {
    es = [...zs.reverse()]; // Redis walks the whole zset from the tail here
  } else if (count * 3 > size) {
    // remove random elements from a copy until count remain
    es = zs.toArray();
    for (let i = es.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      const t = es[i];
      es[i] = es[j];
      es[j] = t;
    }
    es.length = count;
  } else {
    const picked = new Set<number>();
    while (picked.size < count) picked.add(Math.floor(Math.random() * size));
    es = [];
    for (const r of picked) es.push(zs.byRank(r) as ZEntry);
  }
  replyEntries(c, es, withscores);
}

// ---------------------------------------------------------------- ZUNION, ZINTER, ZDIFF

const enum Op {
  UNION,
  INTER,
  DIFF,
}
const enum Agg {
  SUM,
  MIN,
  MAX,
}

interface Src {
  value: Value | null;
  zs: ZCore | null;
  set: SetValue | null;
  weight: number;
  length: number;
}

/** zuiFind: the score of m in src (1 for sets), undefined when absent. */
function srcScore(src: Src, m: string): number | undefined {
  if (src.zs !== null) return src.zs.score(m);
  if (src.set !== null) return src.set.has(m) ? 1 : undefined;
  return undefined;
}

/** zuiNext over a source: zsets in order, sets with score 1. */
function* srcIter(src: Src): Generator<ZEntry> {
  if (src.zs !== null) {
    yield* src.zs;
  } else if (src.set !== null) {
    for (const m of src.set.members()) yield [m, 1];
  }
}

function aggregate(target: number, val: number, agg: Agg): number {
  if (agg === Agg.SUM) {
    const r = target + val;
    return Number.isNaN(r) ? 0 : r;
  }
  if (agg === Agg.MIN) return val < target ? val : target;
  return val > target ? val : target;
}

function zsetOp(c: Client, argv: string[], dstkey: string | null, numkeysIdx: number, op: Op, cardOnly: boolean): void {
  const setnum = longArg(c, argv[numkeysIdx]);
  if (setnum === null) return;
  if (setnum < 1) return c.error(`ERR at least 1 input key is needed for '${c.cmd?.fullName ?? argv[0].toLowerCase()}' command`);
  if (setnum > argv.length - (numkeysIdx + 1)) return c.error(ERR.syntax);
  const srcs: Src[] = new Array<Src>(setnum);
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const v = c.db.read(argv[j]);
    const src: Src = { value: null, zs: null, set: null, weight: 1, length: 0 };
    if (v !== undefined) {
      if (v instanceof ZSetValue) {
        src.zs = v.zs;
        src.length = v.size;
      } else if (v instanceof SetValue) {
        src.set = v;
        src.length = v.size;
      } else return c.error(ERR.wrongType);
      src.value = v;
    }
    srcs[i] = src;
  }
  let agg = Agg.SUM;
  let withscores = false;
  let limit = 0;
  let remaining = argv.length - j;
  while (remaining > 0) {
    const o = argv[j].toLowerCase();
    if (op !== Op.DIFF && !cardOnly && remaining >= setnum + 1 && o === 'weights') {
      j++;
      remaining--;
      for (let i = 0; i < setnum; i++, j++, remaining--) {
        const w = scoreArg(c, argv[j], 'ERR weight value is not a float');
        if (w === null) return;
        srcs[i].weight = w;
      }
    } else if (op !== Op.DIFF && !cardOnly && remaining >= 2 && o === 'aggregate') {
      j++;
      remaining--;
      const a = argv[j].toLowerCase();
      if (a === 'sum') agg = Agg.SUM;
      else if (a === 'min') agg = Agg.MIN;
      else if (a === 'max') agg = Agg.MAX;
      else return c.error(ERR.syntax);
      j++;
      remaining--;
    } else if (remaining >= 1 && dstkey === null && !cardOnly && o === 'withscores') {
      j++;
      remaining--;
      withscores = true;
    } else if (cardOnly && remaining >= 2 && o === 'limit') {
      j++;
      remaining--;
      const v = longAtLeast(c, argv[j], 0, "ERR LIMIT can't be negative");
      if (v === null) return;
      limit = v;
      j++;
      remaining--;
    } else return c.error(ERR.syntax);
  }
  // smallest first (glibc's qsort is a stable merge sort here)
  const order = op === Op.DIFF ? srcs : [...srcs].sort((a, b) => a.length - b.length);
  const result = new Map<string, number>();
  let cardinality = 0;
  if (op === Op.INTER) {
    const first = order[0];
    if (first.length > 0) {
      for (const [m, s0] of srcIter(first)) {
        let score = first.weight * s0;
        if (Number.isNaN(score)) score = 0;
        let k = 1;
        for (; k < order.length; k++) {
          const o = order[k];
          let v: number | undefined;
          if (o.value === first.value) v = s0 * o.weight;
          else {
            v = srcScore(o, m);
            if (v === undefined) break;
            v *= o.weight;
          }
          score = aggregate(score, v, agg);
        }
        if (k !== order.length) continue;
        if (cardOnly) {
          cardinality++;
          if (limit && cardinality >= limit) break;
        } else result.set(m, score);
      }
    }
  } else if (op === Op.UNION) {
    for (const src of order) {
      if (src.length === 0) continue;
      for (const [m, s0] of srcIter(src)) {
        let score = src.weight * s0;
        if (Number.isNaN(score)) score = 0;
        const cur = result.get(m);
        result.set(m, cur === undefined ? score : aggregate(cur, score, agg));
      }
    }
  } else {
    const first = srcs[0];
    let same = false;
    for (let k = 1; k < srcs.length; k++) if (srcs[k].value !== null && srcs[k].value === first.value) same = true;
    if (first.length > 0 && !same) {
      for (const [m, s0] of srcIter(first)) {
        let exists = false;
        for (let k = 1; k < srcs.length; k++) {
          if (srcScore(srcs[k], m) !== undefined) {
            exists = true;
            break;
          }
        }
        if (!exists) result.set(m, s0);
      }
    }
  }
  if (cardOnly) return c.int(cardinality);
  const z = new ZSetValue(false);
  let maxelelen = 0;
  for (const [m, s] of result) {
    z.zs.add(m, s);
    if (m.length > maxelelen) maxelelen = m.length;
  }
  if (dstkey === null) return replyEntries(c, z.zs.toArray(), withscores);
  const db = c.db;
  if (z.size > 0) {
    z.convertToListpackIfNeeded(maxelelen, limits(c));
    db.set(dstkey, z);
    c.int(z.size);
    db.notify(NOTIFY.ZSET, op === Op.UNION ? 'zunionstore' : op === Op.INTER ? 'zinterstore' : 'zdiffstore', dstkey);
    c.server.keyspace.dirty++;
  } else {
    c.int(0);
    if (db.delete(dstkey)) {
      db.notify(NOTIFY.GENERIC, 'del', dstkey);
      c.server.keyspace.dirty++;
    }
  }
}

// ---------------------------------------------------------------- ZSCAN

function zscan(c: Client, argv: string[]): void {
  const cursor = parseCursor(argv[2]);
  if (cursor === null) return c.error('ERR invalid cursor');
  const z = zread(c, argv[1]);
  if (z === false) return;
  if (z === null) return c.raw(EMPTY_SCAN);
  const opts = parseScanOptions(c, argv, 3, false);
  if (opts === null) return;
  const count = opts.count;
  const g = opts.match;
  const accept = g === null ? undefined : (m: string) => matchCompiled(g, m);
  let next = '0';
  let members: string[];
  if (z.listpack) {
    members = [];
    for (const [m] of z.zs) if (accept === undefined || accept(m)) members.push(m);
  } else {
    const r = scanMap(z.zs.map as Map<string, number>, cursor, count, accept);
    next = r.cursor;
    members = r.items;
  }
  c.array(2);
  c.bulk(next);
  c.array(members.length * 2);
  const zs = z.zs;
  for (const m of members) {
    c.bulk(m);
    c.bulk(formatDoubleForReply(zs.score(m) as number));
  }
}

// ---------------------------------------------------------------- table

export const commands: Family = {
  zadd,
  zincrby,
  zrem,
  zcard,
  zcount,
  zlexcount,
  zscore,
  zmscore,
  zrank: (c, argv) => zrankGeneric(c, argv, false),
  zrevrank: (c, argv) => zrankGeneric(c, argv, true),
  zrange,
  zrangestore,
  zrevrange,
  zrangebyscore,
  zrevrangebyscore,
  zrangebylex,
  zrevrangebylex,
  zremrangebyrank: (c, argv) => zremrangeGeneric(c, argv, RType.RANK),
  zremrangebyscore: (c, argv) => zremrangeGeneric(c, argv, RType.SCORE),
  zremrangebylex: (c, argv) => zremrangeGeneric(c, argv, RType.LEX),
  zpopmin: (c, argv) => zpopMinMax(c, argv, MIN),
  zpopmax: (c, argv) => zpopMinMax(c, argv, MAX),
  bzpopmin: (c, argv) => bzpopMinMax(c, argv, MIN),
  bzpopmax: (c, argv) => bzpopMinMax(c, argv, MAX),
  zmpop: (c, argv) => zmpopGeneric(c, argv, 1, false),
  bzmpop: (c, argv) => zmpopGeneric(c, argv, 2, true),
  zrandmember,
  zunion: (c, argv) => zsetOp(c, argv, null, 1, Op.UNION, false),
  zinter: (c, argv) => zsetOp(c, argv, null, 1, Op.INTER, false),
  zdiff: (c, argv) => zsetOp(c, argv, null, 1, Op.DIFF, false),
  zunionstore: (c, argv) => zsetOp(c, argv, argv[1], 2, Op.UNION, false),
  zinterstore: (c, argv) => zsetOp(c, argv, argv[1], 2, Op.INTER, false),
  zdiffstore: (c, argv) => zsetOp(c, argv, argv[1], 2, Op.DIFF, false),
  zintercard: (c, argv) => zsetOp(c, argv, null, 1, Op.INTER, true),
  zscan,
};
