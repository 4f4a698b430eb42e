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
import type { Entry } from '../store/types.js';
import { NOTIFY } from '../store/types.js';
import { HLL } from '../store/ds/hll.js';
import { ERR } from './errors.js';

const NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
const CORRUPT = 'INVALIDOBJ Corrupted HLL object detected';

// ---------------------------------------------------------------- parse cache

/**
 * Parsed HLLs by database slot (Entry), each with the exact string it was
 * parsed from or serialized to: valid while the slot still holds that string
 * (`===` is a pointer comparison in the common case). Bounded LRU.
 */
interface Parsed {
  s: string;
  h: HLL;
}
const CACHE_MAX = 64;
const cache = new Map<Entry, Parsed>();

/** The parsed HLL of a slot holding HLL string s; null when corrupted. Do not modify it. */
function parsed(e: Entry, s: string): HLL | null {
  const p = cache.get(e);
  if (p !== undefined) {
    cache.delete(e);
    if (p.s === s) {
      cache.set(e, p);
      return p.h;
    }
  }
  const h = HLL.fromRedisString(s);
  if (h !== null) remember(e, s, h);
  return h;
}

function remember(e: Entry, s: string, h: HLL): void {
  cache.delete(e);
  cache.set(e, { s, h });
  if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value as Entry);
}

/** Like parsed(), for a caller about to change the object. */
function forWrite(e: Entry, s: string): HLL | null {
  const h = parsed(e, s);
  if (h !== null) cache.delete(e);
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
function hllString(c: Client, e: Entry): string | null {
  const v = e.value;
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
  const e = db.write(key);
  let h: HLL;
  let updated = 0;
  if (e === undefined) {
    h = new HLL();
    updated++;
  } else {
    const s = hllString(c, e);
    if (s === null) return;
    const p = forWrite(e, s);
    if (p === null) {
      // Redis only notices a corrupted sparse payload while walking it
      if (argv.length > 2) return c.error(CORRUPT);
      return c.int(0);
    }
    h = p;
    if (argv.length === 2) {
      remember(e, s, h);
      return c.int(0);
    }
  }
  const max = sparseMax(c.server);
  for (let j = 2; j < argv.length; j++) if (h.add(argv[j], max)) updated++;
  if (updated) {
    h.invalidateCache();
    const out = h.toRedisString();
    if (e === undefined) remember(rawEntry(db.add(key, out)), out, h);
    else {
      e.value = out;
    e.enc = 'raw';
      remember(e, out, h);
      db.modified(key);
    }
    db.notify(NOTIFY.STRING, 'pfadd', key);
    c.server.keyspace.dirty += updated;
  } else if (e !== undefined) {
    remember(e, e.value as string, h);
  }
  c.int(updated ? 1 : 0);
}

function pfcount(c: Client, argv: string[]): void {
  const db = c.db;
  if (argv.length > 2) {
    const hs: HLL[] = [];
    for (let j = 1; j < argv.length; j++) {
      const e = db.read(argv[j]);
      if (e === undefined) continue;
      const s = hllString(c, e);
      if (s === null) return;
      const h = parsed(e, s);
      if (h === null) return c.error(CORRUPT);
      hs.push(h);
    }
    return c.int(HLL.countUnion(hs));
  }
  const key = argv[1];
  const e = db.read(key);
  if (e === undefined) return c.int(0);
  const s = hllString(c, e);
  if (s === null) return;
  const h = parsed(e, s);
  if (h === null) return c.error(CORRUPT);
  if (h.cacheValid) return c.int(h.count());
  // computing the cardinality stores it in the header: the value changes
  const card = h.count();
  const out = h.toRedisString();
  e.value = out;
    e.enc = 'raw';
  remember(e, out, h);
  db.modified(key);
  c.server.keyspace.dirty++;
  c.int(card);
}

function pfmerge(c: Client, argv: string[]): void {
  const db = c.db;
  const sources: HLL[] = [];
  for (let j = 1; j < argv.length; j++) {
    const e = db.read(argv[j]);
    if (e === undefined) continue;
    const s = hllString(c, e);
    if (s === null) return;
    const h = parsed(e, s);
    if (h === null) return c.error(CORRUPT);
    sources.push(h);
  }
  const key = argv[1];
  const e = db.write(key);
  let dst: HLL;
  if (e === undefined) dst = new HLL();
  else {
    // checked above as the first source
    dst = forWrite(e, e.value as string) as HLL;
  }
  // merge() reads every source before it changes the destination
  dst.merge(sources, sparseMax(c.server));
  const out = dst.toRedisString();
  if (e === undefined) remember(rawEntry(db.add(key, out)), out, dst);
  else {
    e.value = out;
    e.enc = 'raw';
    remember(e, out, dst);
    db.modified(key);
  }
  db.notify(NOTIFY.STRING, 'pfadd', key);
  c.server.keyspace.dirty++;
  c.ok();
}

export const commands: Family = {
  pfadd,
  pfcount,
  pfmerge,
};

/** HLLs are built as raw strings in Redis (OBJECT ENCODING says 'raw'). */
function rawEntry(e: Entry): Entry {
  e.enc = 'raw';
  return e;
}
