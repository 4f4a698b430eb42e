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
import { HLL_HDR_SIZE, HLL } from '../store/ds/hll.js';
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

/** Sparse opcodes as text: z:len (ZERO), Z:len (XZERO), v:value,len (VAL). */
function decodeSparse(s: string): string {
  const out: string[] = [];
  for (let p = HLL_HDR_SIZE; p < s.length; ) {
    const b = s.charCodeAt(p);
    if ((b & 0xc0) === 0) {
      out.push(`z:${(b & 0x3f) + 1}`);
      p++;
    } else if ((b & 0xc0) === 0x40) {
      out.push(`Z:${(((b & 0x3f) << 8) | s.charCodeAt(p + 1)) + 1}`);
      p += 2;
    } else {
      out.push(`v:${((b >>> 2) & 0x1f) + 1},${(b & 3) + 1}`);
      p++;
    }
  }
  return out.join(' ');
}

/** PFDEBUG GETREG|DECODE|ENCODING|TODENSE key (Redis's test-suite helper). */
function pfdebug(c: Client, argv: string[]): void {
  const db = c.db;
  const sub = argv[1];
  const key = argv[2];
  const v = db.write(key);
  if (v === undefined) return c.error('ERR The specified key does not exist');
  const s = hllString(c, v);
  if (s === null) return;
  const lsub = sub.toLowerCase();
  const known = lsub === 'getreg' || lsub === 'decode' || lsub === 'encoding' || lsub === 'todense';
  if (known && argv.length !== 3) return c.error(`ERR Wrong number of arguments for the '${sub}' subcommand`);
  const sparse = s.charCodeAt(4) === 1;
  /** GETREG and TODENSE leave the key dense, as Redis's hllSparseToDense does. */
  const densify = (): HLL | null => {
    const slot = slotOf(db, key);
    const h = forWrite(slot, s);
    if (h === null) return null;
    h.toDense();
    const out = h.toRedisString();
    db.replace(key, out, 'raw');
    remember(slot, out, h);
    c.server.keyspace.dirty++;
    return h;
  };
  if (lsub === 'getreg') {
    const h = sparse ? densify() : parsed(slotOf(db, key), s);
    if (h === null) return c.error(CORRUPT);
    const regs = h.registers();
    c.array(regs.length);
    for (let i = 0; i < regs.length; i++) c.int(regs[i]);
  } else if (lsub === 'decode') {
    if (!sparse) return c.error('ERR HLL encoding is not sparse');
    c.bulk(decodeSparse(s));
  } else if (lsub === 'encoding') {
    c.simple(sparse ? 'sparse' : 'dense');
  } else if (lsub === 'todense') {
    if (!sparse) return c.int(0);
    if (densify() === null) return c.error(CORRUPT);
    c.int(1);
  } else c.error(`ERR Unknown PFDEBUG subcommand '${sub}'`);
}

/**
 * PFSELFTEST: checks the register encodings and the estimator on this
 * build, as Redis's self test does: a sparse and a dense HLL fed the same
 * elements hold the same registers, and the estimate stays within the
 * expected error (5 standard errors, 1.04/sqrt(16384) each).
 */
function pfselftest(c: Client): void {
  const sparse = new HLL();
  const dense = new HLL();
  dense.toDense();
  const relerr = 1.04 / Math.sqrt(16384);
  let checkpoint = 1;
  for (let j = 1; j <= 100000; j++) {
    const e = 'selftest:' + j + ':' + ((j * 2654435761) >>> 0);
    sparse.add(e, 1 << 30);
    dense.add(e);
    if (j === checkpoint && j < 100000) {
      const a = sparse.registers();
      const b = dense.registers();
      for (let i = 0; i < a.length; i++) {
        if (a[i] !== b[i]) return c.error(`ERR TESTFAILED Register error at ${i}: sparse ${a[i]} dense ${b[i]}`);
      }
      checkpoint *= 10;
    }
    if (j % 1000 === 0) {
      sparse.invalidateCache();
      dense.invalidateCache();
      const est = dense.count();
      const maxerr = Math.ceil(relerr * 5 * j);
      if (Math.abs(j - est) > maxerr) return c.error(`ERR TESTFAILED Too big error. card:${j} abserr:${Math.abs(j - est)}`);
    }
  }
  c.ok();
}

export const commands: Family = {
  pfadd,
  pfcount,
  pfmerge,
  pfdebug,
  pfselftest,
};
