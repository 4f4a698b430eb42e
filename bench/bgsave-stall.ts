// The longest event-loop stall while BGSAVE runs (issue: under 50 ms with
// 1,000,000 keys and with one 1,000,000-member key). An embedded server is
// filled directly through the keyspace API, then a BGSAVE runs while a 1 ms
// timer measures how late each tick fires. Run: node --expose-gc dist/bench/bgsave-stall.js

import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from '../src/index.js';
import { startBgsave, saveState } from '../src/persistence/rdb-file.js';
import { ZSetValue } from '../src/store/zset.js';
import { HashValue } from '../src/store/hash.js';
import { rdbPath } from '../src/persistence/rdb-file.js';

type Srv = Awaited<ReturnType<typeof createServer>>;

async function measure(label: string, fill: (srv: Srv) => void, during?: (srv: Srv) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-bench-'));
  const srv = await createServer({ config: { save: '', dir } });
  fill(srv);
  // start from a settled heap: the fill's own full GC is not the save's stall
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 100));
  let last = performance.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - last > maxGap) maxGap = now - last;
    last = now;
  }, 1);
  const t0 = performance.now();
  last = t0;
  const bg = startBgsave(srv);
  const start = bg.startMs;
  if (during) setTimeout(() => during(srv), 50);
  while (saveState(srv).bg !== null) await new Promise((r) => setTimeout(r, 5));
  const total = performance.now() - t0;
  clearInterval(timer);
  const size = statSync(rdbPath(srv)).size;
  console.log(
    `${label}: BGSAVE ${total.toFixed(0)} ms, ${(size / 1e6).toFixed(1)} MB, start ${start.toFixed(1)} ms, longest step ${bg.maxStepMs.toFixed(1)} ms, longest event-loop gap ${maxGap.toFixed(1)} ms, status ${saveState(srv).lastBgsaveStatus}`,
  );
  await srv.close();
}

const N = Number(process.env.N ?? 1_000_000);
/** A flat latin1 string like the ones the protocol parser makes ('key:' + i is a cons string, slower to hash). */
const flat = (s: string): string => Buffer.from(s, 'latin1').latin1Slice();
await measure(`${N} string keys`, (srv) => {
  const db = srv.keyspace.dbs[0];
  for (let i = 0; i < N; i++) db.add(flat('key:' + i), flat('value:' + i));
});
if (!process.env.ONLY_STRINGS) await measure(`one zset of ${N} members`, (srv) => {
  const z = new ZSetValue(false);
  for (let i = 0; i < N; i++) z.add('member:' + i, i * 1.5, { entries: 128, value: 64 });
  srv.keyspace.dbs[0].add('bigzset', z);
});
if (!process.env.ONLY_STRINGS) await measure(`one hash of ${N} fields`, (srv) => {
  const h = new HashValue(false);
  for (let i = 0; i < N; i++) h.set('field:' + i, 'v' + i, { entries: 128, value: 64 });
  srv.keyspace.dbs[0].add('bighash', h);
});
if (!process.env.ONLY_STRINGS) {
  await measure(
    `one zset of ${N} members, written to during the save (its copy-on-write clone)`,
    (srv) => {
      const z = new ZSetValue(false);
      for (let i = 0; i < N; i++) z.add('member:' + i, i * 1.5, { entries: 128, value: 64 });
      srv.keyspace.dbs[0].add('bigzset', z);
    },
    (srv) => {
      const z = srv.keyspace.dbs[0].write('bigzset') as ZSetValue;
      z.add('new', 1, { entries: 128, value: 64 });
    },
  );
}
