// RDB decoding (Redis 7.0 rdb.c rdbLoad*): every type and encoding Redis 7.0
// writes or still reads (plain, ziplist, listpack, intset, zipmap, quicklist
// v1/v2), the aux/expiry/LRU/LFU/SELECTDB/RESIZEDB opcodes and the CRC64
// trailer. The whole file is decoded before anything reaches the keyspace,
// so a corrupt file loads nothing. Streams, modules and functions are
// refused by name.

import type { Value } from '../../store/types.js';
import { ListValue } from '../../store/list.js';
import { SetValue } from '../../store/set.js';
import { HashValue } from '../../store/hash.js';
import { ZSetValue } from '../../store/zset.js';
import { lzfDecompress } from './lzf.js';
import { crc64 } from './crc64.js';
import { OP, TYPE, RDB_VERSION, QUICKLIST_NODE_PLAIN, QUICKLIST_NODE_PACKED, typeName } from './format.js';
import { RdbError, parseZiplist, parseListpack, parseIntset, parseZipmap } from './blobs.js';

export { RdbError };

/** The encoding thresholds a loaded value is converted by (as Redis does after loading). */
export interface LoadLimits {
  hashEntries: number;
  hashValue: number;
  zsetEntries: number;
  zsetValue: number;
  intsetEntries: number;
}

export interface LoadedKey {
  db: number;
  key: string;
  value: Value;
  /** Absolute unix ms, or -1. */
  expire: number;
  /** Idle seconds from an IDLE opcode, or -1. */
  idle: number;
}

export interface LoadResult {
  keys: LoadedKey[];
  aux: Map<string, string>;
  version: number;
  /** Keys skipped because their expiry had passed. */
  expired: number;
  /** Offset just past the file (an AOF's RDB preamble is followed by commands). */
  end: number;
}

export interface LoadOptions {
  limits: LoadLimits;
  databases: number;
  /** Verify the CRC64 trailer (rdbchecksum). */
  checksum: boolean;
  /** Drop keys whose expiry has passed (a primary does; a replica would not). */
  dropExpired: boolean;
  now?: number;
}

class Reader {
  pos = 0;
  /** Set by len() when the length byte announced a special encoding. */
  encoded = false;
  constructor(readonly b: Buffer) {}

  need(n: number): void {
    if (this.pos + n > this.b.length) throw new RdbError('Unexpected EOF reading RDB file');
  }
  u8(): number {
    this.need(1);
    return this.b[this.pos++];
  }
  len(): number {
    const first = this.u8();
    const kind = first >> 6;
    this.encoded = false;
    if (kind === 3) {
      this.encoded = true;
      return first & 0x3f;
    }
    if (kind === 0) return first & 0x3f;
    if (kind === 1) return ((first & 0x3f) << 8) | this.u8();
    if (first === 0x80) {
      this.need(4);
      const v = this.b.readUInt32BE(this.pos);
      this.pos += 4;
      return v;
    }
    if (first === 0x81) {
      this.need(8);
      const v = this.b.readBigUInt64BE(this.pos);
      this.pos += 8;
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbError('Unknown length encoding in rdbLoadLen()');
      return Number(v);
    }
    throw new RdbError(`Unknown length encoding ${first} in rdbLoadLen()`);
  }
  plainLen(): number {
    const n = this.len();
    if (this.encoded) throw new RdbError('Unexpected encoded length');
    return n;
  }
  /** A string's bytes (ints rendered in decimal, LZF decompressed). */
  buf(): Buffer {
    const n = this.len();
    if (this.encoded) {
      if (n === 0) return Buffer.from(String(this.b.readInt8((this.need(1), this.pos++))), 'latin1');
      if (n === 1) {
        this.need(2);
        const v = this.b.readInt16LE(this.pos);
        this.pos += 2;
        return Buffer.from(String(v), 'latin1');
      }
      if (n === 2) {
        this.need(4);
        const v = this.b.readInt32LE(this.pos);
        this.pos += 4;
        return Buffer.from(String(v), 'latin1');
      }
      if (n === 3) {
        const clen = this.plainLen();
        const ulen = this.plainLen();
        this.need(clen);
        const c = this.b.subarray(this.pos, this.pos + clen);
        this.pos += clen;
        return lzfDecompress(c, ulen);
      }
      throw new RdbError(`Unknown RDB string encoding type ${n}`);
    }
    this.need(n);
    const s = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  str(): string {
    const n = this.len();
    if (!this.encoded) {
      this.need(n);
      const s = this.b.latin1Slice(this.pos, this.pos + n);
      this.pos += n;
      return s;
    }
    // an encoded length is one byte: step back and read it through buf()
    this.pos--;
    return this.buf().latin1Slice();
  }
  /** RDB_TYPE_ZSET's text score. */
  oldDouble(): number {
    const n = this.u8();
    if (n === 253) return NaN;
    if (n === 254) return Infinity;
    if (n === 255) return -Infinity;
    this.need(n);
    const s = this.b.latin1Slice(this.pos, this.pos + n);
    this.pos += n;
    const d = parseScore(s);
    if (d === null) throw new RdbError('Invalid double value');
    return d;
  }
  binDouble(): number {
    this.need(8);
    const d = this.b.readDoubleLE(this.pos);
    this.pos += 8;
    return d;
  }
}

function parseScore(s: string): number | null {
  const l = s.toLowerCase();
  if (l === 'inf' || l === '+inf' || l === 'infinity') return Infinity;
  if (l === '-inf' || l === '-infinity') return -Infinity;
  const d = Number(s);
  return s.trim() === '' || Number.isNaN(d) ? null : d;
}

function buildList(items: Iterable<string>): ListValue {
  return ListValue.from(items);
}

function buildSet(members: string[], lim: LoadLimits): SetValue {
  const s = members.length > 0 ? SetValue.create(members[0]) : SetValue.createHashtable();
  for (const m of members) if (!s.add(m, lim.intsetEntries)) throw new RdbError('Duplicate set members detected');
  return s;
}

function buildHash(flat: string[], lim: LoadLimits): HashValue {
  const h = new HashValue(true);
  const hl = { entries: lim.hashEntries, value: lim.hashValue };
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (h.set(flat[i], flat[i + 1], hl)) throw new RdbError('Duplicate hash fields detected');
  }
  return h;
}

