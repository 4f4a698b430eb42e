// dump.rdb over a server's life: the save at SIGTERM/SHUTDOWN when save
// points exist, SHUTDOWN NOSAVE/SAVE, automatic saves from save points,
// MISCONF after a failed save (and back once a save succeeds), a corrupt dump
// refused at startup, dir/dbfilename kept protected.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedoubt, SERVER_BIN, freePort } from '../helpers/servers.js';
import { RawClient, plain, type Reply } from '../helpers/resp-client.js';

const str = (r: Reply): string => String(r);

async function waitFor(fn: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('timed out');
}

test('SIGTERM with save points saves, and the next start loads it', async () => {
  const a = await startRedoubt(['--save', '3600', '1']);
  const c = await RawClient.connect(a.port);
  await c.call('SET', 'k', 'v');
  await c.call('RPUSH', 'l', '1', '2');
  await c.call('SELECT', 2);
  await c.call('SET', 'k2', 'v2', 'PX', 1000000);
  c.close();
  await a.stop();
  assert.match(a.output(), /Saving the final RDB snapshot before exiting/);
  assert.ok(existsSync(join(a.dir, 'dump.rdb')));
  const b = await startRedoubt(['--dir', a.dir, '--save', '']);
  try {
    const d = await RawClient.connect(b.port);
    assert.equal(plain(await d.call('GET', 'k')), 'v');
    assert.deepEqual(plain(await d.call('LRANGE', 'l', 0, -1)), ['1', '2']);
    await d.call('SELECT', 2);
    assert.equal(plain(await d.call('GET', 'k2')), 'v2');
    assert.ok(Number(plain(await d.call('PTTL', 'k2'))) > 900000);
    assert.match(plain(await d.call('INFO', 'persistence')) as string, /rdb_last_load_keys_loaded:3/);
    d.close();
  } finally {
    await b.stop();
  }
});

test('SHUTDOWN NOSAVE writes nothing; SHUTDOWN SAVE saves without save points', async () => {
  const a = await startRedoubt(['--save', '3600', '1']);
  let c = await RawClient.connect(a.port);
  await c.call('SET', 'k', 'v');
  c.send(['SHUTDOWN', 'NOSAVE']);
  await new Promise((r) => a.proc.once('exit', r));
  assert.equal(existsSync(join(a.dir, 'dump.rdb')), false);
  const b = await startRedoubt(['--save', '']);
  c = await RawClient.connect(b.port);
  await c.call('SET', 'k', 'v');
  c.send(['SHUTDOWN', 'SAVE']);
  await new Promise((r) => b.proc.once('exit', r));
  assert.ok(existsSync(join(b.dir, 'dump.rdb')));
  assert.match(str(await (async () => {
    const s = await startRedoubt(['--save', '']);
    const x = await RawClient.connect(s.port);
    const r = await x.call('SHUTDOWN', 'SAVE', 'NOSAVE');
    x.close();
    await s.stop();
    return r;
  })()), /syntax error/);
});

test('a save point triggers a background save', async () => {
  const a = await startRedoubt(['--save', '1', '2']);
  try {
    const c = await RawClient.connect(a.port);
    await c.call('SET', 'x', '1');
    await c.call('SET', 'y', '2');
    await waitFor(() => existsSync(join(a.dir, 'dump.rdb')), 8000);
    assert.match(a.output(), /2 changes in 1 seconds\. Saving\.\.\./);
    await waitFor(async () => /rdb_changes_since_last_save:0/.test(plain(await c.call('INFO', 'persistence')) as string));
    c.close();
  } finally {
    await a.stop();
  }
});

