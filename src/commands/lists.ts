// List commands (Redis 7.0 t_list.c): pushes, pops, ranges, LPOS, LMOVE,
// LMPOP and the blocking forms (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP),
// which park the client through server/blocking.ts.
//
// Argument checks happen in Redis's order (some parse before the key lookup,
// some after), because the first error wins and clients see which one.

import type { Family } from './table.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Db } from '../store/db.js';
import { NOTIFY } from '../store/types.js';
import { ListValue } from '../store/list.js';
import { ERR } from './errors.js';
import { blocking, parseTimeout } from '../server/blocking.js';
import { parseI64, parseIntFast } from '../util/numbers.js';

const POSITIVE = 'ERR value is out of range, must be positive';

// ---------------------------------------------------------------- helpers

/**
 * Redis's string2ll as a JS number: optional '-', no '+', no leading zeros,
 * no spaces, within int64. Values past 2^53 lose precision, which only
 * matters for indexes and counts that are clamped anyway.
 */
export function parseLong(s: string): number | null {
  const v = parseIntFast(s);
  if (v !== null) return v;
  const b = parseI64(s);
  return b === null ? null : Number(b);
}

/** getLongFromObjectOrReply with the default message; null after replying. */
function longArg(c: Client, s: string): number | null {
  const v = parseLong(s);
  if (v === null) c.error(ERR.notInt);
  return v;
}

/** getRangeLongFromObjectOrReply(min..LONG_MAX) with one message for both failures. */
function rangeArg(c: Client, s: string, min: number, msg: string): number | null {
  const v = parseLong(s);
  if (v === null || v < min) {
    c.error(msg);
    return null;
  }
  return v;
}

/**
 * The list at `key`: a ListValue, undefined when missing, or null after
 * replying WRONGTYPE.
 */
function getList(c: Client, key: string, write: boolean): ListValue | undefined | null {
  const v = write ? c.db.write(key) : c.db.read(key);
  if (v === undefined) return undefined;
  if (v instanceof ListValue) return v;
  c.error(ERR.wrongType);
  return null;
}

/** LEFT / RIGHT (case-insensitive) -> true for the head; null after replying syntax error. */
function whereArg(c: Client, s: string): boolean | null {
  const l = s.toLowerCase();
  if (l === 'left') return true;
  if (l === 'right') return false;
  c.error(ERR.syntax);
  return null;
}

/** Notifications, key deletion and dirty after popping `count` elements (listElementsRemoved). */
function elementsRemoved(c: Client, db: Db, key: string, head: boolean, list: ListValue, count: number): void {
  db.notify(NOTIFY.LIST, head ? 'lpop' : 'rpop', key);
  if (list.length === 0) {
    db.remove(key);
    db.notify(NOTIFY.GENERIC, 'del', key);
  } else {
    db.modifiedObject(key, list);
  }
  c.server.keyspace.dirty += count;
}

/** Pops up to `count` elements from one end, in pop order. O(count). */
function popMany(list: ListValue, head: boolean, count: number): string[] {
  const n = Math.min(count, list.length);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = (head ? list.popHead() : list.popTail())!;
  return out;
}

/** Replies [key, [elements...]] and pops them (listPopRangeAndReplyWithKey). Returns how many. */
function popRangeWithKey(c: Client, db: Db, list: ListValue, key: string, head: boolean, count: number): number {
  const items = popMany(list, head, count);
  c.array(2);
  c.bulk(key);
  c.bulks(items);
  elementsRemoved(c, db, key, head, list, items.length);
  return items.length;
}

/**
 * Pushes `value` to `dstKey` (creating it) and replies with the value
 * (lmoveHandlePush). `dst` is the destination looked up before the pop.
 */
function movePush(c: Client, db: Db, dstKey: string, dst: ListValue | undefined, value: string, head: boolean): void {
  if (dst === undefined) {
    dst = new ListValue();
    if (head) dst.pushHead(value);
    else dst.pushTail(value);
    db.add(dstKey, dst); // signals waiters on the destination
  } else {
    if (head) dst.pushHead(value);
    else dst.pushTail(value);
    db.modifiedObject(dstKey, dst);
  }
  db.notify(NOTIFY.LIST, head ? 'lpush' : 'rpush', dstKey);
  c.bulk(value);
}

