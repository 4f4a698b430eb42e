// A server with a small V8 heap is filled until writes are refused: it
// answers -OOM instead of dying, every acknowledged key reads back, reads and
// deletes keep working, and writes are accepted again once memory is freed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startRedoubt } from '../helpers/servers.js';

test('near the heap limit writes get -OOM, the process survives and loses nothing', async () => {
  const saved = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = '--max-old-space-size=192';
  const srv = await startRedoubt(['--save', '']);
  if (saved === undefined) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = saved;
  const r = new Redis({ port: srv.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await r.connect();
  try {
    const value = 'v'.repeat(64 * 1024);
    const acked: string[] = [];
    let oom = '';
    for (let batch = 0; batch < 200 && !oom; batch++) {
      const p = r.pipeline();
      for (let i = 0; i < 50; i++) p.set(`k:${batch}:${i}`, value);
      const res = (await p.exec())!;
      res.forEach(([err], i) => {
        if (err) oom ||= err.message;
        else acked.push(`k:${batch}:${i}`);
      });
    }
    assert.match(oom, /^OOM command not allowed when used memory is close to the server's heap limit\./);
    assert.ok(acked.length > 500, `wrote ${acked.length} keys before the refusal`);
    assert.equal(srv.proc.exitCode, null, 'the process is alive');
    assert.match(srv.output(), /close to the heap limit/);
    // every acknowledged write reads back; reads work while writes are refused
    for (let i = 0; i < acked.length; i += 100) {
      const vals = await r.mget(...acked.slice(i, i + 100));
      assert.ok(vals.every((v) => v === value), 'acknowledged values intact');
    }
    assert.equal(await r.dbsize(), acked.length);
    // deletes work, and once memory is collected writes are accepted again
    assert.equal(await r.flushall(), 'OK');
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      await new Promise((res) => setTimeout(res, 100));
      ok = (await r.set('after', 'x').catch(() => 'refused')) === 'OK';
    }
    assert.ok(ok, 'writes accepted again after FLUSHALL');
  } finally {
    r.disconnect();
    await srv.stop();
  }
});
