// Model-based property test: random sequences of list commands run against a
// real Redoubt server and against a plain JS array; every reply and the
// final contents must agree. Bounded to about ten seconds.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startRedoubt, type Running } from '../helpers/servers.js';
import { RawClient, RespError, type Reply } from '../helpers/resp-client.js';

let srv: Running;
let cl: RawClient;
before(async () => {
  srv = await startRedoubt();
  cl = await RawClient.connect(srv.port);
});
after(async () => {
  cl?.close();
  await srv?.stop();
});

const KEY = 'model';

/** Redis index normalisation shared by the model's LRANGE/LTRIM/LINDEX/LSET. */
function norm(i: number, n: number): number {
  return i < 0 ? i + n : i;
}

type Model = string[];

interface Cmd {
  argv: string[];
  /** Applies the command to the model and returns the expected reply. */
  apply(m: Model): Reply;
  toString(): string;
}

function cmd(argv: (string | number)[], apply: (m: Model) => Reply): Cmd {
  const a = argv.map(String);
  return { argv: a, apply, toString: () => a.join(' ') };
}

const val = fc.constantFrom('a', 'b', 'c', '', '\x00', '\xff', 'long-value-xxxxxxxxxxxxxxxxxxxx');
const idx = fc.integer({ min: -12, max: 12 });
const small = fc.integer({ min: 0, max: 6 });

const commands = [
  fc.array(val, { minLength: 1, maxLength: 5 }).map((vs) =>
    cmd(['LPUSH', KEY, ...vs], (m) => {
      for (const v of vs) m.unshift(v);
      return m.length;
    }),
  ),
  fc.array(val, { minLength: 1, maxLength: 5 }).map((vs) =>
    cmd(['RPUSH', KEY, ...vs], (m) => {
      m.push(...vs);
      return m.length;
    }),
  ),
  fc.constant(cmd(['LPOP', KEY], (m) => (m.length ? m.shift()! : null))),
  fc.constant(cmd(['RPOP', KEY], (m) => (m.length ? m.pop()! : null))),
  small.map((n) =>
    cmd(['LPOP', KEY, n], (m) => {
      if (m.length === 0) return null;
      return m.splice(0, n);
    }),
  ),
  small.map((n) =>
    cmd(['RPOP', KEY, n], (m) => {
      if (m.length === 0) return null;
      const out: string[] = [];
      for (let i = 0; i < n && m.length; i++) out.push(m.pop()!);
      return out;
    }),
  ),
  fc.tuple(idx, idx).map(([s, e]) =>
    cmd(['LRANGE', KEY, s, e], (m) => {
      const n = m.length;
      let a = norm(s, n);
      let b = norm(e, n);
      if (a < 0) a = 0;
      if (a > b || a >= n) return [];
      if (b >= n) b = n - 1;
      return m.slice(a, b + 1);
    }),
  ),
  fc.tuple(idx, idx).map(([s, e]) =>
    cmd(['LTRIM', KEY, s, e], (m) => {
      const n = m.length;
      let a = norm(s, n);
      let b = norm(e, n);
      if (a < 0) a = 0;
      let kept: string[];
      if (a > b || a >= n) kept = [];
      else {
        if (b >= n) b = n - 1;
        kept = m.slice(a, b + 1);
      }
      m.splice(0, m.length, ...kept);
      return 'OK';
    }),
  ),
  fc.tuple(fc.boolean(), val, val).map(([after, pivot, v]) =>
    cmd(['LINSERT', KEY, after ? 'AFTER' : 'BEFORE', pivot, v], (m) => {
      if (m.length === 0) return 0;
      const i = m.indexOf(pivot);
      if (i === -1) return -1;
      m.splice(after ? i + 1 : i, 0, v);
      return m.length;
    }),
  ),
  fc.tuple(fc.integer({ min: -4, max: 4 }), val).map(([count, v]) =>
    cmd(['LREM', KEY, count, v], (m) => {
      let removed = 0;
      const limit = count === 0 ? Infinity : Math.abs(count);
      if (count >= 0) {
        for (let i = 0; i < m.length && removed < limit; ) {
          if (m[i] === v) {
            m.splice(i, 1);
            removed++;
          } else i++;
        }
      } else {
        for (let i = m.length - 1; i >= 0 && removed < limit; i--) {
          if (m[i] === v) {
            m.splice(i, 1);
            removed++;
          }
        }
      }
      return removed;
    }),
  ),
  fc.tuple(idx, val).map(([i, v]) =>
    cmd(['LSET', KEY, i, v], (m) => {
      if (m.length === 0) return new RespError('ERR no such key');
      const j = norm(i, m.length);
      if (j < 0 || j >= m.length) return new RespError('ERR index out of range');
      m[j] = v;
      return 'OK';
    }),
  ),
  idx.map((i) =>
    cmd(['LINDEX', KEY, i], (m) => {
      const j = norm(i, m.length);
      return j >= 0 && j < m.length ? m[j] : null;
    }),
  ),
  fc.constant(cmd(['LLEN', KEY], (m) => m.length)),
  fc.tuple(val, fc.integer({ min: -3, max: 3 }).filter((r) => r !== 0)).map(([v, rank]) =>
    cmd(['LPOS', KEY, v, 'RANK', rank, 'COUNT', 0], (m) => {
      const out: number[] = [];
      let seen = 0;
      const n = m.length;
      for (let k = 0; k < n; k++) {
        const i = rank > 0 ? k : n - 1 - k;
        if (m[i] !== v) continue;
        seen++;
        if (seen >= Math.abs(rank)) out.push(i);
      }
      return out;
    }),
  ),
];

function same(a: Reply, b: Reply): boolean {
  if (a instanceof RespError || b instanceof RespError) {
    return a instanceof RespError && b instanceof RespError && a.message === b.message;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

test('list commands agree with a JS array model', async () => {
  const deadline = Date.now() + 8000;
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.oneof(...commands), { minLength: 1, maxLength: 60 }), async (seq) => {
      if (Date.now() > deadline) return; // time-boxed
      runs++;
      await cl.call('DEL', KEY);
      const m: Model = [];
      for (const c of seq) {
        const want = c.apply(m);
        const got = await cl.call(...c.argv);
        if (!same(got, want)) {
          throw new Error(`${c}: got ${JSON.stringify(got)}, model says ${JSON.stringify(want)}`);
        }
      }
      const all = await cl.call('LRANGE', KEY, '0', '-1');
      assert.deepEqual(all, m);
      assert.equal(await cl.call('EXISTS', KEY), m.length ? 1 : 0, 'an empty list is deleted');
    }),
    { numRuns: 4000, endOnFailure: true },
  );
  assert.ok(runs > 20, `only ${runs} runs`);
});
