// Model-based property test for sets: random sequences of set commands run
// against Redoubt and against the reference redis-server (the model); every
// reply must agree, error texts and OBJECT ENCODING included. Both servers run
// with a small set-max-intset-entries so intset -> hashtable conversions
// happen often. Member lists are compared exactly while Redis keeps the set an
// intset (ascending order) and unordered otherwise; results of the set algebra
// are compared unordered. Random pops are drawn so they take the whole set
// (deterministic); random reads are compared by length. Bounded to ~10 s.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { serverPair } from '../helpers/pair.js';
import { type Reply, plain } from '../helpers/resp-client.js';

const ARGS = ['--set-max-intset-entries', '6'];

const pair = serverPair(ARGS);

function sorted(v: unknown): unknown {
  return Array.isArray(v) ? v.map((x) => JSON.stringify(x)).sort() : v;
}

/** exact; members: exact if the key is an intset in Redis; unordered; len: array length only. */
type Mode = 'exact' | 'members' | 'unordered' | 'len';
interface Cmd {
  argv: string[];
  mode: Mode;
}
const c = (argv: string[], mode: Mode = 'exact'): Cmd => ({ argv, mode });

const KEYS = ['s1', 's2', 's3'];
const key = fc.constantFrom(...KEYS);
const member = fc.oneof(
  fc.integer({ min: -12, max: 12 }).map(String),
  fc.constantFrom('a', 'b', 'c', '', '\x00', '\xff', '01', '-0', '+1', '1.0', '9223372036854775807', '-9223372036854775808', '9223372036854775808'),
);
const members = fc.array(member, { minLength: 1, maxLength: 5 });
const keys2 = fc.array(fc.constantFrom(...KEYS, 'nokey'), { minLength: 1, maxLength: 3 });

const command: fc.Arbitrary<Cmd> = fc.oneof(
  // writes
  fc.tuple(key, members).map(([k, ms]) => c(['SADD', k, ...ms])),
  fc.tuple(key, members).map(([k, ms]) => c(['SREM', k, ...ms])),
  fc.tuple(key, key, member).map(([s, d, m]) => c(['SMOVE', s, d, m])),
  key.map((k) => c(['SPOP', k, '100'], 'members')),
  fc.tuple(fc.constantFrom('SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE'), key, keys2).map(([n, d, ks]) => c([n, d, ...ks])),
  fc.constantFrom(c(['DEL', 's1']), c(['SET', 's3', 'string']), c(['COPY', 's1', 's2', 'REPLACE']), c(['RENAME', 's1', 's3'])),
  // reads
  fc.tuple(key, member).map(([k, m]) => c(['SISMEMBER', k, m])),
  fc.tuple(key, members).map(([k, ms]) => c(['SMISMEMBER', k, ...ms])),
  key.map((k) => c(['SCARD', k])),
  key.map((k) => c(['SMEMBERS', k], 'members')),
  key.map((k) => c(['SRANDMEMBER', k, '100'], 'members')),
  fc.tuple(key, fc.integer({ min: -8, max: -1 })).map(([k, n]) => c(['SRANDMEMBER', k, String(n)], 'len')),
  fc.tuple(fc.constantFrom('SINTER', 'SUNION', 'SDIFF'), keys2).map(([n, ks]) => c([n, ...ks], 'unordered')),
  fc.tuple(keys2, fc.option(fc.integer({ min: -1, max: 3 }), { nil: undefined })).map(([ks, l]) =>
    c(['SINTERCARD', String(ks.length), ...ks, ...(l === undefined ? [] : ['LIMIT', String(l)])]),
  ),
  fc.tuple(key, fc.constantFrom('*', '1*', '-*', '?')).map(([k, p]) => c(['SSCAN', k, '0', 'MATCH', p, 'COUNT', '1000'], 'members')),
  key.map((k) => c(['OBJECT', 'ENCODING', k])),
);

function normalize(r: Reply, mode: Mode, intset: boolean): unknown {
  const p = plain(r);
  if (mode === 'exact') return p;
  if (mode === 'len') return Array.isArray(p) ? p.length : p;
  if (mode === 'members' && intset) return p;
  if (Array.isArray(p) && p.length === 2 && Array.isArray(p[1]) && typeof p[0] === 'string') return [p[0], sorted(p[1])]; // SSCAN
  return sorted(p);
}

test('set commands agree with redis-server on random sequences', async () => {
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 40 }), async (cmds) => {
      runs++;
      await Promise.all([pair.a.call('FLUSHALL'), pair.b.call('FLUSHALL')]);
      for (let i = 0; i < cmds.length; i++) {
        const { argv, mode } = cmds[i];
        // SPOP changes the encoding it is read under: ask before running it.
        const enc = mode === 'members' ? await pair.b.call('OBJECT', 'ENCODING', argv[1]) : null;
        const [ra, rb] = await Promise.all([pair.a.call(...argv), pair.b.call(...argv)]);
        const intset = enc !== 'hashtable';
        assert.deepEqual(normalize(ra, mode, intset), normalize(rb, mode, intset), `step ${i}: ${JSON.stringify(argv)}`);
      }
      for (const k of KEYS) {
        const enc = await pair.b.call('OBJECT', 'ENCODING', k);
        assert.deepEqual(plain(await pair.a.call('OBJECT', 'ENCODING', k)), plain(enc), `final encoding ${k}`);
        const [ra, rb] = await Promise.all([pair.a.call('SMEMBERS', k), pair.b.call('SMEMBERS', k)]);
        assert.deepEqual(normalize(ra, 'members', enc !== 'hashtable'), normalize(rb, 'members', enc !== 'hashtable'), `final ${k}`);
      }
    }),
    { numRuns: 100000, interruptAfterTimeLimit: 10000 },
  );
  assert.ok(runs > 20, `only ${runs} runs`);
});
