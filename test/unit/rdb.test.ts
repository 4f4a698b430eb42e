import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { crc64 } from '../../src/persistence/rdb/crc64.js';
import { lzfCompress, lzfDecompress } from '../../src/persistence/rdb/lzf.js';
import { RdbWriter } from '../../src/persistence/rdb/writer.js';
import { writeHeader, writeKeyValue, writeFooter, writeKeyMeta, writeString, writeSelectDb } from '../../src/persistence/rdb/encode.js';
import { decodeRdb, RdbError, type LoadOptions } from '../../src/persistence/rdb/decode.js';
import { parseZiplist, parseListpack, parseIntset, parseZipmap } from '../../src/persistence/rdb/blobs.js';
import { TYPE, OP } from '../../src/persistence/rdb/format.js';
import { ListValue } from '../../src/store/list.js';
import { SetValue } from '../../src/store/set.js';
import { HashValue } from '../../src/store/hash.js';
import { ZSetValue } from '../../src/store/zset.js';

const OPTS: LoadOptions = {
  limits: { hashEntries: 128, hashValue: 64, zsetEntries: 128, zsetValue: 64, intsetEntries: 512 },
  databases: 16,
  checksum: true,
  dropExpired: true,
};

function build(fn: (w: RdbWriter) => void, checksum = true): Buffer {
  const parts: Buffer[] = [];
  const w = new RdbWriter((b) => parts.push(b), checksum);
  writeHeader(w);
  fn(w);
  writeFooter(w, checksum);
  return Buffer.concat(parts);
}

test('crc64 is Redis crc64-jones (check value of "123456789")', () => {
  assert.equal(crc64(Buffer.from('123456789')).hex(), 'e9c6d914c4b8d9ca');
  assert.equal(crc64(Buffer.alloc(0)).hex(), '0000000000000000');
});

test('lzf: compress/decompress round trip on random and repetitive data', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 40 }), (raw, rep) => {
      for (const input of [Buffer.from(raw), Buffer.from(Buffer.from(raw).toString('latin1').repeat(rep).slice(0, 5000), 'latin1')]) {
        const c = lzfCompress(input, input.length + 64);
        if (input.length < 3) continue;
        assert.ok(c !== null);
        assert.deepEqual(lzfDecompress(c!, input.length), input);
      }
    }),
    { numRuns: 300 },
  );
  const rep = Buffer.from('abc'.repeat(1000));
  const c = lzfCompress(rep, rep.length - 4)!;
  assert.ok(c.length < 100);
  assert.throws(() => lzfDecompress(c.subarray(0, c.length - 1), rep.length));
});

test('every value type round-trips through encode/decode', () => {
  const list = ListValue.from(['a', '1', '-99999', 'x'.repeat(300)]);
  const set = SetValue.create('1');
  for (const m of ['1', '2', '-3']) set.add(m, 512);
  const sset = SetValue.create('a');
  for (const m of ['a', 'b', '\x00']) sset.add(m, 512);
  const hash = new HashValue(true);
  hash.set('f', 'v', { entries: 128, value: 64 });
  hash.set('n', '12', { entries: 128, value: 64 });
  const zset = new ZSetValue(true);
  for (const [m, s] of [['a', 1], ['b', -Infinity], ['c', 2.5e-300]] as const) zset.add(m, s, { entries: 128, value: 64 });
  const future = Date.now() + 100000;
  const buf = build((w) => {
    writeSelectDb(w, 0, 7, 1);
    writeKeyMeta(w, future, 10, null);
    writeKeyValue(w, 'str', 'hello world, hello world, hello world', true);
    writeKeyValue(w, 'int', '-12345', true);
    writeKeyValue(w, 'list', list, true);
    writeKeyValue(w, 'set', set, true);
    writeKeyValue(w, 'sset', sset, true);
    writeKeyValue(w, 'hash', hash, true);
    writeKeyValue(w, 'zset', zset, true);
    writeKeyMeta(w, Date.now() - 1000, null, null);
    writeKeyValue(w, 'gone', 'x', true);
  });
  const r = decodeRdb(buf, OPTS);
  assert.equal(r.expired, 1);
  const m = new Map(r.keys.map((k) => [k.key, k]));
  assert.equal(m.get('str')!.value, 'hello world, hello world, hello world');
  assert.equal(m.get('str')!.expire, future);
  assert.equal(m.get('str')!.idle, 10);
  assert.equal(m.get('int')!.value, '-12345');
  assert.deepEqual((m.get('list')!.value as ListValue).toArray(), list.toArray());
  assert.deepEqual((m.get('set')!.value as SetValue).toArray(), ['-3', '1', '2']);
  assert.equal((m.get('set')!.value as SetValue).encoding(), 'intset');
  assert.deepEqual((m.get('sset')!.value as SetValue).toArray().sort(), ['\x00', 'a', 'b']);
  assert.deepEqual([...(m.get('hash')!.value as HashValue).map], [...hash.map]);
  assert.equal((m.get('hash')!.value as HashValue).encoding(), 'listpack');
  assert.deepEqual([...(m.get('zset')!.value as ZSetValue).zs], [...zset.zs]);
  assert.equal((m.get('zset')!.value as ZSetValue).encoding(), 'listpack');
  assert.equal(m.has('gone'), false);
});

