// SORT and GEO through ioredis and node-redis, each call made against Redoubt
// and the reference redis-server and the decoded results compared (RESP2 and
// RESP3), keyspace events, and ACL refusals of SORT's BY/GET for users
// without full key access.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient, GEO_REPLY_WITH } from 'redis';
import { serversForFile } from '../helpers/servers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const servers = serversForFile();
const opened: Redis[] = [];
function io(port: number, protocol: 2 | 3 = 2, extra: Record<string, unknown> = {}): Redis {
  const r = new Redis({ port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 1, protocol, ...extra });
  opened.push(r);
  return r;
}
after(() => {
  for (const r of opened.splice(0)) r.disconnect();
});

async function seed(r: Redis): Promise<void> {
  await r.flushall();
  await r.rpush('ids', '3', '1', '2', '10');
  await r.mset('w_1', '30', 'w_2', '20', 'w_3', '10', 'w_10', '5', 'n_1', 'one', 'n_2', 'two', 'n_3', 'three');
  await r.hset('h_1', 'age', '40', 'name', 'ann');
  await r.hset('h_2', 'age', '20', 'name', 'bob');
  await r.hset('h_3', 'age', '30', 'name', 'cid');
  await r.geoadd('Sicily', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania', 13.583333, 37.316667, 'Agrigento');
  await r.geoadd('World', 179.9, 0, 'east', -179.9, 0, 'west', 0, 85, 'north', 0, -85, 'south', 0, 0, 'origin');
}

/** Runs the same calls on both servers; returns [redoubt, redis]. */
async function both<T>(protocol: 2 | 3, fn: (r: Redis) => Promise<T>): Promise<[T, T]> {
  const a = io(servers.srv.port, protocol);
  const b = io(servers.ref.port, protocol);
  try {
    await Promise.all([seed(a), seed(b)]);
    return await Promise.all([fn(a), fn(b)]);
  } finally {
    a.disconnect();
    b.disconnect();
  }
}

for (const protocol of [2, 3] as const) {
  test(`ioredis RESP${protocol}: SORT with every option kind matches redis-server`, async () => {
    const [ours, ref] = await both(protocol, async (r) => [
      await r.sort('ids'),
      await r.sort('ids', 'DESC'),
      await r.sort('ids', 'ALPHA'),
      await r.sort('ids', 'LIMIT', 1, 2),
      await r.sort('ids', 'BY', 'w_*'),
      await r.sort('ids', 'BY', 'h_*->age', 'GET', '#', 'GET', 'h_*->name', 'GET', 'n_*'),
      await r.sort('ids', 'BY', 'nosort', 'DESC'),
      await r.sort('ids', 'BY', 'w_*', 'STORE', 'sorted'),
      await r.lrange('sorted', 0, -1),
      await r.call('SORT_RO', 'ids', 'BY', 'h_*->name', 'ALPHA', 'GET', 'h_*->name'),
      await r.sort('ids', 'BY', 'nosuchkey_*', 'LIMIT', 0, 2).catch((e: Error) => e.message),
      await r.sort('Sicily', 'ALPHA'),
      await r.call('SORT', 'ids', 'FOO').catch((e: Error) => e.message),
    ]);
    assert.deepEqual(ours, ref);
    // h_10 is missing: it sorts as 0, first
    assert.deepEqual(ours[5], ['10', null, null, '2', 'bob', 'two', '3', 'cid', 'three', '1', 'ann', 'one']);
  });

  test(`ioredis RESP${protocol}: GEO commands match redis-server`, async () => {
    const [ours, ref] = await both(protocol, async (r) => [
      await r.geopos('Sicily', 'Palermo', 'nobody'),
      await r.geodist('Sicily', 'Palermo', 'Catania', 'KM'),
      await r.geohash('Sicily', 'Palermo', 'Catania'),
      await r.georadius('Sicily', 15, 37, 200, 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH', 'ASC'),
      await r.georadiusbymember('Sicily', 'Agrigento', 100, 'km'),
      await r.geosearch('Sicily', 'FROMLONLAT', 15, 37, 'BYBOX', 400, 400, 'km', 'ASC', 'WITHDIST'),
      await r.geosearchstore('near', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', 300, 'km', 'STOREDIST'),
      await r.call('ZRANGE', 'near', 0, -1, 'WITHSCORES'),
      await r.georadius('World', 180, 0, 100, 'km', 'WITHDIST', 'ASC'),
      await r.geosearch('World', 'FROMLONLAT', 0, 84, 'BYRADIUS', 500, 'km', 'WITHCOORD'),
      await r.geoadd('World', 'XX', 'CH', 1, 1, 'origin', 2, 2, 'new'),
      await r.geoadd('World', 181, 0, 'bad').catch((e: Error) => e.message),
    ]);
    assert.deepEqual(ours, ref);
    assert.equal(ours[1], '166.2742');
  });
}

test('node-redis: SORT and GEO helpers decode the same from both servers', async () => {
  const mk = (port: number) => createClient({ socket: { port, host: '127.0.0.1' } });
  const a = mk(servers.srv.port);
  const b = mk(servers.ref.port);
  await Promise.all([a.connect(), b.connect()]);
  try {
    const run = async (c: typeof a) => {
      await c.flushAll();
      await c.rPush('l', ['5', '3', '9']);
      await c.mSet({ k_5: 'five', k_3: 'three', k_9: 'nine' });
      await c.geoAdd('g', [
        { longitude: 13.361389, latitude: 38.115556, member: 'Palermo' },
        { longitude: 15.087269, latitude: 37.502669, member: 'Catania' },
      ]);
      return [
        await c.sort('l'),
        await c.sort('l', { DIRECTION: 'DESC', LIMIT: { offset: 0, count: 2 }, GET: ['#', 'k_*'] }),
        await c.sortRo('l', { ALPHA: true }),
        await c.sortStore('l', 'dst', { BY: 'nosort' }),
        await c.lRange('dst', 0, -1),
        await c.geoPos('g', ['Palermo', 'none']),
        await c.geoDist('g', 'Palermo', 'Catania', 'km'),
        await c.geoHash('g', 'Palermo'),
        await c.geoSearch('g', { longitude: 15, latitude: 37 }, { radius: 200, unit: 'km' }, { SORT: 'ASC' }),
        await c.geoSearchWith('g', 'Palermo', { width: 400, height: 400, unit: 'km' }, [GEO_REPLY_WITH.DISTANCE, GEO_REPLY_WITH.COORDINATES], {
          SORT: 'DESC',
        }),
        await c.geoSearchStore('dst2', 'g', { longitude: 15, latitude: 37 }, { radius: 200, unit: 'km' }, { COUNT: 1 }),
        await c.geoRadius('g', { longitude: 15, latitude: 37 }, 200, 'km'),
      ];
    };
    const [ours, ref] = await Promise.all([run(a), run(b)]);
    assert.deepEqual(ours, ref);
    assert.deepEqual(ours[1], ['9', 'nine', '5', 'five']);
  } finally {
    await Promise.all([a.quit(), b.quit()]);
  }
});

test('ACL: SORT BY/GET refused for a user without full key access, as in Redis', async () => {
  const results = [];
  for (const port of [servers.srv.port, servers.ref.port]) {
    const admin = io(port);
    await admin.flushall();
    await admin.call('ACL', 'SETUSER', 'lim', 'on', '>pw', '~ids*', '~out*', '+@all');
    await admin.rpush('ids', '2', '1');
    const u = io(port, 2, { username: 'lim', password: 'pw' });
    results.push([
      await u.sort('ids'),
      await u.sort('ids', 'BY', 'w_*').catch((e: Error) => e.message),
      await u.sort('ids', 'GET', '#').catch((e: Error) => e.message),
      await u.sort('ids', 'BY', 'nosort', 'STORE', 'out1'),
      await u.sort('ids', 'STORE', 'elsewhere').catch((e: Error) => e.message),
      await u.call('COMMAND', 'GETKEYS', 'SORT', 'ids', 'BY', 'x', 'STORE', 'out2'),
    ]);
    await admin.call('ACL', 'DELUSER', 'lim');
    u.disconnect();
    admin.disconnect();
  }
  assert.deepEqual(results[0], results[1]);
  assert.equal(results[0][1], 'ERR BY option of SORT denied due to insufficient ACL permissions.');
  assert.match(String(results[0][4]), /^NOPERM/);
});

test('keyspace events of SORT STORE and the GEO writers match redis-server', async () => {
  async function events(port: number): Promise<string[]> {
    const mk = () => new Redis({ port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 1 });
    const [sub, r] = [mk(), mk()];
    const got: string[] = [];
    try {
      await r.config('SET', 'notify-keyspace-events', 'KEA');
      await r.flushall();
      await sub.psubscribe('__keyevent@0__:*');
      sub.on('pmessage', (_p, ch, msg) => got.push(`${ch.slice(ch.indexOf(':') + 1)} ${msg}`));
      await r.rpush('l', '2', '1');
      await r.sort('l', 'STORE', 'sl');
      await r.sort('nokey', 'STORE', 'sl');
      await r.sort('nokey', 'STORE', 'sl');
      await r.geoadd('g', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania');
      await r.geoadd('g', 'XX', 1, 1, 'nobody');
      await r.georadius('g', 15, 37, 200, 'km', 'STORE', 'gr');
      await r.georadius('g', 15, 37, 200, 'km', 'STOREDIST', 'gr');
      await r.geosearchstore('gs', 'g', 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km');
      await r.geosearchstore('gs', 'g', 'FROMLONLAT', 0, 0, 'BYRADIUS', 1, 'km');
      await r.georadiusbymember('nokey', 'm', 1, 'km', 'STORE', 'gr');
      await r.ping();
      await sleep(50);
      return got;
    } finally {
      sub.disconnect();
      r.disconnect();
    }
  }
  const [a, b] = await Promise.all([events(servers.srv.port), events(servers.ref.port)]);
  assert.deepEqual(a, b);
  assert.ok(a.includes('sortstore sl') && a.includes('georadiusstore gr') && a.includes('geosearchstore gs') && a.includes('zadd g'), a.join(', '));
});