function buildZset(members: string[], scores: number[], lim: LoadLimits): ZSetValue {
  const z = new ZSetValue(false);
  const zl = { entries: lim.zsetEntries, value: lim.zsetValue };
  let maxlen = 0;
  for (let i = 0; i < members.length; i++) {
    const s = scores[i];
    if (Number.isNaN(s)) throw new RdbError('Zset with NAN score detected');
    if (!z.add(members[i], s, zl)) throw new RdbError('Duplicate zset fields detected');
    if (members[i].length > maxlen) maxlen = members[i].length;
  }
  z.convertToListpackIfNeeded(maxlen, zl);
  return z;
}

function pairsToZset(flat: string[], lim: LoadLimits): ZSetValue {
  if (flat.length & 1) throw new RdbError('Invalid zset listpack');
  const ms: string[] = [];
  const ss: number[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const d = parseScore(flat[i + 1]);
    if (d === null) throw new RdbError('Invalid zset score');
    ms.push(flat[i]);
    ss.push(d);
  }
  return buildZset(ms, ss, lim);
}

function readObject(r: Reader, type: number, key: string, lim: LoadLimits): Value {
  switch (type) {
    case TYPE.STRING:
      return r.str();
    case TYPE.LIST: {
      const n = r.plainLen();
      const items: string[] = [];
      for (let i = 0; i < n; i++) items.push(r.str());
      return buildList(items);
    }
    case TYPE.SET: {
      const n = r.plainLen();
      const ms: string[] = [];
      for (let i = 0; i < n; i++) ms.push(r.str());
      return buildSet(ms, lim);
    }
    case TYPE.ZSET:
    case TYPE.ZSET_2: {
      const n = r.plainLen();
      const ms: string[] = [];
      const ss: number[] = [];
      for (let i = 0; i < n; i++) {
        ms.push(r.str());
        ss.push(type === TYPE.ZSET ? r.oldDouble() : r.binDouble());
      }
      return buildZset(ms, ss, lim);
    }
    case TYPE.HASH: {
      const n = r.plainLen();
      const flat: string[] = [];
      for (let i = 0; i < n; i++) flat.push(r.str(), r.str());
      return buildHash(flat, lim);
    }
    case TYPE.LIST_QUICKLIST:
    case TYPE.LIST_QUICKLIST_2: {
      const n = r.plainLen();
      const items: string[] = [];
      for (let i = 0; i < n; i++) {
        let container = QUICKLIST_NODE_PACKED;
        if (type === TYPE.LIST_QUICKLIST_2) {
          container = r.plainLen();
          if (container !== QUICKLIST_NODE_PACKED && container !== QUICKLIST_NODE_PLAIN) throw new RdbError('Quicklist integrity check failed');
        }
        const blob = r.buf();
        if (container === QUICKLIST_NODE_PLAIN) {
          items.push(blob.latin1Slice());
          continue;
        }
        const els = type === TYPE.LIST_QUICKLIST ? parseZiplist(blob) : parseListpack(blob);
        // Redis skips empty nodes
        for (const e of els) items.push(e);
      }
      return buildList(items);
    }
    case TYPE.LIST_ZIPLIST:
      return buildList(parseZiplist(r.buf()));
    case TYPE.SET_INTSET:
      return buildSet(parseIntset(r.buf()), lim);
    case TYPE.SET_LISTPACK:
      return buildSet(parseListpack(r.buf()), lim);
    case TYPE.HASH_ZIPMAP:
      return buildHash(parseZipmap(r.buf()), lim);
    case TYPE.HASH_ZIPLIST:
    case TYPE.HASH_LISTPACK: {
      const flat = type === TYPE.HASH_ZIPLIST ? parseZiplist(r.buf()) : parseListpack(r.buf());
      if (flat.length & 1) throw new RdbError('Invalid hash listpack');
      return buildHash(flat, lim);
    }
    case TYPE.ZSET_ZIPLIST:
      return pairsToZset(parseZiplist(r.buf()), lim);
    case TYPE.ZSET_LISTPACK:
      return pairsToZset(parseListpack(r.buf()), lim);
    case TYPE.MODULE:
    case TYPE.MODULE_2:
    case TYPE.STREAM_LISTPACKS:
    case TYPE.STREAM_LISTPACKS_2:
    case TYPE.STREAM_LISTPACKS_3:
      throw new RdbError(`Key '${printable(key)}' has ${typeName(type)} type (RDB type ${type}), which Redoubt does not support yet; refusing to load the file`);
    default:
      throw new RdbError(`Unknown RDB encoding type ${type} for key '${printable(key)}'`);
  }
}

