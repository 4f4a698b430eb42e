// DUMP and RESTORE: Redis's serialized value (the RDB encoding of one value,
// then the RDB version and a CRC64 of everything before it), so a payload
// moves between Redoubt and redis-server in both directions. Redoubt writes
// the plain encodings, which every Redis since 2.x reads back.

import type { Family } from './table.js';
import type { Client } from '../server/client.js';
import { ERR } from './errors.js';
import { NOTIFY } from '../store/types.js';
import { lfu, lfuField, lruClock, LRU_CLOCK_MAX } from '../store/db.js';
import { parseI64 } from '../util/numbers.js';
import { RdbWriter } from '../persistence/rdb/writer.js';
import { rdbTypeOf, valueBody } from '../persistence/rdb/encode.js';
import { decodeRdb } from '../persistence/rdb/decode.js';
import { crc64 } from '../persistence/rdb/crc64.js';
import { loadLimits } from '../persistence/rdb-file.js';

/** Redis 7.0's RDB_VERSION: payloads from a newer Redis are refused. */
const RDB_VERSION = 10;

// One writer for every payload: a new one allocates its 1 MB buffer, which
// was most of a small DUMP's cost (and MIGRATE serializes one per key).
let parts: Buffer[] = [];
const newWriter = () => new RdbWriter((b) => parts.push(b), false);
let w = newWriter();

/** The DUMP payload of a value (also MIGRATE's). */
export function serialize(c: Client, v: NonNullable<ReturnType<Client['db']['peek']>>): string {
  w.drain(); // whatever a failed call left
  parts = [];
  w.byte(rdbTypeOf(v));
  const g = valueBody(w, v, c.server.config.bool('rdbcompression'));
  while (!g.next().done);
  w.drain();
  parts.push(Buffer.from([RDB_VERSION & 0xff, RDB_VERSION >> 8]));
  const body = Buffer.concat(parts);
  parts = [];
  // a value bigger than the buffer grew it: do not keep that much memory around
  if (body.length > 1 << 20) w = newWriter();
  return Buffer.concat([body, crc64(body).bytes()]).toString('latin1');
}

function dump(c: Client, argv: string[]): void {
  const v = c.db.read(argv[1]);
  if (v === undefined) return c.nil();
  c.bulk(serialize(c, v));
}

/** verifyDumpPayload */
function verify(p: Buffer, checksum: boolean): boolean {
  if (p.length < 10) return false;
  const ver = p[p.length - 10] | (p[p.length - 9] << 8);
  if (ver > RDB_VERSION) return false;
  if (!checksum) return true;
  return crc64(p, 0, p.length - 8).bytes().equals(p.subarray(p.length - 8));
}

const RDB_HEAD = Buffer.from('REDIS0010', 'latin1');
const KEY_K = Buffer.from([1, 0x6b]);
const RDB_TAIL = Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 0]);

/** Decodes the value with the RDB loader: the payload becomes a one-key RDB file. */
function deserialize(c: Client, p: Buffer): ReturnType<typeof decodeRdb>['keys'][number]['value'] | null {
  // header, the payload's type byte, the key "k" (length 1), the value, EOF and an unchecked checksum
  const file = Buffer.concat([RDB_HEAD, p.subarray(0, 1), KEY_K, p.subarray(1, p.length - 10), RDB_TAIL]);
  try {
    const r = decodeRdb(file, { limits: loadLimits(c.server), databases: 1, checksum: false, dropExpired: false });
    if (r.keys.length !== 1 || r.end !== file.length) return null;
    return r.keys[0].value;
  } catch {
    return null;
  }
}

function restore(c: Client, argv: string[]): void {
  const key = argv[1];
  let replace = false;
  let absttl = false;
  let idle = -1;
  let freq = -1;
  for (let j = 4; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const more = argv.length - j - 1;
    if (opt === 'replace') replace = true;
    else if (opt === 'absttl') absttl = true;
    else if (opt === 'idletime' && more >= 1 && freq === -1) {
      const n = parseI64(argv[++j]);
      if (n === null) return c.error(ERR.notInt);
      if (n < 0n) return c.error('ERR Invalid IDLETIME value, must be >= 0');
      idle = Number(n);
    } else if (opt === 'freq' && more >= 1 && idle === -1) {
      const n = parseI64(argv[++j]);
      if (n === null) return c.error(ERR.notInt);
      if (n < 0n || n > 255n) return c.error('ERR Invalid FREQ value, must be >= 0 and <= 255');
      freq = Number(n);
    } else return c.error(ERR.syntax);
  }
  const db = c.db;
  if (!replace && db.write(key) !== undefined) return c.error('BUSYKEY Target key name already exists.');
  const ttlBig = parseI64(argv[2]);
  if (ttlBig === null) return c.error(ERR.notInt);
  if (ttlBig < 0n) return c.error('ERR Invalid TTL value, must be >= 0');
  const payload = Buffer.from(argv[3], 'latin1');
  if (!verify(payload, true)) {
    return c.error('ERR DUMP payload version or checksum are wrong');
  }
  const value = deserialize(c, payload);
  if (value === null) return c.error('ERR Bad data format');
  const deleted = replace && db.delete(key);
  let ttl = Number(ttlBig);
  if (ttl !== 0 && !absttl) ttl += Date.now();
  if (ttl !== 0 && ttl <= Date.now()) {
    // already expired: nothing is created; a replaced key is gone
    if (deleted) {
      c.argv = ['DEL', key];
      db.notify(NOTIFY.GENERIC, 'del', key);
      c.server.keyspace.dirty++;
    }
    return c.ok();
  }
  db.add(key, value);
  if (ttl !== 0) {
    db.setExpire(key, ttl);
    // replicas and the AOF get the absolute time
    if (!absttl) c.argv = [...argv.slice(0, 2), String(ttl), ...argv.slice(3), 'ABSTTL'];
  }
  if (freq >= 0 && lfu.on) db.setLru(key, lfuField(freq));
  else if (idle >= 0 && !lfu.on) db.setLru(key, (lruClock() - idle + LRU_CLOCK_MAX + 1) & LRU_CLOCK_MAX);
  db.notify(NOTIFY.GENERIC, 'restore', key);
  c.server.keyspace.dirty++;
  c.ok();
}

export const commands: Family = {
  dump,
  restore,
};