/**
 * The pop-and-push of LMOVE on a non-empty source. Returns false (after
 * replying WRONGTYPE) when the destination is not a list.
 */
function doMove(c: Client, db: Db, srcKey: string, src: ListValue, dstKey: string, fromHead: boolean, toHead: boolean): boolean {
  const dv = db.write(dstKey);
  let dst: ListValue | undefined;
  if (dv !== undefined) {
    if (!(dv instanceof ListValue)) {
      c.error(ERR.wrongType);
      return false;
    }
    dst = dv;
  }
  const value = (fromHead ? src.popHead() : src.popTail())!;
  movePush(c, db, dstKey, dst, value, toHead);
  db.notify(NOTIFY.LIST, fromHead ? 'lpop' : 'rpop', srcKey);
  if (src.length === 0) {
    db.remove(srcKey);
    db.notify(NOTIFY.GENERIC, 'del', srcKey);
  } else {
    db.modifiedObject(srcKey, src);
  }
  c.server.keyspace.dirty++;
  return true;
}

// ---------------------------------------------------------------- pushes

function pushGeneric(c: Client, argv: string[], head: boolean, xx: boolean): void {
  const key = argv[1];
  const db = c.db;
  let list = getList(c, key, true);
  if (list === null) return;
  const created = list === undefined;
  if (list === undefined) {
    if (xx) return c.int(0);
    list = new ListValue();
  }
  if (head) for (let j = 2; j < argv.length; j++) list.pushHead(argv[j]);
  else for (let j = 2; j < argv.length; j++) list.pushTail(argv[j]);
  if (created) db.add(key, list); // signals clients blocked on the key
  else db.modifiedObject(key, list);
  c.server.keyspace.dirty += argv.length - 2;
  c.int(list.length);
  db.notify(NOTIFY.LIST, head ? 'lpush' : 'rpush', key);
}

// ---------------------------------------------------------------- pops

function popGeneric(c: Client, argv: string[], head: boolean): void {
  if (argv.length > 3) return c.error(ERR.wrongArgs(head ? 'lpop' : 'rpop'));
  const hasCount = argv.length === 3;
  let count = 0;
  if (hasCount) {
    const v = rangeArg(c, argv[2], 0, POSITIVE);
    if (v === null) return;
    count = v;
  }
  const key = argv[1];
  const list = getList(c, key, true);
  if (list === null) return;
  if (list === undefined) return hasCount ? c.nilArray() : c.nil();
  if (hasCount && count === 0) return c.array(0);
  if (!hasCount) {
    const v = (head ? list.popHead() : list.popTail())!;
    c.bulk(v);
    elementsRemoved(c, c.db, key, head, list, 1);
    return;
  }
  const items = popMany(list, head, count);
  c.bulks(items);
  elementsRemoved(c, c.db, key, head, list, items.length);
}

// ---------------------------------------------------------------- reads

function llen(c: Client, argv: string[]): void {
  const list = getList(c, argv[1], false);
  if (list === null) return;
  c.int(list === undefined ? 0 : list.length);
}

function lindex(c: Client, argv: string[]): void {
  const list = getList(c, argv[1], false);
  if (list === null) return;
  if (list === undefined) return c.nil();
  const i = longArg(c, argv[2]);
  if (i === null) return;
  c.bulkOrNil(list.index(i));
}

function lrange(c: Client, argv: string[]): void {
  const start = longArg(c, argv[2]);
  if (start === null) return;
  const end = longArg(c, argv[3]);
  if (end === null) return;
  const list = getList(c, argv[1], false);
  if (list === null) return;
  if (list === undefined) return c.array(0);
  c.bulks(list.range(start, end));
}

const RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";