function printable(s: string): string {
  const t = s.length > 128 ? s.slice(0, 128) + '...' : s;
  return t.replace(/[^\x20-\x7e]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

/** Decodes a whole RDB file; throws RdbError (nothing is loaded) on any problem. */
export function decodeRdb(b: Buffer, opts: LoadOptions): LoadResult {
  const g = decodeRdbSteps(b, opts);
  for (;;) {
    const x = g.next();
    if (x.done) return x.value;
  }
}

/** decodeRdb in steps: yields the offset reached every few hundred keys (loading between event-loop turns). */
export function* decodeRdbSteps(b: Buffer, opts: LoadOptions): Generator<number, LoadResult, void> {
  const g = decode(b, opts);
  for (;;) {
    let x: IteratorResult<number, LoadResult>;
    try {
      x = g.next();
    } catch (e) {
      if (e instanceof RdbError) throw e;
      // a bounds error a check missed: still a refusal, never a crash
      throw new RdbError(`Corrupt RDB file: ${(e as Error).message}`);
    }
    if (x.done) return x.value;
    yield x.value;
  }
}

function* decode(b: Buffer, opts: LoadOptions): Generator<number, LoadResult, void> {
  if (b.length < 9 || b.latin1Slice(0, 5) !== 'REDIS') throw new RdbError('Wrong signature trying to load DB from file');
  const vs = b.latin1Slice(5, 9);
  const version = /^[0-9]{4}$/.test(vs) ? Number(vs) : -1;
  if (version < 1 || version > RDB_VERSION) throw new RdbError(`Can't handle RDB format version ${vs}`);
  const r = new Reader(b);
  r.pos = 9;
  const now = opts.now ?? Date.now();
  const keys: LoadedKey[] = [];
  const aux = new Map<string, string>();
  const seen: Set<string>[] = [];
  let db = 0;
  let loaded = 0;
  let expire = -1;
  let idle = -1;
  let expired = 0;
  for (;;) {
    const type = r.u8();
    if (type === OP.EXPIRETIME_MS) {
      r.need(8);
      expire = Number(b.readBigInt64LE(r.pos));
      r.pos += 8;
      continue;
    }
    if (type === OP.EXPIRETIME) {
      r.need(4);
      expire = b.readInt32LE(r.pos) * 1000;
      r.pos += 4;
      continue;
    }
    if (type === OP.FREQ) {
      r.u8();
      continue;
    }
    if (type === OP.IDLE) {
      idle = r.plainLen();
      continue;
    }
    if (type === OP.EOF) break;
    if (type === OP.SELECTDB) {
      db = r.plainLen();
      if (db >= opts.databases) {
        throw new RdbError(`FATAL: Data file was created with a Redis server configured to handle more than ${opts.databases} databases. Exiting`);
      }
      continue;
    }
    if (type === OP.RESIZEDB) {
      r.plainLen();
      r.plainLen();
      continue;
    }
    if (type === OP.AUX) {
      const k = r.str();
      const v = r.str();
      aux.set(k, v);
      continue;
    }
    if (type === OP.MODULE_AUX) throw new RdbError('The RDB file contains module AUX data, which Redoubt does not support (no modules); refusing to load the file');
    if (type === OP.FUNCTION || type === OP.FUNCTION2) throw new RdbError('The RDB file contains functions (FUNCTION LOAD libraries), which Redoubt does not support yet; refusing to load the file');
    const key = r.str();
    const value = readObject(r, type, key, opts.limits);
    const s = (seen[db] ??= new Set());
    if (s.has(key)) throw new RdbError(`RDB has duplicated key '${printable(key)}' in DB ${db}`);
    s.add(key);
    if (opts.dropExpired && expire !== -1 && expire < now) expired++;
    else keys.push({ db, key, value, expire, idle });
    expire = -1;
    idle = -1;
    if ((++loaded & 127) === 0) yield r.pos;
  }
  if (version >= 5) {
    r.need(8);
    const stored = b.subarray(r.pos, r.pos + 8);
    r.pos += 8;
    if (opts.checksum && !stored.equals(Buffer.alloc(8))) {
      const c = crc64(b, 0, r.pos - 8);
      const expected = Buffer.from(stored).reverse().toString('hex');
      if (!c.bytes().equals(stored)) throw new RdbError(`Wrong RDB checksum expected: (${expected}) got: (${c.hex()}). Aborting now.`);
    }
  }
  return { keys, aux, version, expired, end: r.pos };
}
