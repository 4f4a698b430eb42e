// AOF directories interchange with the reference redis-server 7.0 both ways
// (before and after BGREWRITEAOF, with and without the RDB preamble), pass
// Debian's redis-check-aof, and bad AOFs are handled as Redis does: a torn
// tail is cut (aof-load-truncated yes) or stops startup (no), corruption in
// the middle and a manifest naming a missing file stop startup with a clear
// message.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync, statSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { startRedoubt, startRedis, SERVER_BIN, freePort } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp-client.js';
import { datasetCommands, dumpAll, pipeline, type KeyDump } from '../helpers/dataset.js';

const AOF = ['--appendonly', 'yes', '--save', ''];

function asLoaded(d: Record<string, Record<string, KeyDump>>): Record<string, Record<string, KeyDump>> {
  for (const db of Object.values(d)) {
    for (const k of Object.values(db)) if (k.type === 'string' && k.encoding === 'raw' && (k.value as string).length <= 44) k.encoding = 'embstr';
  }
  return d;
}

function checkAof(dir: string): string {
  return execFileSync('redis-check-aof', [join(dir, 'appendonlydir', 'appendonly.aof.manifest')]).toString();
}

async function killHard(p: { proc: import('node:child_process').ChildProcess }): Promise<void> {
  const done = new Promise((r) => p.proc.once('exit', r));
  p.proc.kill('SIGKILL');
  await done;
}

