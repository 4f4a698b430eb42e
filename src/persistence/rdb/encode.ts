// RDB encoding (Redis 7.0 rdb.c rdbSave*): the file header, aux fields,
// SELECTDB/RESIZEDB, per-key expiry and LRU/LFU opcodes, and every value in
// the plain encodings (RDB_TYPE_STRING/LIST/SET/ZSET_2/HASH), which Redis 7.0
// loads and converts to its compact encodings itself. Collections are encoded
// by a generator that yields every few hundred elements, so a snapshot can
// spread one huge key across event-loop turns.

import type { Value } from '../../store/types.js';
import { ListValue } from '../../store/list.js';
import { SetValue } from '../../store/set.js';
import { HashValue } from '../../store/hash.js';
import { ZSetValue } from '../../store/zset.js';
import { RdbWriter } from './writer.js';
import { lzfCompress } from './lzf.js';
import { OP, TYPE, RDB_VERSION } from './format.js';

/** Elements between two yields of a collection encoder. */
export const ELEMENTS_PER_STEP = 512;

export function writeHeader(w: RdbWriter): void {
  w.latin1('REDIS' + String(RDB_VERSION).padStart(4, '0'));
}

export function writeAux(w: RdbWriter, key: string, value: string): void {
  w.byte(OP.AUX);
  writeString(w, key, false);
  writeString(w, value, false);
}

export function writeSelectDb(w: RdbWriter, db: number, size: number, expires: number): void {
  w.byte(OP.SELECTDB);
  w.len(db);
  w.byte(OP.RESIZEDB);
  w.len(size);
  w.len(expires);
}

export function writeFooter(w: RdbWriter, checksum: boolean): void {
  w.byte(OP.EOF);
  w.drain();
  w.bytes(checksum ? w.crc.bytes() : Buffer.alloc(8));
  w.drain();
}

/** rdbTryIntegerEncoding: the 1/2/4-byte forms for canonical integers that fit 32 bits. */
function intEncoding(s: string): number | null {
  const n = s.length;
  if (n === 0 || n > 11) return null;
  const c0 = s.charCodeAt(0);
  if (!((c0 >= 48 && c0 <= 57) || c0 === 45)) return null;
  const v = Number(s);
  if (!Number.isInteger(v) || String(v) !== s || v < -2147483648 || v > 2147483647) return null;
  if (Object.is(v, -0)) return null;
  return v;
}

/** rdbSaveRawString: integer, LZF (strings over 20 bytes when `compress`) or plain. */
export function writeString(w: RdbWriter, s: string, compress: boolean): void {
  const len = s.length;
  if (len <= 11) {
    const v = intEncoding(s);
    if (v !== null) {
      if (v >= -128 && v <= 127) {
        w.byte(0xc0);
        w.byte(v & 0xff);
      } else if (v >= -32768 && v <= 32767) {
        w.byte(0xc1);
        w.byte(v & 0xff);
        w.byte((v >> 8) & 0xff);
      } else {
        w.byte(0xc2);
        w.u32le(v);
      }
      return;
    }
  }
  if (compress && len > 20) {
    const raw = Buffer.from(s, 'latin1');
    const c = lzfCompress(raw, len - 4);
    if (c !== null) {
      w.byte(0xc3);
      w.len(c.length);
      w.len(len);
      w.bytes(c);
      return;
    }
  }
  w.len(len);
  w.latin1(s);
}

/** Per-key opcodes before the type byte. `idle` (seconds) is written for LRU policies, `freq` for LFU ones. */
export function writeKeyMeta(w: RdbWriter, expireMs: number | undefined, idle: number | null, freq: number | null): void {
  if (expireMs !== undefined) {
    w.byte(OP.EXPIRETIME_MS);
    w.i64le(expireMs);
  }
  if (idle !== null) {
    w.byte(OP.IDLE);
    w.len(idle);
  }
  if (freq !== null) {
    w.byte(OP.FREQ);
    w.byte(freq & 0xff);
  }
}

export function rdbTypeOf(v: Value): number {
  if (typeof v === 'string') return TYPE.STRING;
  switch (v.type) {
    case 'list':
      return TYPE.LIST;
    case 'set':
      return TYPE.SET;
    case 'zset':
      return TYPE.ZSET_2;
    case 'hash':
      return TYPE.HASH;
    default:
      throw new Error(`can't save a value of type ${v.type}`);
  }
}

/** Writes type byte, key and value in one go (small values, SAVE). */
export function writeKeyValue(w: RdbWriter, key: string, v: Value, compress: boolean): void {
  w.byte(rdbTypeOf(v));
  writeString(w, key, compress);
  if (typeof v === 'string') {
    writeString(w, v, compress);
    return;
  }
  const g = valueBody(w, v, compress);
  while (!g.next().done);
}

/**
 * The value after its type byte and key; yields every ELEMENTS_PER_STEP
 * elements. The value must not change until the generator finishes (the
 * snapshot's copy-on-write guarantees it).
 */
export function* valueBody(w: RdbWriter, v: Value, compress: boolean): Generator<void, void, void> {
  if (typeof v === 'string') {
    writeString(w, v, compress);
    return;
  }
  let n = 0;
  if (v instanceof ListValue) {
    const d = v.items;
    const len = d.length;
    w.len(len);
    for (let i = 0; i < len; i++) {
      writeString(w, d.get(i) as string, compress);
      if (++n === ELEMENTS_PER_STEP) {
        n = 0;
        yield;
      }
    }
  } else if (v instanceof SetValue) {
    w.len(v.size);
    for (const m of v) {
      writeString(w, m, compress);
      if (++n === ELEMENTS_PER_STEP) {
        n = 0;
        yield;
      }
    }
  } else if (v instanceof ZSetValue) {
    w.len(v.size);
    for (const [m, s] of v.zs) {
      writeString(w, m, compress);
      w.double(s);
      if (++n === ELEMENTS_PER_STEP) {
        n = 0;
        yield;
      }
    }
  } else if (v instanceof HashValue) {
    w.len(v.size);
    for (const [f, val] of v.map) {
      writeString(w, f, compress);
      writeString(w, val, compress);
      if (++n === ELEMENTS_PER_STEP) {
        n = 0;
        yield;
      }
    }
  } else {
    throw new Error(`can't save a value of type ${v.type}`);
  }
}
