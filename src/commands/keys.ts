// Generic keyspace commands: DEL, UNLINK, EXISTS, TYPE, RENAME, RENAMENX,
// COPY, MOVE, RANDOMKEY, TOUCH, KEYS, SCAN, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB,
// OBJECT. Semantics follow Redis 7.0 db.c / object.c.

import type { Family } from './table.js';
import type { Client } from '../server/client.js';
import type { Db } from '../store/db.js';
import { lruClock, LRU_CLOCK_MAX } from '../store/db.js';
import { NOTIFY, typeOf, type Value } from '../store/types.js';
import { compileGlob, matchCompiled, globIsLiteral } from '../util/glob.js';
import { stringEncoding } from '../store/strings.js';
import { ERR } from './errors.js';
import { parseLong } from '../util/numbers.js';
import { parseCursor, parseScanOptions } from './scan-args.js';

// ---------------------------------------------------------------------------
// Integer parsing with Redis's string2ll rules (no '+', no leading zeros, no
// spaces, "-0" rejected, int64 range).




const INT_RANGE_ERR = 'ERR value is out of range, value must between -2147483648 and 2147483647';

/**
 * getIntFromObjectOrReply: string2ll within the C int range. Replies and
 * returns null on error; `msg` replaces both error texts when given.
 */
function intArgOrReply(c: Client, s: string, msg?: string): number | null {
  const v = parseLong(s);
  if (v === null) {
    c.error(msg ?? ERR.notInt);
    return null;
  }
  if (v < -2147483648 || v > 2147483647) {
    c.error(msg ?? INT_RANGE_ERR);
    return null;
  }
  return v;
}


// ---------------------------------------------------------------------------
// Lookups with Redis's flags.

/** lookupKeyReadWithFlags(LOOKUP_NOTOUCH): stats and keymiss, no access-time update. */
function readNoTouch(c: Client, db: Db, key: string): Value | undefined {
  const ks = c.server.keyspace;
  const prev = ks.noTouch;
  ks.noTouch = true;
  try {
    return db.read(key);
  } finally {
    ks.noTouch = prev;
  }
}

/** True when `key` has a deadline in the past; never deletes (keyIsExpired). */
function isExpired(db: Db, key: string, now: number): boolean {
  if (db.expires.size === 0) return false;
  const when = db.expires.get(key);
  return when !== undefined && when <= now;
}

function cloneValue(v: Value): Value | null {
  if (typeof v === 'string') return v;
  return v.clone ? v.clone() : null;
}

// ---------------------------------------------------------------------------

function del(c: Client, argv: string[]): void {
  const db = c.db;
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    const key = argv[i];
    if (db.delete(key)) {
      db.notify(NOTIFY.GENERIC, 'del', key);
      n++;
    }
  }
  c.server.keyspace.dirty += n;
  c.int(n);
}

function exists(c: Client, argv: string[]): void {
  const db = c.db;
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (readNoTouch(c, db, argv[i]) !== undefined) n++;
  c.int(n);
}

function type(c: Client, argv: string[]): void {
  const v = readNoTouch(c, c.db, argv[1]);
  c.simple(v === undefined ? 'none' : typeOf(v));
}

function touch(c: Client, argv: string[]): void {
  const db = c.db;
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (db.read(argv[i]) !== undefined) n++;
  c.int(n);
}

function renameGeneric(c: Client, argv: string[], nx: boolean): void {
  const db = c.db;
  const src = argv[1];
  const dst = argv[2];
  const v = db.write(src);
  if (v === undefined) return c.error(ERR.noKey);
  if (src === dst) {
    if (nx) c.int(0);
    else c.ok();
    return;
  }
  const expire = db.getExpire(src);
  if (db.write(dst) !== undefined) {
    if (nx) return c.int(0);
    db.remove(dst);
  }
  const lru = db.lruOf(src);
  db.add(dst, v, db.encOf(src));
  db.setLru(dst, lru);
  if (expire !== undefined) db.setExpire(dst, expire);
  db.remove(src);
  db.notify(NOTIFY.GENERIC, 'rename_from', src);
  db.notify(NOTIFY.GENERIC, 'rename_to', dst);
  c.server.keyspace.dirty++;
  if (nx) c.int(1);
  else c.ok();
}