for (const preamble of ['yes', 'no']) {
  test(`Redoubt's AOF directory (aof-use-rdb-preamble ${preamble}) passes redis-check-aof and loads into redis-server`, async () => {
    const srv = await startRedoubt([...AOF, '--aof-use-rdb-preamble', preamble]);
    let ref;
    try {
      const c = await RawClient.connect(srv.port);
      const cmds = datasetCommands({ big: 300 });
      await pipeline(c, cmds.slice(0, 20));
      assert.equal(plain(await c.call('BGREWRITEAOF')), 'Background append only file rewriting started');
      // writes while the rewrite runs go to the new incr file
      await pipeline(c, cmds.slice(20));
      for (let i = 0; i < 200; i++) {
        if (/aof_rewrite_in_progress:0/.test(plain(await c.call('INFO', 'persistence')) as string)) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await c.call('SET', 'after', 'rewrite');
      const expected = asLoaded(await dumpAll(c));
      c.close();
      await killHard(srv);
      const files = readdirSync(join(srv.dir, 'appendonlydir')).sort();
      assert.deepEqual(files, ['appendonly.aof.2.base.' + (preamble === 'yes' ? 'rdb' : 'aof'), 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
      for (const f of files) assert.equal(statSync(join(srv.dir, 'appendonlydir', f)).mode & 0o777, 0o600, f);
      assert.match(checkAof(srv.dir), /All AOF files and manifest are valid/);
      ref = await startRedis(['--dir', srv.dir, '--appendonly', 'yes']);
      const rc = await RawClient.connect(ref.port);
      // replayed APPEND/PFADD leave strings "raw", a base loads them "embstr": compare them alike
      assert.deepEqual(asLoaded(await dumpAll(rc)), expected);
      rc.close();
    } finally {
      await Promise.all([srv.stop(), ref?.stop()]);
    }
  });
}

test("redis-server's AOF directory (base + incr, after a rewrite) loads into Redoubt", async () => {
  const ref = await startRedis(['--appendonly', 'yes', '--enable-debug-command', 'yes']);
  let srv;
  try {
    const rc = await RawClient.connect(ref.port);
    const cmds = datasetCommands({ big: 300 });
    await pipeline(rc, cmds.slice(0, 25));
    assert.match(String(plain(await rc.call('BGREWRITEAOF'))), /rewriting started/);
    await new Promise((r) => setTimeout(r, 300));
    await pipeline(rc, cmds.slice(25));
    await rc.call('MULTI');
    await rc.call('SET', 'tx', '1');
    await rc.call('INCR', 'tx');
    await rc.call('EXEC');
    await rc.call('SET', 'gone', 'x', 'PX', 1);
    await new Promise((r) => setTimeout(r, 20));
    await rc.call('GET', 'gone');
    const expected = asLoaded(await dumpAll(rc));
    rc.close();
    await ref.stop();
    srv = await startRedoubt(['--dir', ref.dir, ...AOF]);
    const c = await RawClient.connect(srv.port);
    assert.deepEqual(asLoaded(await dumpAll(c)), expected);
    assert.equal(plain(await c.call('GET', 'tx')), '2');
    c.close();
  } finally {
    await Promise.all([ref.stop(), srv?.stop()]);
  }
});

async function aofWith(cmds: (string | number)[][]): Promise<string> {
  const srv = await startRedoubt([...AOF, '--appendfsync', 'always']);
  const c = await RawClient.connect(srv.port);
  await pipeline(c, cmds);
  c.close();
  await killHard(srv);
  return srv.dir;
}

async function startIn(dir: string, extra: string[] = []): Promise<{ status: number | null; out: string }> {
  const port = await freePort();
  const r = spawnSync(process.execPath, [SERVER_BIN, '--port', String(port), '--dir', dir, ...AOF, '--shutdown-on-sigterm', 'nosave', ...extra], { timeout: 3000, killSignal: 'SIGKILL' });
  return { status: r.status, out: r.stdout.toString() + r.stderr.toString() };
}

test('a torn tail is cut with aof-load-truncated yes and stops startup with no', async () => {
  const dir = await aofWith([['SET', 'a', '1'], ['SET', 'b', '2']]);
  const incr = join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
  const good = readFileSync(incr).length;
  appendFileSync(incr, '*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1');
  const bad = await startIn(dir, ['--aof-load-truncated', 'no']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.out, /Unexpected end of file reading the append only file appendonly\.aof\.1\.incr\.aof/);
  const srv = await startRedoubt(['--dir', dir, ...AOF]);
  try {
    const c = await RawClient.connect(srv.port);
    assert.equal(plain(await c.call('GET', 'b')), '2');
    assert.equal(plain(await c.call('EXISTS', 'c')), 0);
    c.close();
    assert.match(srv.output(), /Truncating the AOF appendonly\.aof\.1\.incr\.aof at offset \d+/);
    assert.equal(readFileSync(incr).subarray(0, good).length, good);
  } finally {
    await srv.stop();
  }
  assert.match(checkAof(dir), /All AOF files and manifest are valid/);
});

test('an incomplete MULTI at the end is reverted', async () => {
  const dir = await aofWith([['SET', 'a', '1']]);
  const incr = join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
  appendFileSync(incr, '*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n2\r\n');
  const srv = await startRedoubt(['--dir', dir, ...AOF]);
  try {
    const c = await RawClient.connect(srv.port);
    assert.equal(plain(await c.call('GET', 'a')), '1');
    await c.call('SET', 'z', 'after');
    c.close();
    await srv.stop();
    const again = await startRedoubt(['--dir', dir, ...AOF]);
    const d = await RawClient.connect(again.port);
    assert.equal(plain(await d.call('GET', 'z')), 'after', 'writes after the revert are not swallowed by the dangling MULTI');
    d.close();
    await again.stop();
  } finally {
    await srv.stop();
  }
});

test('corruption in the middle and a manifest naming a missing file stop startup with a clear message', async () => {
  const dir = await aofWith([['SET', 'a', '1'], ['SET', 'b', '2']]);
  const incr = join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
  const buf = readFileSync(incr);
  writeFileSync(incr, Buffer.concat([buf.subarray(0, 10), Buffer.from('garbage'), buf.subarray(10)]));
  const r = await startIn(dir);
  assert.notEqual(r.status, 0);
  assert.match(r.out, /Bad file format reading the append only file appendonly\.aof\.1\.incr\.aof: make a backup of your AOF file, then use \.\/redis-check-aof --fix/);
  unlinkSync(incr);
  const m = await startIn(dir);
  assert.notEqual(m.status, 0);
  assert.match(m.out, /appendonly\.aof\.1\.incr\.aof doesn't exist/);
  const manifest = join(dir, 'appendonlydir', 'appendonly.aof.manifest');
  writeFileSync(manifest, 'file x seq\n');
  const bad = await startIn(dir);
  assert.notEqual(bad.status, 0);
  assert.match(bad.out, /Invalid AOF manifest file format/);
});
