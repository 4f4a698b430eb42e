// Expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (NX/XX/GT/LT), TTL,
// PTTL, EXPIRETIME, PEXPIRETIME, PERSIST. Semantics follow Redis 7.0 expire.c.
// The lazy expiry lives in store/db.ts, the active cycle in server/cron.ts.

import type { Family } from './table.js';
import type { Client } from '../server/client.js';
import { NOTIFY } from '../store/types.js';
import { ERR } from './errors.js';
import { parseI64 } from '../util/numbers.js';

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

const LLONG_MAX = 9223372036854775807n;
const LLONG_MAX_DIV_1000 = LLONG_MAX / 1000n;
const LLONG_MIN_DIV_1000 = -9223372036854775808n / 1000n;

/** Short decimal integers the fast path can handle exactly without BigInt. */
const SMALL_RE = /^(?:0|-?[1-9][0-9]{0,14})$/;

/** Parses NX|XX|GT|LT; replies and returns -1 on error. */
function parseFlags(c: Client, argv: string[]): number {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    if (opt === 'nx') flags |= EXPIRE_NX;
    else if (opt === 'xx') flags |= EXPIRE_XX;
    else if (opt === 'gt') flags |= EXPIRE_GT;
    else if (opt === 'lt') flags |= EXPIRE_LT;
    else {
      c.error(`ERR Unsupported option ${argv[j]}`);
      return -1;
    }
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
    c.error('ERR NX and XX, GT or LT options at the same time are not compatible');
    return -1;
  }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) {
    c.error('ERR GT and LT options at the same time are not compatible');
    return -1;
  }
  return flags;
}

/**
 * The absolute deadline in ms for `param` (relative to `basetime` ms, in
 * seconds when `seconds`), with Redis's int64 overflow checks. Replies and
 * returns null on error.
 */
function deadline(c: Client, name: string, param: string, basetime: number, seconds: boolean): number | null {
  if (SMALL_RE.test(param)) {
    // |when| < 10^15: neither the unit conversion nor adding now can overflow int64.
    const when = Number(param);
    return (seconds ? when * 1000 : when) + basetime;
  }
  let when = parseI64(param);
  if (when === null) {
    c.error(ERR.notInt);
    return null;
  }
  if (seconds) {
    if (when > LLONG_MAX_DIV_1000 || when < LLONG_MIN_DIV_1000) {
      c.error(ERR.invalidExpire(name));
      return null;
    }
    when *= 1000n;
  }
  const base = BigInt(basetime);
  if (when > LLONG_MAX - base) {
    c.error(ERR.invalidExpire(name));
    return null;
  }
  return Number(when + base);
}

function expireGeneric(c: Client, argv: string[], name: string, relative: boolean, seconds: boolean): void {
  const flags = parseFlags(c, argv);
  if (flags < 0) return;
  const when = deadline(c, name, argv[2], relative ? Date.now() : 0, seconds);
  if (when === null) return;
  const db = c.db;
  const key = argv[1];
  if (db.write(key) === undefined) return c.int(0);
  if (flags !== 0) {
    const current = db.getExpire(key);
    if (flags & EXPIRE_NX && current !== undefined) return c.int(0);
    if (flags & EXPIRE_XX && current === undefined) return c.int(0);
    // No TTL counts as an infinite one.
    if (flags & EXPIRE_GT && (current === undefined || when <= current)) return c.int(0);
    if (flags & EXPIRE_LT && current !== undefined && when >= current) return c.int(0);
  }
  const ks = c.server.keyspace;
  if (when <= Date.now() && !ks.isReplica) {
    db.remove(key);
    ks.dirty++;
    c.argv = ['DEL', key]; // propagate as an explicit DEL
    db.notify(NOTIFY.GENERIC, 'del', key);
    return c.int(1);
  }
  db.setExpire(key, when);
  // Propagate as PEXPIREAT with the absolute deadline, as Redis does.
  const pargv = argv.slice();
  pargv[0] = 'PEXPIREAT';
  pargv[2] = String(when);
  c.argv = pargv;
  db.notify(NOTIFY.GENERIC, 'expire', key);
  ks.dirty++;
  c.int(1);
}

/** TTL family: `ms` picks the unit, `abs` returns the deadline instead of the remaining time. */
function ttlGeneric(c: Client, key: string, ms: boolean, abs: boolean): void {
  const db = c.db;
  const ks = c.server.keyspace;
  const prev = ks.noTouch;
  ks.noTouch = true;
  let found: boolean;
  try {
    found = db.read(key) !== undefined;
  } finally {
    ks.noTouch = prev;
  }
  if (!found) return c.int(-2);
  const expire = db.getExpire(key);
  if (expire === undefined) return c.int(-1);
  let ttl = abs ? expire : expire - Date.now();
  if (ttl < 0) ttl = 0;
  c.int(ms ? ttl : Math.floor((ttl + 500) / 1000));
}

function persist(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  if (db.write(key) === undefined || !db.persist(key)) return c.int(0);
  db.notify(NOTIFY.GENERIC, 'persist', key);
  c.server.keyspace.dirty++;
  c.int(1);
}

export const commands: Family = {
  expire: (c, argv) => expireGeneric(c, argv, 'expire', true, true),
  pexpire: (c, argv) => expireGeneric(c, argv, 'pexpire', true, false),
  expireat: (c, argv) => expireGeneric(c, argv, 'expireat', false, true),
  pexpireat: (c, argv) => expireGeneric(c, argv, 'pexpireat', false, false),
  ttl: (c, argv) => ttlGeneric(c, argv[1], false, false),
  pttl: (c, argv) => ttlGeneric(c, argv[1], true, false),
  expiretime: (c, argv) => ttlGeneric(c, argv[1], false, true),
  pexpiretime: (c, argv) => ttlGeneric(c, argv[1], true, true),
  persist,
};