function lpos(c: Client, argv: string[]): void {
  const ele = argv[2];
  let rank = 1;
  let count = -1; // -1: COUNT not given
  let maxlen = 0;
  let rankIsMin = false; // RANK LONG_MIN: negating it overflows in Redis (matches everything, COUNT ignored)
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const more = argv.length - 1 - j;
    if (opt === 'rank' && more) {
      j++;
      const v = longArg(c, argv[j]);
      if (v === null) return;
      if (v === 0) return c.error(RANK_ZERO);
      rank = v;
      rankIsMin = argv[j] === '-9223372036854775808';
    } else if (opt === 'count' && more) {
      j++;
      const v = rangeArg(c, argv[j], 0, "ERR COUNT can't be negative");
      if (v === null) return;
      count = v;
    } else if (opt === 'maxlen' && more) {
      j++;
      const v = rangeArg(c, argv[j], 0, "ERR MAXLEN can't be negative");
      if (v === null) return;
      maxlen = v;
    } else {
      return c.error(ERR.syntax);
    }
  }
  const fromTail = rank < 0;
  if (fromTail) rank = -rank;
  if (rankIsMin) rank = 1;
  const list = getList(c, argv[1], false);
  if (list === null) return;
  if (list === undefined) return count !== -1 ? c.array(0) : c.nil();
  const d = list.items;
  const n = d.length;
  const limit = maxlen === 0 ? n : Math.min(maxlen, n);
  let matches = 0;
  const found: number[] = [];
  for (let k = 0; k < limit; k++) {
    const idx = fromTail ? n - 1 - k : k;
    if (d.get(idx) !== ele) continue;
    matches++;
    if (matches < rank) continue;
    found.push(idx);
    if (count === -1) break;
    if (count !== 0 && !rankIsMin && matches - rank + 1 >= count) break;
  }
  if (count !== -1) {
    c.array(found.length);
    for (const x of found) c.int(x);
  } else if (found.length) c.int(found[0]);
  else c.nil();
}

// ---------------------------------------------------------------- in-place edits

function lset(c: Client, argv: string[]): void {
  const key = argv[1];
  const list = getList(c, key, true);
  if (list === null) return;
  if (list === undefined) return c.error(ERR.noKey);
  const i = longArg(c, argv[2]);
  if (i === null) return;
  if (!list.setIndex(i, argv[3])) return c.error(ERR.outOfRange);
  c.ok();
  c.db.modifiedObject(key, list);
  c.db.notify(NOTIFY.LIST, 'lset', key);
  c.server.keyspace.dirty++;
}

function ltrim(c: Client, argv: string[]): void {
  const start = longArg(c, argv[2]);
  if (start === null) return;
  const end = longArg(c, argv[3]);
  if (end === null) return;
  const key = argv[1];
  const list = getList(c, key, true);
  if (list === null) return;
  if (list === undefined) return c.ok();
  const removed = list.trim(start, end);
  const db = c.db;
  db.notify(NOTIFY.LIST, 'ltrim', key);
  if (list.length === 0) {
    db.remove(key);
    db.notify(NOTIFY.GENERIC, 'del', key);
  } else {
    db.modifiedObject(key, list);
  }
  c.server.keyspace.dirty += removed;
  c.ok();
}

function lrem(c: Client, argv: string[]): void {
  const count = longArg(c, argv[2]);
  if (count === null) return;
  const key = argv[1];
  const list = getList(c, key, true);
  if (list === null) return;
  if (list === undefined) return c.int(0);
  const removed = list.remove(argv[3], count);
  const db = c.db;
  if (removed) {
    c.server.keyspace.dirty += removed;
    db.modifiedObject(key, list);
    db.notify(NOTIFY.LIST, 'lrem', key);
  }
  if (list.length === 0) {
    db.remove(key);
    db.notify(NOTIFY.GENERIC, 'del', key);
  }
  c.int(removed);
}

function linsert(c: Client, argv: string[]): void {
  const where = argv[2].toLowerCase();
  let after: boolean;
  if (where === 'after') after = true;
  else if (where === 'before') after = false;
  else return c.error(ERR.syntax);
  const key = argv[1];
  const list = getList(c, key, true);
  if (list === null) return;
  if (list === undefined) return c.int(0);
  if (!list.insert(argv[3], argv[4], after)) return c.int(-1);
  c.db.modifiedObject(key, list);
  c.db.notify(NOTIFY.LIST, 'linsert', key);
  c.server.keyspace.dirty++;
  c.int(list.length);
}

