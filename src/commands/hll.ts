// HyperLogLog commands (Redis 7.0 hyperloglog.c): PFADD, PFCOUNT, PFMERGE.
//
// An HLL is a Redis string holding Redis's exact serialization (GET returns
// the same bytes as Redis); store/ds/hll.ts parses and writes it. Parsed
// objects are kept in a small cache keyed by the serialized string, so a run
// of PFADD/PFCOUNT on one key does not re-parse 12 KB each time. Strings are
// immutable, so a cached object stays valid while its slot holds the very
// string it came from; a writer takes the object out before changing it.

import type { Family } from './table.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Db } from '../store/db.js';
import { NOTIFY, type Value } from '../store/types.js';
import { HLL } from '../store/ds/hll.js';
import { ERR } from './errors.js';

const NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
const CORRUPT = 'INVALIDOBJ Corrupted HLL object detected';

// ---------------------------------------------------------------- parse cache

/**
 * Parsed HLLs by database slot (see slotOf), each with the exact string it was
 * parsed from or serialized to: valid while the slot still holds that string
 * (`===` is a pointer comparison in the common case). Bounded LRU.
 */
interface Parsed {
  s: string;
  h: HLL;
}
const CACHE_MAX = 64;
const cache = new Map<string, Parsed>();

/** Names db + key; a stale name (SWAPDB, RENAME...) is harmless since the string is compared. */
function slotOf(db: Db, key: string): string {
  return db.id + '\u0000' + key;
}

/** The parsed HLL of a slot holding HLL string s; null when corrupted. Do not modify it. */
function parsed(slot: string, s: string): HLL | null {
  const p = cache.get(slot);
  if (p !== undefined) {
    cache.delete(slot);
    if (p.s === s) {
      cache.set(slot, p);
      return p.h;
    }
  }
  const h = HLL.fromRedisString(s);
  if (h !== null) remember(slot, s, h);
  return h;
}

function remember(slot: string, s: string, h: HLL): void {
  cache.delete(slot);
  cache.set(slot, { s, h });
  if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value as string);
}

/** Like parsed(), for a caller about to change the object. */
function forWrite(slot: string, s: string): HLL | null {
  const h = parsed(slot, s);
  if (h !== null) cache.delete(slot);
  return h;
}

// ---------------------------------------------------------------- config

function sparseMax(server: Server): number {
  let v = server.ext.hllSparseMax as number | undefined;
  if (v === undefined) {
    const cfg = server.config;
    v = cfg.num('hll-sparse-max-bytes');
    server.ext.hllSparseMax = v;
    cfg.onChange('hll-sparse-max-bytes', () => (server.ext.hllSparseMax = cfg.num('hll-sparse-max-bytes')));
  }
  return v;
}

export function install(server: Server): void {
  sparseMax(server);
}

/**
 * isHLLObjectOrReply: the string value of an HLL key, or null after
 * replying WRONGTYPE (not a string / not an HLL string).
 */
function hllString(c: Client, v: Value): string | null {
  if (typeof v !== 'string') {
    c.error(ERR.wrongType);
    return null;
  }
  if (!HLL.isHLLHeader(v)) {
    c.error(NOT_HLL);
    return null;
  }
  return v;
}

// ---------------------------------------------------------------- commands

function pfadd(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  const slot = slotOf(db, key);
  const v = db.write(key);
  let h: HLL;
  let updated = 0;
  if (v === undefined) {
    h = new HLL();
    updated++;
  } else {
    const s = hllString(c, v);
    if (s === null) return;
    const p = forWrite(slot, s);
    if (p === null) {
      // Redis only notices a corrupted sparse payload while walking it
      if (argv.length > 2) return c.error(CORRUPT);
      return c.int(0);
    }
    h = p;
    if (argv.length === 2) {
      remember(slot, s, h);
      return c.int(0);
    }
  }
  const max = sparseMax(c.server);
  for (let j = 2; j < argv.length; j++) if (h.add(argv[j], max)) updated++;
  if (updated) {
    h.invalidateCache();
    const out = h.toRedisString();
    // HLLs are built as raw strings in Redis (OBJECT ENCODING says 'raw')
    if (v === undefined) db.add(key, out, 'raw');
    else db.replace(key, out, 'raw');
    remember(slot, out, h);
    db.notify(NOTIFY.STRING, 'pfadd', key);
    c.server.keyspace.dirty += updated;
  } else if (v !== undefined) {
    remember(slot, v as string, h);
  }
  c.int(updated ? 1 : 0);
}

function pfcount(c: Client, argv: string[]): void {
  const db = c.db;
  if (argv.length > 2) {
    const hs: HLL[] = [];
    for (let j = 1; j < argv.length; j++) {
      const v = db.read(argv[j]);
      if (v === undefined) continue;
      const s = hllString(c, v);
      if (s === null) return;
      const h = parsed(slotOf(db, argv[j]), s);
      if (h === null) return c.error(CORRUPT);
      hs.push(h);
    }
    return c.int(HLL.countUnion(hs));
  }
  const key = argv[1];
  const slot = slotOf(db, key);
  const v = db.read(key);
  if (v === undefined) return c.int(0);
  const s = hllString(c, v);
  if (s === null) return;
  const h = parsed(slot, s);
  if (h === null) return c.error(CORRUPT);
  if (h.cacheValid) return c.int(h.count());
  // computing the cardinality stores it in the header: the value changes
  const card = h.count();
  const out = h.toRedisString();
  db.replace(key, out, 'raw');
  remember(slot, out, h);
  c.server.keyspace.dirty++;
  c.int(card);
}

function pfmerge(c: Client, argv: string[]): void {
  const db = c.db;
  const sources: HLL[] = [];
  for (let j = 1; j < argv.length; j++) {
    const v = db.read(argv[j]);
    if (v === undefined) continue;
    const s = hllString(c, v);
    if (s === null) return;
    const h = parsed(slotOf(db, argv[j]), s);
    if (h === null) return c.error(CORRUPT);
    sources.push(h);
  }
  const key = argv[1];
  const slot = slotOf(db, key);
  const v = db.write(key);
  let dst: HLL;
  if (v === undefined) dst = new HLL();
  else {
    // checked above as the first source
    dst = forWrite(slot, v as string) as HLL;
  }
  // merge() reads every source before it changes the destination
  dst.merge(sources, sparseMax(c.server));
  const out = dst.toRedisString();
  if (v === undefined) db.add(key, out, 'raw');
  else db.replace(key, out, 'raw');
  remember(slot, out, dst);
  db.notify(NOTIFY.STRING, 'pfadd', key);
  c.server.keyspace.dirty++;
  c.ok();
}

export const commands: Family = {
  pfadd,
  pfcount,
  pfmerge,
};
