// Value model. Strings are stored as bare latin1 JS strings (the most compact
// and fastest shape); every other type is an object carrying its `type` tag.

export type TypeName = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream';

export interface RObject {
  readonly type: Exclude<TypeName, 'string'>;
  /** Redis's encoding name (listpack, quicklist, hashtable, intset, skiplist...). */
  encoding(): string;
  /** Deep copy for COPY: the copy shares no mutable state with the original. */
  clone?(): RObject;
  /**
   * Bytes last accounted (store/memory.ts). A big collection's sampled
   * element size lives in a side table there: small values, the many, carry
   * no field for it. `type` lives on each class's prototype (no field either).
   */
  memBytes: number;
}

export type Value = string | RObject;

export function typeOf(v: Value): TypeName {
  return typeof v === 'string' ? 'string' : v.type;
}

// Keyspace notification classes, the bits of notify-keyspace-events.
export const NOTIFY = {
  KEYSPACE: 1 << 0, // K
  KEYEVENT: 1 << 1, // E
  GENERIC: 1 << 2, // g
  STRING: 1 << 3, // $
  LIST: 1 << 4, // l
  SET: 1 << 5, // s
  HASH: 1 << 6, // h
  ZSET: 1 << 7, // z
  EXPIRED: 1 << 8, // x
  EVICTED: 1 << 9, // e
  STREAM: 1 << 10, // t
  KEY_MISS: 1 << 11, // m
  LOADED: 1 << 12, // module only
  MODULE: 1 << 13, // d
  NEW: 1 << 14, // n
} as const;
