// SORT and SORT_RO (Redis 7.0 sort.c): options parsed in Redis's order and
// with its errors, BY/GET patterns looked up as lookupKeyByPattern does,
// the same comparator (ties between equal scores fall back to comparing the
// elements, so numeric sorts are deterministic) and the same LIMIT clamping.

import type { Family, KeyRef } from './table.js';
import type { Client } from '../server/client.js';
import type { Db } from '../store/db.js';
import { NOTIFY, type Value } from '../store/types.js';
import { ListValue } from '../store/list.js';
import type { SetValue } from '../store/set.js';
import type { ZSetValue } from '../store/zset.js';
import type { HashValue } from '../store/hash.js';
import { ERR } from './errors.js';
import { parseLong, parseDouble } from '../util/numbers.js';
import { strtod } from './zsets.js';
import { pqsort } from '../util/pqsort.js';
import { SEL, PERM_READ, PERM_WRITE } from '../security/selector.js';

const SCORE_ERR = "ERR One or more scores can't be converted into double";

/** The part of s a C string function sees (up to the first NUL). */
function cstr(s: string): string {
  const i = s.indexOf('\0');
  return i === -1 ? s : s.slice(0, i);
}

/**
 * A BY/GET pattern as lookupKeyByPattern reads it: '#' is the element
 * itself; otherwise the first '*' is replaced by the element and, with
 * '->field' after it, a hash field is read. Without '*' it finds nothing.
 */
interface Pattern {
  self: boolean;
  none: boolean;
  prefix: string;
  suffix: string;
  field: string | null;
}

function compilePattern(pattern: string): Pattern {
  const self = pattern.charCodeAt(0) === 0x23 /* # */ && (pattern.length === 1 || pattern.charCodeAt(1) === 0);
  const c = cstr(pattern);
  const p = c.indexOf('*');
  if (self || p === -1) return { self, none: !self, prefix: '', suffix: '', field: null };
  const f = c.indexOf('->', p + 1);
  const hasField = f !== -1 && f + 2 < c.length;
  return { self, none: false, prefix: pattern.slice(0, p), suffix: pattern.slice(p + 1, hasField ? f : pattern.length), field: hasField ? pattern.slice(f + 2) : null };
}

function lookupByPattern(db: Db, pat: Pattern, elem: string): string | undefined {
  if (pat.self) return elem;
  if (pat.none) return undefined;
  const o = db.read(pat.prefix + elem + pat.suffix);
  if (o === undefined) return undefined;
  if (pat.field !== null) return typeof o !== 'string' && o.type === 'hash' ? (o as HashValue).get(pat.field) : undefined;
  return typeof o === 'string' ? o : undefined;
}

const PLAIN_DECIMAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/** strtod over the whole C string with Redis's checks (trailing bytes, ERANGE, NaN); null on error. */
function sortScore(s: string): number | null {
  const t = cstr(s);
  if (t.length === 0) return 0; // strtod("") converts nothing and stops on the NUL
  if (PLAIN_DECIMAL.test(t)) {
    // the common case, without the general parser: Number() rounds like strtod
    const v = Number(t);
    if (v === Infinity || v === -Infinity) return null; // ERANGE overflow
    if (v !== 0 || !/[eE]/.test(t)) return v;
  }
  const fast = parseDouble(t); // string2d: strtod without leading spaces, ERANGE or NaN
  if (fast !== null) return fast;
  const [v, end] = strtod(t, 0);
  if (end !== t.length || Number.isNaN(v)) return null;
  let i = 0;
  while (i < t.length && (t.charCodeAt(i) === 32 || (t.charCodeAt(i) >= 9 && t.charCodeAt(i) <= 13))) i++;
  if (parseDouble(t.slice(i)) === null) return null; // overflow or underflow: ERANGE
  return v;
}

/** memcmp order (compareStringObjects). */
function binCmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** strcoll in the C locale: bytes up to the first NUL. */
function collCmp(a: string, b: string): number {
  return binCmp(cstr(a), cstr(b));
}

/**
 * ACLUserCheckCmdWithUnrestrictedKeyAccess: one selector allows the call
 * (command and keys) and can read every key (allkeys or a readable '*').
 */
