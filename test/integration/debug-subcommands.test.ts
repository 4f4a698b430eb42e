// DEBUG subcommands whose effect is not a reply: CONFIG-REWRITE-FORCE-ALL
// writes every option (defaults included) to the config file, PAUSE-CRON
// stops the active expiry cycle until resumed, REPLYBUFFER RESIZING 0 keeps
// a client's reply buffer at its size (CLIENT LIST rbs). Each is compared
// with what redis-server does.

import { test } from 'node:test';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startWithFile, startRedis, startRedoubt, freePort } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp-client.js';

test('DEBUG CONFIG-REWRITE-FORCE-ALL writes default values too, as redis-server', async () => {
  const ours = await startWithFile('port $PORT\nenable-debug-command yes\nsave ""\n');
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'redis-rw-')));
  const port = await freePort();
  const refFile = join(dir, 'redis.conf');
  writeFileSync(refFile, `port ${port}\nenable-debug-command yes\nsave ""\n`);
  // the reference server reads the same kind of file (it rewrites that file)
  const proc = spawn('redis-server', [refFile, '--dir', dir], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100; i++) {
      try {
        const c = await RawClient.connect(port);
        c.close();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const a = await RawClient.connect(ours.port);
    const b = await RawClient.connect(port);
    assert.equal(plain(await a.call('DEBUG', 'CONFIG-REWRITE-FORCE-ALL')), 'OK');
    assert.equal(plain(await b.call('DEBUG', 'CONFIG-REWRITE-FORCE-ALL')), 'OK');
    const mine = readFileSync(ours.file, 'latin1');
    const theirs = readFileSync(refFile, 'latin1');
    // defaults that a plain CONFIG REWRITE leaves out are written by both
    for (const line of ['hz 10', 'list-max-listpack-size -2', 'maxmemory-policy noeviction', 'timeout 0']) {
      assert.ok(theirs.includes('\n' + line + '\n'), `redis wrote ${line}`);
      assert.ok(mine.includes('\n' + line + '\n'), `redoubt wrote ${line}`);
    }
    // a plain CONFIG REWRITE keeps lines the file already has, on both
    assert.equal(plain(await a.call('CONFIG', 'REWRITE')), 'OK');
    assert.equal(plain(await b.call('CONFIG', 'REWRITE')), 'OK');
    assert.ok(readFileSync(ours.file, 'latin1').includes('\nhz 10\n'));
    assert.ok(readFileSync(refFile, 'latin1').includes('\nhz 10\n'));
    a.close();
    b.close();
  } finally {
    proc.kill('SIGKILL');
    await ours.stop();
  }
});

test('DEBUG PAUSE-CRON stops active expiry until resumed, on both servers', async () => {
  const [ours, ref] = await Promise.all([startRedoubt(['--enable-debug-command', 'yes', '--save', '']), startRedis(['--enable-debug-command', 'yes'])]);
  try {
    for (const srv of [ours, ref]) {
      const c = await RawClient.connect(srv.port);
      assert.equal(plain(await c.call('DEBUG', 'PAUSE-CRON', '1')), 'OK');
      await c.call('SET', 'k', 'v', 'PX', '50');
      await new Promise((r) => setTimeout(r, 400));
      // DBSIZE does not expire keys: only the cron would have removed it
      assert.equal(plain(await c.call('DBSIZE')), 1, `port ${srv.port} paused`);
      assert.equal(plain(await c.call('DEBUG', 'PAUSE-CRON', '0')), 'OK');
      let n = 1;
      for (let i = 0; i < 40 && n !== 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        n = Number(plain(await c.call('DBSIZE')));
      }
      assert.equal(n, 0, `port ${srv.port} resumed`);
      c.close();
    }
  } finally {
    await Promise.all([ours.stop(), ref.stop()]);
  }
});

test('DEBUG REPLYBUFFER RESIZING 0 keeps the reply buffer size; 1 lets it shrink', async () => {
  const [ours, ref] = await Promise.all([startRedoubt(['--enable-debug-command', 'yes', '--save', '']), startRedis(['--enable-debug-command', 'yes'])]);
  const rbs = (info: unknown) => Number(/ rbs=(\d+)/.exec(String(plain(info as never)))![1]);
  try {
    for (const srv of [ours, ref]) {
      const c = await RawClient.connect(srv.port);
      assert.equal(plain(await c.call('DEBUG', 'REPLYBUFFER', 'RESIZING', '0')), 'OK');
      const d = await RawClient.connect(srv.port);
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(rbs(await d.call('CLIENT', 'INFO')), 16384, `port ${srv.port} not resized`);
      assert.equal(plain(await c.call('DEBUG', 'REPLYBUFFER', 'RESIZING', '1')), 'OK');
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(rbs(await d.call('CLIENT', 'INFO')), 1024, `port ${srv.port} shrunk`);
      c.close();
      d.close();
    }
  } finally {
    await Promise.all([ours.stop(), ref.stop()]);
  }
});
