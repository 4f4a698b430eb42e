// DEBUG DIGEST / DIGEST-VALUE with Redis 7.0's algorithm (debug.c
// xorDigest/mixDigest/xorObjectDigest), so the same dataset gives the same
// digest on both servers: set members and hash/zset entries are XORed
// (order-free), lists and strings mixed in order, a TTL adds "!!expire!!".

import { createHash } from 'node:crypto';
import type { Db, Keyspace } from '../store/db.js';
import type { Value } from '../store/types.js';
import { ListValue } from '../store/list.js';
import { SetValue } from '../store/set.js';
import { HashValue } from '../store/hash.js';
import { ZSetValue } from '../store/zset.js';

function sha1(...parts: (Buffer | string)[]): Buffer {
  const h = createHash('sha1');
  for (const p of parts) h.update(typeof p === 'string' ? Buffer.from(p, 'latin1') : p);
  return h.digest();
}

function xorDigest(digest: Buffer, data: Buffer | string): void {
  const h = sha1(data);
  for (let j = 0; j < 20; j++) digest[j] ^= h[j];
}

function mixDigest(digest: Buffer, data: Buffer | string): void {
  xorDigest(digest, data);
  sha1(digest).copy(digest);
}

const TYPE_CODE: Record<string, number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4 };

function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** %.17g, as Redis 7.0's debug.c formats zset scores for the digest. */
function g17(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d !== d) return 'nan';
  let s = d.toPrecision(17);
  // %g: strip trailing zeros and use exponent form outside [1e-4, 1e17)
  const exp = d === 0 ? 0 : Math.floor(Math.log10(Math.abs(d)));
  if (exp < -4 || exp >= 17) {
    s = d.toExponential(16);
    let [m, e] = s.split('e');
    if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
    const en = Number(e);
    return `${m}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  if (s.includes('e')) s = d.toFixed(Math.max(0, 16 - exp));
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  if (Object.is(d, -0)) return '-0';
  return s;
}

/** xorObjectDigest: the digest of one value (and whether it has a TTL). */
export function valueDigest(db: Db, key: string, v: Value, digest = Buffer.alloc(20)): Buffer {
  const type = typeof v === 'string' ? 'string' : v.type;
  mixDigest(digest, u32be(TYPE_CODE[type] ?? 0));
  if (typeof v === 'string') mixDigest(digest, v);
  else if (v instanceof ListValue) {
    const d = v.items;
    for (let i = 0; i < d.length; i++) mixDigest(digest, d.get(i) as string);
  } else if (v instanceof SetValue) {
    for (const m of v) xorDigest(digest, m);
  } else if (v instanceof ZSetValue) {
    for (const [m, s] of v.zs) {
      const e = Buffer.alloc(20);
      mixDigest(e, m);
      mixDigest(e, g17(s));
      xorDigest(digest, e);
    }
  } else if (v instanceof HashValue) {
    for (const [f, x] of v.map) {
      const e = Buffer.alloc(20);
      mixDigest(e, f);
      mixDigest(e, x);
      xorDigest(digest, e);
    }
  }
  if (db.expires.has(key)) xorDigest(digest, '!!expire!!');
  return digest;
}

/** computeDatasetDigest as 40 hex digits. */
export function datasetDigest(ks: Keyspace): string {
  const final = Buffer.alloc(20);
  for (const db of ks.dbs) {
    if (db.dict.size === 0) continue;
    mixDigest(final, u32be(db.id));
    for (const [key, v] of db.dict.entries()) {
      const d = Buffer.alloc(20);
      mixDigest(d, key);
      valueDigest(db, key, v, d);
      xorDigest(final, d);
    }
  }
  return final.toString('hex');
}
