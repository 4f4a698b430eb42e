// Client-side caching compared with redis-server 7.0: the same scripts run
// on both with several connections, and every frame each connection
// receives (replies and invalidation pushes, in order) must be the same.
// Then node-redis's own client-side cache against Redoubt.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startRedoubt, startRedis, type Running } from '../helpers/servers.js';
import { RawClient, plain, type Reply } from '../helpers/resp-client.js';

let ours: Running;
let ref: Running;
before(async () => {
  [ours, ref] = await Promise.all([startRedoubt(['--save', '']), startRedis()]);
});
after(async () => {
  await Promise.all([ours?.stop(), ref?.stop()]);
});

/** "2: GET a" runs GET a on connection 2; "$id3" is connection 3's client id on that server; "@sleep 150" waits. */
type Script = string[];

async function run(port: number, script: Script): Promise<unknown[][]> {
  const conns: RawClient[] = [];
  const ids: number[] = [];
  const seen: unknown[][] = [];
  const conn = async (i: number) => {
    while (conns.length <= i) {
      const c = await RawClient.connect(port);
      conns.push(c);
      ids.push((await c.call('CLIENT', 'ID')) as number);
      seen.push([]);
    }
    return conns[i];
  };
  await conn(0);
  await conns[0].call('FLUSHALL');
  conns[0].takeQueued();
  for (const step of script) {
    if (step.startsWith('@sleep')) {
      await new Promise((r) => setTimeout(r, Number(step.split(' ')[1])));
      continue;
    }
    const m = /^(\d+): (.*)$/.exec(step)!;
    const i = Number(m[1]);
    const c = await conn(i);
    const argv = m[2].split(' ').map((a) => a.replace(/^\$id(\d+)$/, (_, n) => String(ids[Number(n)] ?? -99)));
    c.send(argv);
    // the command's reply, plus whatever arrives for anyone within 50 ms
    await new Promise((r) => setTimeout(r, 50));
    for (let k = 0; k < conns.length; k++) {
      const frames = conns[k].takeQueued();
      seen[k].push(...frames.map((f: Reply) => plain(f)));
    }
  }
  for (const c of conns) c.close();
  // client ids differ between the servers: name them by connection
  const named = (v: unknown): unknown => {
    if (typeof v === 'number' && ids.includes(v)) return `$id${ids.indexOf(v)}`;
    if (Array.isArray(v)) return v.map((x, i) => (v[i - 1] === 'proto' ? x : named(x)));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, named(x)]));
    return v;
  };
  return seen.map((frames) => frames.map(named));
}

