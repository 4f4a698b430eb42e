// Set commands (Redis 7.0 t_set.c): SADD and friends, SPOP/SRANDMEMBER with
// Redis's count strategies, SMOVE, the set algebra (SINTER, SINTERCARD,
// SUNION, SDIFF and their STORE forms) and SSCAN.
//
// Results of the set algebra are built the way Redis builds them (an empty
// intset that converts as members are added), so the encoding of a stored
// result and the order of a reply (intsets iterate in ascending order) match.

import type { Family } from './table.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { NOTIFY } from '../store/types.js';
import { SetValue } from '../store/set.js';
import { matchCompiled } from '../util/glob.js';
import { parseLong } from '../util/numbers.js';
import { ERR } from './errors.js';
import { parseCursor, parseScanOptions, EMPTY_SCAN } from './scan-args.js';

const POSITIVE = 'ERR value is out of range, must be positive';
/** Largest |count| SRANDMEMBER answers with repetitions; a bigger reply could not be built in memory. */
const RANDMEMBER_MAX = 1e8;
/** SPOP: rebuild the set when the elements left are few compared to those popped. */
const SPOP_MOVE_STRATEGY_MUL = 5;

// ---------------------------------------------------------------- config

interface SState {
  maxIntset: number;
}

function state(server: Server): SState {
  let st = server.ext.sets as SState | undefined;
  if (st === undefined) {
    const cfg = server.config;
    const s: SState = { maxIntset: cfg.num('set-max-intset-entries') };
    server.ext.sets = s;
    cfg.onChange('set-max-intset-entries', () => (s.maxIntset = cfg.num('set-max-intset-entries')));
    st = s;
  }
  return st;
}

export function install(server: Server): void {
  state(server);
}

function maxIntset(c: Client): number {
  return state(c.server).maxIntset;
}

// ---------------------------------------------------------------- helpers


/** The set at `key`: the value, null when missing, false after WRONGTYPE. */
function sget(c: Client, key: string, write: boolean): SetValue | null | false {
  const v = write ? c.db.write(key) : c.db.read(key);
  if (v === undefined) return null;
  if (v instanceof SetValue) return v;
  c.error(ERR.wrongType);
  return false;
}

function replyMembers(c: Client, members: Iterable<string>, n: number, asSet: boolean): void {
  let o = (asSet && c.resp === 3 ? '~' : '*') + n + '\r\n';
  for (const m of members) o += '$' + m.length + '\r\n' + m + '\r\n';
  c.raw(o);
}

function emptySet(c: Client): void {
  c.raw(c.resp === 3 ? '~0\r\n' : '*0\r\n');
}

