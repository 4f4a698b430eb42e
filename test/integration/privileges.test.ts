// Running unprivileged: run-as-user drops root once the listeners are open
// (checked in /proc/<pid>/status); a world-writable dir and a config file
// readable by others that holds passwords are refused unless
// allow-insecure-files yes; the startup warnings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedoubt, freePort, SERVER_BIN } from '../helpers/servers.js';
import { RawClient } from '../helpers/resp-client.js';
import { holdsPasswords } from '../../src/server/privileges.js';

const isRoot = process.getuid?.() === 0;

function statusOf(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const i = l.indexOf(':');
    if (i > 0) out[l.slice(0, i)] = l.slice(i + 1).trim();
  }
  return out;
}

/** Runs the server expecting it to refuse to start. */
function refused(args: string[], cwd: string): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [SERVER_BIN, ...args], { cwd, timeout: 10000, encoding: 'latin1' });
  return { code: r.status, out: r.stdout + r.stderr };
}

test('run-as-user drops root after listening; commands run as that user', async () => {
  if (!isRoot) {
    // not root: asking for another user is refused at startup
    const dir = mkdtempSync(join(tmpdir(), 'redoubt-priv-'));
    const r = refused(['--port', String(await freePort()), '--dir', dir, '--run-as-user', 'root'], dir);
    assert.equal(r.code, 1);
    assert.match(r.out, /needs the server to be started as root/);
    return;
  }
  const srv = await startRedoubt(['--run-as-user', 'nobody']);
  try {
    // a connection made during startup is served (commands are held until the drop, then released)
    const early = await RawClient.connect(srv.port);
    assert.equal(await early.call('PING'), 'PONG');
    early.close();
    for (let i = 0; i < 100 && !/Dropped privileges/.test(srv.output()); i++) await new Promise((r) => setTimeout(r, 20));
    const st = statusOf(srv.proc.pid!);
    assert.equal(st.Uid.split(/\s+/)[0], '65534', st.Uid);
    assert.ok(st.Uid.split(/\s+/).every((x) => x === '65534'), `real, effective, saved and fs uid: ${st.Uid}`);
    assert.ok(st.Gid.split(/\s+/).every((x) => x === '65534'), st.Gid);
    assert.doesNotMatch(st.Groups, /(^|\s)0(\s|$)/, `no root group left: ${st.Groups}`);
    const cl = await RawClient.connect(srv.port);
    assert.equal(await cl.call('SET', 'k', 'v'), 'OK');
    assert.equal(await cl.call('GET', 'k'), 'v');
    cl.close();
    assert.match(srv.output(), /Dropped privileges: running as uid 65534/);
    assert.doesNotMatch(srv.output(), /WARNING: running as root/);
  } finally {
    await srv.stop();
  }
  const root = await startRedoubt([]);
  try {
    assert.match(root.output(), /WARNING: running as root/);
    assert.match(root.output(), /WARNING: maxmemory is not set/);
  } finally {
    await root.stop();
  }
  const bad = mkdtempSync(join(tmpdir(), 'redoubt-priv-'));
  const r = refused(['--port', String(await freePort()), '--dir', bad, '--run-as-user', 'no-such-user-xyz'], bad);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /Can't drop privileges to run-as-user 'no-such-user-xyz'/);
});

test('a world-writable dir is refused unless allow-insecure-files yes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-ww-'));
  chmodSync(dir, 0o777);
  const r = refused(['--port', String(await freePort()), '--dir', dir], dir);
  assert.equal(r.code, 1);
  assert.match(r.out, /Refusing to start: the working directory '.*' \(dir\) is world-writable/);
  const srv = await startRedoubt(['--dir', dir, '--allow-insecure-files', 'yes']);
  try {
    assert.match(srv.output(), /WARNING \(allow-insecure-files yes\): the working directory/);
  } finally {
    await srv.stop();
  }
});

test('a config file holding passwords must not be readable by others', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-conf-'));
  const file = join(dir, 'redis.conf');
  const port = await freePort();
  writeFileSync(file, `port ${port}\nrequirepass s3cret\n`, { mode: 0o644 });
  chmodSync(file, 0o644);
  const r = refused([file], dir);
  assert.equal(r.code, 1);
  assert.match(r.out, /the config file '.*redis\.conf' holds passwords and is readable by every user/);
  assert.doesNotMatch(r.out, /s3cret/, 'the secret is not printed');
  chmodSync(file, 0o600);
  assert.match(await startsWith(file, dir), /Ready to accept connections/);
  // no password in it: 0644 is fine
  writeFileSync(file, `port ${port}\nmaxmemory 10mb\n`);
  chmodSync(file, 0o644);
  const out = await startsWith(file, dir);
  assert.match(out, /Ready to accept connections/);
  assert.doesNotMatch(out, /maxmemory is not set/);
});

/** Starts the server with a config file, returns its output once ready (or once it exited), then stops it. */
async function startsWith(file: string, cwd: string): Promise<string> {
  const proc = spawn(process.execPath, [SERVER_BIN, file], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const end = Date.now() + 10000;
  while (Date.now() < end && proc.exitCode === null && !/Ready to accept connections/.test(out)) await new Promise((r) => setTimeout(r, 30));
  if (proc.exitCode === null) proc.kill('SIGTERM');
  await exited;
  return out;
}

test('holdsPasswords recognises secret directives and user rules', () => {
  assert.equal(holdsPasswords('port 1\nrequirepass x\n'), true);
  assert.equal(holdsPasswords('requirepass ""\n'), false);
  assert.equal(holdsPasswords('# requirepass x\nmasterauth y'), true);
  assert.equal(holdsPasswords('user bob on >pw ~* +@all'), true);
  assert.equal(holdsPasswords('user bob on #' + 'a'.repeat(64)), true);
  assert.equal(holdsPasswords('user default on nopass ~* +@all'), false);
  assert.equal(holdsPasswords('user bob on >pw', true), true);
  assert.equal(holdsPasswords('user bob on nopass <old', true), false);
});
