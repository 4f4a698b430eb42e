// ACL behaviour over real sockets: %R/%W keys on commands that mix reads and
// writes, selectors, channels, MULTI, what a change to a user does to its
// open connections, ACL LOG, brute-force throttling, the security event log,
// and that no password reaches a log, MONITOR, CLIENT LIST or a reply.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, renameSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startRedoubt, type Running } from '../helpers/servers.js';
import { RawClient, RespError, plain } from '../helpers/resp-client.js';

let srv: Running;
let admin: RawClient;
before(async () => {
  srv = await startRedoubt(['--save', '', '--security-log-file', 'security.log', '--auth-max-failures', '5', '--auth-lockout-time', '2']);
  admin = await RawClient.connect(srv.port);
});
after(async () => {
  admin?.close();
  await srv?.stop();
});

const NOPERM_KEY = new RespError('NOPERM this user has no permissions to access one of the keys used as arguments');
const NOPERM_CHANNEL = new RespError('NOPERM this user has no permissions to access one of the channels used as arguments');
const noPermCmd = (c: string) => new RespError(`NOPERM this user has no permissions to run the '${c}' command`);

async function as(user: string, pass: string): Promise<RawClient> {
  const c = await RawClient.connect(srv.port);
  assert.equal(await c.call('AUTH', user, pass), 'OK');
  return c;
}

/** 127.0.0.2 is another source host as far as throttling goes. */
const connectFrom = (addr: string) => RawClient.connectFrom(srv.port, addr);

test('LMOVE needs write on its source; COPY reads one key and writes the other; SET GET reads too', async () => {
  assert.equal(await admin.call('ACL', 'SETUSER', 'mix', 'on', '>pw', '+@all', '%R~r*', '%W~w*', '~rw*'), 'OK');
  await admin.call('RPUSH', 'rlist', 'a');
  await admin.call('RPUSH', 'rwlist', 'a', 'b');
  await admin.call('SET', 'rkey', 'v');
  const c = await as('mix', 'pw');
  // LMOVE pops from its source (read + write): a read-only pattern is not enough
  assert.deepEqual(await c.call('LMOVE', 'rlist', 'wlist', 'LEFT', 'RIGHT'), NOPERM_KEY);
  assert.equal(await c.call('LMOVE', 'rwlist', 'wlist', 'LEFT', 'RIGHT'), 'a');
  assert.deepEqual(await c.call('LMOVE', 'rwlist', 'rlist', 'LEFT', 'RIGHT'), NOPERM_KEY);
  // COPY: source read, destination written
  assert.equal(await c.call('COPY', 'rkey', 'wkey'), 1);
  assert.deepEqual(await c.call('COPY', 'wkey', 'rkey2'), NOPERM_KEY);
  // SET writes only; SET ... GET reads as well
  assert.equal(await c.call('SET', 'wfoo', '1'), 'OK');
  assert.deepEqual(await c.call('SET', 'wfoo', '2', 'GET'), NOPERM_KEY);
  assert.deepEqual(await c.call('GET', 'wfoo'), NOPERM_KEY);
  assert.equal(await c.call('GET', 'rkey'), 'v');
  assert.deepEqual(await c.call('SET', 'rkey', 'x'), NOPERM_KEY);
  assert.equal(await c.call('SINTERSTORE', 'wdest', 'rkeyset'), 0);
  assert.deepEqual(await c.call('SINTERSTORE', 'rdest', 'rkeyset'), NOPERM_KEY);
  assert.equal(await admin.call('GET', 'rkey'), 'v', 'the refused write did not happen');
  c.close();
});

test('selectors: a command runs when one selector allows all of it', async () => {
  assert.equal(await admin.call('ACL', 'SETUSER', 'sel', 'on', '>pw', '~a*', '+@all', '(~b* +get)'), 'OK');
  const c = await as('sel', 'pw');
  assert.equal(await c.call('SET', 'a1', 'x'), 'OK');
  assert.equal(await c.call('GET', 'b1'), null);
  assert.deepEqual(await c.call('SET', 'b1', 'x'), NOPERM_KEY);
  assert.deepEqual(await c.call('MGET', 'a1', 'b1'), NOPERM_KEY, 'no single selector covers both keys');
  assert.deepEqual(await c.call('DEL', 'c1'), NOPERM_KEY);
  c.close();
});