// --- legacy blobs, built byte by byte as Redis 2.x-6.x wrote them

function ziplist(entries: (string | number)[]): Buffer {
  const body: Buffer[] = [];
  let prev = 0;
  for (const e of entries) {
    const prevlen = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([254]), le32(prev)]);
    let enc: Buffer;
    if (typeof e === 'number') {
      if (e >= 0 && e <= 12) enc = Buffer.from([0xf1 + e]);
      else if (e >= -128 && e <= 127) enc = Buffer.from([0xfe, e & 0xff]);
      else if (e >= -32768 && e <= 32767) {
        enc = Buffer.alloc(3);
        enc[0] = 0xc0;
        enc.writeInt16LE(e, 1);
      } else if (e >= -(2 ** 23) && e < 2 ** 23) {
        enc = Buffer.alloc(4);
        enc[0] = 0xf0;
        enc.writeIntLE(e, 1, 3);
      } else if (e >= -(2 ** 31) && e < 2 ** 31) {
        enc = Buffer.alloc(5);
        enc[0] = 0xd0;
        enc.writeInt32LE(e, 1);
      } else {
        enc = Buffer.alloc(9);
        enc[0] = 0xe0;
        enc.writeBigInt64LE(BigInt(e), 1);
      }
    } else {
      const s = Buffer.from(e, 'latin1');
      if (s.length < 64) enc = Buffer.concat([Buffer.from([s.length]), s]);
      else if (s.length < 16384) enc = Buffer.concat([Buffer.from([0x40 | (s.length >> 8), s.length & 0xff]), s]);
      else {
        const h = Buffer.alloc(5);
        h[0] = 0x80;
        h.writeUInt32BE(s.length, 1);
        enc = Buffer.concat([h, s]);
      }
    }
    const entry = Buffer.concat([prevlen, enc]);
    body.push(entry);
    prev = entry.length;
  }
  const b = Buffer.concat(body);
  const head = Buffer.alloc(10);
  head.writeUInt32LE(10 + b.length + 1, 0);
  head.writeUInt32LE(0, 4);
  head.writeUInt16LE(entries.length, 8);
  return Buffer.concat([head, b, Buffer.from([0xff])]);
}
function le32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
function zipmap(pairs: [string, string][]): Buffer {
  const parts: Buffer[] = [Buffer.from([pairs.length])];
  for (const [k, v] of pairs) {
    parts.push(Buffer.from([k.length]), Buffer.from(k, 'latin1'), Buffer.from([v.length, 2]), Buffer.from(v, 'latin1'), Buffer.from([0, 0]));
  }
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}
function intset(vals: number[], enc: 2 | 4 | 8): Buffer {
  const b = Buffer.alloc(8 + enc * vals.length);
  b.writeUInt32LE(enc, 0);
  b.writeUInt32LE(vals.length, 4);
  vals.forEach((v, i) => (enc === 2 ? b.writeInt16LE(v, 8 + 2 * i) : enc === 4 ? b.writeInt32LE(v, 8 + 4 * i) : b.writeBigInt64LE(BigInt(v), 8 + 8 * i)));
  return b;
}

test('ziplist, zipmap and intset blobs (legacy encodings) parse', () => {
  const big = 'L'.repeat(300);
  assert.deepEqual(parseZiplist(ziplist(['a', 0, 12, 13, -1, 300, -30000, 8000000, 2000000000, 2 ** 40, big, 'z'])), [
    'a', '0', '12', '13', '-1', '300', '-30000', '8000000', '2000000000', String(2 ** 40), big, 'z',
  ]);
  assert.deepEqual(parseZipmap(zipmap([['f', 'v'], ['g', 'ww']])), ['f', 'v', 'g', 'ww']);
  assert.deepEqual(parseIntset(intset([-2, 5, 7], 2)), ['-2', '5', '7']);
  assert.deepEqual(parseIntset(intset([-2, 5, 2 ** 40], 8)), ['-2', '5', String(2 ** 40)]);
  assert.throws(() => parseZiplist(ziplist(['a', 'b']).subarray(0, 12)), RdbError);
  assert.throws(() => parseIntset(intset([1, 2], 4).subarray(0, 11)), RdbError);
  assert.throws(() => parseListpack(Buffer.from([7, 0, 0, 0, 1, 0, 0xff])), RdbError);
});

