// Crash durability with appendfsync always: every acknowledged write
// survives a SIGKILL at a random moment under write load (20 short trials;
// bench/aof-crash.ts runs more and measures everysec's loss).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crashTrial } from '../helpers/crash.js';

test('appendfsync always: no acknowledged write is lost across 20 SIGKILLs', async () => {
  let acked = 0;
  // two trials at a time keeps the file short
  for (let t = 0; t < 20; t += 2) {
    const rs = await Promise.all([0, 1].map(() => crashTrial(['--appendonly', 'yes', '--appendfsync', 'always'], 40 + Math.floor(Math.random() * 160))));
    rs.forEach((r, k) => assert.equal(r.lost, 0, `trial ${t + k}: ${r.lost} of ${r.acked} acknowledged writes lost`));
    for (const r of rs) acked += r.acked;
  }
  assert.ok(acked > 100, `the trials wrote under load (${acked} acknowledged writes)`);
});
