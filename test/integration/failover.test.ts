// FAILOVER as Redis 7.0 does it, between Redoubt and redis-server in both
// directions: the primary pauses writes, waits for the replica, hands over
// with PSYNC ... FAILOVER; the replica becomes the primary, the old primary
// its replica, with the data intact and no full resync. Errors as Redis's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedoubt, startRedis, type Running } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp-client.js';
import { randomWrites, write, caughtUp, digest, info, waitFor } from '../helpers/replication.js';

const ARGS = ['--enable-debug-command', 'yes', '--repl-diskless-sync-delay', '0'];
const start = (redoubt: boolean) => (redoubt ? startRedoubt(ARGS) : startRedis(ARGS));

for (const [name, primaryIsRedoubt, replicaIsRedoubt] of [
  ['Redoubt primary hands over to a redis-server replica', true, false],
  ['redis-server primary hands over to a Redoubt replica', false, true],
  ['Redoubt to Redoubt', true, true],
] as const) {
  test(`FAILOVER: ${name}`, async () => {
    const [ps, rs]: Running[] = await Promise.all([start(primaryIsRedoubt), start(replicaIsRedoubt)]);
    const p = await RawClient.connect(ps.port);
    const r = await RawClient.connect(rs.port);
    try {
      await write(p, randomWrites(31, 200));
      assert.equal(plain(await r.call('REPLICAOF', '127.0.0.1', String(ps.port))), 'OK');
      await caughtUp(p, r);
      const d = await digest(p);
      assert.equal(plain(await p.call('FAILOVER', 'TO', '127.0.0.1', String(rs.port), 'TIMEOUT', '5000')), 'OK');
      await waitFor('the roles to swap', async () => (await info(r)).role === 'master' && (await info(p)).role === 'slave' && (await info(p)).master_link_status === 'up');
      assert.equal((await info(p)).master_failover_state, 'no-failover');
      assert.equal((await info(p)).master_port, String(rs.port));
      assert.equal(await digest(r), d, 'the new primary has the data');
      // the old primary follows the new one: writes there reach it
      await write(r, randomWrites(32, 100));
      await caughtUp(r, p);
      assert.equal(await digest(p), await digest(r));
      assert.equal((await info(r, 'stats')).sync_full, '0', 'no full resync on the new primary');
      assert.match(String((plain(await p.call('SET', 'x', '1')) as { error: string }).error), /^READONLY/);
    } finally {
      p.close();
      r.close();
      await Promise.all([ps.stop(), rs.stop()]);
    }
  });
}

test('FAILOVER errors and ABORT answer as redis-server', async () => {
  const [a, b] = await Promise.all([startRedoubt(ARGS), startRedis(ARGS)]);
  const [ca, cb] = await Promise.all([RawClient.connect(a.port), RawClient.connect(b.port)]);
  try {
    const cases = [
      ['FAILOVER'],
      ['FAILOVER', 'ABORT'],
      ['FAILOVER', 'TIMEOUT', '0'],
      ['FAILOVER', 'TIMEOUT', 'x'],
      ['FAILOVER', 'TO', 'h'],
      ['FAILOVER', 'TO', 'h', 'p'],
      ['FAILOVER', 'FORCE'],
      ['FAILOVER', 'FORCE', 'FORCE'],
      ['FAILOVER', 'BOGUS'],
    ];
    for (const c of cases) assert.deepEqual(plain(await ca.call(...c)), plain(await cb.call(...c)), c.join(' '));
    // with a replica: target checks, FORCE rules, ABORT while waiting
    const [ra, rb] = await Promise.all([startRedoubt(ARGS), startRedis(ARGS)]);
    try {
      const [xa, xb] = await Promise.all([RawClient.connect(ra.port), RawClient.connect(rb.port)]);
      await xa.call('REPLICAOF', '127.0.0.1', String(a.port));
      await xb.call('REPLICAOF', '127.0.0.1', String(b.port));
      await Promise.all([caughtUp(ca, xa), caughtUp(cb, xb)]);
      const with1 = [
        ['FAILOVER', 'TO', '127.0.0.1', '1'],
        ['FAILOVER', 'TO', '127.0.0.1', '1', 'FORCE'],
        ['FAILOVER', 'FORCE', 'TIMEOUT', '100'],
      ];
      for (const c of with1) assert.deepEqual(plain(await ca.call(...c)), plain(await cb.call(...c)), c.join(' '));
      assert.deepEqual(plain(await xa.call('FAILOVER')), plain(await xb.call('FAILOVER')), 'on a replica');
      // while waiting for the replica: a second FAILOVER is refused, ABORT lets writes go on
      // the replica is busy for a second: it cannot acknowledge the write below, so the failover waits
      xa.send(['DEBUG', 'SLEEP', '1']);
      assert.equal(plain(await ca.call('SET', 'before', '1')), 'OK');
      assert.equal(plain(await ca.call('FAILOVER', 'TIMEOUT', '5000')), 'OK');
      assert.deepEqual(plain(await ca.call('FAILOVER')), { error: 'ERR FAILOVER already in progress.' });
      assert.equal((await info(ca)).master_failover_state, 'waiting-for-sync');
      assert.equal(plain(await ca.call('FAILOVER', 'ABORT')), 'OK');
      assert.equal((await info(ca)).master_failover_state, 'no-failover');
      assert.equal(plain(await ca.call('SET', 'after', '1')), 'OK', 'writes are no longer paused');
      assert.equal((await info(ca)).role, 'master');
      await xa.read(3000); // DEBUG SLEEP's reply
      xa.close();
      xb.close();
    } finally {
      await Promise.all([ra.stop(), rb.stop()]);
    }
  } finally {
    ca.close();
    cb.close();
    await Promise.all([a.stop(), b.stop()]);
  }
});