test('legacy-encoded keys (ziplist list/hash/zset, zipmap hash, quicklist v1, intset) load', () => {
  const blob = (w: RdbWriter, type: number, key: string, b: Buffer) => {
    w.byte(type);
    writeString(w, key, false);
    w.len(b.length);
    w.bytes(b);
  };
  const buf = build((w) => {
    blob(w, TYPE.LIST_ZIPLIST, 'l', ziplist(['a', 1, 'b']));
    blob(w, TYPE.HASH_ZIPLIST, 'h', ziplist(['f', 'v', 'n', 5]));
    blob(w, TYPE.ZSET_ZIPLIST, 'z', ziplist(['m', '1.5', 'n', 3, 'o', 'inf']));
    blob(w, TYPE.HASH_ZIPMAP, 'hz', zipmap([['a', 'b']]));
    blob(w, TYPE.SET_INTSET, 's', intset([1, 2, 3], 2));
    w.byte(TYPE.LIST_QUICKLIST);
    writeString(w, 'q', false);
    w.len(2);
    for (const zl of [ziplist(['x', 'y']), ziplist([7])]) {
      w.len(zl.length);
      w.bytes(zl);
    }
    // RDB_TYPE_ZSET: scores as text, 253/254/255 for nan/+inf/-inf
    w.byte(TYPE.ZSET);
    writeString(w, 'zold', false);
    w.len(2);
    writeString(w, 'a', false);
    w.byte(3);
    w.latin1('1.5');
    writeString(w, 'b', false);
    w.byte(255);
  });
  const m = new Map(decodeRdb(buf, OPTS).keys.map((k) => [k.key, k.value]));
  assert.deepEqual((m.get('l') as ListValue).toArray(), ['a', '1', 'b']);
  assert.deepEqual([...(m.get('h') as HashValue).map], [['f', 'v'], ['n', '5']]);
  assert.deepEqual([...(m.get('z') as ZSetValue).zs], [['n', 3], ['m', 1.5], ['o', Infinity]].sort((a, b) => (a[1] as number) - (b[1] as number)));
  assert.deepEqual([...(m.get('hz') as HashValue).map], [['a', 'b']]);
  assert.deepEqual((m.get('s') as SetValue).toArray(), ['1', '2', '3']);
  assert.deepEqual((m.get('q') as ListValue).toArray(), ['x', 'y', '7']);
  assert.deepEqual([...(m.get('zold') as ZSetValue).zs], [['b', -Infinity], ['a', 1.5]]);
});

test('bad files are refused with a clear error and nothing loaded', () => {
  const good = build((w) => {
    writeSelectDb(w, 0, 2, 0);
    writeKeyValue(w, 'a', 'hello', true);
    writeKeyValue(w, 'b', ListValue.from(['x', 'y']), true);
  });
  assert.equal(decodeRdb(good, OPTS).keys.length, 2);
  // every truncation fails, none loads part of the data
  for (let n = 0; n < good.length; n++) assert.throws(() => decodeRdb(good.subarray(0, n), OPTS), RdbError, `truncated at ${n}`);
  // a flipped byte anywhere: the checksum (or the structure) catches it
  for (let i = 9; i < good.length - 8; i++) {
    const bad = Buffer.from(good);
    bad[i] ^= 0x20;
    assert.throws(() => decodeRdb(bad, OPTS), RdbError, `flipped byte ${i}`);
  }
  const badSum = Buffer.from(good);
  badSum[badSum.length - 1] ^= 1;
  assert.throws(() => decodeRdb(badSum, OPTS), /Wrong RDB checksum/);
  assert.equal(decodeRdb(badSum, { ...OPTS, checksum: false }).keys.length, 2);
  assert.throws(() => decodeRdb(Buffer.from('REDIS0011'), OPTS), /Can't handle RDB format version 0011/);
  assert.throws(() => decodeRdb(Buffer.from('RUDIS0010'), OPTS), /Wrong signature/);
  const unknown = build((w) => {
    w.byte(42);
    writeString(w, 'k', false);
  });
  assert.throws(() => decodeRdb(unknown, OPTS), /Unknown RDB encoding type 42 for key 'k'/);
  const stream = build((w) => {
    w.byte(TYPE.STREAM_LISTPACKS_2);
    writeString(w, 'mystream', false);
  });
  assert.throws(() => decodeRdb(stream, OPTS), /Key 'mystream' has stream type/);
  const module = build((w) => w.byte(OP.MODULE_AUX));
  assert.throws(() => decodeRdb(module, OPTS), /module AUX/);
  const fn = build((w) => w.byte(OP.FUNCTION2));
  assert.throws(() => decodeRdb(fn, OPTS), /functions/);
  const dup = build((w) => {
    writeKeyValue(w, 'a', '1', false);
    writeKeyValue(w, 'a', '2', false);
  });
  assert.throws(() => decodeRdb(dup, OPTS), /duplicated key 'a' in DB 0/);
  const manyDbs = build((w) => writeSelectDb(w, 20, 0, 0));
  assert.throws(() => decodeRdb(manyDbs, OPTS), /more than 16 databases/);
});

test('random bytes after a valid header never crash the decoder', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (raw) => {
      const b = Buffer.concat([Buffer.from('REDIS0010'), Buffer.from(raw)]);
      try {
        decodeRdb(b, OPTS);
      } catch (e) {
        assert.ok(e instanceof RdbError, String(e));
      }
    }),
    { numRuns: 2000 },
  );
});
