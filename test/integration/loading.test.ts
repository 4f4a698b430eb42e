// A big dump loads after the listeners open: clients get -LOADING and INFO
// shows the loading fields until it is in; a SIGTERM meanwhile does not write
// the half-loaded (empty) keyspace over the dump.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRedoubt } from '../helpers/servers.js';
import { RawClient, plain, type Reply } from '../helpers/resp-client.js';

const str = (r: Reply): string => String(r);
// every dump counts as big, and each key takes 300 µs: loading lasts about 1.5 s
const SLOW = ['--loading-process-events-interval-bytes', '1024', '--key-load-delay', '300'];

async function makeDump(): Promise<string> {
  const a = await startRedoubt(['--save', '', '--enable-debug-command', 'yes']);
  const c = await RawClient.connect(a.port);
  assert.equal(plain(await c.call('DEBUG', 'POPULATE', '5000')), 'OK');
  assert.equal(plain(await c.call('SAVE')), 'OK');
  c.close();
  await a.stop();
  return a.dir;
}

test('clients get -LOADING while a big dump loads, then the data', async () => {
  const dir = await makeDump();
  const b = await startRedoubt(['--dir', dir, '--save', '', ...SLOW]);
  try {
    const c = await RawClient.connect(b.port);
    assert.equal(str(await c.call('GET', 'key:1')), '(error) LOADING Redis is loading the dataset in memory');
    const info = plain(await c.call('INFO', 'persistence')) as string;
    assert.match(info, /^loading:1$/m);
    assert.match(info, /^loading_total_bytes:\d+$/m);
    assert.match(info, /^loading_loaded_perc:[\d.]+$/m);
    for (let i = 0; i < 500; i++) {
      const r = await c.call('GET', 'key:1');
      if (!(r && typeof r === 'object' && 'message' in (r as object))) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal(plain(await c.call('GET', 'key:1')), 'value:1');
    assert.equal(plain(await c.call('DBSIZE')), 5000);
    assert.match(plain(await c.call('INFO', 'persistence')) as string, /^loading:0$/m);
    assert.match(b.output(), /Loading .*dump\.rdb: [\d.]+%, about \d+ keys, [\d.]+ MB\/s/);
    c.close();
  } finally {
    await b.stop();
  }
});

test('SIGTERM while loading does not save over the dump', async () => {
  const dir = await makeDump();
  const before = readFileSync(join(dir, 'dump.rdb'));
  const b = await startRedoubt(['--dir', dir, '--save', '3600', '1', ...SLOW]);
  const c = await RawClient.connect(b.port);
  assert.match(str(await c.call('GET', 'key:1')), /LOADING/);
  c.close();
  await b.stop();
  assert.match(b.output(), /Not saving: the dataset is still loading/);
  assert.ok(readFileSync(join(dir, 'dump.rdb')).equals(before));
});

test('a big AOF loads after the listeners open too, with -LOADING meanwhile', async () => {
  const a = await startRedoubt(['--save', '', '--appendonly', 'yes', '--aof-use-rdb-preamble', 'no']);
  const c = await RawClient.connect(a.port);
  for (let i = 0; i < 40; i++) {
    const cmd = ['MSET'];
    for (let j = 0; j < 100; j++) cmd.push(`key:${i}:${j}`, 'v');
    c.send(cmd);
  }
  for (let i = 0; i < 40; i++) await c.read();
  c.close();
  await a.stop();
  // with key-load-delay every command is a step, 25 ms apart here: about 1 s
  const b = await startRedoubt(['--dir', a.dir, '--save', '', '--appendonly', 'yes', '--loading-process-events-interval-bytes', '1024', '--key-load-delay', '200']);
  try {
    const d = await RawClient.connect(b.port);
    assert.match(str(await d.call('GET', 'key:0:0')), /LOADING Redis is loading the dataset in memory/);
    for (let i = 0; i < 1000; i++) {
      if (!/LOADING/.test(str(await d.call('GET', 'key:0:0')))) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal(plain(await d.call('DBSIZE')), 4000);
    assert.match(b.output(), /Loading the append only file \([\d.]+ MB\) in the background/);
    d.close();
  } finally {
    await b.stop();
  }
});