function copy(c: Client, argv: string[]): void {
  const ks = c.server.keyspace;
  const src = c.db;
  let dst = c.db;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const additional = argv.length - j - 1;
    if (opt === 'replace') {
      replace = true;
    } else if (opt === 'db' && additional >= 1) {
      const id = intArgOrReply(c, argv[j + 1]);
      if (id === null) return;
      if (id < 0 || id >= ks.dbs.length) return c.error(ERR.dbIndex);
      dst = ks.dbs[id];
      j++;
    } else {
      return c.error(ERR.syntax);
    }
  }
  const key = argv[1];
  const newkey = argv[2];
  if (src === dst && key === newkey) return c.error(ERR.sameObject);
  const v = src.read(key);
  if (v === undefined) return c.int(0);
  const expire = src.getExpire(key);
  let replaceExisting = false;
  if (dst.write(newkey) !== undefined) {
    if (!replace) return c.int(0);
    replaceExisting = true;
  }
  const nv = cloneValue(v);
  if (nv === null) return c.error('ERR unknown type object');
  const enc = src.encOf(key);
  if (replaceExisting) dst.remove(newkey);
  dst.add(newkey, nv, enc);
  if (expire !== undefined) dst.setExpire(newkey, expire);
  dst.notify(NOTIFY.GENERIC, 'copy_to', newkey);
  ks.dirty++;
  c.int(1);
}

function move(c: Client, argv: string[]): void {
  const ks = c.server.keyspace;
  const src = c.db;
  const key = argv[1];
  const id = intArgOrReply(c, argv[2]);
  if (id === null) return;
  if (id < 0 || id >= ks.dbs.length) return c.error(ERR.dbIndex);
  const dst = ks.dbs[id];
  if (src === dst) return c.error(ERR.sameObject);
  const v = src.write(key);
  if (v === undefined) return c.int(0);
  const expire = src.getExpire(key);
  if (dst.write(key) !== undefined) return c.int(0);
  const lru = src.lruOf(key);
  dst.add(key, v, src.encOf(key));
  dst.setLru(key, lru);
  if (expire !== undefined) dst.setExpire(key, expire);
  src.remove(key);
  src.notify(NOTIFY.GENERIC, 'move_from', key);
  dst.notify(NOTIFY.GENERIC, 'move_to', key);
  ks.dirty++;
  c.int(1);
}

function randomkey(c: Client): void {
  const db = c.db;
  const dict = db.dict;
  let tries = 100;
  for (;;) {
    const key = dict.randomKey();
    if (key === undefined) return c.nil();
    if (db.expires.size !== 0 && db.expires.has(key)) {
      // A replica cannot delete expired keys: give up after a while, as Redis does.
      if (db.ks.isReplica && --tries === 0) return c.bulk(key);
      if (db.expireIfNeeded(key)) continue;
    }
    return c.bulk(key);
  }
}

function keys(c: Client, argv: string[]): void {
  const db = c.db;
  const pattern = argv[1];
  const now = Date.now();
  const out: string[] = [];
  if (globIsLiteral(pattern)) {
    if (db.dict.has(pattern) && !isExpired(db, pattern, now)) out.push(pattern);
  } else if (pattern === '*') {
    for (const k of db.dict.keys()) if (!isExpired(db, k, now)) out.push(k);
  } else {
    const g = compileGlob(pattern);
    for (const k of db.dict.keys()) if (matchCompiled(g, k) && !isExpired(db, k, now)) out.push(k);
  }
  c.bulks(out);
}

function scan(c: Client, argv: string[]): void {
  const cursor = parseCursor(argv[1]);
  if (cursor === null) return c.error('ERR invalid cursor');
  const opts = parseScanOptions(c, argv, 2, true);
  if (opts === null) return;
  const db = c.db;
  const g = opts.match;
  const tn = opts.type;
  const checkExpiry = db.expires.size !== 0;
  // collect first: filtering may expire keys, which moves entries in the table
  const found: string[] = [];
  const next = db.dict.scan(cursor, opts.count, found);
  const items: string[] = [];
  for (const k of found) {
    if (g !== null && !matchCompiled(g, k)) continue;
    if (tn !== null) {
      const v = db.dict.get(k);
      if (v === undefined || typeOf(v) !== tn) continue;
    }
    // Redis 7.0 reclaims expired keys it meets while scanning.
    if (checkExpiry && db.expireIfNeeded(k)) continue;
    items.push(k);
  }
  c.array(2);
  c.bulk(String(next));
  c.bulks(items);
}

function dbsize(c: Client): void {
  c.int(c.db.size);
}

/** FLUSHDB/FLUSHALL [ASYNC|SYNC]: true when the arguments are valid. */
function flushArgs(c: Client, argv: string[]): boolean {
  if (argv.length > 2) {
    c.error(ERR.syntax);
    return false;
  }
  if (argv.length === 2) {
    const m = argv[1].toLowerCase();
    if (m !== 'async' && m !== 'sync') {
      c.error(ERR.syntax);
      return false;
    }
  }
  return true;
}

