// The active expiry cycle (Redis's expire.c, slow cycle): keys nobody touches
// are deleted by the cron's bounded scan of the expires table, keys without
// a TTL are left alone, INFO keyspace keeps Redis's running avg_ttl, and the
// expires table follows SWAPDB and FLUSHDB.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedoubt } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp-client.js';
import { pipeline } from '../helpers/dataset.js';

async function keyspaceLine(c: RawClient, db: number): Promise<string> {
  const info = String(plain(await c.call('INFO', 'keyspace')));
  return /db(\d+):.*/g.exec(info.split('\r\n').find((l) => l.startsWith(`db${db}:`)) ?? '')?.[0] ?? '';
}

async function until(what: string, fn: () => Promise<boolean>, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('untouched volatile keys are expired by the cron; persistent keys stay; avg_ttl is estimated', async () => {
  const s = await startRedoubt(['--hz', '50']);
  const c = await RawClient.connect(s.port);
  try {
    const cmds: (string | number)[][] = [];
    for (let i = 0; i < 60000; i++) cmds.push(['SET', `v:${i}`, 'x', 'PX', 300 + (i % 200)]);
    for (let i = 0; i < 500; i++) cmds.push(['SET', `p:${i}`, 'y']);
    for (let i = 0; i < 500; i++) cmds.push(['SET', `l:${i}`, 'z', 'EX', 1000]);
    for (let i = 0; i < cmds.length; i += 5000) await pipeline(c, cmds.slice(i, i + 5000));
    await until('the short-lived keys to expire', async () => Number(plain(await c.call('DBSIZE'))) === 1000);
    const stats = String(plain(await c.call('INFO', 'stats')));
    assert.match(stats, /expired_keys:60000\r\n/);
    // a mass expiry outruns the slow cycle's budget: Redis counts that, and its fast cycle takes over
    assert.match(stats, /expired_time_cap_reached_count:[1-9]\d*\r\n/);
    // a running average (2% per cycle, as Redis's): it climbs from the short TTLs sampled first towards the ~1000 s left
    let avg = 0;
    await until('avg_ttl to settle near 1000 s', async () => {
      const line = await keyspaceLine(c, 0);
      const m = /keys=1000,expires=500,avg_ttl=(\d+)/.exec(line);
      assert.ok(m, line);
      avg = Number(m[1]);
      assert.ok(avg > 0 && avg <= 1_000_000, `avg_ttl ${avg}`);
      return avg > 900_000;
    });
    assert.equal(plain(await c.call('EXISTS', 'p:1', 'l:1', 'v:1')), 2);
  } finally {
    c.close();
    await s.stop();
  }
});

test('the expires table moves with SWAPDB and goes with FLUSHDB', async () => {
  const s = await startRedoubt();
  const c = await RawClient.connect(s.port);
  try {
    await c.call('SET', 'a', '1', 'PX', '200');
    await c.call('SET', 'b', '1', 'EX', '100');
    await c.call('SWAPDB', '0', '1');
    assert.deepEqual(plain(await c.call('PTTL', 'a')), -2);
    await c.call('SELECT', '1');
    assert.ok(Number(plain(await c.call('TTL', 'b'))) > 90);
    await until('a to expire in db 1', async () => Number(plain(await c.call('DBSIZE'))) === 1);
    await c.call('FLUSHDB');
    await c.call('SET', 'b', '1');
    assert.equal(plain(await c.call('TTL', 'b')), -1);
    assert.match(await keyspaceLine(c, 1), /^db1:keys=1,expires=0,avg_ttl=0/);
  } finally {
    c.close();
    await s.stop();
  }
});