// ---------------------------------------------------------------- moves

function lmoveGeneric(c: Client, src: string, dst: string, fromHead: boolean, toHead: boolean): void {
  const list = getList(c, src, true);
  if (list === null) return;
  if (list === undefined || list.length === 0) return c.nil();
  doMove(c, c.db, src, list, dst, fromHead, toHead);
}

function lmove(c: Client, argv: string[]): void {
  const from = whereArg(c, argv[3]);
  if (from === null) return;
  const to = whereArg(c, argv[4]);
  if (to === null) return;
  lmoveGeneric(c, argv[1], argv[2], from, to);
}

function rpoplpush(c: Client, argv: string[]): void {
  lmoveGeneric(c, argv[1], argv[2], false, true);
}

// ---------------------------------------------------------------- LMPOP

interface MpopArgs {
  keys: string[];
  head: boolean;
  count: number;
}

/** Parses `numkeys key... LEFT|RIGHT [COUNT n]` starting at argv[idx]; null after replying. */
function parseMpop(c: Client, argv: string[], idx: number): MpopArgs | null {
  const numkeys = rangeArg(c, argv[idx], 1, 'ERR numkeys should be greater than 0');
  if (numkeys === null) return null;
  const whereIdx = idx + numkeys + 1;
  if (whereIdx >= argv.length) {
    c.error(ERR.syntax);
    return null;
  }
  const head = whereArg(c, argv[whereIdx]);
  if (head === null) return null;
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (count === -1 && more && argv[j].toLowerCase() === 'count') {
      j++;
      const v = rangeArg(c, argv[j], 1, 'ERR count should be greater than 0');
      if (v === null) return null;
      count = v;
    } else {
      c.error(ERR.syntax);
      return null;
    }
  }
  return { keys: argv.slice(idx + 1, whereIdx), head, count: count === -1 ? 1 : count };
}

/** Pops from the first non-empty list. 'none' when all are missing, 'done' after replying. */
function mpopFirst(c: Client, a: MpopArgs): 'none' | 'done' {
  for (const key of a.keys) {
    const list = getList(c, key, true);
    if (list === null) return 'done';
    if (list === undefined || list.length === 0) continue;
    const n = popRangeWithKey(c, c.db, list, key, a.head, a.count);
    c.argv = [a.head ? 'LPOP' : 'RPOP', key, String(n)];
    return 'done';
  }
  return 'none';
}

function lmpop(c: Client, argv: string[]): void {
  const a = parseMpop(c, argv, 1);
  if (a === null) return;
  if (mpopFirst(c, a) === 'none') c.nilArray();
}

// ---------------------------------------------------------------- blocking forms

function propagate(c: Client, db: Db, argv: string[]): void {
  c.server.propagate(db.id, argv);
}

function bpop(c: Client, argv: string[], head: boolean): void {
  const deadline = parseTimeout(argv[argv.length - 1]);
  if (typeof deadline === 'string') return c.error(deadline);
  const keys = argv.slice(1, -1);
  for (const key of keys) {
    const list = getList(c, key, true);
    if (list === null) return;
    if (list === undefined || list.length === 0) continue;
    const v = (head ? list.popHead() : list.popTail())!;
    c.array(2);
    c.bulk(key);
    c.bulk(v);
    elementsRemoved(c, c.db, key, head, list, 1);
    c.argv = [head ? 'LPOP' : 'RPOP', key];
    return;
  }
  const b = blocking(c.server);
  if (!b.mayBlock(c)) return c.nilArray();
  b.block(c, {
    db: c.db,
    keys,
    deadline,
    onTimeout: (x) => x.nilArray(),
    tryServe: (x, key) => {
      const db = x.db;
      const list = db.write(key);
      if (!(list instanceof ListValue) || list.length === 0) return false;
      propagate(x, db, [head ? 'LPOP' : 'RPOP', key]);
      const v = (head ? list.popHead() : list.popTail())!;
      x.array(2);
      x.bulk(key);
      x.bulk(v);
      elementsRemoved(x, db, key, head, list, 1);
      return true;
    },
  });
}

