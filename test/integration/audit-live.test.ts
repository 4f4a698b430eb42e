// `redoubt audit --url` against real servers: Redoubt and Debian's
// redis-server 7.0 (the reference). A default redis-server is graded F with a
// non-zero exit; the hardening guide's configuration leaves exactly the
// findings it should; TLS probes do real handshakes; and the audit never
// changes the audited server.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, realpathSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, startRedoubt, startWithFile, freePort, canConnect, redisServerPath, DIST, type Running } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp-client.js';
import { makeCerts } from '../helpers/certs.js';
import { runAudit } from '../../src/audit/run.js';
import type { Report } from '../../src/audit/report.js';

const CLI = join(DIST, 'src', 'cli', 'redoubt.js');
const require = createRequire(import.meta.url);
const stops: (() => Promise<void>)[] = [];
after(async () => {
  await Promise.all(stops.map((s) => s()));
});

/** redis-server started from a config file (the file first, as redis-server wants it). */
async function redisWithFile(conf: string, extra: string[] = [], listenPort?: number): Promise<{ port: number; file: string; proc: ChildProcess }> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'audit-redis-')));
  const port = listenPort ?? (await freePort());
  const file = join(dir, 'redis.conf');
  writeFileSync(file, conf.replace(/\$PORT/g, String(port)), { mode: 0o600 });
  const proc = spawn(redisServerPath(), [file, '--dir', dir, ...extra], { stdio: 'ignore' });
  stops.push(async () => {
    if (proc.exitCode === null) {
      const done = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await done;
    }
  });
  const deadline = Date.now() + 10000;
  while (!(await canConnect(port))) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 30));
  }
  return { port, file, proc };
}

function track(r: Running): Running {
  stops.push(r.stop);
  return r;
}

function failed(r: Report): string[] {
  return r.results.filter((x) => x.outcome.status === 'fail').map((x) => x.rule.id);
}
function statusOf(r: Report, id: string): string {
  return r.results.find((x) => x.rule.id === id)!.outcome.status;
}

/** Everything an audit could change: all config, the users, the keyspace size. */
async function snapshot(port: number, auth?: string[]): Promise<unknown> {
  const c = await RawClient.connect(port);
  if (auth) await c.call('AUTH', ...auth);
  const cfg = plain(await c.call('CONFIG', 'GET', '*')) as string[];
  const pairs: string[] = [];
  for (let i = 0; i < cfg.length; i += 2) pairs.push(`${cfg[i]}=${cfg[i + 1]}`);
  const state = { config: pairs.sort(), acl: plain(await c.call('ACL', 'LIST')), dbsize: plain(await c.call('DBSIZE')) };
  c.close();
  return state;
}

