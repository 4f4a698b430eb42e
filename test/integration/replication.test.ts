// Replication behaviour beyond the interop pair: the sized payload form in
// both directions, a chain primary -> A -> B where promoting A lets B resume
// partially, backlog overflow forcing a full sync, WAIT and
// min-replicas-to-write, replica-serve-stale-data.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedoubt, startRedis, type Running } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp-client.js';
import { randomWrites, write, caughtUp, digest, info, waitFor } from '../helpers/replication.js';

const DBG = ['--enable-debug-command', 'yes', '--save', ''];

async function stopAll(...s: (Running | undefined)[]): Promise<void> {
  await Promise.all(s.map((x) => x?.stop()));
}

test('sized payloads ($len): redis-server with repl-diskless-sync no to Redoubt, Redoubt with it off to redis-server', async () => {
  const [rp, ours, op, rr] = await Promise.all([
    startRedis([...DBG, '--repl-diskless-sync', 'no']),
    startRedoubt(DBG),
    startRedoubt([...DBG, '--repl-diskless-sync', 'no']),
    startRedis(DBG),
  ]);
  try {
    for (const [pp, rep, seed] of [[rp, ours, 21], [op, rr, 22]] as const) {
      const p = await RawClient.connect(pp.port);
      const r = await RawClient.connect(rep.port);
      await write(p, randomWrites(seed, 200));
      await r.call('REPLICAOF', '127.0.0.1', String(pp.port));
      await caughtUp(p, r);
      await write(p, randomWrites(seed + 100, 100));
      await caughtUp(p, r);
      assert.equal(await digest(r), await digest(p));
      p.close();
      r.close();
    }
    assert.match(ours.output(), /receiving \d+ bytes from master to memory/);
    assert.match(op.output(), /memory \(sized transfer\)/);
  } finally {
    await stopAll(rp, ours, op, rr);
  }
});

test('chain primary -> A -> B: B gets the stream through A; promoting A, B resumes with +CONTINUE', async () => {
  const [p0, a0, b0] = await Promise.all([startRedoubt([...DBG, '--repl-diskless-sync-delay', '0']), startRedoubt([...DBG, '--repl-diskless-sync-delay', '0']), startRedoubt(DBG)]);
  try {
    const p = await RawClient.connect(p0.port);
    const a = await RawClient.connect(a0.port);
    const b = await RawClient.connect(b0.port);
    await write(p, randomWrites(31, 200));
    await a.call('REPLICAOF', '127.0.0.1', String(p0.port));
    await caughtUp(p, a);
    await b.call('REPLICAOF', '127.0.0.1', String(a0.port));
    await caughtUp(a, b);
    await write(p, randomWrites(32, 200));
    await caughtUp(p, a);
    await caughtUp(a, b);
    const d = await digest(p);
    assert.equal(await digest(a), d);
    assert.equal(await digest(b), d);
    // promote A: B reconnects with A's old id and is served from A's backlog
    assert.equal(plain(await a.call('REPLICAOF', 'NO', 'ONE')), 'OK');
    await write(a, randomWrites(33, 100));
    await caughtUp(a, b);
    assert.equal(await digest(b), await digest(a));
    assert.match(a0.output(), /Partial resynchronization request from .* accepted/);
    assert.equal((a0.output().match(/Starting BGSAVE for SYNC/g) ?? []).length, 1, 'B was fully synced once only');
    assert.equal((await info(b)).master_replid, (await info(a)).master_replid);
    for (const c of [p, a, b]) c.close();
  } finally {
    await stopAll(p0, a0, b0);
  }
});

test('backlog overflow while the link is down forces a full sync that ends equal', async () => {
  const [p0, r0] = await Promise.all([startRedoubt([...DBG, '--repl-diskless-sync-delay', '0', '--repl-backlog-size', '16384']), startRedis(DBG)]);
  try {
    const p = await RawClient.connect(p0.port);
    const r = await RawClient.connect(r0.port);
    await r.call('REPLICAOF', '127.0.0.1', String(p0.port));
    await caughtUp(p, r);
    // the replica sleeps, its link is cut, and more than the backlog holds is written meanwhile
    const sleeping = r.call('DEBUG', 'SLEEP', '1');
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(plain(await p.call('CLIENT', 'KILL', 'TYPE', 'replica')), 1);
    await write(p, randomWrites(41, 400));
    await sleeping;
    await caughtUp(p, r);
    assert.match(p0.output(), /Unable to partial resync with replica .* for lack of backlog/);
    assert.equal((p0.output().match(/Starting BGSAVE for SYNC/g) ?? []).length, 2);
    assert.equal(await digest(r), await digest(p));
    const pi = await info(p);
    assert.equal(pi.repl_backlog_size, '16384');
    assert.ok(Number(pi.repl_backlog_histlen) <= 16384);
    p.close();
    r.close();
  } finally {
    await stopAll(p0, r0);
  }
});