function fullKeyAccess(c: Client, argv: string[], keys: KeyRef[]): boolean {
  const u = c.user;
  if (u.unrestricted) return true;
  const cmd = c.cmd;
  if (cmd === null) return true;
  for (const sel of u.selectors) {
    if (!sel.allowsCommand(cmd.id, false, false, argv)) continue;
    let unrestricted = (sel.flags & SEL.ALLKEYS) !== 0;
    if (!unrestricted) {
      for (const p of sel.patterns) if ((p.flags & PERM_READ) === PERM_READ && p.pattern === '*') unrestricted = true;
    }
    if (!unrestricted) continue;
    let ok = true;
    for (const k of keys) {
      const perm = k.flags.includes('access') ? PERM_READ : 0;
      if (!sel.allowsKey(argv[k.pos], perm | (k.flags.includes('update') ? PERM_WRITE : 0))) ok = false;
    }
    if (ok) return true;
  }
  return false;
}

interface Item {
  obj: string;
  score: number;
  cmpobj: string | null;
}

function sortGeneric(c: Client, argv: string[], readonly: boolean): void {
  let desc = false;
  let alpha = false;
  let limitStart = 0;
  let limitCount = -1;
  let dontsort = false;
  let sortby: string | null = null;
  let storekey: string | null = null;
  const gets: string[] = [];
  let fullAccess: boolean | null = null;
  let byPat: Pattern | null = null;
  const hasFull = (): boolean => (fullAccess ??= fullKeyAccess(c, argv, sortGetKeys(argv, readonly)));

  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const a = argv[j].toLowerCase();
    if (a === 'asc') desc = false;
    else if (a === 'desc') desc = true;
    else if (a === 'alpha') alpha = true;
    else if (a === 'limit' && left >= 2) {
      const s = parseLong(argv[j + 1]);
      if (s === null) return c.error(ERR.notInt);
      const n = parseLong(argv[j + 2]);
      if (n === null) return c.error(ERR.notInt);
      limitStart = s;
      limitCount = n;
      j += 2;
    } else if (!readonly && a === 'store' && left >= 1) {
      storekey = argv[++j];
    } else if (a === 'by' && left >= 1) {
      sortby = argv[j + 1];
      // BY without '*' (usually "nosort") skips sorting
      if (cstr(sortby).indexOf('*') === -1) dontsort = true;
      else if (!hasFull()) return c.error('ERR BY option of SORT denied due to insufficient ACL permissions.');
      j++;
    } else if (a === 'get' && left >= 1) {
      if (!hasFull()) return c.error('ERR GET option of SORT denied due to insufficient ACL permissions.');
      gets.push(argv[++j]);
    } else return c.error(ERR.syntax);
  }

  const db = c.db;
  const sortval = db.read(argv[1]);
  if (sortval !== undefined && (typeof sortval === 'string' || (sortval.type !== 'set' && sortval.type !== 'list' && sortval.type !== 'zset'))) {
    return c.error(ERR.wrongType);
  }
  const type = sortval === undefined ? 'list' : (sortval as Exclude<Value, string>).type;
  // a set has no order of its own: a stored result must not depend on it
  if (dontsort && type === 'set' && storekey !== null) {
    dontsort = false;
    alpha = true;
    sortby = null;
  }
  // zsetConvert(sortval, OBJ_ENCODING_SKIPLIST), done even by SORT_RO
  if (type === 'zset') (sortval as ZSetValue).listpack = false;

  let vectorlen = sortval === undefined ? 0 : type === 'list' ? (sortval as ListValue).length : type === 'set' ? (sortval as SetValue).size : (sortval as ZSetValue).size;
  let start = limitStart < 0 ? 0 : limitStart;
  let end = limitCount < 0 ? vectorlen - 1 : start + limitCount - 1;
  if (start >= vectorlen) {
    start = vectorlen - 1;
    end = vectorlen - 2;
  }
  if (end >= vectorlen) end = vectorlen - 1;

  let vector: Item[] = [];
  const item = (obj: string): Item => ({ obj, score: 0, cmpobj: null });
  if (sortval !== undefined) {
    if ((type === 'zset' || type === 'list') && dontsort) {
      // the container's own order, reversed for DESC, only the LIMIT range
      if (end >= start) {
        const n = end - start + 1;
        if (type === 'list') {
          const items = (sortval as ListValue).items;
          const len = items.length;
          for (let k = 0; k < n; k++) vector.push(item(items.get(desc ? len - 1 - start - k : start + k) as string));
        } else {
          const zs = (sortval as ZSetValue).zs;
          for (const [m] of zs.rangeByRank(start, end, desc)) vector.push(item(m));
        }
      }
      end -= start;
      start = 0;
      vectorlen = vector.length;
    } else if (type === 'list') {
      vector = (sortval as ListValue).items.slice(0, vectorlen - 1).map(item);
    } else if (type === 'set') {
      for (const m of (sortval as SetValue).members()) vector.push(item(m));
    } else {
      for (const m of (sortval as ZSetValue).zs.map.keys()) vector.push(item(m));
    }
  }

  let convError = false;
  if (!dontsort) {
    for (const v of vector) {
      let byval: string | undefined;
      if (sortby !== null) {
        byval = lookupByPattern(db, (byPat ??= compilePattern(sortby)), v.obj);
        if (byval === undefined) continue;
      } else byval = v.obj;
      if (alpha) {
        if (sortby !== null) v.cmpobj = byval;
      } else {
        const s = sortScore(byval);
        if (s === null) convError = true;
        else v.score = s;
      }
    }
    const sign = desc ? -1 : 1;
    const store = storekey !== null;
    let cmp: (a: Item, b: Item) => number;
    if (!alpha) cmp = (a, b) => sign * (a.score > b.score ? 1 : a.score < b.score ? -1 : binCmp(a.obj, b.obj));
    else if (sortby !== null) {
      cmp = (a, b) => {
        let r: number;
        if (a.cmpobj === null || b.cmpobj === null) r = a.cmpobj === b.cmpobj ? 0 : a.cmpobj === null ? -1 : 1;
        else r = store ? binCmp(a.cmpobj, b.cmpobj) : collCmp(a.cmpobj, b.cmpobj);
        return sign * r;
      };
    } else cmp = store ? (a, b) => sign * binCmp(a.obj, b.obj) : (a, b) => sign * collCmp(a.obj, b.obj);
    // with BY and a LIMIT range Redis sorts partially (pqsort), which is not stable
    if (sortby !== null && (start !== 0 || end !== vectorlen - 1)) pqsort(vector, cmp, start, end);
    else vector.sort(cmp);
  }

  const count = end - start + 1 > 0 ? end - start + 1 : 0;
  const outputlen = gets.length ? gets.length * count : count;
  const getPats = gets.map(compilePattern);
  if (convError) return c.error(SCORE_ERR);
  if (storekey === null) {
    c.array(outputlen);
    for (let j = start; j <= end; j++) {
      const obj = vector[j].obj;
      if (gets.length === 0) c.bulk(obj);
      for (const g of getPats) c.bulkOrNil(lookupByPattern(db, g, obj) ?? null);
    }
    return;
  }
  const out: string[] = [];
  for (let j = start; j <= end; j++) {
    const obj = vector[j].obj;
    if (gets.length === 0) out.push(obj);
    for (const g of getPats) out.push(lookupByPattern(db, g, obj) ?? '');
  }
  if (outputlen) {
    db.set(storekey, ListValue.from(out));
    db.notify(NOTIFY.LIST, 'sortstore', storekey);
    c.server.keyspace.dirty += outputlen;
  } else if (db.delete(storekey)) {
    db.notify(NOTIFY.GENERIC, 'del', storekey);
    c.server.keyspace.dirty++;
  }
  c.int(outputlen);
}

/**
 * sortGetKeys / sortROGetKeys: the sorted key (RO ACCESS) and, for SORT, the
 * last STORE destination (OW UPDATE), skipping the arguments of LIMIT/GET/BY.
 */
function sortGetKeys(argv: string[], readonly = false): KeyRef[] {
  const keys: KeyRef[] = [{ pos: 1, flags: RO_ACCESS }];
  if (readonly) return keys;
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i].toLowerCase();
    if (a === 'limit') i += 2;
    else if (a === 'get' || a === 'by') i += 1;
    else if (a === 'store' && i + 1 < argv.length) store = i + 1;
  }
  if (store !== -1) keys.push({ pos: store, flags: OW_UPDATE });
  return keys;
}
const RO_ACCESS = ['RO', 'access'];
const OW_UPDATE = ['OW', 'update'];

export const commands: Family = {
  sort: { handler: (c, argv) => sortGeneric(c, argv, false), getKeys: (argv) => sortGetKeys(argv, false) },
  sort_ro: { handler: (c, argv) => sortGeneric(c, argv, true), getKeys: (argv) => sortGetKeys(argv, true) },
};