function blmoveGeneric(c: Client, argv: string[], fromHead: boolean, toHead: boolean, timeoutArg: string, rpl: boolean): void {
  const deadline = parseTimeout(timeoutArg);
  if (typeof deadline === 'string') return c.error(deadline);
  const src = argv[1];
  const dstKey = argv[2];
  const list = getList(c, src, true);
  if (list === null) return;
  if (list !== undefined && list.length > 0) {
    if (doMove(c, c.db, src, list, dstKey, fromHead, toHead)) {
      c.argv = rpl ? ['RPOPLPUSH', src, dstKey] : ['LMOVE', src, dstKey, argv[3], argv[4]];
    }
    return;
  }
  const b = blocking(c.server);
  if (!b.mayBlock(c)) return c.nil();
  b.block(c, {
    db: c.db,
    keys: [src],
    deadline,
    onTimeout: (x) => x.nilArray(),
    tryServe: (x, key) => {
      const db = x.db;
      const list = db.write(key);
      if (!(list instanceof ListValue) || list.length === 0) return false;
      if (doMove(x, db, key, list, dstKey, fromHead, toHead)) {
        propagate(
          x,
          db,
          rpl ? ['RPOPLPUSH', key, dstKey] : ['LMOVE', key, dstKey, fromHead ? 'left' : 'right', toHead ? 'left' : 'right'],
        );
      }
      return true;
    },
  });
}

function blmove(c: Client, argv: string[]): void {
  const from = whereArg(c, argv[3]);
  if (from === null) return;
  const to = whereArg(c, argv[4]);
  if (to === null) return;
  blmoveGeneric(c, argv, from, to, argv[5], false);
}

function brpoplpush(c: Client, argv: string[]): void {
  blmoveGeneric(c, argv, false, true, argv[3], true);
}

function blmpop(c: Client, argv: string[]): void {
  const a = parseMpop(c, argv, 2);
  if (a === null) return;
  const deadline = parseTimeout(argv[1]);
  if (typeof deadline === 'string') return c.error(deadline);
  if (mpopFirst(c, a) === 'done') return;
  const b = blocking(c.server);
  if (!b.mayBlock(c)) return c.nilArray();
  b.block(c, {
    db: c.db,
    keys: a.keys,
    deadline,
    onTimeout: (x) => x.nilArray(),
    tryServe: (x, key) => {
      const db = x.db;
      const list = db.write(key);
      if (!(list instanceof ListValue) || list.length === 0) return false;
      propagate(x, db, [a.head ? 'LPOP' : 'RPOP', key, String(Math.min(a.count, list.length))]);
      popRangeWithKey(x, db, list, key, a.head, a.count);
      return true;
    },
  });
}

// ---------------------------------------------------------------- family

export function install(server: Server): void {
  blocking(server);
  // a new list takes the quicklist settings in force when it is created
  const cfg = server.config;
  const sync = (): void => {
    ListValue.defaults = { fill: cfg.num('list-max-listpack-size'), compress: cfg.num('list-compress-depth') };
  };
  sync();
  cfg.onChange('list-max-listpack-size', sync);
  cfg.onChange('list-compress-depth', sync);
}

export const commands: Family = {
  lpush: (c, argv) => pushGeneric(c, argv, true, false),
  rpush: (c, argv) => pushGeneric(c, argv, false, false),
  lpushx: (c, argv) => pushGeneric(c, argv, true, true),
  rpushx: (c, argv) => pushGeneric(c, argv, false, true),
  lpop: (c, argv) => popGeneric(c, argv, true),
  rpop: (c, argv) => popGeneric(c, argv, false),
  llen,
  lindex,
  lset,
  lrange,
  ltrim,
  lrem,
  linsert,
  lpos,
  lmove,
  rpoplpush,
  lmpop,
  blpop: (c, argv) => bpop(c, argv, true),
  brpop: (c, argv) => bpop(c, argv, false),
  blmove,
  brpoplpush,
  blmpop,
};
