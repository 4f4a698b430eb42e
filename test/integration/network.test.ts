// A real non-loopback peer: a network namespace of our own, joined to this
// host by a veth pair (198.18.0.0/15, the benchmarking range, on this
// machine only). From there: protected mode refuses a password-less server
// exactly as redis-server does, and brute force against AUTH is locked out
// while loopback clients are unaffected. Needs root and iproute2, as CI has.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRedoubt, startRedis, type Running } from '../helpers/servers.js';
import { RawClient } from '../helpers/resp-client.js';

const NS = `rdt${process.pid}`;
const OCTET = 100 + (process.pid % 150);
const HOST_IP = `198.18.${OCTET}.1`;
const PEER_IP = `198.18.${OCTET}.2`;
const VETH = `rv${process.pid % 100000}`;

function sh(...argv: string[]): { ok: boolean; out: string } {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'latin1', timeout: 15000 });
  return { ok: r.status === 0, out: ((r.stdout ?? '') + (r.stderr ?? '')).trim() };
}

/** redis-cli run inside the namespace: the server sees PEER_IP. */
function remoteCli(port: number, ...args: string[]): string {
  return sh('ip', 'netns', 'exec', NS, 'redis-cli', '-h', HOST_IP, '-p', String(port), ...args).out.replace(/Warning: Using a password.*\n?/g, '').trim();
}

let ours: Running;
let ref: Running;
before(async () => {
  const steps = [
    ['ip', 'netns', 'add', NS],
    ['ip', 'link', 'add', VETH + 'a', 'type', 'veth', 'peer', 'name', VETH + 'b'],
    ['ip', 'link', 'set', VETH + 'b', 'netns', NS],
    ['ip', 'addr', 'add', HOST_IP + '/30', 'dev', VETH + 'a'],
    ['ip', 'link', 'set', VETH + 'a', 'up'],
    ['ip', 'netns', 'exec', NS, 'ip', 'addr', 'add', PEER_IP + '/30', 'dev', VETH + 'b'],
    ['ip', 'netns', 'exec', NS, 'ip', 'link', 'set', VETH + 'b', 'up'],
    ['ip', 'netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up'],
  ];
  for (const s of steps) {
    const r = sh(...s);
    assert.ok(r.ok, `setting up the test network (${s.join(' ')}) failed: ${r.out}`);
  }
  const bind = ['--bind', `127.0.0.1 ${HOST_IP}`];
  [ours, ref] = await Promise.all([startRedoubt([...bind, '--security-log-file', 'sec.log']), startRedis(bind)]);
});
after(async () => {
  await Promise.all([ours?.stop(), ref?.stop()]);
  sh('ip', 'link', 'del', VETH + 'a');
  sh('ip', 'netns', 'del', NS);
});

test('protected mode: a remote peer of a password-less server gets the same -DENIED as from redis-server, loopback works', () => {
  const mine = remoteCli(ours.port, 'PING');
  const theirs = remoteCli(ref.port, 'PING');
  assert.match(mine, /DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user/);
  assert.equal(mine, theirs);
  assert.equal(sh('redis-cli', '-p', String(ours.port), 'PING').out, 'PONG');
  assert.equal(remoteCli(ours.port, 'SET', 'k', 'v').split('\n')[0], theirs.split('\n')[0], 'writes are refused too');
  assert.equal(sh('redis-cli', '-p', String(ours.port), 'EXISTS', 'k').out, '0');
  const events = readFileSync(join(ours.dir, 'sec.log'), 'latin1').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(events.some((e) => e.event === 'protected-mode-denied' && e.addr.startsWith(PEER_IP + ':')), 'the refusal is in the security log');
});

test('with a password the remote peer must authenticate; brute force from it is locked out, loopback logins go on', async () => {
  const local = await RawClient.connect(ours.port);
  assert.equal(await local.call('CONFIG', 'SET', 'requirepass', 'the-real-password'), 'OK');
  assert.equal(await local.call('CONFIG', 'SET', 'auth-max-failures', '4'), 'OK');
  assert.match(remoteCli(ours.port, 'GET', 'k'), /NOAUTH Authentication required/);
  assert.equal(remoteCli(ours.port, '-a', 'the-real-password', 'PING'), 'PONG');
  for (let i = 0; i < 4; i++) assert.match(remoteCli(ours.port, '-a', 'guess' + i, 'PING'), /WRONGPASS invalid username-password pair/);
  assert.match(remoteCli(ours.port, '-a', 'the-real-password', 'PING'), /WRONGPASS too many failed authentication attempts/);
  // the default setting leaves loopback alone (auth-throttle-loopback no)
  for (let i = 0; i < 6; i++) assert.match(sh('redis-cli', '-p', String(ours.port), '-a', 'guess', 'PING').out, /WRONGPASS invalid/);
  assert.equal(sh('redis-cli', '-p', String(ours.port), '-a', 'the-real-password', 'PING').out.replace(/Warning.*\n?/, '').trim(), 'PONG');
  assert.match(String(await local.call('AUTH', 'the-real-password')), /OK/);
  assert.match(String(await local.call('INFO', 'stats')), /auth_locked_addresses:1\r\n/);
  assert.match(ours.output(), new RegExp(`Too many failed authentications from ${PEER_IP.replace(/\./g, '\\.')}`));
  local.close();
});