const SCRIPTS: Record<string, Script> = {
  'RESP3 default mode: reads tracked, a write by another client invalidates once': [
    '1: HELLO 3', '1: CLIENT TRACKING ON', '1: GET a', '1: MGET b c', '2: SET a 1', '2: SET a 2', '2: DEL b', '1: GET a', '2: HSET h f v',
  ],
  'the client itself writes a key it tracks: the push comes after its reply': ['1: HELLO 3', '1: CLIENT TRACKING ON', '1: GET a', '1: SET a 1', '1: GET a', '1: INCR a'],
  "NOLOOP: no invalidation for the client's own writes": ['1: HELLO 3', '1: CLIENT TRACKING ON NOLOOP', '1: GET a', '1: SET a 1', '2: SET a 2', '1: GET a', '2: SET a 3'],
  'OPTIN: only reads after CLIENT CACHING yes are tracked': [
    '1: HELLO 3', '1: CLIENT TRACKING ON OPTIN', '1: GET a', '2: SET a 1', '1: CLIENT CACHING yes', '1: GET a', '1: GET b', '2: SET a 2', '2: SET b 2',
  ],
  'OPTOUT: CLIENT CACHING no skips the next read': ['1: HELLO 3', '1: CLIENT TRACKING ON OPTOUT', '1: CLIENT CACHING no', '1: GET a', '1: GET b', '2: MSET a 1 b 1'],
  'BCAST with prefixes': [
    '1: HELLO 3', '1: CLIENT TRACKING ON BCAST PREFIX user: PREFIX session:', '2: SET user:1 x', '2: SET other y', '2: MSET session:9 a user:2 b', '1: CLIENT TRACKINGINFO',
  ],
  'BCAST without prefixes sees every key': ['1: HELLO 3', '1: CLIENT TRACKING ON BCAST', '2: SET k1 x', '2: DEL k1'],
  'RESP2 redirect to a subscriber of __redis__:invalidate': [
    '2: SUBSCRIBE __redis__:invalidate', '1: CLIENT TRACKING ON REDIRECT $id2', '1: GET a', '3: SET a 1', '1: CLIENT GETREDIR', '1: GET a', '3: FLUSHALL',
  ],
  'FLUSHALL and FLUSHDB send a null invalidation': ['1: HELLO 3', '1: CLIENT TRACKING ON', '1: GET a', '2: FLUSHDB', '1: GET a', '1: FLUSHALL'],
  'broken redirect': ['1: HELLO 3', '2: PING', '1: CLIENT TRACKING ON REDIRECT $id2', '1: GET a', '2: QUIT', '3: SET a 1', '1: CLIENT TRACKINGINFO'],
  'MULTI: pushes for the client come after EXEC': ['1: HELLO 3', '1: CLIENT TRACKING ON', '1: GET a', '1: MULTI', '1: GET b', '1: SET a 1', '1: SET b 1', '1: EXEC'],
  'expiry invalidates': ['1: HELLO 3', '1: CLIENT TRACKING ON', '2: SET a 1 PX 50', '1: GET a', '@sleep 300', '1: GET a'],
  'CLIENT REPLY OFF: a RESP3 subscriber still gets its pushes': ['1: HELLO 3', '1: CLIENT REPLY OFF', '1: SUBSCRIBE ch', '2: PUBLISH ch hi', '1: PING', '1: PSUBSCRIBE c*', '2: PUBLISH ch again'],
  'CLIENT REPLY OFF/SKIP: a RESP2 subscriber too': ['1: CLIENT REPLY SKIP', '1: SUBSCRIBE ch', '2: PUBLISH ch hi', '1: CLIENT REPLY OFF', '1: SUBSCRIBE other', '2: PUBLISH other x'],
  'CLIENT REPLY OFF with tracking: invalidations still arrive': ['1: HELLO 3', '1: CLIENT TRACKING ON', '1: GET a', '1: CLIENT REPLY OFF', '2: SET a 1', '1: GET a', '1: SET a 2'],
  'errors and introspection': [
    '1: CLIENT TRACKINGINFO', '1: CLIENT GETREDIR', '1: CLIENT CACHING yes', '1: CLIENT TRACKING ON PREFIX a', '1: CLIENT TRACKING ON OPTIN OPTOUT',
    '1: CLIENT TRACKING ON BCAST OPTIN', '1: CLIENT TRACKING ON REDIRECT 999999', '1: CLIENT TRACKING ON REDIRECT x', '1: CLIENT TRACKING ON BOGUS', '1: CLIENT TRACKING MAYBE',
    '1: CLIENT TRACKING ON OPTIN', '1: CLIENT CACHING no', '1: CLIENT CACHING maybe', '1: CLIENT TRACKING ON OPTOUT', '1: CLIENT TRACKING ON BCAST', '1: CLIENT TRACKINGINFO',
    '1: CLIENT GETREDIR', '1: CLIENT TRACKING OFF', '1: CLIENT TRACKING ON BCAST PREFIX ab PREFIX a', '1: CLIENT TRACKING ON BCAST PREFIX ab', '1: CLIENT TRACKING ON BCAST PREFIX abc',
    '1: CLIENT TRACKING ON BCAST PREFIX xy NOLOOP', '1: CLIENT TRACKINGINFO', '1: CLIENT TRACKING OFF', '1: CLIENT TRACKINGINFO', '1: CLIENT TRACKING ON REDIRECT $id0 REDIRECT $id0',
  ],
};

for (const [name, script] of Object.entries(SCRIPTS)) {
  test(`tracking: ${name}`, async () => {
    const [a, b] = await Promise.all([run(ours.port, script), run(ref.port, script)]);
    assert.deepEqual(a, b, `redoubt: ${JSON.stringify(a)}\nredis:   ${JSON.stringify(b)}`);
  });
}

test("node-redis's client-side cache sees a value change made by another client", async () => {
  const c = createClient({ socket: { port: ours.port }, RESP: 3, clientSideCache: { ttl: 0, maxEntries: 0 } });
  const w = createClient({ socket: { port: ours.port } });
  await Promise.all([c.connect(), w.connect()]);
  try {
    await w.set('cached', 'one');
    assert.equal(await c.get('cached'), 'one');
    assert.equal(await c.get('cached'), 'one');
    await w.set('cached', 'two');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await c.get('cached'), 'two', 'the invalidation reached the cache');
  } finally {
    await Promise.all([c.quit(), w.quit()]);
  }
});
