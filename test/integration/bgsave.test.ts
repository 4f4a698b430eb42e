// BGSAVE writes a point-in-time snapshot while the server keeps serving:
// writes made during the save (in-place changes of every type, deletes,
// renames, TTL changes, overwrites, FLUSHDB) do not leak into the file, and
// the live data after them equals what redis-server holds after the same
// commands (the copy-on-write never corrupts the live side).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startRedoubt, startRedis } from '../helpers/servers.js';
import { RawClient, plain, type Reply } from '../helpers/resp-client.js';

const str = (r: Reply): string => String(r);
import { dumpAll, pipeline } from '../helpers/dataset.js';

function setup(): (string | number)[][] {
  const cmds: (string | number)[][] = [];
  const future = Date.now() + 3_600_000;
  for (let i = 0; i < 120; i++) cmds.push(['SET', 'str' + i, 'v' + i]);
  for (let i = 0; i < 20; i++) cmds.push(['SET', 'ttl' + i, 'x', 'PXAT', future + i]);
  const l: (string | number)[] = ['RPUSH', 'list'];
  const z: (string | number)[] = ['ZADD', 'zset'];
  const h: (string | number)[] = ['HSET', 'hash'];
  const s: (string | number)[] = ['SADD', 'set'];
  for (let i = 0; i < 300; i++) {
    l.push('e' + i);
    z.push(i, 'm' + i);
    h.push('f' + i, 'v' + i);
    s.push('s' + i);
  }
  cmds.push(l, z, h, s, ['RPUSH', 'small', 'a', 'b'], ['SADD', 'ints', 1, 2, 3], ['HSET', 'smallh', 'a', '1']);
  cmds.push(['SELECT', 3], ['SET', 'in3', 'three'], ['RPUSH', 'l3', 'x'], ['SELECT', 0]);
  return cmds;
}

function writesDuringSave(): (string | number)[][] {
  return [
    ['RPUSH', 'list', 'new1'],
    ['LPOP', 'list'],
    ['LSET', 'list', 5, 'changed'],
    ['ZADD', 'zset', 1000, 'm1', 5, 'newm'],
    ['ZREM', 'zset', 'm2'],
    ['HSET', 'hash', 'f1', 'changed', 'fnew', 'x'],
    ['HDEL', 'hash', 'f2'],
    ['SADD', 'set', 'snew'],
    ['SREM', 'set', 's1'],
    ['SREM', 'ints', 2],
    ['RPUSH', 'small', 'c'],
    ['HINCRBY', 'smallh', 'a', 5],
    ['APPEND', 'str1', '-appended'],
    ['SET', 'str2', 'overwritten'],
    ['INCR', 'str3'],
    ['DEL', 'str4', 'str5'],
    ['RENAME', 'str6', 'renamed6'],
    ['PEXPIREAT', 'str7', Date.now() + 1_000_000],
    ['PERSIST', 'ttl1'],
    ['SET', 'ttl2', 'no-more-ttl'],
    ['DEL', 'ttl3'],
    ['SET', 'brandnew', 'x'],
    ['RENAME', 'hash', 'hash2'],
    ['HSET', 'hash2', 'f3', 'after-rename'],
    ['SELECT', 3],
    ['FLUSHDB'],
    ['SET', 'in3', 'after-flush'],
    ['SELECT', 0],
    ['SWAPDB', 0, 7],
    ['SWAPDB', 0, 7],
    ['LTRIM', 'list', 0, 9],
  ];
}

async function waitBgsave(c: RawClient): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const info = plain(await c.call('INFO', 'persistence')) as string;
    if (info.includes('rdb_bgsave_in_progress:0')) return info;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('BGSAVE did not finish');
}

test('BGSAVE: writes during the save stay out of the snapshot, and the live data stays right', async () => {
  const srv = await startRedoubt(['--save', '']);
  const ref = await startRedis();
  let check;
  try {
    const c = await RawClient.connect(srv.port);
    const rc = await RawClient.connect(ref.port);
    const cmds = setup();
    await pipeline(c, cmds);
    await pipeline(rc, cmds);
    const before = await dumpAll(c, 16, false);
    // 1 ms per key: the save spans many event-loop turns
    assert.equal(plain(await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '1000')), 'OK');
    assert.equal(plain(await c.call('BGSAVE')), 'Background saving started');
    assert.match(str((await c.call('BGSAVE'))), /Background save already in progress/);
    assert.match(str((await c.call('SAVE'))), /Background save already in progress/);
    const w = writesDuringSave();
    const got = await pipeline(c, w);
    const want = await pipeline(rc, w);
    assert.deepEqual(got.map(plain), want.map(plain));
    const mid = plain(await c.call('INFO', 'persistence')) as string;
    assert.match(mid, /rdb_bgsave_in_progress:1/, 'the writes overlapped the save');
    assert.match(mid, /current_save_keys_total:\d+/);
    assert.equal(plain(await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0')), 'OK');
    const info = await waitBgsave(c);
    assert.match(info, /rdb_last_bgsave_status:ok/);
    assert.deepEqual(await dumpAll(c, 16, false), await dumpAll(rc, 16, false), 'live data equals the reference after the same writes');
    const file = join(srv.dir, 'dump.rdb');
    assert.match(execFileSync('redis-check-rdb', [file]).toString(), /RDB looks OK/);
    check = await startRedis(['--dir', srv.dir]);
    const cc = await RawClient.connect(check.port);
    assert.deepEqual(await dumpAll(cc, 16, false), before, 'the snapshot is the data at BGSAVE time');
    cc.close();
    c.close();
    rc.close();
  } finally {
    await Promise.all([srv.stop(), ref.stop(), check?.stop()]);
  }
});

test('BGSAVE SCHEDULE and bad arguments', async () => {
  const srv = await startRedoubt(['--save', '']);
  try {
    const c = await RawClient.connect(srv.port);
    await c.call('SET', 'a', '1');
    assert.match(str((await c.call('BGSAVE', 'SCHEDULE'))), /Background saving (started|scheduled)/);
    await waitBgsave(c);
    assert.match(str((await c.call('BGSAVE', 'NOW'))), /ERR syntax error/);
    assert.match(str((await c.call('BGSAVE', 'SCHEDULE', 'x'))), /ERR syntax error/);
    const before = Number(plain(await c.call('LASTSAVE')));
    assert.ok(before > 0);
    c.close();
  } finally {
    await srv.stop();
  }
});