function flushdb(c: Client, argv: string[]): void {
  if (!flushArgs(c, argv)) return;
  const n = c.db.flush();
  // Redis forces propagation of FLUSHDB even when the db was empty.
  c.server.keyspace.dirty += n === 0 ? 1 : n;
  c.ok();
}

function flushall(c: Client, argv: string[]): void {
  if (!flushArgs(c, argv)) return;
  const n = c.server.keyspace.flushAll();
  c.server.keyspace.dirty += n + 1;
  c.ok();
}

function swapdb(c: Client, argv: string[]): void {
  const ks = c.server.keyspace;
  const a = intArgOrReply(c, argv[1], 'ERR invalid first DB index');
  if (a === null) return;
  const b = intArgOrReply(c, argv[2], 'ERR invalid second DB index');
  if (b === null) return;
  const n = ks.dbs.length;
  if (a < 0 || a >= n || b < 0 || b >= n) return c.error(ERR.dbIndex);
  if (a !== b) {
    ks.swap(a, b);
  }
  ks.dirty++;
  c.ok();
}

// ---------------------------------------------------------------------------
// OBJECT

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

const OBJ_SHARED_REFCOUNT = 2147483647;
const LFU_INIT_VAL = 5;

/** objectCommandLookup: LOOKUP_NOTOUCH|LOOKUP_NONOTIFY (stats counted, no keymiss event). */
function objectLookup(c: Client, key: string): Value | undefined {
  const ks = c.server.keyspace;
  const prev = ks.noTouch;
  ks.noTouch = true;
  try {
    const v = c.db.peek(key);
    if (v === undefined) ks.stats.misses++;
    else ks.stats.hits++;
    return v;
  } finally {
    ks.noTouch = prev;
  }
}

function lfuPolicy(c: Client): boolean {
  return c.server.config.str('maxmemory-policy').endsWith('-lfu');
}

function objectEncoding(c: Client, argv: string[]): void {
  const v = objectLookup(c, argv[2]);
  if (v === undefined) return c.nil();
  c.bulk(typeof v === 'string' ? stringEncoding(v, c.db.encOf(argv[2])) : v.encoding());
}

function objectRefcount(c: Client, argv: string[]): void {
  const v = objectLookup(c, argv[2]);
  if (v === undefined) return c.nil();
  if (typeof v === 'string' && isSharedInteger(c, v)) return c.int(OBJ_SHARED_REFCOUNT);
  c.int(1);
}

/** Strings holding 0..9999 are Redis's shared integer objects unless maxmemory evicts by LRU/LFU. */
function isSharedInteger(c: Client, v: string): boolean {
  if (v.length === 0 || v.length > 4) return false;
  if (!/^(?:0|[1-9][0-9]*)$/.test(v)) return false;
  if (c.server.config.num('maxmemory') === 0) return true;
  const p = c.server.config.str('maxmemory-policy');
  return !(p.endsWith('-lru') || p.endsWith('-lfu'));
}

function objectIdletime(c: Client, argv: string[]): void {
  if (objectLookup(c, argv[2]) === undefined) return c.nil();
  if (lfuPolicy(c)) {
    return c.error(
      'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
  }
  const lru = c.db.lruOf(argv[2]);
  const now = lruClock();
  const idle = now >= lru ? now - lru : now + (LRU_CLOCK_MAX - lru);
  c.int(idle);
}

function objectFreq(c: Client, argv: string[]): void {
  if (objectLookup(c, argv[2]) === undefined) return c.nil();
  if (!lfuPolicy(c)) {
    return c.error(
      'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
  }
  // The eviction module owns LFU counters; it may register how to read one.
  const f = c.server.ext.lfuFreq as ((db: Db, key: string) => number) | undefined;
  c.int(f ? f(c.db, argv[2]) : LFU_INIT_VAL);
}

function objectHelp(c: Client): void {
  c.array(OBJECT_HELP.length);
  for (const l of OBJECT_HELP) c.simple(l);
}

export const commands: Family = {
  del,
  unlink: del,
  exists,
  type,
  touch,
  rename: (c, argv) => renameGeneric(c, argv, false),
  renamenx: (c, argv) => renameGeneric(c, argv, true),
  copy,
  move,
  randomkey,
  keys,
  scan,
  dbsize,
  flushdb,
  flushall,
  swapdb,
  'object|encoding': objectEncoding,
  'object|refcount': objectRefcount,
  'object|idletime': objectIdletime,
  'object|freq': objectFreq,
  'object|help': objectHelp,
};
