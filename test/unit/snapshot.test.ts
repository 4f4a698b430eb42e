// Model test of the background snapshot: random writes of every kind
// interleaved with the walk (one key per step, so the table resizes under
// it) never leak into the file, never drop a key from it, and never change
// the live data's meaning.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Keyspace, type Db } from '../../src/store/db.js';
import type { Value } from '../../src/store/types.js';
import { ListValue } from '../../src/store/list.js';
import { SetValue } from '../../src/store/set.js';
import { HashValue } from '../../src/store/hash.js';
import { ZSetValue } from '../../src/store/zset.js';
import { RdbWriter } from '../../src/persistence/rdb/writer.js';
import { Snapshot } from '../../src/persistence/snapshot.js';
import { decodeRdb } from '../../src/persistence/rdb/decode.js';

const LIM = { entries: 128, value: 64 };
const OPTS = { limits: { hashEntries: 128, hashValue: 64, zsetEntries: 128, zsetValue: 64, intsetEntries: 512 }, databases: 4, checksum: true, dropExpired: false };

function canon(v: Value): unknown {
  if (typeof v === 'string') return v;
  if (v instanceof ListValue) return ['list', v.toArray()];
  if (v instanceof SetValue) return ['set', v.toArray().sort()];
  if (v instanceof HashValue) return ['hash', [...v.map].sort()];
  if (v instanceof ZSetValue) return ['zset', [...v.zs]];
  return null;
}

function state(ks: Keyspace): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const db of ks.dbs) for (const [k, v] of db.dict.entries()) m.set(`${db.id}/${k}`, [canon(v), db.expires.get(k) ?? -1]);
  return m;
}

function makeValue(kind: number, n: number): Value {
  switch (kind) {
    case 0:
      return 'v' + n;
    case 1:
      return ListValue.from(['a', String(n)]);
    case 2: {
      const s = SetValue.create('x');
      s.add('x' + n, 512);
      return s;
    }
    case 3: {
      const h = new HashValue(true);
      h.set('f', String(n), LIM);
      return h;
    }
    default: {
      const z = new ZSetValue(true);
      z.add('m', n, LIM);
      return z;
    }
  }
}

type Op = { op: number; db: number; key: number; n: number };

function apply(ks: Keyspace, o: Op): void {
  const db: Db = ks.dbs[o.db];
  const key = 'k' + o.key;
  switch (o.op) {
    case 0:
      db.set(key, makeValue(o.n % 5, o.n));
      break;
    case 1:
      db.delete(key);
      break;
    case 2: {
      const v = db.write(key);
      if (v instanceof ListValue) v.pushTail('p' + o.n);
      else if (v instanceof SetValue) v.add('s' + o.n, 512);
      else if (v instanceof HashValue) v.set('g' + o.n, 'x', LIM);
      else if (v instanceof ZSetValue) v.add('z' + o.n, o.n, LIM);
      else if (typeof v === 'string') db.replace(key, v + 'a');
      if (v !== undefined) db.modified(key);
      break;
    }
    case 3:
      if (db.peek(key) !== undefined) db.setExpire(key, 4_000_000_000_000 + o.n);
      break;
    case 4:
      db.persist(key);
      break;
    case 5:
      if (o.n % 7 === 0) db.flush();
      break;
    case 6:
      if (o.n % 5 === 0) ks.swap(o.db, (o.db + 1) % 4);
      break;
    default:
      // many new keys at once: the table grows while it is walked
      for (let i = 0; i < 40; i++) db.set(`bulk${o.n}:${i}`, 'b');
  }
}

test('a snapshot is the data at its start whatever happens during the walk', () => {
  const opArb = fc.record({ op: fc.integer({ min: 0, max: 7 }), db: fc.integer({ min: 0, max: 3 }), key: fc.integer({ min: 0, max: 60 }), n: fc.integer({ min: 0, max: 1000 }) });
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 150 }), fc.array(opArb, { maxLength: 300 }), fc.integer({ min: 1, max: 4 }), (setup, during, perStep) => {
      const ks = new Keyspace(4);
      for (const o of setup) apply(ks, { ...o, op: o.op === 5 || o.op === 6 ? 0 : o.op });
      const before = state(ks);
      const parts: Buffer[] = [];
      const snap = new Snapshot(ks, new RdbWriter((b) => parts.push(b)), { compress: true, checksum: true, evictionInfo: null, aux: [] });
      snap.attach();
      let i = 0;
      while (!snap.step(Infinity, perStep)) {
        for (let k = 0; k < 3 && i < during.length; k++) apply(ks, during[i++]);
      }
      assert.equal(ks.cow, null, 'the hook is gone once the snapshot is written');
      const res = decodeRdb(Buffer.concat(parts), OPTS);
      const got = new Map<string, unknown>();
      for (const k of res.keys) {
        const id = `${k.db}/${k.key}`;
        assert.ok(!got.has(id), `written once: ${id}`);
        got.set(id, [canon(k.value), k.expire]);
      }
      assert.deepEqual(got, before);
    }),
    { numRuns: 300 },
  );
});
