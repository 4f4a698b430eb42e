// Model-based property tests for the families without a model test of their
// own (strings, bits, keyspace, HyperLogLog, transactions, pub/sub counters):
// fast-check generates random command sequences, the reference redis-server is
// the model, and every reply must be identical. Bounded to ~20 s in all.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { serverPair } from '../helpers/pair.js';
import { type Reply, plain } from '../helpers/resp-client.js';

const pair = serverPair();


const key = fc.constantFrom('k1', 'k2', 'k3');
const val = fc.oneof(
  fc.constantFrom('', '0', '1', '-1', '10', '9223372036854775807', '-9223372036854775808', '1.5', 'abc', '\x00\xff', ' 1', '01', '1e3'),
  fc.integer({ min: -1000, max: 1000 }).map(String),
);
const int = fc.oneof(fc.integer({ min: -20, max: 20 }).map(String), fc.constantFrom('9223372036854775807', '-9223372036854775808', 'x', '1.0', ''));
const float = fc.constantFrom('0.1', '-0.1', '1e3', '1.5e-3', '10', 'inf', '-inf', 'nan', 'x', '3.0e3', '0x10');

const stringCmd = fc.oneof(
  fc.tuple(key, val).map(([k, v]) => ['SET', k, v]),
  fc.tuple(key, val, fc.constantFrom('NX', 'XX', 'GET', 'KEEPTTL', 'PX', 'EX')).map(([k, v, o]) => (o === 'PX' || o === 'EX' ? ['SET', k, v, o, '100000'] : ['SET', k, v, o])),
  key.map((k) => ['GET', k]),
  fc.tuple(key, val).map(([k, v]) => ['APPEND', k, v]),
  key.map((k) => ['INCR', k]),
  key.map((k) => ['DECR', k]),
  fc.tuple(key, int).map(([k, n]) => ['INCRBY', k, n]),
  fc.tuple(key, int).map(([k, n]) => ['DECRBY', k, n]),
  fc.tuple(key, float).map(([k, f]) => ['INCRBYFLOAT', k, f]),
  key.map((k) => ['STRLEN', k]),
  fc.tuple(key, int, int).map(([k, s, e]) => ['GETRANGE', k, s, e]),
  fc.tuple(key, fc.integer({ min: -1, max: 12 }), val).map(([k, o, v]) => ['SETRANGE', k, String(o), v]),
  fc.tuple(key, key).map(([x, y]) => ['MGET', x, y]),
  fc.tuple(key, val, key, val).map(([x, v, y, w]) => ['MSETNX', x, v, y, w]),
  key.map((k) => ['GETDEL', k]),
  fc.tuple(key, val).map(([k, v]) => ['GETSET', k, v]),
  fc.tuple(key, fc.integer({ min: 0, max: 40 }), fc.constantFrom('0', '1', '2')).map(([k, o, v]) => ['SETBIT', k, String(o), v]),
  fc.tuple(key, fc.integer({ min: 0, max: 40 })).map(([k, o]) => ['GETBIT', k, String(o)]),
  fc.tuple(key, int, int).map(([k, s, e]) => ['BITCOUNT', k, s, e]),
  fc.tuple(key, fc.constantFrom('0', '1')).map(([k, bit]) => ['BITPOS', k, bit]),
  fc.tuple(fc.constantFrom('AND', 'OR', 'XOR', 'NOT'), key, key).map(([op, d, s]) => ['BITOP', op, d, s]),
  fc.tuple(key, fc.constantFrom('u8', 'i8', 'u4', 'i16', 'u63', 'i64'), fc.integer({ min: 0, max: 30 }), int).map(([k, t, o, n]) => ['BITFIELD', k, 'INCRBY', t, String(o), n]),
);

const keyCmd = fc.oneof(
  key.map((k) => ['DEL', k]),
  key.map((k) => ['EXISTS', k]),
  key.map((k) => ['TYPE', k]),
  fc.tuple(key, key).map(([x, y]) => ['RENAME', x, y]),
  fc.tuple(key, key).map(([x, y]) => ['RENAMENX', x, y]),
  fc.tuple(key, key).map(([x, y]) => ['COPY', x, y]),
  fc.tuple(key, fc.constantFrom('100', '0', '-1', 'x'), fc.constantFrom('', 'NX', 'XX', 'GT', 'LT')).map(([k, t, o]) => (o ? ['EXPIRE', k, t, o] : ['EXPIRE', k, t])),
  key.map((k) => ['PERSIST', k]),
  key.map((k) => ['TTL', k]),
  key.map((k) => ['OBJECT', 'ENCODING', k]),
  fc.constant(['DBSIZE']),
  fc.constant(['KEYS', 'k*']),
);

const hllCmd = fc.oneof(
  fc.tuple(key, fc.array(fc.constantFrom('a', 'b', 'c', 'd', '', '\x00', 'x'.repeat(30)), { maxLength: 4 })).map(([k, els]) => ['PFADD', k, ...els]),
  key.map((k) => ['PFCOUNT', k]),
  fc.tuple(key, key).map(([x, y]) => ['PFCOUNT', x, y]),
  fc.tuple(key, key).map(([x, y]) => ['PFMERGE', x, y]),
  key.map((k) => ['GET', k]),
);

const txCmd = fc.oneof(
  fc.constant(['MULTI']),
  fc.constant(['EXEC']),
  fc.constant(['DISCARD']),
  key.map((k) => ['WATCH', k]),
  fc.constant(['UNWATCH']),
  fc.constant(['NOSUCHCMD']),
  fc.constant(['GET']),
  fc.tuple(key, val).map(([k, v]) => ['SET', k, v]),
  key.map((k) => ['INCR', k]),
  key.map((k) => ['LPUSH', k, 'x']),
);

async function runSeq(cmds: string[][]): Promise<void> {
  for (const cl of [pair.a, pair.b]) {
    await cl.call('RESET');
    await cl.call('FLUSHALL');
  }
  for (const argv of cmds) {
    const [ra, rb] = await Promise.all([pair.a.call(...argv), pair.b.call(...argv)]);
    // KEYS comes back in hash-table order in Redis: compare as a set
    const norm = (r: Reply) => (argv[0] === 'KEYS' && Array.isArray(r) ? plain([...r].sort()) : plain(r));
    assert.deepEqual(norm(ra), norm(rb), `${JSON.stringify(argv)} in ${JSON.stringify(cmds)}`);
  }
}

for (const [name, arb] of [
  ['strings and bits', stringCmd],
  ['keyspace', fc.oneof(stringCmd, keyCmd)],
  ['hyperloglog', hllCmd],
  ['transactions', txCmd],
] as const) {
  test(`random ${name} sequences match redis-server`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arb as fc.Arbitrary<string[]>, { minLength: 1, maxLength: 25 }), (cmds) => runSeq(cmds)),
      { numRuns: 150, interruptAfterTimeLimit: 5000 },
    );
  });
}