function cliAudit(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, 'audit', ...args], { encoding: 'utf8', timeout: 30000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('default redis-server 7.0 (bind * -::*, no password): critical findings, grade F, exit 1 with --fail-on high; nothing changed', async () => {
  const ref = track(await startRedis(['--bind', '* -::*']));
  const c = await RawClient.connect(ref.port);
  await c.call('SET', 'k', 'v');
  c.close();
  const before = await snapshot(ref.port);
  const r = cliAudit(['--url', `redis://127.0.0.1:${ref.port}`, '--fail-on', 'high', '--format', 'json']);
  assert.equal(r.code, 1, r.err);
  const json = JSON.parse(r.out);
  const fails = json.results.filter((x: { status: string }) => x.status === 'fail').map((x: { id: string }) => x.id);
  for (const id of ['RDT-001', 'RDT-010', 'RDT-011', 'RDT-013', 'RDT-030', 'RDT-070']) assert.ok(fails.includes(id), `${id} in ${fails}`);
  assert.equal(json.grade, 'F');
  assert.ok(json.score <= 40);
  assert.match(json.target.server, /^redis 7\.0\./);
  assert.deepEqual(await snapshot(ref.port), before);
  // without --fail-on the audit itself succeeded
  assert.equal(cliAudit(['--url', `redis://127.0.0.1:${ref.port}`]).code, 0);
  // SARIF of a live-only audit (no config lines to point at) is valid too
  const sarif = JSON.parse(cliAudit(['--url', `redis://127.0.0.1:${ref.port}`, '--format', 'sarif']).out);
  const Ajv = require('ajv-draft-04');
  const ajv = new Ajv({ strict: false, unicodeRegExp: false });
  require('ajv-formats')(ajv);
  const schema = JSON.parse(readFileSync(join(DIST, '..', 'test', 'fixtures', 'sarif', 'sarif-schema-2.1.0.json'), 'utf8'));
  assert.ok(ajv.validate(schema, sarif), JSON.stringify(ajv.errors?.slice(0, 3)));
  assert.ok(sarif.runs[0].results.some((r: { ruleId: string }) => r.ruleId === 'RDT-001'));
});

test('Redoubt with defaults: told apart by redoubt_version; loopback bind passes, open access fails; nothing changed', async () => {
  const srv = track(await startRedoubt());
  const before = await snapshot(srv.port);
  const r = await runAudit({ url: `redis://127.0.0.1:${srv.port}` });
  assert.match(r.target.server!, /^redoubt /);
  assert.equal(statusOf(r, 'RDT-001'), 'pass');
  assert.equal(statusOf(r, 'RDT-010'), 'fail');
  assert.equal(statusOf(r, 'RDT-070'), 'pass');
  assert.equal(statusOf(r, 'RDT-023'), 'pass'); // CONFIG SET dir: protected config refused
  assert.deepEqual(await snapshot(srv.port), before);
});

// The hardening guide's configuration (without TLS, so it runs on both servers).
const SEED = `port $PORT
bind 127.0.0.1
protected-mode yes
save ""
appendonly no
user default off
user cache_reader on >cache_reader_password ~cache:* +get +mget +hget +hgetall +lrange +smembers
user app_service on >app_service_password ~app:* +@all -@dangerous -flushall -flushdb -config -debug
user redis_admin on >admin_password ~* &* +@all
rename-command FLUSHALL ""
rename-command FLUSHDB ""
rename-command DEBUG "DEBUG_d7f3a91b2c"
rename-command CONFIG ""
rename-command SHUTDOWN ""
rename-command KEYS "KEYS_UNSAFE_d91f"
maxmemory 2gb
maxmemory-policy allkeys-lru
slowlog-log-slower-than 10000
slowlog-max-len 128
`;
/** What the guide leaves open (host-dependent RDT-060 aside): short passwords, EVAL for the app, no TLS, no output-buffer limit, no idle timeout. */
const SEED_OPEN = ['RDT-012', 'RDT-025', 'RDT-030', 'RDT-041', 'RDT-042'];

test("the guide's hardened config: the same findings on redis-server and Redoubt, from config + live; nothing changed", async () => {
  const ref = await redisWithFile(SEED);
  const srv = await startWithFile(SEED.replace('port $PORT', 'port $PORT'));
  stops.push(srv.stop);
  const admin = ['redis_admin', 'admin_password'];
  const beforeRef = await snapshotNoConfig(ref.port, admin);
  const beforeSrv = await snapshotNoConfig(srv.port, admin);
  const onRef = await runAudit({ config: ref.file, url: `redis://redis_admin:admin_password@127.0.0.1:${ref.port}` });
  const onSrv = await runAudit({ config: srv.file, url: `redis://redis_admin:admin_password@127.0.0.1:${srv.port}` });
  const open = (r: Report) => failed(r).filter((id) => id !== 'RDT-060' && id !== 'RDT-070' && id !== 'RDT-061');
  assert.deepEqual(open(onRef), SEED_OPEN);
  assert.deepEqual(open(onSrv), SEED_OPEN);
  assert.ok(failed(onRef).includes('RDT-070')); // 7.0 is end of life
  const pw = onRef.results.find((x) => x.rule.id === 'RDT-012')!.outcome.evidence;
  assert.match(pw, /cache_reader: a common or default password/); // <user>_password is in the dictionary's patterns
  assert.match(pw, /redis_admin: 14 characters \(fewer than 32\)/);
  assert.ok(!pw.includes('cache_reader_password'));
  // CONFIG is renamed away: the live probe sees it as unknown and the config explains the rest
  assert.equal(statusOf(onRef, 'RDT-023'), 'pass');
  assert.equal(statusOf(onRef, 'RDT-022'), 'pass');
  assert.deepEqual(await snapshotNoConfig(ref.port, admin), beforeRef);
  assert.deepEqual(await snapshotNoConfig(srv.port, admin), beforeSrv);
  // live only (no config): the dictionary finds the guide's passwords from ACL LIST hashes
  const liveOnly = await runAudit({ url: `redis://redis_admin:admin_password@127.0.0.1:${ref.port}` });
  assert.match(liveOnly.results.find((x) => x.rule.id === 'RDT-012')!.outcome.evidence, /cache_reader: a password from the dictionary/);
  // audited as an admin, permission questions go to the ACL model and ACL DRYRUN: no ACL LOG trace
  for (const port of [ref.port, srv.port]) {
    const c = await RawClient.connect(port);
    await c.call('AUTH', ...admin);
    assert.deepEqual(plain(await c.call('ACL', 'LOG')), [], `ACL LOG on ${port}`);
    c.close();
  }
  // an application user's view: no ACL LIST, permission probes through MULTI/DISCARD
  const asApp = await runAudit({ url: `redis://app_service:app_service_password@127.0.0.1:${ref.port}` });
  assert.equal(statusOf(asApp, 'RDT-022'), 'pass');
  assert.equal(statusOf(asApp, 'RDT-010'), 'pass');
  assert.equal(statusOf(asApp, 'RDT-020'), 'skip');
  assert.deepEqual(await snapshotNoConfig(ref.port, admin), beforeRef);
});

/** CONFIG is renamed away in the seed: users and keyspace only. */
async function snapshotNoConfig(port: number, auth: string[]): Promise<unknown> {
  const c = await RawClient.connect(port);
  await c.call('AUTH', ...auth);
  const state = { acl: plain(await c.call('ACL', 'LIST')), dbsize: plain(await c.call('DBSIZE')) };
  c.close();
  return state;
}

test('brute force traces in ACL LOG are reported (RDT-051); wrong audit credentials exit 2', async () => {
  const ref = track(await startRedis(['--user', 'default', 'off', '--user', 'admin', 'on', '>' + 'a'.repeat(40), '~*', '&*', '+@all']));
  const c = await RawClient.connect(ref.port);
  for (let i = 0; i < 3; i++) await c.call('AUTH', 'admin', 'guess' + i);
  c.close();
  const r = await runAudit({ url: `redis://admin:${'a'.repeat(40)}@127.0.0.1:${ref.port}` });
  assert.equal(statusOf(r, 'RDT-051'), 'fail');
  assert.match(r.results.find((x) => x.rule.id === 'RDT-051')!.outcome.evidence, /3 failed authentication/);
  const bad = cliAudit(['--url', `redis://admin:wrong@127.0.0.1:${ref.port}`, '--fail-on', 'high']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /AUTH failed: WRONGPASS/);
  assert.ok(!bad.err.includes('wrong@'));
});

test('TLS probes on redis-server 7.0: strong settings pass, TLS 1.0/1.1, weak ciphers, no client cert and a near expiry fail', async () => {
  const good = makeCerts(365);
  const weak = makeCerts(10);
  const tlsArgs = (c: typeof good, port: number) => ['--port', '0', '--tls-port', String(port), '--tls-cert-file', c.cert, '--tls-key-file', c.key, '--tls-ca-cert-file', c.ca];
  const p1 = await freePort();
  await redisWithFile(`bind 127.0.0.1\nsave ""\n`, tlsArgs(good, p1), p1);
  const p2 = await freePort();
  await redisWithFile(`bind 127.0.0.1\nsave ""\n`, [...tlsArgs(weak, p2), '--tls-protocols', 'TLSv1 TLSv1.1 TLSv1.2', '--tls-ciphers', 'ALL:@SECLEVEL=0', '--tls-auth-clients', 'no'], p2);
  const audit = (port: number, c: typeof good) => runAudit({ url: `rediss://127.0.0.1:${port}`, cacert: c.ca, cert: c.clientCert, key: c.clientKey });
  const a = await audit(p1, good);
  for (const id of ['RDT-030', 'RDT-031', 'RDT-032', 'RDT-033', 'RDT-034']) assert.equal(statusOf(a, id), 'pass', id);
  const b = await audit(p2, weak);
  assert.equal(statusOf(b, 'RDT-030'), 'pass');
  for (const id of ['RDT-031', 'RDT-032', 'RDT-033', 'RDT-034']) assert.equal(statusOf(b, id), 'fail', id);
  assert.match(b.results.find((x) => x.rule.id === 'RDT-034')!.outcome.evidence, /expires in (9|10) day/);
  // a TLS port spoken to in plaintext: the audit cannot run
  assert.equal(cliAudit(['--url', `redis://127.0.0.1:${p1}`, '--timeout', '1500']).code, 2);
});

test('--try-passwords: an auditor that cannot read ACL LIST or CONFIG still finds a dictionary password by AUTH, on both servers; without the flag nothing is tried', async () => {
  const args = ['--requirepass', 'foobared', '--user', 'mon', 'on', '>mon-long-random-password-0123456789abcdef', '+ping', '+info'];
  const [ours, ref] = await Promise.all([startRedoubt(args), startRedis(args)]);
  stops.push(ours.stop, ref.stop);
  for (const srv of [ours, ref]) {
    const url = `redis://mon:mon-long-random-password-0123456789abcdef@127.0.0.1:${srv.port}`;
    const quiet = await runAudit({ url });
    assert.notEqual(quiet.results.find((x) => x.rule.id === 'RDT-012')!.outcome.status, 'fail', 'nothing to measure without ACL LIST, CONFIG or AUTH tries');
    const tried = await runAudit({ url, tryPasswords: true });
    const r = tried.results.find((x) => x.rule.id === 'RDT-012')!.outcome;
    assert.equal(r.status, 'fail');
    assert.match(r.evidence, /default: accepts a password from the dictionary/);
    assert.ok(!JSON.stringify(tried).includes('foobared'), 'the guessed password is never reported');
  }
});
