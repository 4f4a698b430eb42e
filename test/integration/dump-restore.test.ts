// DUMP/RESTORE across servers: every key of a dataset with every type and
// encoding is DUMPed on one server and RESTOREd on the other, both ways, and
// the contents (type, encoding, value, expiry) must come out the same.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serversForFile } from '../helpers/servers.js';
import { RawClient, RespError, plain } from '../helpers/resp-client.js';
import { datasetCommands, dumpAll, pipeline } from '../helpers/dataset.js';

const servers = serversForFile();

async function copyAll(from: RawClient, to: RawClient): Promise<number> {
  const keys = plain(await from.call('KEYS', '*')) as string[];
  let n = 0;
  for (const k of keys) {
    const payload = (await from.call('DUMP', k)) as string;
    const pttl = Number(plain(await from.call('PEXPIRETIME', k)));
    const r = await to.call('RESTORE', k, pttl > 0 ? pttl : 0, Buffer.from(payload, 'latin1'), 'ABSTTL', 'REPLACE');
    assert.equal(r, 'OK', `RESTORE ${k}: ${JSON.stringify(plain(r))}`);
    n++;
  }
  return n;
}

for (const [name, src, dst] of [
  ['redis-server to Redoubt', 'ref', 'srv'],
  ['Redoubt to redis-server', 'srv', 'ref'],
] as const) {
  test(`DUMP on ${name.split(' to ')[0]}, RESTORE on ${name.split(' to ')[1]}: every type and encoding arrives intact`, async () => {
    const a = await RawClient.connect(servers[src].port);
    const b = await RawClient.connect(servers[dst].port);
    try {
      for (const c of [a, b]) await c.call('FLUSHALL');
      await pipeline(a, datasetCommands({ big: 300 }));
      const n = await copyAll(a, b);
      assert.ok(n > 20, `${n} keys`);
      // the restoring server picks its own encodings from its thresholds, as after loading an RDB
      assert.deepEqual(await dumpAll(b, 1, false), await dumpAll(a, 1, false));
    } finally {
      a.close();
      b.close();
    }
  });
}

test('DUMP of a short string is byte for byte the same as redis-server\'s (int and raw encodings; LZF output may differ)', async () => {
  const a = await RawClient.connect(servers.srv.port);
  const b = await RawClient.connect(servers.ref.port);
  try {
    for (const [k, v] of [['i', '12345'], ['neg', '-7'], ['big', '-2147483648'], ['s', 'hello'], ['bin', '\x00\xff\r\n']]) {
      for (const c of [a, b]) await c.call('SET', k, v);
      assert.deepEqual(await a.call('DUMP', k), await b.call('DUMP', k), k);
    }
  } finally {
    a.close();
    b.close();
  }
});

test('RESTORE: errors, BUSYKEY, REPLACE, a corrupted payload changes nothing, TTLs and IDLETIME', async () => {
  const a = await RawClient.connect(servers.srv.port);
  const b = await RawClient.connect(servers.ref.port);
  try {
    for (const c of [a, b]) {
      await c.call('FLUSHALL');
      await c.call('RPUSH', 'l', 'a', 'b', 'c');
    }
    const good = Buffer.from((await b.call('DUMP', 'l')) as string, 'latin1');
    const bad = Buffer.from(good);
    bad[3] ^= 0xff;
    const newer = Buffer.from(good);
    newer[newer.length - 10] = 11;
    const cases: (string | number | Buffer)[][] = [
      ['RESTORE', 'l', 0, good],
      ['RESTORE', 'l2', 0, bad],
      ['RESTORE', 'l2', 0, newer],
      ['RESTORE', 'l2', 0, 'short'],
      ['RESTORE', 'l2', -1, good],
      ['RESTORE', 'l2', 'x', good],
      ['RESTORE', 'l2', 0, good, 'IDLETIME', -1],
      ['RESTORE', 'l2', 0, good, 'FREQ', 300],
      ['RESTORE', 'l2', 0, good, 'IDLETIME', 10, 'FREQ', 3],
      ['RESTORE', 'l2', 0, good, 'BOGUS'],
      ['EXISTS', 'l2'],
      ['RESTORE', 'l', 0, good, 'REPLACE'],
      ['RESTORE', 'l3', 1, good, 'ABSTTL'],
      ['EXISTS', 'l3'],
      ['RESTORE', 'l4', 100000, good],
      ['RESTORE', 'l5', 0, good, 'IDLETIME', 1000],
      ['OBJECT', 'IDLETIME', 'l5'],
      ['LRANGE', 'l4', 0, -1],
      ['DUMP', 'nosuch'],
    ];
    for (const cmd of cases) {
      const [ra, rb] = await Promise.all([a.call(...cmd), b.call(...cmd)]);
      assert.deepEqual(plain(ra), plain(rb), cmd.map(String).join(' ').slice(0, 80));
    }
    const ttl = Number(plain(await a.call('PTTL', 'l4')));
    assert.ok(ttl > 90000 && ttl <= 100000, `PTTL ${ttl}`);
    assert.ok((await a.call('RESTORE', 'x', 0, bad)) instanceof RespError);
  } finally {
    a.close();
    b.close();
  }
});
