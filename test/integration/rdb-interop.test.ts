// dump.rdb interchange with the reference redis-server 7.0, both directions:
// a dump Redis writes (every encoding it uses, TTLs, several databases) loads
// into Redoubt with the same contents and encodings; a dump Redoubt writes
// passes Debian's redis-check-rdb and loads into redis-server with the same
// contents.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { statSync } from 'node:fs';
import { startRedoubt, startRedis } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp-client.js';
import { datasetCommands, dumpAll, pipeline, type KeyDump } from '../helpers/dataset.js';

/** A string changed in place (APPEND, PFADD) is "raw" until a reload makes it embstr again. */
function asLoaded(d: Record<string, Record<string, KeyDump>>): Record<string, Record<string, KeyDump>> {
  for (const db of Object.values(d)) {
    for (const k of Object.values(db)) if (k.type === 'string' && k.encoding === 'raw' && (k.value as string).length <= 44) k.encoding = 'embstr';
  }
  return d;
}

test('a dump written by redis-server 7.0 loads into Redoubt with the same contents and encodings', async () => {
  const ref = await startRedis(['--enable-debug-command', 'yes']);
  let srv;
  try {
    const rc = await RawClient.connect(ref.port);
    const replies = await pipeline(rc, datasetCommands({ debug: true }));
    assert.ok(!replies.some((r) => r !== null && typeof r === 'object' && 'message' in (r as object)), 'dataset built');
    assert.equal(plain(await rc.call('SAVE')), 'OK');
    // what Redis itself shows after loading its dump (APPENDed strings come back embstr...)
    assert.equal(plain(await rc.call('DEBUG', 'RELOAD')), 'OK');
    const expected = await dumpAll(rc);
    rc.close();
    srv = await startRedoubt(['--dir', ref.dir, '--save', '']);
    const c = await RawClient.connect(srv.port);
    const got = await dumpAll(c);
    assert.deepEqual(got, expected);
    const info = plain(await c.call('INFO', 'persistence')) as string;
    assert.match(info, /rdb_last_load_keys_loaded:\d+/);
    assert.match(srv.output(), /Done loading RDB, keys loaded: \d+, keys expired: 0/);
    c.close();
  } finally {
    await Promise.all([ref.stop(), srv?.stop()]);
  }
});

test('a dump written by Redoubt passes redis-check-rdb and loads into redis-server with the same contents', async () => {
  const srv = await startRedoubt(['--save', '']);
  let ref;
  try {
    const c = await RawClient.connect(srv.port);
    await pipeline(c, datasetCommands());
    const expected = asLoaded(await dumpAll(c));
    assert.equal(plain(await c.call('SAVE')), 'OK');
    c.close();
    const file = join(srv.dir, 'dump.rdb');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const check = execFileSync('redis-check-rdb', [file]).toString();
    assert.match(check, /RDB looks OK/);
    assert.match(check, /Checksum OK/);
    ref = await startRedis(['--dir', srv.dir]);
    const rc = await RawClient.connect(ref.port);
    const got = await dumpAll(rc);
    assert.deepEqual(got, expected);
    rc.close();
  } finally {
    await Promise.all([srv.stop(), ref?.stop()]);
  }
});

test('rdbcompression no and rdbchecksum no still give a file both servers accept', async () => {
  const srv = await startRedoubt(['--save', '', '--rdbcompression', 'no', '--rdbchecksum', 'no']);
  let ref;
  try {
    const c = await RawClient.connect(srv.port);
    await pipeline(c, datasetCommands({ big: 200 }));
    const expected = asLoaded(await dumpAll(c));
    assert.equal(plain(await c.call('SAVE')), 'OK');
    c.close();
    const file = join(srv.dir, 'dump.rdb');
    assert.match(execFileSync('redis-check-rdb', [file]).toString(), /RDB looks OK/);
    ref = await startRedis(['--dir', srv.dir]);
    const rc = await RawClient.connect(ref.port);
    assert.deepEqual(await dumpAll(rc), expected);
    rc.close();
  } finally {
    await Promise.all([srv.stop(), ref?.stop()]);
  }
});