test('a failed BGSAVE sets rdb_last_bgsave_status:err and MISCONF refuses writes until a save succeeds', async () => {
  const a = await startRedoubt(['--save', '3600', '1']);
  try {
    const c = await RawClient.connect(a.port);
    await c.call('SET', 'x', '1');
    // a directory where the dump should go: the rename fails
    mkdirSync(join(a.dir, 'dump.rdb'));
    assert.equal(plain(await c.call('BGSAVE')), 'Background saving started');
    await waitFor(async () => /rdb_last_bgsave_status:err/.test(plain(await c.call('INFO', 'persistence')) as string));
    assert.match(a.output(), /Background saving error/);
    assert.match(str(await c.call('SET', 'y', '2')), /^\(error\) MISCONF Redis is configured to save RDB snapshots/);
    assert.match(str(await c.call('PING')), /MISCONF/);
    assert.equal(plain(await c.call('GET', 'x')), '1');
    assert.match(str(await c.call('SAVE')), /^\(error\) ERR/);
    assert.equal(plain(await c.call('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no')), 'OK');
    assert.equal(plain(await c.call('SET', 'y', '2')), 'OK');
    assert.equal(plain(await c.call('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes')), 'OK');
    assert.match(str(await c.call('SET', 'y', '3')), /MISCONF/);
    rmdirSync(join(a.dir, 'dump.rdb'));
    assert.equal(plain(await c.call('BGSAVE')), 'Background saving started');
    await waitFor(async () => /rdb_last_bgsave_status:ok/.test(plain(await c.call('INFO', 'persistence')) as string));
    assert.equal(plain(await c.call('SET', 'y', '3')), 'OK');
    c.close();
  } finally {
    await a.stop();
  }
});

test('a corrupt dump.rdb stops startup with a clear message; dir and dbfilename stay protected', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-bad-'));
  writeFileSync(join(dir, 'dump.rdb'), Buffer.concat([Buffer.from('REDIS0010'), Buffer.from([0xfe, 0x00, 0x00, 0x01, 0x61])]));
  const port = await freePort();
  const r = spawnSync(process.execPath, [SERVER_BIN, '--port', String(port), '--dir', dir], { timeout: 15000 });
  const out = r.stdout.toString() + r.stderr.toString();
  assert.notEqual(r.status, 0);
  assert.match(out, /Fatal error loading the DB from .*dump\.rdb: Unexpected EOF reading RDB file/);
  assert.equal(readFileSync(join(dir, 'dump.rdb')).length, 14, 'the bad file is left as it was');
  const a = await startRedoubt(['--save', '']);
  try {
    const c = await RawClient.connect(a.port);
    assert.match(str(await c.call('CONFIG', 'SET', 'dir', '/tmp')), /protected config/);
    assert.match(str(await c.call('CONFIG', 'SET', 'dbfilename', 'x.rdb')), /protected config/);
    c.close();
  } finally {
    await a.stop();
  }
});

test('SIGTERM whose final save fails keeps serving; shutdown-on-sigterm nosave skips the save', async () => {
  const a = await startRedoubt(['--save', '3600', '1']);
  try {
    const c = await RawClient.connect(a.port);
    await c.call('SET', 'k', 'v');
    mkdirSync(join(a.dir, 'dump.rdb'));
    a.proc.kill('SIGTERM');
    await waitFor(() => /SIGTERM received but errors trying to shut down the server/.test(a.output()));
    assert.equal(plain(await c.call('GET', 'k')), 'v', 'still serving');
    assert.equal(plain(await c.call('CONFIG', 'SET', 'shutdown-on-sigterm', 'nosave')), 'OK');
    const exited = new Promise((r) => a.proc.once('exit', r));
    a.proc.kill('SIGTERM');
    await exited;
    c.close();
  } finally {
    await a.stop();
  }
});

test('BGSAVE that cannot create its temp file starts, then fails with the reason logged', async () => {
  const a = await startRedoubt(['--save', '']);
  try {
    const c = await RawClient.connect(a.port);
    await c.call('SET', 'k', 'v');
    const pid = /process_id:(\d+)/.exec(plain(await c.call('INFO', 'server')) as string)![1];
    mkdirSync(join(a.dir, `temp-bgsave-${pid}.rdb`));
    writeFileSync(join(a.dir, `temp-bgsave-${pid}.rdb`, 'x'), 'x');
    assert.equal(plain(await c.call('BGSAVE')), 'Background saving started');
    await waitFor(async () => /rdb_last_bgsave_status:err/.test(plain(await c.call('INFO', 'persistence')) as string));
    assert.match(a.output(), /Failed opening the temp RDB file temp-bgsave-\d+\.rdb \(in server root dir .*\) for saving/);
    c.close();
  } finally {
    await a.stop();
  }
});