/** Shuffles the first `count` slots of `a` into a uniform random sample. */
function sampleInPlace(a: string[], count: number): void {
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(Math.random() * (a.length - i));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

// ---------------------------------------------------------------- basic commands

function sadd(c: Client, argv: string[]): void {
  const key = argv[1];
  let s = sget(c, key, true);
  if (s === false) return;
  const db = c.db;
  if (s === null) {
    s = SetValue.create(argv[2]);
    db.add(key, s);
  }
  const max = maxIntset(c);
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (s.add(argv[i], max)) added++;
  if (added > 0) {
    db.modifiedObject(key, s);
    db.notify(NOTIFY.SET, 'sadd', key);
  }
  c.server.keyspace.dirty += added;
  c.int(added);
}

function srem(c: Client, argv: string[]): void {
  const key = argv[1];
  const s = sget(c, key, true);
  if (s === false) return;
  if (s === null) return c.int(0);
  const db = c.db;
  let deleted = 0;
  let keyRemoved = false;
  for (let i = 2; i < argv.length; i++) {
    if (s.remove(argv[i])) {
      deleted++;
      if (s.size === 0) {
        db.delete(key);
        keyRemoved = true;
        break;
      }
    }
  }
  if (deleted > 0) {
    db.modified(key);
    db.notify(NOTIFY.SET, 'srem', key);
    if (keyRemoved) db.notify(NOTIFY.GENERIC, 'del', key);
    c.server.keyspace.dirty += deleted;
  }
  c.int(deleted);
}

function smove(c: Client, argv: string[]): void {
  const srcKey = argv[1];
  const dstKey = argv[2];
  const ele = argv[3];
  const db = c.db;
  const src = db.write(srcKey);
  const dstV = db.write(dstKey) ?? null;
  if (src === undefined) return c.int(0);
  if (!(src instanceof SetValue) || (dstV !== null && !(dstV instanceof SetValue))) return c.error(ERR.wrongType);
  let dst = dstV as SetValue | null;
  if (src === dst) return c.int(src.has(ele) ? 1 : 0);
  if (!src.remove(ele)) return c.int(0);
  db.notify(NOTIFY.SET, 'srem', srcKey);
  if (src.size === 0) {
    db.delete(srcKey);
    db.notify(NOTIFY.GENERIC, 'del', srcKey);
  }
  if (dst === null) {
    dst = SetValue.create(ele);
    db.add(dstKey, dst);
  }
  db.modified(srcKey);
  db.modified(dstKey);
  const ks = c.server.keyspace;
  ks.dirty++;
  if (dst.add(ele, maxIntset(c))) {
    ks.dirty++;
    db.notify(NOTIFY.SET, 'sadd', dstKey);
  }
  c.int(1);
}

function sismember(c: Client, argv: string[]): void {
  const s = sget(c, argv[1], false);
  if (s === false) return;
  c.int(s !== null && s.has(argv[2]) ? 1 : 0);
}

function smismember(c: Client, argv: string[]): void {
  const s = sget(c, argv[1], false);
  if (s === false) return;
  let o = '*' + (argv.length - 2) + '\r\n';
  for (let i = 2; i < argv.length; i++) o += s !== null && s.has(argv[i]) ? ':1\r\n' : ':0\r\n';
  c.raw(o);
}

function scard(c: Client, argv: string[]): void {
  const s = sget(c, argv[1], false);
  if (s === false) return;
  c.int(s === null ? 0 : s.size);
}

/** SMEMBERS (SINTER of one key in Redis). */
function smembers(c: Client, argv: string[]): void {
  const s = sget(c, argv[1], false);
  if (s === false) return;
  if (s === null) return emptySet(c);
  replyMembers(c, s, s.size, true);
}

// ---------------------------------------------------------------- SPOP

function spop(c: Client, argv: string[]): void {
  if (argv.length === 3) return spopWithCount(c, argv);
  if (argv.length > 3) return c.error(ERR.syntax);
  const key = argv[1];
  const s = sget(c, key, true);
  if (s === false) return;
  if (s === null) return c.nil();
  const ele = s.random();
  s.remove(ele);
  const db = c.db;
  db.notify(NOTIFY.SET, 'spop', key);
  c.argv = ['SREM', key, ele];
  c.bulk(ele);
  if (s.size === 0) {
    db.delete(key);
    db.notify(NOTIFY.GENERIC, 'del', key);
  }
  db.modified(key);
  c.server.keyspace.dirty++;
}

function spopWithCount(c: Client, argv: string[]): void {
  const l = parseLong(argv[2]);
  if (l === null || l < 0) return c.error(POSITIVE);
  const key = argv[1];
  const s = sget(c, key, true);
  if (s === false) return;
  if (s === null || l === 0) return emptySet(c);
  const count = l;
  const size = s.size;
  const db = c.db;
  const ks = c.server.keyspace;
  db.notify(NOTIFY.SET, 'spop', key);
  ks.dirty += count;
  // CASE 1: everything (replied like SUNION of the one set).
  if (count >= size) {
    const all = SetValue.createIntset();
    const max = maxIntset(c);
    for (const m of s) all.add(m, max);
    replyMembers(c, all, all.size, true);
    db.delete(key);
    db.notify(NOTIFY.GENERIC, 'del', key);
    c.argv = ['DEL', key];
    ks.dirty++;
    return;
  }
  const remaining = size - count;
  const arr = s.toArray();
  const popped: string[] = [];
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    // CASE 2: extract count random elements.
    if (count * 16 > size) {
      sampleInPlace(arr, count);
      for (let i = 0; i < count; i++) {
        s.remove(arr[i]);
        popped.push(arr[i]);
      }
    } else {
      for (let i = 0; i < count; i++) {
        const m = s.random();
        s.remove(m);
        popped.push(m);
      }
    }
  } else {
    // CASE 3: pick the survivors into a new set, pop the rest in set order.
    sampleInPlace(arr, remaining);
    const keep = SetValue.create(arr[0]);
    const max = maxIntset(c);
    for (let i = 0; i < remaining; i++) {
      keep.add(arr[i], max);
      s.remove(arr[i]);
    }
    for (const m of s) popped.push(m);
    s.replaceWith(keep);
  }
  replyMembers(c, popped, popped.length, true);
  // Replicated as SREM of the popped members (Redis sends one SREM per member).
  c.argv = ['SREM', key, ...popped];
  db.modified(key);
  ks.dirty++;
}

