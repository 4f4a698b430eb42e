// AOF switched on at runtime, automatic rewrites, timestamps, and one
// snapshot at a time between BGSAVE and BGREWRITEAOF.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRedoubt } from '../helpers/servers.js';
import { RawClient, plain, type Reply } from '../helpers/resp-client.js';
import { pipeline } from '../helpers/dataset.js';

const str = (r: Reply): string => String(r);

async function waitInfo(c: RawClient, re: RegExp): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (re.test(plain(await c.call('INFO', 'persistence')) as string)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('timed out waiting for ' + re);
}

test('CONFIG SET appendonly yes writes a base of the current data; a restart loads it', async () => {
  const a = await startRedoubt(['--save', '']);
  const c = await RawClient.connect(a.port);
  await c.call('SET', 'before', '1');
  assert.equal(plain(await c.call('CONFIG', 'SET', 'appendonly', 'yes')), 'OK');
  await waitInfo(c, /aof_rewrite_in_progress:0/);
  await c.call('SET', 'after', '2');
  assert.match(plain(await c.call('INFO', 'persistence')) as string, /aof_enabled:1/);
  c.close();
  const done = new Promise((r) => a.proc.once('exit', r));
  a.proc.kill('SIGKILL');
  await done;
  assert.match(execFileSync('redis-check-aof', [join(a.dir, 'appendonlydir', 'appendonly.aof.manifest')]).toString(), /All AOF files and manifest are valid/);
  const b = await startRedoubt(['--dir', a.dir, '--appendonly', 'yes', '--save', '']);
  try {
    const d = await RawClient.connect(b.port);
    assert.equal(plain(await d.call('GET', 'before')), '1');
    assert.equal(plain(await d.call('GET', 'after')), '2');
    assert.equal(plain(await d.call('CONFIG', 'SET', 'appendonly', 'no')), 'OK');
    assert.match(plain(await d.call('INFO', 'persistence')) as string, /aof_enabled:0/);
    d.close();
  } finally {
    await b.stop();
  }
});

test('auto-aof-rewrite-percentage/min-size start a rewrite; history files are removed', async () => {
  const a = await startRedoubt(['--save', '', '--appendonly', 'yes', '--auto-aof-rewrite-min-size', '1kb', '--auto-aof-rewrite-percentage', '100']);
  try {
    const c = await RawClient.connect(a.port);
    const cmds: string[][] = [];
    for (let i = 0; i < 200; i++) cmds.push(['SET', 'key' + i, 'x'.repeat(20)]);
    await pipeline(c, cmds);
    await waitInfo(c, /aof_rewrites:1/);
    assert.match(a.output(), /Starting automatic rewriting of AOF on \d+% growth/);
    await waitInfo(c, /aof_rewrite_in_progress:0/);
    const files = readdirSync(join(a.dir, 'appendonlydir')).sort();
    assert.deepEqual(files, ['appendonly.aof.2.base.rdb', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
    c.close();
  } finally {
    await a.stop();
  }
});

test('aof-timestamp-enabled annotations pass redis-check-aof and load', async () => {
  const a = await startRedoubt(['--save', '', '--appendonly', 'yes', '--aof-timestamp-enabled', 'yes']);
  const c = await RawClient.connect(a.port);
  await c.call('SET', 'k', 'v');
  c.close();
  await a.stop();
  const incr = readFileSync(join(a.dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1');
  assert.match(incr, /^#TS:\d+\r\n/);
  assert.match(execFileSync('redis-check-aof', [join(a.dir, 'appendonlydir', 'appendonly.aof.manifest')]).toString(), /All AOF files and manifest are valid/);
  const b = await startRedoubt(['--dir', a.dir, '--appendonly', 'yes', '--save', '']);
  try {
    const d = await RawClient.connect(b.port);
    assert.equal(plain(await d.call('GET', 'k')), 'v');
    d.close();
  } finally {
    await b.stop();
  }
});

test('BGSAVE and BGREWRITEAOF take turns', async () => {
  const a = await startRedoubt(['--save', '', '--appendonly', 'yes']);
  try {
    const c = await RawClient.connect(a.port);
    const cmds: string[][] = [];
    for (let i = 0; i < 300; i++) cmds.push(['SET', 'key' + i, String(i)]);
    await pipeline(c, cmds);
    assert.equal(plain(await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '1000')), 'OK');
    assert.equal(plain(await c.call('BGSAVE')), 'Background saving started');
    assert.equal(plain(await c.call('BGREWRITEAOF')), 'Background append only file rewriting scheduled');
    assert.match(plain(await c.call('INFO', 'persistence')) as string, /aof_rewrite_scheduled:1/);
    assert.equal(plain(await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0')), 'OK');
    await waitInfo(c, /aof_rewrites:1/);
    await waitInfo(c, /aof_rewrite_in_progress:0/);
    assert.match(plain(await c.call('INFO', 'persistence')) as string, /rdb_last_bgsave_status:ok/);
    assert.equal(plain(await c.call('BGREWRITEAOF')), 'Background append only file rewriting started');
    const r = str(await c.call('BGSAVE'));
    assert.ok(/Another child process is active/.test(r) || r === 'Background saving started', r);
    assert.match(str(await c.call('BGSAVE', 'SCHEDULE')), /Background saving (scheduled|started)|Background save already in progress/);
    c.close();
  } finally {
    await a.stop();
  }
});