test('WAIT counts acknowledged replicas and times out; min-replicas-to-write refuses writes with -NOREPLICAS', async () => {
  const [p0, r0] = await Promise.all([startRedoubt([...DBG, '--repl-diskless-sync-delay', '0']), startRedis(DBG)]);
  try {
    const p = await RawClient.connect(p0.port);
    const r = await RawClient.connect(r0.port);
    assert.equal(plain(await p.call('WAIT', '0', '0')), 0);
    await r.call('REPLICAOF', '127.0.0.1', String(p0.port));
    await caughtUp(p, r);
    await p.call('SET', 'k', 'v');
    assert.equal(plain(await p.call('WAIT', '1', '2000')), 1);
    let t = Date.now();
    await p.call('SET', 'k', 'w');
    assert.equal(plain(await p.call('WAIT', '2', '300')), 1);
    assert.ok(Date.now() - t >= 290, 'WAIT waited for its timeout');
    assert.deepEqual(plain(await p.call('WAIT', '1', '-1')), { error: 'ERR timeout is negative' });
    assert.deepEqual(plain(await r.call('WAIT', '1', '10')), {
      error:
        'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.',
    });
    assert.deepEqual(plain(await p.call('CONFIG', 'SET', 'min-replicas-to-write', '2')), 'OK');
    assert.deepEqual(plain(await p.call('SET', 'k', 'x')), { error: 'NOREPLICAS Not enough good replicas to write.' });
    assert.equal(plain(await p.call('GET', 'k')), 'w', 'reads still work');
    assert.equal((await info(p)).min_slaves_good_slaves, '1');
    await p.call('CONFIG', 'SET', 'min-replicas-to-write', '1');
    assert.equal(plain(await p.call('SET', 'k', 'y')), 'OK');
    // a replica gone: WAIT 1 times out with 0
    await r.call('REPLICAOF', 'NO', 'ONE');
    await waitFor('the replica to leave', async () => (await info(p)).connected_slaves === '0');
    assert.deepEqual(plain(await p.call('SET', 'k', 'z')), { error: 'NOREPLICAS Not enough good replicas to write.' });
    t = Date.now();
    assert.equal(plain(await p.call('WAIT', '1', '100')), 0);
    p.close();
    r.close();
  } finally {
    await stopAll(p0, r0);
  }
});

test('INFO replication and ROLE of a primary with a replica match redis-server field by field', async () => {
  const [p0, r0, rp, rr] = await Promise.all([startRedoubt([...DBG, '--repl-diskless-sync-delay', '0']), startRedis(DBG), startRedis([...DBG, '--repl-diskless-sync-delay', '0']), startRedis(DBG)]);
  try {
    const keysOf = async (port: number) => Object.keys(await info(await RawClient.connect(port)));
    for (const [pp, rep] of [[p0, r0], [rp, rr]]) {
      const p = await RawClient.connect(pp.port);
      const r = await RawClient.connect(rep.port);
      await r.call('REPLICAOF', '127.0.0.1', String(pp.port));
      await caughtUp(p, r);
      await p.call('SET', 'a', 'b');
      await caughtUp(p, r);
      const role = plain(await p.call('ROLE')) as unknown[];
      assert.equal(role[0], 'master');
      assert.deepEqual((role[2] as unknown[][])[0].slice(0, 2), ['127.0.0.1', String(rep.port)]);
      p.close();
      r.close();
    }
    assert.deepEqual(await keysOf(p0.port), await keysOf(rp.port));
  } finally {
    await stopAll(p0, r0, rp, rr);
  }
});