// ---------------------------------------------------------------- SRANDMEMBER

function srandmember(c: Client, argv: string[]): void {
  if (argv.length === 3) return srandmemberWithCount(c, argv);
  if (argv.length > 3) return c.error(ERR.syntax);
  const s = sget(c, argv[1], false);
  if (s === false) return;
  if (s === null) return c.nil();
  c.bulk(s.random());
}

function srandmemberWithCount(c: Client, argv: string[]): void {
  const l = parseLong(argv[2]);
  if (l === null) return c.error(ERR.notInt);
  if (argv[2] === '-9223372036854775808') {
    return c.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
  }
  const s = sget(c, argv[1], false);
  if (s === false) return;
  if (s === null) return c.array(0);
  const uniq = l >= 0;
  const count = Math.abs(l);
  if (count === 0) return c.array(0);
  const size = s.size;
  // CASE 1: repetitions allowed (or a single element).
  if (!uniq || count === 1) {
    if (count > RANDMEMBER_MAX) return c.error('ERR value is out of range');
    let o = '*' + count + '\r\n';
    if (count > 8 && count * 4 > size) {
      const arr = s.toArray();
      for (let i = 0; i < count; i++) {
        const m = arr[Math.floor(Math.random() * arr.length)];
        o += '$' + m.length + '\r\n' + m + '\r\n';
      }
    } else {
      for (let i = 0; i < count; i++) {
        const m = s.random();
        o += '$' + m.length + '\r\n' + m + '\r\n';
      }
    }
    return c.raw(o);
  }
  // CASE 2: the whole set, in its order.
  if (count >= size) return replyMembers(c, s, size, false);
  // CASE 3/4: count distinct random members.
  const arr = s.toArray();
  sampleInPlace(arr, count);
  arr.length = count;
  replyMembers(c, arr, count, false);
}

// ---------------------------------------------------------------- SINTER, SINTERCARD

/**
 * sinterGenericCommand. `dst` stores the result, `cardOnly` replies with the
 * cardinality (stopping at `limit` when non-zero).
 */
function sinterGeneric(c: Client, keys: string[], dst: string | null, cardOnly: boolean, limit: number): void {
  const sets: SetValue[] = [];
  let empty = 0;
  for (const k of keys) {
    const s = sget(c, k, dst !== null);
    if (s === false) return;
    if (s === null) empty++;
    else sets.push(s);
  }
  const db = c.db;
  const ks = c.server.keyspace;
  if (empty > 0) {
    if (dst !== null) {
      if (db.delete(dst)) {
        db.notify(NOTIFY.GENERIC, 'del', dst);
        ks.dirty++;
      }
      c.int(0);
    } else if (cardOnly) c.int(0);
    else emptySet(c);
    return;
  }
  sets.sort((a, b) => a.size - b.size);
  const first = sets[0];
  const n = sets.length;
  const out: string[] = [];
  let cardinality = 0;
  for (const m of first) {
    let j = 1;
    for (; j < n; j++) {
      const o = sets[j];
      if (o === first) continue;
      if (!o.has(m)) break;
    }
    if (j !== n) continue;
    cardinality++;
    if (cardOnly) {
      if (limit !== 0 && cardinality >= limit) break;
    } else out.push(m);
  }
  if (cardOnly) return c.int(cardinality);
  if (dst === null) return replyMembers(c, out, out.length, true);
  const r = SetValue.createIntset();
  const max = maxIntset(c);
  for (const m of out) r.add(m, max);
  storeResult(c, dst, r, 'sinterstore');
}

/** STORE forms: set the destination (dropping its TTL) or delete it when the result is empty. */
function storeResult(c: Client, dst: string, r: SetValue, event: string): void {
  const db = c.db;
  const ks = c.server.keyspace;
  if (r.size > 0) {
    db.set(dst, r);
    c.int(r.size);
    db.notify(NOTIFY.SET, event, dst);
    ks.dirty++;
  } else {
    c.int(0);
    if (db.delete(dst)) {
      ks.dirty++;
      db.notify(NOTIFY.GENERIC, 'del', dst);
    }
  }
}

