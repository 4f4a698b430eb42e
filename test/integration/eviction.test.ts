// maxmemory over real sockets: -OOM under noeviction with reads and deletes
// still served, each eviction policy removing the kind of keys it documents,
// an LRU working set kept about as well as redis-server keeps it, LFU
// counters, INFO and MEMORY fields, maxmemory-clients. Each server's limit is set relative to
// its own used_memory, so the same workload runs against both.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startRedoubt, startRedis, type Running } from '../helpers/servers.js';
import { RawClient, RespError } from '../helpers/resp-client.js';

let srv: Running;
let ref: Running;
before(async () => {
  [srv, ref] = await Promise.all([startRedoubt(), startRedis()]);
});
after(async () => {
  await Promise.all([srv?.stop(), ref?.stop()]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const VAL = 'v'.repeat(10_000);

async function info(cl: RawClient, section: string): Promise<Record<string, string>> {
  const text = String(await cl.call('INFO', section));
  const out: Record<string, string> = {};
  for (const l of text.split('\r\n')) {
    const i = l.indexOf(':');
    if (i > 0) out[l.slice(0, i)] = l.slice(i + 1);
  }
  return out;
}

/** Sends all commands, then reads every reply. */
async function pipeline(cl: RawClient, cmds: (string | number)[][]): Promise<unknown[]> {
  for (const c of cmds) cl.send(c);
  const out = [];
  for (let i = 0; i < cmds.length; i++) out.push(await cl.read());
  return out;
}

/** Fresh state with maxmemory `extra` bytes above the current usage. */
async function limitAbove(cl: RawClient, policy: string, extra: number): Promise<number> {
  await cl.call('CONFIG', 'SET', 'maxmemory', '0');
  await cl.call('FLUSHALL');
  await cl.call('CONFIG', 'SET', 'maxmemory-policy', policy);
  const used = Number((await info(cl, 'memory')).used_memory);
  await cl.call('CONFIG', 'RESETSTAT');
  await cl.call('CONFIG', 'SET', 'maxmemory', String(used + extra));
  return used + extra;
}

async function exists(cl: RawClient, keys: string[]): Promise<boolean[]> {
  const r = await pipeline(
    cl,
    keys.map((k) => ['EXISTS', k]),
  );
  return r.map((x) => x === 1);
}

test('noeviction: denyoom writes get -OOM, reads and deletes still work (same text as redis-server)', async () => {
  for (const s of [srv, ref]) {
    const cl = await RawClient.connect(s.port);
    try {
      await limitAbove(cl, 'noeviction', 1_000_000);
      let oom: RespError | null = null;
      let i = 0;
      for (; i < 400 && oom === null; i++) {
        const r = await cl.call('SET', 'k' + i, VAL);
        if (r instanceof RespError) oom = r;
      }
      assert.ok(oom, 'a write was refused');
      assert.equal(oom.message, "OOM command not allowed when used memory > 'maxmemory'.");
      assert.ok(i > 50, `about 1 MB of writes went through first (${i})`);
      assert.equal(await cl.call('GET', 'k0'), VAL);
      assert.equal(await cl.call('DBSIZE'), i - 1);
      // not denyoom: still allowed
      assert.equal(await cl.call('EXPIRE', 'k1', 100), 1);
      // MULTI queues are refused while over the limit, DISCARD is not
      assert.equal(await cl.call('MULTI'), 'OK');
      assert.ok((await cl.call('GET', 'k0')) instanceof RespError);
      const ex = await cl.call('EXEC');
      assert.ok(ex instanceof RespError && ex.message.startsWith('EXECABORT'), String(ex));
      const st = await info(cl, 'errorstats');
      assert.ok(Number(/count=(\d+)/.exec(st.errorstat_OOM ?? '')?.[1]) >= 2, JSON.stringify(st));
      // deleting makes room again
      const del = await pipeline(
        cl,
        Array.from({ length: 40 }, (_, j) => ['DEL', 'k' + j]),
      );
      assert.equal(del.filter((x) => x === 1).length, 40);
      assert.equal(await cl.call('SET', 'again', 'x'), 'OK');
      const mem = await info(cl, 'memory');
      assert.equal(mem.maxmemory_policy, 'noeviction');
      assert.ok(Number(mem.used_memory) <= Number(mem.maxmemory), JSON.stringify(mem));
    } finally {
      await cl.call('CONFIG', 'SET', 'maxmemory', '0');
      cl.close();
    }
  }
});

/** Fills 300 keys of 10 KB (3 MB) into 1 MB of room: every fourth key persistent (750 KB, so volatile policies can make room), the others volatile with TTLs growing with i. */
async function fillMixed(cl: RawClient): Promise<{ persistent: string[]; volatile: string[] }> {
  const persistent: string[] = [];
  const volatile: string[] = [];
  for (let i = 0; i < 300; i += 30) {
    const batch: (string | number)[][] = [];
    for (let j = i; j < i + 30; j++) {
      if (j % 4 === 0) {
        persistent.push('p' + j);
        batch.push(['SET', 'p' + j, VAL]);
      } else {
        volatile.push('t' + j);
        batch.push(['SET', 't' + j, VAL, 'EX', 1000 + j * 10]);
      }
    }
    const r = await pipeline(cl, batch);
    for (const x of r) assert.equal(x, 'OK', `every write is accepted under an evicting policy: ${String(x)}`);
  }
  return { persistent, volatile };
}

for (const policy of ['allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
  test(`${policy}: evicts ${policy.startsWith('volatile') ? 'only keys with a TTL' : 'any key'}, stays near the limit`, async () => {
    const cl = await RawClient.connect(srv.port);
    try {
      const limit = await limitAbove(cl, policy, 1_000_000);
      const { persistent, volatile } = await fillMixed(cl);
      const p = await exists(cl, persistent);
      const v = await exists(cl, volatile);
      const pGone = p.filter((x) => !x).length;
      const vGone = v.filter((x) => !x).length;
      const st = await info(cl, 'stats');
      const mem = await info(cl, 'memory');
      assert.equal(Number(st.evicted_keys), pGone + vGone, 'evicted_keys counts every eviction');
      assert.ok(pGone + vGone >= 150, `about 2 MB of 3 MB evicted: ${pGone + vGone}`);
      assert.ok(Number(mem.used_memory) <= limit, `used ${mem.used_memory} <= limit ${limit}`);
      assert.ok(Number(mem.used_memory) > limit - 200_000, `used ${mem.used_memory} stays near ${limit}`);
      if (policy.startsWith('volatile')) {
        assert.equal(pGone, 0, 'no persistent key evicted');
      } else {
        assert.ok(pGone > 20 && vGone > 60, `both kinds evicted: ${pGone} persistent, ${vGone} volatile`);
      }
      if (policy === 'volatile-ttl') {
        // TTLs grow with the key's index: the evicted keys are the early ones
        const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
        const gone = v.flatMap((x, i) => (x ? [] : [i]));
        const kept = v.flatMap((x, i) => (x ? [i] : []));
        assert.ok(mean(gone) + 60 < mean(kept), `shortest TTLs evicted first: evicted mean index ${mean(gone)}, kept ${mean(kept)}`);
      }
      // a full database under noeviction -> the keyspace notification 'evicted' is sent too (checked in the lru case)
    } finally {
      await cl.call('CONFIG', 'SET', 'maxmemory', '0');
      cl.close();
    }
  });
}

/**
 * The working-set workload: 100 cold keys, then 50 hot keys read in every
 * round while new keys arrive; the LRU clock has a resolution of one second,
 * so rounds are a second apart. Returns the fraction of hot keys kept.
 */
async function workingSet(s: Running, policy: string): Promise<number> {
  const cl = await RawClient.connect(s.port);
  try {
    await limitAbove(cl, policy, 1_500_000);
    await pipeline(
      cl,
      Array.from({ length: 100 }, (_, i) => ['SET', 'cold' + i, VAL]),
    );
    await sleep(1100);
    await pipeline(
      cl,
      Array.from({ length: 50 }, (_, i) => ['SET', 'hot' + i, VAL]),
    );
    for (let round = 0; round < 3; round++) {
      if (round > 0) await sleep(1100);
      const cmds: (string | number)[][] = [];
      for (let k = 0; k < 3; k++) for (let i = 0; i < 50; i++) cmds.push(['GET', 'hot' + i]);
      for (let i = 0; i < 50; i++) cmds.push(['SET', `new${round}_${i}`, VAL]);
      await pipeline(cl, cmds);
    }
    const hot = await exists(
      cl,
      Array.from({ length: 50 }, (_, i) => 'hot' + i),
    );
    assert.ok(Number((await info(cl, 'stats')).evicted_keys) >= 100, 'the workload evicts');
    return hot.filter((x) => x).length / 50;
  } finally {
    await cl.call('CONFIG', 'SET', 'maxmemory', '0');
    cl.close();
  }
}

test('allkeys-lru and allkeys-lfu keep a hot working set about as well as redis-server', async () => {
  for (const policy of ['allkeys-lru', 'allkeys-lfu']) {
    const [ours, theirs] = await Promise.all([workingSet(srv, policy), workingSet(ref, policy)]);
    console.log(`# ${policy}: hot keys kept: redoubt ${(ours * 100).toFixed(0)}%, redis-server ${(theirs * 100).toFixed(0)}%`);
    assert.ok(ours >= 0.6, `${policy}: most hot keys kept (${ours})`);
    assert.ok(ours >= theirs - 0.2, `${policy}: ours ${ours} vs redis ${theirs}`);
  }
});

test('LFU counters: OBJECT FREQ grows with accesses and decays; OBJECT IDLETIME refused under LFU', async () => {
  const cl = await RawClient.connect(srv.port);
  try {
    await cl.call('FLUSHALL');
    await cl.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
    await cl.call('CONFIG', 'SET', 'lfu-log-factor', '0');
    await cl.call('SET', 'a', '1');
    await cl.call('SET', 'b', '1');
    assert.equal(await cl.call('OBJECT', 'FREQ', 'a'), 5, 'LFU_INIT_VAL');
    await pipeline(
      cl,
      Array.from({ length: 20 }, () => ['GET', 'a']),
    );
    // log factor 0: every access counts
    assert.equal(await cl.call('OBJECT', 'FREQ', 'a'), 25);
    assert.equal(await cl.call('OBJECT', 'FREQ', 'b'), 5);
    assert.ok((await cl.call('OBJECT', 'IDLETIME', 'a')) instanceof RespError);
    await cl.call('CONFIG', 'SET', 'lfu-log-factor', '10');
    await pipeline(
      cl,
      Array.from({ length: 200 }, () => ['GET', 'b']),
    );
    const fb = Number(await cl.call('OBJECT', 'FREQ', 'b'));
    assert.ok(fb > 5 && fb < 25, `logarithmic counter: ${fb}`);
    // overwriting keeps the counter (dbSetValue)
    await cl.call('SET', 'a', '2');
    assert.ok(Number(await cl.call('OBJECT', 'FREQ', 'a')) >= 25);
    await cl.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    assert.ok((await cl.call('OBJECT', 'FREQ', 'a')) instanceof RespError);
    assert.equal(typeof (await cl.call('OBJECT', 'IDLETIME', 'a')), 'number');
  } finally {
    await cl.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    await cl.call('CONFIG', 'SET', 'lfu-log-factor', '10');
    cl.close();
  }
});

test('evictions send the evicted keyspace event and are counted in INFO stats', async () => {
  const cl = await RawClient.connect(srv.port);
  const sub = await RawClient.connect(srv.port);
  try {
    await cl.call('CONFIG', 'SET', 'notify-keyspace-events', 'Ee');
    await sub.call('SUBSCRIBE', '__keyevent@0__:evicted');
    await limitAbove(cl, 'allkeys-random', 300_000);
    await pipeline(
      cl,
      Array.from({ length: 60 }, (_, i) => ['SET', 'e' + i, VAL]),
    );
    const msg = (await sub.read()) as string[];
    assert.equal(msg[0], 'message');
    assert.equal(msg[1], '__keyevent@0__:evicted');
    assert.match(msg[2], /^e\d+$/);
    assert.ok(Number((await info(cl, 'stats')).evicted_keys) > 0);
  } finally {
    await cl.call('CONFIG', 'SET', 'maxmemory', '0');
    await cl.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    sub.close();
    cl.close();
  }
});

test('MEMORY USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE and HELP answer sensibly', async () => {
  const cl = await RawClient.connect(srv.port);
  try {
    await cl.call('FLUSHALL');
    await cl.call('SET', 's', 'x'.repeat(1000));
    const u = Number(await cl.call('MEMORY', 'USAGE', 's'));
    assert.ok(u >= 1000 && u < 1200, `usage of a 1000-byte string: ${u}`);
    assert.equal(await cl.call('MEMORY', 'USAGE', 'nosuch'), null);
    await cl.call('RPUSH', 'l', ...Array.from({ length: 1000 }, (_, i) => 'e'.repeat(i % 2 ? 10 : 1000)));
    const sampled = Number(await cl.call('MEMORY', 'USAGE', 'l'));
    const all = Number(await cl.call('MEMORY', 'USAGE', 'l', 'SAMPLES', '0'));
    assert.ok(all > 500_000 && all < 700_000, `exact usage: ${all}`);
    assert.ok(sampled > 0);
    assert.deepEqual(await cl.call('MEMORY', 'USAGE', 's', 'SAMPLES', '-1'), new RespError('ERR syntax error'));
    assert.deepEqual(await cl.call('MEMORY', 'USAGE', 's', 'SAMPLES', 'x'), new RespError('ERR value is not an integer or out of range'));
    assert.deepEqual(await cl.call('MEMORY', 'USAGE', 's', 'FOO'), new RespError('ERR syntax error'));
    const stats = (await cl.call('MEMORY', 'STATS')) as unknown[];
    const m = new Map<string, unknown>();
    for (let i = 0; i < stats.length; i += 2) m.set(String(stats[i]), stats[i + 1]);
    for (const k of ['peak.allocated', 'total.allocated', 'startup.allocated', 'keys.count', 'dataset.bytes', 'overhead.total', 'db.0', 'fragmentation']) assert.ok(m.has(k), k);
    assert.equal(m.get('keys.count'), 2);
    assert.ok(Number(m.get('total.allocated')) > Number(m.get('startup.allocated')));
    assert.match(String(await cl.call('MEMORY', 'DOCTOR')), /Sam/);
    assert.match(String(await cl.call('MEMORY', 'MALLOC-STATS')), /old_space/);
    assert.equal(await cl.call('MEMORY', 'PURGE'), 'OK');
    const ours = await cl.call('MEMORY', 'HELP');
    const rc = await RawClient.connect(ref.port);
    assert.deepEqual(ours, await rc.call('MEMORY', 'HELP'));
    rc.close();
    const mem = await info(cl, 'memory');
    for (const f of ['used_memory', 'used_memory_human', 'used_memory_peak', 'maxmemory', 'maxmemory_policy', 'mem_fragmentation_ratio']) assert.ok(f in mem, f);
    assert.match(mem.used_memory_human, /^\d+\.\d\dM$/);
    assert.ok('evicted_keys' in (await info(cl, 'stats')));
  } finally {
    cl.close();
  }
});

test('maxmemory-clients closes the client using the most memory; CLIENT NO-EVICT exempts one', async () => {
  const admin = await RawClient.connect(srv.port);
  const socks: net.Socket[] = [];
  const open = async (name: string, noEvict: boolean, gets: number) => {
    const s = net.connect(srv.port, '127.0.0.1');
    s.on('error', () => {});
    socks.push(s);
    await new Promise((r) => s.once('connect', r));
    let cmds = `*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$${name.length}\r\n${name}\r\n`;
    if (noEvict) cmds += '*3\r\n$6\r\nCLIENT\r\n$8\r\nNO-EVICT\r\n$2\r\non\r\n';
    s.write(cmds);
    await sleep(50);
    s.pause();
    s.write('*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n'.repeat(gets));
    return s;
  };
  try {
    await admin.call('CONFIG', 'RESETSTAT');
    await admin.call('SET', 'big', 'x'.repeat(1 << 20));
    await admin.call('CONFIG', 'SET', 'maxmemory-clients', '16mb');
    await open('exempt', true, 50);
    const hog = await open('hog', false, 30);
    const closed = new Promise<void>((r) => hog.once('close', () => r()));
    let names = '';
    for (let i = 0; i < 50; i++) {
      await sleep(100);
      names = String(await admin.call('CLIENT', 'LIST'));
      if (!names.includes('name=hog ')) break;
    }
    assert.ok(!names.includes('name=hog '), 'the biggest evictable client was closed');
    assert.ok(names.includes('name=exempt '), 'the NO-EVICT client stays');
    hog.resume();
    await closed;
    assert.ok(Number((await info(admin, 'stats')).evicted_clients) >= 1);
  } finally {
    await admin.call('CONFIG', 'SET', 'maxmemory-clients', '0');
    for (const s of socks) s.destroy();
    admin.close();
  }
});

test('maxmemory-eviction-tenacity 0: a cycle stops at once and eviction goes on from a timer', async () => {
  const cl = await RawClient.connect(srv.port);
  try {
    await cl.call('CONFIG', 'SET', 'maxmemory', '0');
    await cl.call('FLUSHALL');
    await cl.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
    await cl.call('CONFIG', 'SET', 'maxmemory-eviction-tenacity', '0');
    await cl.call('CONFIG', 'RESETSTAT');
    await pipeline(
      cl,
      Array.from({ length: 600 }, (_, i) => ['SET', 'ten' + i, VAL]),
    );
    // the pipeline's own buffers count in used_memory until the cron sums client buffers again: let it
    await sleep(300);
    const limit = Number((await info(cl, 'memory')).used_memory) - 3_000_000;
    // in one batch: the cycle run by CONFIG SET stops after 16 keys, INFO sees the rest pending
    const [set, mem, write] = await pipeline(cl, [['CONFIG', 'SET', 'maxmemory', String(limit)], ['INFO', 'memory'], ['SET', 'during', 'x']]);
    assert.equal(set, 'OK');
    assert.ok(Number(/used_memory:(\d+)/.exec(String(mem))![1]) > limit, 'still over the limit right after the first cycle');
    assert.equal(write, 'OK', 'writes proceed while the timer evicts');
    let used = Infinity;
    for (let i = 0; i < 100 && used > limit; i++) {
      await sleep(20);
      used = Number((await info(cl, 'memory')).used_memory);
    }
    assert.ok(used <= limit, `the timer brought used_memory ${used} under ${limit}`);
    assert.ok(Number((await info(cl, 'stats')).evicted_keys) >= 100, 'the timer went on evicting past the first cycle');
  } finally {
    await cl.call('CONFIG', 'SET', 'maxmemory', '0');
    await cl.call('CONFIG', 'SET', 'maxmemory-eviction-tenacity', '10');
    cl.close();
  }
});
