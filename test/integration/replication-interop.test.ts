// Replication with Debian's redis-server 7.0 in both directions, the replica
// logging in as an ACL user that may only PING/REPLCONF/PSYNC: a full sync,
// then random writes of every type (TTLs, MULTI/EXEC over databases, a
// blocked pop served), equal DEBUG DIGESTs; the link killed and resumed with
// +CONTINUE (a partial resync, no second RDB), equal again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedoubt, startRedis, type Running } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp-client.js';
import { randomWrites, write, caughtUp, digest, info, waitFor } from '../helpers/replication.js';

const DBG = ['--enable-debug-command', 'yes'];
const PRIMARY = [...DBG, '--repl-diskless-sync-delay', '0', '--user', 'repl', 'on', '>s3cret', '+psync', '+replconf', '+ping', '--requirepass', 'adminpw'];
const AUTH = ['--masteruser', 'repl', '--masterauth', 's3cret'];

async function workload(p: RawClient, seed: number): Promise<void> {
  await write(p, randomWrites(seed, 300));
}

/** A pop served to a blocked client reaches the replica as the pop. */
async function blockedPop(port: number, p: RawClient): Promise<void> {
  const b = await RawClient.connect(port);
  await b.call('AUTH', 'adminpw');
  const pending = b.call('BLPOP', 'bl', '5');
  await waitFor('the client to block', async () => (await info(p, 'clients')).blocked_clients === '1');
  assert.equal(plain(await p.call('RPUSH', 'bl', 'a', 'b')), 2);
  assert.deepEqual(plain(await pending), ['bl', 'a']);
  b.close();
}

async function run(primary: Running, replica: Running, replicaIsRedoubt: boolean): Promise<void> {
  const p = await RawClient.connect(primary.port);
  assert.equal(plain(await p.call('AUTH', 'adminpw')), 'OK');
  const r = await RawClient.connect(replica.port);
  // data present before the sync travels in the RDB
  await workload(p, 11);
  assert.equal(plain(await r.call('REPLICAOF', '127.0.0.1', String(primary.port))), 'OK');
  await caughtUp(p, r);
  await workload(p, 12);
  await blockedPop(primary.port, p);
  // keys expiring on the primary reach the replica as DELs (lazy and active expiry)
  await write(p, Array.from({ length: 20 }, (_, i) => ['SET', 'ttl:' + i, 'v', 'PX', '100']));
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(plain(await p.call('GET', 'ttl:0')), null);
  await waitFor('active expiry on the primary', async () => plain(await p.call('EXISTS', ...Array.from({ length: 20 }, (_, i) => 'ttl:' + i))) === 0 && true);
  await caughtUp(p, r);
  assert.equal(plain(await r.call('GET', 'ttl:1')), null, 'a logically expired key reads as nil on the replica');
  await caughtUp(p, r);
  const d1 = await digest(p);
  assert.notEqual(d1, '0'.repeat(40));
  assert.equal(await digest(r), d1, 'digest after full sync and stream');
  const ri = await info(r);
  assert.equal(ri.role, 'slave');
  assert.equal(ri.master_replid, (await info(p)).master_replid);
  assert.deepEqual((plain(await r.call('SET', 'x', '1')) as { error: string }).error, "READONLY You can't write against a read only replica.");

  // break the link from the replica's side, write meanwhile: a partial resync
  assert.equal(plain(await r.call('CLIENT', 'KILL', 'TYPE', 'master')), 1);
  await workload(p, 13);
  await caughtUp(p, r);
  // and from the primary's side
  assert.equal(plain(await p.call('CLIENT', 'KILL', 'TYPE', 'replica')), 1);
  await workload(p, 14);
  await caughtUp(p, r);
  assert.equal(await digest(r), await digest(p), 'digest after two link breaks');
  await waitFor('two partial resyncs in the primary log', async () => (primary.output().match(/Partial resynchronization request from .* accepted/g) ?? []).length === 2);
  const log = primary.output();
  assert.equal((log.match(/Starting BGSAVE for SYNC/g) ?? []).length, 1, 'one full sync only');
  if (replicaIsRedoubt) assert.match(replica.output(), /Successful partial resynchronization with master/);
  p.close();
  r.close();
}

test('a redis-server replica of a Redoubt primary (masteruser/masterauth): digests equal, partial resync after link breaks', async () => {
  const [primary, replica] = await Promise.all([startRedoubt(['--save', '', ...PRIMARY]), startRedis([...DBG, ...AUTH])]);
  try {
    await run(primary, replica, false);
  } finally {
    await Promise.all([primary.stop(), replica.stop()]);
  }
});

test('a Redoubt replica of a redis-server primary (masteruser/masterauth): digests equal, partial resync after link breaks, promotion keeps data and id', async () => {
  const [primary, replica] = await Promise.all([startRedis(PRIMARY), startRedoubt(['--save', '', ...DBG, ...AUTH])]);
  try {
    await run(primary, replica, true);
    const r = await RawClient.connect(replica.port);
    const before = await info(r);
    const d = await digest(r);
    assert.deepEqual(plain(await r.call('ROLE')), ['slave', '127.0.0.1', primary.port, 'connected', Number(before.slave_repl_offset)]);
    assert.equal(plain(await r.call('REPLICAOF', 'NO', 'ONE')), 'OK');
    const after = await info(r);
    assert.equal(after.role, 'master');
    assert.equal(after.master_replid2, before.master_replid);
    assert.equal(after.second_repl_offset, String(Number(before.master_repl_offset) + 1));
    assert.notEqual(after.master_replid, before.master_replid);
    assert.equal(await digest(r), d, 'promotion keeps the data');
    assert.equal(plain(await r.call('SET', 'x', '1')), 'OK');
    r.close();
  } finally {
    await Promise.all([primary.stop(), replica.stop()]);
  }
});