function sintercard(c: Client, argv: string[]): void {
  const numkeys = parseLong(argv[1]);
  if (numkeys === null || numkeys < 1) return c.error('ERR numkeys should be greater than 0');
  if (numkeys > argv.length - 2) return c.error("ERR Number of keys can't be greater than number of args");
  let limit = 0;
  for (let j = 2 + numkeys; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (argv[j].toLowerCase() === 'limit' && more > 0) {
      j++;
      const v = parseLong(argv[j]);
      if (v === null || v < 0) return c.error("ERR LIMIT can't be negative");
      limit = v;
    } else return c.error(ERR.syntax);
  }
  sinterGeneric(c, argv.slice(2, 2 + numkeys), null, true, limit);
}

// ---------------------------------------------------------------- SUNION, SDIFF

const UNION = 0;
const DIFF = 1;

function sunionDiffGeneric(c: Client, keys: string[], dst: string | null, op: number): void {
  const sets: (SetValue | null)[] = [];
  for (const k of keys) {
    const s = sget(c, k, false);
    if (s === false) return;
    sets.push(s);
  }
  const max = maxIntset(c);
  const r = SetValue.createIntset();
  const first = sets[0];
  if (op === UNION) {
    for (const s of sets) if (s !== null) for (const m of s) r.add(m, max);
  } else if (first !== null) {
    // Redis picks the algorithm by estimated work; it decides the result's encoding.
    let one = 0;
    let two = 0;
    for (const s of sets) {
      if (s === null) continue;
      one += first.size;
      two += s.size;
    }
    one = Math.floor(one / 2);
    if (one <= two) {
      for (const m of first) {
        let j = 1;
        for (; j < sets.length; j++) {
          const o = sets[j];
          if (o === null) continue;
          if (o === first || o.has(m)) break;
        }
        if (j === sets.length) r.add(m, max);
      }
    } else {
      for (let j = 0; j < sets.length; j++) {
        const s = sets[j];
        if (s === null) continue;
        if (j === 0) {
          for (const m of s) r.add(m, max);
        } else {
          for (const m of s) r.remove(m);
        }
        if (r.size === 0) break;
      }
    }
  }
  if (dst === null) return replyMembers(c, r, r.size, true);
  storeResult(c, dst, r, op === UNION ? 'sunionstore' : 'sdiffstore');
}

// ---------------------------------------------------------------- SSCAN

function sscan(c: Client, argv: string[]): void {
  const cursor = parseCursor(argv[2]);
  if (cursor === null) return c.error('ERR invalid cursor');
  const s = sget(c, argv[1], false);
  if (s === false) return;
  if (s === null) return c.raw(EMPTY_SCAN);
  const opts = parseScanOptions(c, argv, 3, false);
  if (opts === null) return;
  const count = opts.count;
  const g = opts.match;
  let next = '0';
  let items: string[];
  const r = s.scan(cursor, count, g === null ? undefined : (m: string) => matchCompiled(g, m));
  if (r === null) {
    items = [];
    for (const m of s) if (g === null || matchCompiled(g, m)) items.push(m);
  } else {
    next = r.cursor;
    items = r.items;
  }
  let o = '*2\r\n$' + next.length + '\r\n' + next + '\r\n*' + items.length + '\r\n';
  for (const m of items) o += '$' + m.length + '\r\n' + m + '\r\n';
  c.raw(o);
}

// ---------------------------------------------------------------- table

export const commands: Family = {
  sadd,
  srem,
  smove,
  sismember,
  smismember,
  scard,
  spop,
  srandmember,
  smembers,
  sinter: (c, argv) => sinterGeneric(c, argv.slice(1), null, false, 0),
  sintercard,
  sinterstore: (c, argv) => sinterGeneric(c, argv.slice(2), argv[1], false, 0),
  sunion: (c, argv) => sunionDiffGeneric(c, argv.slice(1), null, UNION),
  sunionstore: (c, argv) => sunionDiffGeneric(c, argv.slice(2), argv[1], UNION),
  sdiff: (c, argv) => sunionDiffGeneric(c, argv.slice(1), null, DIFF),
  sdiffstore: (c, argv) => sunionDiffGeneric(c, argv.slice(2), argv[1], DIFF),
  sscan,
};
