// Differential tests: every case in cases/*.txt runs against Redoubt and the
// reference redis-server 7.0; replies must match exactly (error texts too).
//
// Case file format:
//   ### name            starts a case (each case begins on an empty server, RESP2, db 0)
//   SET k "v w"         a command, split like redis-cli/redis.conf (quotes, \xHH escapes)
//   ~SMEMBERS s         compare the reply as an unordered collection
//   ?TIME               compare only the shape (types and lengths) of the reply
//   %ACL LIST           compare with runs of single-command ACL rules sorted (Redis emits
//                       them in its command dict's order, which is random per process)
//   @sleep 120          wait 120 ms (expiry)
//   # comment
// The reference server is started with the same non-default settings as Redoubt.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedoubt, startRedis, type Running } from '../helpers/servers.js';
import { RawClient, RespError, Typed, type Reply, plain } from '../helpers/resp-client.js';
import { splitArgs } from '../../src/util/splitargs.js';
import { aclSorted } from '../helpers/acl.js';

const here = dirname(fileURLToPath(import.meta.url));
// cases live in the source tree (test/differential/cases), next to this file's source
const CASES = join(here, '..', '..', '..', 'test', 'differential', 'cases');

interface Step {
  kind: 'cmd' | 'sleep';
  argv: string[];
  mode: 'exact' | 'unordered' | 'shape' | 'acl';
  line: number;
}
interface Case {
  file: string;
  name: string;
  steps: Step[];
}

export function loadCases(dir = CASES): Case[] {
  const out: Case[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.txt')).sort()) {
    const lines = readFileSync(join(dir, f), 'latin1').split('\n');
    let cur: Case | null = null;
    lines.forEach((raw, i) => {
      const l = raw.trim();
      if (l === '' || (l.startsWith('#') && !l.startsWith('###'))) return;
      if (l.startsWith('###')) {
        cur = { file: f, name: l.slice(3).trim() || `line ${i + 1}`, steps: [] };
        out.push(cur);
        return;
      }
      if (!cur) throw new Error(`${f}:${i + 1}: command before the first ### case header`);
      const c = cur as Case;
      if (l.startsWith('@sleep')) {
        c.steps.push({ kind: 'sleep', argv: [l.split(/\s+/)[1]], mode: 'exact', line: i + 1 });
        return;
      }
      let mode: Step['mode'] = 'exact';
      let text = l;
      if (l.startsWith('~')) {
        mode = 'unordered';
        text = l.slice(1);
      } else if (l.startsWith('?')) {
        mode = 'shape';
        text = l.slice(1);
      } else if (l.startsWith('%')) {
        mode = 'acl';
        text = l.slice(1);
      }
      const argv = splitArgs(text);
      if (!argv || argv.length === 0) throw new Error(`${f}:${i + 1}: cannot split ${JSON.stringify(l)}`);
      c.steps.push({ kind: 'cmd', argv, mode, line: i + 1 });
    });
  }
  return out;
}

function norm(r: Reply, mode: Step['mode']): unknown {
  if (mode === 'shape') return shape(r);
  const v = plain(r);
  if (mode === 'unordered') return sortDeep(v);
  if (mode === 'acl') return aclSorted(v);
  return v;
}
function shape(r: Reply): unknown {
  if (r instanceof RespError) return 'error';
  if (r instanceof Typed) return r.type;
  if (Array.isArray(r)) return r.map(shape);
  return r === null ? null : typeof r;
}
function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => JSON.stringify(x)).sort();
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).map((k) => [k, sortDeep(o[k])]));
  }
  return v;
}

let ours: Running;
let ref: Running;
let a: RawClient;
let b: RawClient;

before(async () => {
  [ours, ref] = await Promise.all([startRedoubt(['--enable-debug-command', 'yes', '--save', '', '--bind', '127.0.0.1']), startRedis(['--enable-debug-command', 'yes'])]);
  [a, b] = await Promise.all([RawClient.connect(ours.port), RawClient.connect(ref.port)]);
});
after(async () => {
  a?.close();
  b?.close();
  await Promise.all([ours?.stop(), ref?.stop()]);
});

const cases = loadCases();
const byFile = new Map<string, Case[]>();
for (const c of cases) byFile.set(c.file, [...(byFile.get(c.file) ?? []), c]);

test(`differential: ${cases.length} cases in ${byFile.size} files`, () => {
  assert.ok(cases.length > 0);
});

for (const [file, list] of byFile) {
  test(`differential ${file}`, async (t) => {
    for (const c of list) {
      await t.test(c.name, async () => {
        for (const cl of [a, b]) {
          await cl.call('RESET');
          await cl.call('FLUSHALL');
          // ACL users outlive a case: drop the ones a previous case made
          const users = plain(await cl.call('ACL', 'USERS')) as string[];
          const extra = users.filter((u) => u !== 'default');
          if (extra.length) await cl.call('ACL', 'DELUSER', ...extra);
        }
        for (const s of c.steps) {
          if (s.kind === 'sleep') {
            await new Promise((r) => setTimeout(r, Number(s.argv[0])));
            continue;
          }
          const [ra, rb] = await Promise.all([a.call(...s.argv), b.call(...s.argv)]);
          assert.deepEqual(
            norm(ra, s.mode),
            norm(rb, s.mode),
            `${file}:${s.line} ${s.argv.join(' ')}\n  redoubt: ${JSON.stringify(plain(ra))}\n  redis:   ${JSON.stringify(plain(rb))}`,
          );
        }
      });
    }
  });
}