test('channels: PUBLISH, SUBSCRIBE and PSUBSCRIBE (a pattern needs a literal match); losing a channel disconnects a subscriber', async () => {
  assert.equal(await admin.call('ACL', 'SETUSER', 'sub', 'on', '>pw', '+@all', '&news.*', '&alerts'), 'OK');
  const c = await as('sub', 'pw');
  assert.equal(await c.call('PUBLISH', 'news.tech', 'm'), 0);
  assert.deepEqual(await c.call('PUBLISH', 'sports', 'm'), NOPERM_CHANNEL);
  assert.deepEqual(await c.call('SUBSCRIBE', 'alerts', 'sports'), NOPERM_CHANNEL);
  assert.deepEqual(await c.call('PSUBSCRIBE', 'news.t*'), NOPERM_CHANNEL, 'a pattern is not matched as a glob');
  assert.deepEqual(plain(await c.call('PSUBSCRIBE', 'news.*')), ['psubscribe', 'news.*', 1]);
  const other = await as('sub', 'pw');
  // a rule change that keeps the pattern leaves the subscriber alone...
  assert.equal(await admin.call('ACL', 'SETUSER', 'sub', '&more'), 'OK');
  assert.equal(await other.call('PING'), 'PONG');
  assert.ok(!c.closed);
  // ...one that takes it away disconnects it (Redis 7 does the same); the other client stays
  assert.equal(await admin.call('ACL', 'SETUSER', 'sub', 'resetchannels', '&alerts'), 'OK');
  await c.waitClose(2000);
  assert.ok(c.closed, 'subscriber disconnected');
  assert.equal(await other.call('PING'), 'PONG');
  other.close();
});

test('MULTI: a denied command dooms EXEC; rules changed before EXEC refuse the command then', async () => {
  assert.equal(await admin.call('ACL', 'SETUSER', 'tx', 'on', '>pw', '~t*', '+@all'), 'OK');
  const c = await as('tx', 'pw');
  assert.equal(await c.call('MULTI'), 'OK');
  assert.equal(await c.call('SET', 't1', 'a'), 'QUEUED');
  assert.deepEqual(await c.call('SET', 'x1', 'a'), NOPERM_KEY);
  assert.deepEqual(await c.call('EXEC'), new RespError('EXECABORT Transaction discarded because of previous errors.'));
  assert.equal(await admin.call('EXISTS', 't1'), 0);
  assert.equal(await c.call('MULTI'), 'OK');
  assert.equal(await c.call('SET', 't2', 'a'), 'QUEUED');
  assert.equal(await c.call('INCR', 't3'), 'QUEUED');
  assert.equal(await admin.call('ACL', 'SETUSER', 'tx', '-incr'), 'OK');
  const r = (await c.call('EXEC')) as unknown[];
  assert.equal(r[0], 'OK');
  assert.ok(r[1] instanceof RespError && /^NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call/.test(r[1].message));
  assert.equal(await admin.call('EXISTS', 't3'), 0);
  c.close();
});