test('INFO replication of a Redoubt replica has the fields a redis-server replica shows, in order; stale data refused with -MASTERDOWN', async () => {
  const [p0, ours, ref] = await Promise.all([startRedis([...DBG, '--repl-diskless-sync-delay', '0']), startRedoubt(DBG), startRedis(DBG)]);
  try {
    const o = await RawClient.connect(ours.port);
    const f = await RawClient.connect(ref.port);
    const p = await RawClient.connect(p0.port);
    for (const c of [o, f]) await c.call('REPLICAOF', '127.0.0.1', String(p0.port));
    await caughtUp(p, o);
    await caughtUp(p, f);
    assert.deepEqual(Object.keys(await info(o)), Object.keys(await info(f)));
    assert.deepEqual(plain(await o.call('CONFIG', 'GET', 'replicaof')), plain(await f.call('CONFIG', 'GET', 'replicaof')));
    await p.call('SET', 'k', 'v');
    await caughtUp(p, o);
    // the primary goes away: stale reads are served unless replica-serve-stale-data is no
    await p0.stop();
    await waitFor('the link to drop', async () => (await info(o)).master_link_status === 'down');
    assert.equal(plain(await o.call('GET', 'k')), 'v');
    await o.call('CONFIG', 'SET', 'replica-serve-stale-data', 'no');
    const mdown = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
    assert.deepEqual(plain(await o.call('GET', 'k')), { error: mdown });
    await f.call('CONFIG', 'SET', 'replica-serve-stale-data', 'no');
    assert.deepEqual(plain(await f.call('GET', 'k')), { error: mdown });
    assert.equal((plain(await o.call('INFO', 'replication')) as string).includes('master_link_down_since_seconds:'), true);
    o.close();
    f.close();
    p.close();
  } finally {
    await stopAll(p0, ours, ref);
  }
});

test('a slow full sync does not stall the primary; writes made during it (copy-on-write) reach the replica; BGSAVE waits', async () => {
  const [p0, r0] = await Promise.all([startRedoubt([...DBG, '--repl-diskless-sync-delay', '0']), startRedis(DBG)]);
  try {
    const p = await RawClient.connect(p0.port);
    const r = await RawClient.connect(r0.port);
    await write(p, randomWrites(51, 300));
    // ~0.5 ms per key: the transfer takes a while
    await p.call('CONFIG', 'SET', 'rdb-key-save-delay', '500');
    await r.call('REPLICAOF', '127.0.0.1', String(p0.port));
    await waitFor('the transfer to start', async () => (await info(p)).slave0?.includes('state=send_bulk') ?? false);
    const t = performance.now();
    assert.equal(plain(await p.call('PING')), 'PONG');
    assert.ok(performance.now() - t < 200, 'the primary answers during the sync');
    assert.deepEqual(plain(await p.call('BGSAVE')), { error: 'ERR Background save already in progress' });
    assert.equal((await info(p, 'persistence')).rdb_bgsave_in_progress, '1');
    // overwrite, delete and change in place keys the walk has not reached yet
    await write(p, randomWrites(52, 300));
    await p.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await caughtUp(p, r, 20000);
    assert.equal(await digest(r), await digest(p));
    assert.equal(plain(await p.call('BGSAVE')), 'Background saving started');
    p.close();
    r.close();
  } finally {
    await stopAll(p0, r0);
  }
});

test('a replica that never ACKs is dropped after repl-timeout', async () => {
  const p0 = await startRedoubt([...DBG, '--repl-diskless-sync-delay', '0', '--repl-timeout', '1']);
  try {
    const p = await RawClient.connect(p0.port);
    const fake = await RawClient.connect(p0.port);
    fake.writeRaw('PSYNC ? -1\r\n');
    await waitFor('the replica to be online', async () => (await info(p)).slave0?.includes('state=online') ?? false);
    await waitFor('the replica to time out', async () => (await info(p)).connected_slaves === '0', 5000);
    assert.match(p0.output(), /Disconnecting timedout replica/);
    assert.equal(plain(await p.call('PING')), 'PONG');
    p.close();
    fake.close();
  } finally {
    await p0.stop();
  }
});

