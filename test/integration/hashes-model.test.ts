// Model-based property test for hashes: random sequences of hash commands run
// against Redoubt and against the reference redis-server (the model); every
// reply must be identical, error texts, float formatting and OBJECT ENCODING
// included. Both servers run with small hash-max-listpack-* limits so the
// listpack -> hashtable conversion happens often. Replies that list a hash are
// compared exactly while Redis keeps it a listpack (insertion order) and as
// unordered field/value pairs once it is a hashtable. Bounded to ~10 s.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { serverPair } from '../helpers/pair.js';
import { type Reply, plain } from '../helpers/resp-client.js';

const ARGS = ['--hash-max-listpack-entries', '6', '--hash-max-listpack-value', '12'];

const pair = serverPair(ARGS);


/** Flat field/value list -> sorted "field\0value" pairs. */
function pairsOf(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  const out: string[] = [];
  for (let i = 0; i + 1 < v.length; i += 2) out.push(JSON.stringify([v[i], v[i + 1]]));
  return out.sort();
}
function sorted(v: unknown): unknown {
  return Array.isArray(v) ? v.map((x) => JSON.stringify(x)).sort() : v;
}

type Mode = 'exact' | 'pairs' | 'list' | 'scan' | 'len';
interface Cmd {
  argv: string[];
  /** How to compare when the hash is hashtable-encoded in Redis. */
  mode: Mode;
}

const key = fc.constantFrom('h1', 'h2');
const field = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', '', '\x00', '\xff', 'a-field-longer-than-12');
const value = fc.oneof(
  fc.constantFrom('v', '', '0', '1', '-1', '10', '007', '1.5', '-0', '1e3', ' 1', 'x\x00y', 'a-value-longer-than-12', '9223372036854775807', '-9223372036854775808'),
  fc.integer({ min: -100, max: 100 }).map(String),
);
const incr = fc.oneof(fc.integer({ min: -20, max: 20 }).map(String), fc.constantFrom('9223372036854775807', '-9223372036854775808', 'x', '1.5', ''));
const fincr = fc.constantFrom('0.1', '-0.1', '1.5', '3', '-3', '1e3', '2.5e-3', '0', '-0', 'inf', 'nan', 'x', '1e400', '10.5', '0x10', '.5');
const c = (argv: string[], mode: Mode = 'exact'): Cmd => ({ argv, mode });

const command: fc.Arbitrary<Cmd> = fc.oneof(
  // writes
  fc.tuple(fc.constantFrom('HSET', 'HMSET'), key, fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 4 })).map(([n, k, ps]) => c([n, k, ...ps.flat()])),
  fc.tuple(key, field, value).map(([k, f, v]) => c(['HSETNX', k, f, v])),
  fc.tuple(key, fc.array(field, { minLength: 1, maxLength: 3 })).map(([k, fs]) => c(['HDEL', k, ...fs])),
  fc.tuple(key, field, incr).map(([k, f, i]) => c(['HINCRBY', k, f, i])),
  fc.tuple(key, field, fincr).map(([k, f, i]) => c(['HINCRBYFLOAT', k, f, i])),
  fc.constantFrom(c(['DEL', 'h1']), c(['SET', 'h2', 'string']), c(['COPY', 'h1', 'h2', 'REPLACE']), c(['RENAME', 'h1', 'h2'])),
  // reads
  fc.tuple(key, field).map(([k, f]) => c(['HGET', k, f])),
  fc.tuple(key, fc.array(field, { minLength: 1, maxLength: 3 })).map(([k, fs]) => c(['HMGET', k, ...fs])),
  fc.tuple(fc.constantFrom('HSTRLEN', 'HEXISTS'), key, field).map(([n, k, f]) => c([n, k, f])),
  key.map((k) => c(['HLEN', k])),
  key.map((k) => c(['HGETALL', k], 'pairs')),
  fc.tuple(fc.constantFrom('HKEYS', 'HVALS'), key).map(([n, k]) => c([n, k], 'list')),
  fc.tuple(key, fc.constantFrom('*', 'a*', '?', '*-*')).map(([k, p]) => c(['HSCAN', k, '0', 'MATCH', p, 'COUNT', '1000'], 'scan')),
  fc.tuple(key, fc.constantFrom('20', '20 WITHVALUES')).map(([k, n]) => c(['HRANDFIELD', k, ...n.split(' ')], n.includes('W') ? 'pairs' : 'list')),
  fc.tuple(key, fc.integer({ min: -10, max: -1 }), fc.boolean()).map(([k, n, w]) => c(['HRANDFIELD', k, String(n), ...(w ? ['WITHVALUES'] : [])], 'len')),
  fc.constantFrom('h1', 'h2').map((k) => c(['OBJECT', 'ENCODING', k])),
);

function normalize(r: Reply, mode: Mode, hashtable: boolean): unknown {
  const p = plain(r);
  if (mode === 'len') return Array.isArray(p) ? p.length : p;
  if (!hashtable || mode === 'exact') return p;
  if (mode === 'pairs') return pairsOf(p);
  if (mode === 'list') return sorted(p);
  if (mode === 'scan' && Array.isArray(p)) return [p[0], pairsOf(p[1])];
  return p;
}

test('hash commands agree with redis-server on random sequences', async () => {
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 40 }), async (cmds) => {
      runs++;
      await Promise.all([pair.a.call('FLUSHALL'), pair.b.call('FLUSHALL')]);
      for (let i = 0; i < cmds.length; i++) {
        const { argv, mode } = cmds[i];
        const [ra, rb] = await Promise.all([pair.a.call(...argv), pair.b.call(...argv)]);
        const enc = mode === 'exact' ? null : await pair.b.call('OBJECT', 'ENCODING', argv[1]);
        const ht = enc === 'hashtable';
        assert.deepEqual(normalize(ra, mode, ht), normalize(rb, mode, ht), `step ${i}: ${JSON.stringify(argv)}`);
      }
      for (const k of ['h1', 'h2']) {
        const enc = await pair.b.call('OBJECT', 'ENCODING', k);
        assert.deepEqual(plain(await pair.a.call('OBJECT', 'ENCODING', k)), plain(enc), `final encoding ${k}`);
        const [ra, rb] = await Promise.all([pair.a.call('HGETALL', k), pair.b.call('HGETALL', k)]);
        assert.deepEqual(normalize(ra, 'pairs', enc === 'hashtable'), normalize(rb, 'pairs', enc === 'hashtable'), `final ${k}`);
      }
    }),
    { numRuns: 100000, interruptAfterTimeLimit: 10000 },
  );
  assert.ok(runs > 20, `only ${runs} runs`);
});
