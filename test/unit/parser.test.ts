// RESP request parser: any split of a valid stream parses the same; random
// bytes never throw; Redis's limits and error texts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RespParser, ProtocolError } from '../../src/protocol/parser.js';

const encode = (cmds: string[][]) =>
  Buffer.from(cmds.map((a) => `*${a.length}\r\n` + a.map((s) => `$${s.length}\r\n${s}\r\n`).join('')).join(''), 'latin1');

function parseAll(chunks: Buffer[], limits = { maxBulkLen: 512 * 1024 * 1024, unauthenticated: false }) {
  const p = new RespParser(limits);
  const out: (string[] | ProtocolError)[] = [];
  for (const ch of chunks) {
    p.push(ch);
    for (;;) {
      const r = p.next();
      if (r === null) break;
      out.push(r);
      if (r instanceof ProtocolError) return out;
    }
  }
  return out;
}

const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const cmdArb = fc.array(fc.array(latin1, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 });

test('any split of a valid multibulk stream parses to the same commands', () => {
  fc.assert(
    fc.property(cmdArb, fc.array(fc.nat(), { maxLength: 10 }), (cmds, cuts) => {
      const buf = encode(cmds);
      const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
      const chunks: Buffer[] = [];
      let prev = 0;
      for (const p of points) {
        chunks.push(buf.subarray(prev, p));
        prev = p;
      }
      chunks.push(buf.subarray(prev));
      assert.deepEqual(parseAll(chunks), cmds);
    }),
    { numRuns: 500 },
  );
});

test('byte-at-a-time delivery of big bulks (preallocated path) is exact', () => {
  const big = 'x'.repeat(100000) + '\u00ff\u0000';
  const buf = encode([['SET', 'k', big], ['GET', 'k']]);
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += 777) chunks.push(buf.subarray(i, i + 777));
  assert.deepEqual(parseAll(chunks), [['SET', 'k', big], ['GET', 'k']]);
});

test('random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, unauth) => {
      parseAll([Buffer.from(bytes)], { maxBulkLen: 1024 * 1024, unauthenticated: unauth });
    }),
    { numRuns: 2000 },
  );
});

test('inline commands with quotes, empty lines skipped', () => {
  assert.deepEqual(parseAll([Buffer.from('\r\nSET a "b c"\r\nPING\n')]), [['SET', 'a', 'b c'], ['PING']]);
  const r = parseAll([Buffer.from('SET "a\r\n')]);
  assert.ok(r[0] instanceof ProtocolError);
  assert.equal((r[0] as ProtocolError).message, 'Protocol error: unbalanced quotes in request');
});

test('limits and errors', () => {
  const err = (s: string, limits?: { maxBulkLen: number; unauthenticated: boolean }) => {
    const r = parseAll([Buffer.from(s, 'latin1')], limits);
    const e = r[r.length - 1];
    assert.ok(e instanceof ProtocolError, `expected error for ${JSON.stringify(s)}, got ${JSON.stringify(r)}`);
    return e.message;
  };
  assert.equal(err('*abc\r\n'), 'Protocol error: invalid multibulk length');
  assert.equal(err('*3000000000\r\n'), 'Protocol error: invalid multibulk length');
  assert.equal(err('*1\r\n+x\r\n'), "Protocol error: expected '$', got '+'");
  assert.equal(err('*1\r\n$-5\r\n'), 'Protocol error: invalid bulk length');
  assert.equal(err('*1\r\n$2147483648\r\n'), 'Protocol error: invalid bulk length');
  assert.equal(err('*1\r\n$2000\r\n', { maxBulkLen: 1000, unauthenticated: false }), 'Protocol error: invalid bulk length');
  assert.equal(err('*11\r\n', { maxBulkLen: 1e9, unauthenticated: true }), 'Protocol error: unauthenticated multibulk length');
  assert.equal(err('*1\r\n$16385\r\n', { maxBulkLen: 1e9, unauthenticated: true }), 'Protocol error: unauthenticated bulk length');
  assert.equal(err('*1\r\n$' + '1'.repeat(70000)), 'Protocol error: too big bulk count string');
  assert.equal(err('*' + '1'.repeat(70000)), 'Protocol error: too big mbulk count string');
  assert.equal(err('x'.repeat(70000)), 'Protocol error: too big inline request');
  // an empty or negative multibulk is skipped, like Redis
  assert.deepEqual(parseAll([Buffer.from('*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n')]), [['PING']]);
});

test('retain: any split of a stream read through one reused buffer parses the same as owned chunks', () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
      (cmds, sizes) => {
        const bytes = encode(cmds);
        const shared = Buffer.alloc(64);
        const p = new RespParser({ maxBulkLen: 512 * 1024 * 1024, unauthenticated: false });
        const out: (string[] | ProtocolError)[] = [];
        let at = 0;
        for (let i = 0; at < bytes.length; i++) {
          const n = Math.min(sizes[i % sizes.length], bytes.length - at);
          bytes.copy(shared, 0, at, at + n);
          at += n;
          p.push(shared.subarray(0, n));
          for (let r = p.next(); r !== null; r = p.next()) out.push(r);
          p.retain(shared.buffer);
          // the next read overwrites the buffer: nothing parsed later may come from these bytes
          shared.fill(0x58);
        }
        assert.deepEqual(out, cmds);
      },
    ),
  );
});

test('arguments of every length around the short-string cut (16 bytes) keep every byte value 0-255', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 40 }), { minLength: 1, maxLength: 6 }), (args) => {
      const strs = args.map((a) => Buffer.from(a).toString('latin1'));
      const out = parseAll([encode([strs])]);
      assert.deepEqual(out, [strs]);
      for (const s of (out[0] as string[])) assert.ok(typeof s === 'string');
    }),
  );
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');
  for (let n = 0; n <= 17; n++) {
    const args = [all.slice(0, n), all.slice(256 - n), all.slice(100, 100 + n)];
    assert.deepEqual(parseAll([encode([args])]), [args]);
  }
});