const KINDS = { redoubt: startRedoubt, redis: startRedis };
for (const [pk, rk] of [['redoubt', 'redoubt'], ['redis', 'redoubt'], ['redoubt', 'redis']] as const) {
test(`${pk} primary, ${rk} replica: links killed from both sides under a continuous write load resume with +CONTINUE and end equal`, async () => {
  // the load writes several MB a second: a backlog that holds a few seconds of it
  const [p0, r0] = await Promise.all([KINDS[pk]([...DBG, '--repl-diskless-sync-delay', '0', '--repl-backlog-size', '32mb']), KINDS[rk](DBG)]);
  try {
    const p = await RawClient.connect(p0.port);
    const w = await RawClient.connect(p0.port);
    const r = await RawClient.connect(r0.port);
    await write(p, randomWrites(61, 200));
    await r.call('REPLICAOF', '127.0.0.1', String(p0.port));
    await caughtUp(p, r);
    let stop = false;
    let seed = 62;
    const load = (async () => {
      while (!stop) await write(w, randomWrites(seed++, 50));
    })();
    for (let i = 0; i < 4; i++) {
      await new Promise((res) => setTimeout(res, 150));
      if (i % 2 === 0) assert.equal(plain(await r.call('CLIENT', 'KILL', 'TYPE', 'master')), 1);
      else assert.equal(plain(await p.call('CLIENT', 'KILL', 'TYPE', 'replica')), 1);
      await waitFor('the link to be back', async () => (await info(r)).master_link_status === 'up');
    }
    stop = true;
    await load;
    assert.ok(seed > 66, 'writes went on during the breaks');
    await caughtUp(p, r);
    assert.equal(await digest(r), await digest(p));
    assert.equal((p0.output().match(/Starting BGSAVE for SYNC/g) ?? []).length, 1, 'no second full sync:\n' + p0.output().split('\n').filter((l) => /sync|Sync|replica/.test(l)).join('\n') + r0.output().split('\n').filter((l) => /MASTER|master|sync/.test(l)).slice(-30).join('\n'));
    assert.equal((p0.output().match(/Partial resynchronization request from .* accepted/g) ?? []).length, 4);
    for (const c of [p, w, r]) c.close();
  } finally {
    await stopAll(p0, r0);
  }
});
}

test('repl-backlog-ttl: a primary without replicas frees its backlog and takes a new replication id', async () => {
  const [p0, r0] = await Promise.all([startRedoubt([...DBG, '--repl-diskless-sync-delay', '0', '--repl-backlog-ttl', '1']), startRedis(DBG)]);
  try {
    const p = await RawClient.connect(p0.port);
    const r = await RawClient.connect(r0.port);
    await r.call('REPLICAOF', '127.0.0.1', String(p0.port));
    await caughtUp(p, r);
    const before = await info(p);
    assert.equal(before.repl_backlog_active, '1');
    await r.call('REPLICAOF', 'NO', 'ONE');
    await waitFor('the backlog to be freed', async () => (await info(p)).repl_backlog_active === '0', 5000);
    assert.notEqual((await info(p)).master_replid, before.master_replid);
    assert.match(p0.output(), /Replication backlog freed after 1 seconds without connected replicas/);
    p.close();
    r.close();
  } finally {
    await stopAll(p0, r0);
  }
});

test('client-output-buffer-limit replica class: a replica that stops reading is dropped at the hard limit', async () => {
  const p0 = await startRedoubt([...DBG, '--repl-diskless-sync-delay', '0', '--client-output-buffer-limit', 'replica', '1mb', '0', '0']);
  try {
    const p = await RawClient.connect(p0.port);
    const fake = await RawClient.connect(p0.port);
    fake.writeRaw('PSYNC ? -1\r\n');
    await waitFor('the replica to be online', async () => (await info(p)).slave0?.includes('state=online') ?? false);
    fake.sock.pause();
    const big = 'x'.repeat(100_000);
    for (let i = 0; i < 200 && (await info(p)).connected_slaves !== '0'; i++) await p.call('SET', 'k' + (i % 10), big);
    assert.equal((await info(p)).connected_slaves, '0');
    assert.match(p0.output(), /scheduled to be closed ASAP for overcoming of output buffer limits/);
    assert.equal(plain(await p.call('PING')), 'PONG');
    p.close();
    fake.close();
  } finally {
    await p0.stop();
  }
});