test('DELUSER, switching a user off or taking its password away disconnects its clients; other rule changes apply live', async () => {
  assert.equal(await admin.call('ACL', 'SETUSER', 'gone', 'on', '>pw', '>pw2', '~*', '+@all'), 'OK');
  const a = await as('gone', 'pw');
  const b = await as('gone', 'pw2');
  assert.equal(await admin.call('ACL', 'SETUSER', 'gone', '-flushall'), 'OK');
  assert.deepEqual(await a.call('FLUSHALL'), noPermCmd('flushall'), 'new rules apply to an open connection at once');
  assert.equal(await admin.call('ACL', 'SETUSER', 'gone', '>pw3'), 'OK');
  assert.equal(await a.call('PING'), 'PONG', 'adding a password changes nothing for open connections');
  assert.equal(await admin.call('ACL', 'SETUSER', 'gone', '<pw2'), 'OK');
  await a.waitClose(2000);
  await b.waitClose(2000);
  assert.ok(a.closed && b.closed, 'a removed password ends the sessions of the user');
  const c = await as('gone', 'pw');
  assert.equal(await admin.call('ACL', 'SETUSER', 'gone', 'off'), 'OK');
  await c.waitClose(2000);
  assert.ok(c.closed, 'off disconnects');
  assert.equal(await admin.call('ACL', 'SETUSER', 'gone', 'on'), 'OK');
  const d = await as('gone', 'pw');
  assert.match(String(await admin.call('CLIENT', 'LIST')), / user=gone /);
  const e = await as('gone', 'pw');
  assert.equal(await admin.call('CLIENT', 'KILL', 'USER', 'gone', 'SKIPME', 'yes'), 2);
  await Promise.all([e.waitClose(2000), d.waitClose(2000)]);
  assert.ok(e.closed && d.closed, 'CLIENT KILL USER');
  const d2 = await as('gone', 'pw');
  const ior = new Redis({ port: srv.port, username: 'gone', password: 'pw', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  await ior.connect();
  assert.equal(await ior.ping(), 'PONG');
  const closed = new Promise((r) => ior.once('end', r));
  assert.equal(await admin.call('ACL', 'DELUSER', 'gone'), 1);
  await d2.waitClose(2000);
  assert.ok(d2.closed, 'DELUSER disconnects');
  await closed;
  assert.deepEqual(await admin.call('AUTH', 'gone', 'pw'), new RespError('WRONGPASS invalid username-password pair or user is disabled.'));
});

test('ACL LOG records denials and failed AUTH, merges repeats, honours acllog-max-len and RESET', async () => {
  assert.equal(await admin.call('ACL', 'LOG', 'RESET'), 'OK');
  assert.equal(await admin.call('ACL', 'SETUSER', 'logged', 'on', '>pw', '~k*', '&ch', '+get', '+publish'), 'OK');
  const c = await as('logged', 'pw');
  await c.call('SET', 'k', 'v');
  await c.call('GET', 'other');
  await c.call('GET', 'other');
  await c.call('PUBLISH', 'nope', 'm');
  const bad = await RawClient.connect(srv.port);
  await bad.call('AUTH', 'logged', 'wrong-password-123');
  bad.close();
  const log = plain(await admin.call('ACL', 'LOG')) as unknown[][];
  assert.equal(log.length, 4);
  const entries = log.map((e) => Object.fromEntries(Array.from({ length: e.length / 2 }, (_, i) => [e[2 * i], e[2 * i + 1]])));
  assert.deepEqual(Object.keys(entries[0]), ['count', 'reason', 'context', 'object', 'username', 'age-seconds', 'client-info', 'entry-id', 'timestamp-created', 'timestamp-last-updated']);
  assert.deepEqual(entries.map((e) => [e.reason, e.object, e.username, e.count]), [
    ['auth', 'AUTH', 'logged', 1],
    ['channel', 'nope', 'logged', 1],
    ['key', 'other', 'logged', 2],
    ['command', 'set', 'logged', 1],
  ]);
  assert.match(entries[1]['client-info'] as string, /user=logged/);
  assert.ok(!JSON.stringify(entries).includes('wrong-password-123'), 'the tried password is not logged');
  assert.equal((plain(await admin.call('ACL', 'LOG', '1')) as unknown[]).length, 1);
  const info = (await admin.call('INFO', 'stats')) as string;
  assert.match(info, /acl_access_denied_auth:[1-9]/);
  assert.match(info, /acl_access_denied_key:[1-9]/);
  assert.equal(await admin.call('CONFIG', 'SET', 'acllog-max-len', '2'), 'OK');
  assert.equal((plain(await admin.call('ACL', 'LOG')) as unknown[]).length, 2);
  assert.equal(await admin.call('CONFIG', 'SET', 'acllog-max-len', '128'), 'OK');
  assert.equal(await admin.call('ACL', 'LOG', 'RESET'), 'OK');
  assert.deepEqual(plain(await admin.call('ACL', 'LOG')), []);
  c.close();
});

test('no password reaches MONITOR, CLIENT LIST, ACL LIST, error replies, the security log or the server log', async () => {
  const secret = 'S3cr3t-never-shown-7f2e';
  const mon = await RawClient.connect(srv.port);
  assert.equal(await mon.call('MONITOR'), 'OK');
  assert.equal(await admin.call('ACL', 'SETUSER', 'leak', 'on', '>' + secret, '~*', '+@all'), 'OK');
  const c = await as('leak', secret);
  const bad = await RawClient.connect(srv.port);
  const wrong = (await bad.call('AUTH', 'leak', secret + 'x')) as RespError;
  assert.ok(!wrong.message.includes(secret));
  assert.equal(await bad.call('HELLO', '2', 'AUTH', 'leak', secret) instanceof RespError, false);
  await c.call('PING');
  await new Promise((r) => setTimeout(r, 100));
  const monitored = mon.takeQueued().map(String).join('\n');
  assert.match(monitored, /"AUTH" "\(redacted\)" "\(redacted\)"/);
  assert.ok(!monitored.includes(secret), 'MONITOR');
  assert.ok(!String(await admin.call('CLIENT', 'LIST')).includes(secret), 'CLIENT LIST');
  assert.ok(!JSON.stringify(plain(await admin.call('ACL', 'LIST'))).includes(secret), 'ACL LIST');
  assert.ok(!JSON.stringify(plain(await admin.call('ACL', 'GETUSER', 'leak'))).includes(secret), 'ACL GETUSER');
  assert.ok(!JSON.stringify(plain(await admin.call('ACL', 'LOG'))).includes(secret), 'ACL LOG');
  const seclog = readFileSync(join(srv.dir, 'security.log'), 'latin1');
  assert.match(seclog, /"event":"acl-setuser"/);
  assert.ok(!seclog.includes(secret), 'security log');
  assert.ok(!srv.output().includes(secret), 'server log');
  mon.close();
  bad.close();
  c.close();
});

test('the security log: JSON lines, mode 0600, reopened by CONFIG SET after logrotate moved it', async () => {
  const path = join(srv.dir, 'security.log');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const bad = await RawClient.connect(srv.port);
  await bad.call('AUTH', 'nobody', 'x');
  bad.close();
  const events = readFileSync(path, 'latin1').trim().split('\n').map((l) => JSON.parse(l));
  const failed = events.filter((e) => e.event === 'auth-failed' && e.user === 'nobody');
  assert.equal(failed.length, 1);
  assert.equal(failed[0].reason, 'unknown user');
  assert.match(failed[0].addr, /^127\.0\.0\.1:\d+$/);
  // logrotate moves the file and sends SIGHUP
  renameSync(path, path + '.1');
  srv.proc.kill('SIGHUP');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(await admin.call('ACL', 'SETUSER', 'rotated', 'on'), 'OK');
  assert.ok(existsSync(path));
  assert.match(readFileSync(path, 'latin1'), /"event":"acl-setuser".*"user":"rotated"/);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  // or the file moves with CONFIG SET
  assert.equal(await admin.call('CONFIG', 'SET', 'security-log-file', 'security2.log'), 'OK');
  assert.equal(await admin.call('ACL', 'SETUSER', 'moved', 'on'), 'OK');
  assert.match(readFileSync(join(srv.dir, 'security2.log'), 'latin1'), /"user":"moved"/);
  assert.ok(!readFileSync(path, 'latin1').includes('"moved"'));
  assert.equal(await admin.call('CONFIG', 'SET', 'security-log-file', 'security.log'), 'OK');
  assert.deepEqual(await admin.call('CONFIG', 'SET', 'security-log-file', '/nonexistent-dir/x.log') instanceof RespError, true);
  // CONFIG SET is recorded, a secret value never
  assert.equal(await admin.call('CONFIG', 'SET', 'maxmemory-samples', '7', 'masterauth', 'hunter2-secret'), 'OK');
  const last = readFileSync(path, 'latin1').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.event === 'config-set').pop();
  assert.match(last.params, /maxmemory-samples=7 masterauth=\(redacted\)/);
  assert.ok(!readFileSync(path, 'latin1').includes('hunter2-secret'));
});

test('brute force from one address is locked out while another address logs in', async () => {
  assert.equal(await admin.call('CONFIG', 'SET', 'auth-throttle-loopback', 'yes'), 'OK');
  assert.equal(await admin.call('ACL', 'SETUSER', 'victim', 'on', '>right-password', '~*', '+@all'), 'OK');
  try {
    const attacker = await connectFrom('127.0.0.2');
    for (let i = 0; i < 5; i++) assert.deepEqual(await attacker.call('AUTH', 'victim', 'guess' + i), new RespError('WRONGPASS invalid username-password pair or user is disabled.'));
    // locked: even the right password is refused without being checked
    const locked = (await attacker.call('AUTH', 'victim', 'right-password')) as RespError;
    assert.ok(locked instanceof RespError && /^WRONGPASS too many failed authentication attempts/.test(locked.message));
    const attacker2 = await connectFrom('127.0.0.2');
    assert.ok((await attacker2.call('HELLO', '2', 'AUTH', 'victim', 'right-password')) instanceof RespError, 'a new connection from the same address is refused too');
    // another address is not affected, nor is a client already authenticated
    const legit = await connectFrom('127.0.0.3');
    assert.equal(await legit.call('AUTH', 'victim', 'right-password'), 'OK');
    assert.match(String(await admin.call('INFO', 'stats')), /auth_lockouts:1\r\n/);
    assert.match(srv.output(), /Too many failed authentications from 127\.0\.0\.2/);
    // the lock ends after auth-lockout-time
    await new Promise((r) => setTimeout(r, 2100));
    assert.equal(await attacker2.call('AUTH', 'victim', 'right-password'), 'OK');
    attacker.close();
    attacker2.close();
    legit.close();
  } finally {
    await admin.call('CONFIG', 'SET', 'auth-throttle-loopback', 'no');
  }
});
