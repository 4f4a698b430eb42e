// `redoubt certs`: its files serve the seed's TLS configuration unchanged, for
// redis-cli and ioredis (hostname checked against the SANs), keys are 0600,
// an existing CA is reused for later client certificates.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, readFileSync, chmodSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { DIST } from '../helpers/servers.js';
import { seedConf, startWithConf, freePort, tlsCommand, tlsFiles, redisCli, tmp, type ConfServer } from '../helpers/tls.js';

const CLI = join(DIST, 'src', 'cli', 'redoubt.js');
const certs = (args: string[]) => spawnSync(process.execPath, [CLI, 'certs', ...args], { encoding: 'utf8' });

let dir: string;
let port: number;
let srv: ConfServer;

before(async () => {
  dir = tmp('redoubt-certs-');
  const r = certs(['--dir', dir, '--client', 'app_service=urn:redoubt:user:app_service', '--bits', '2048']);
  assert.equal(r.status, 0, r.stderr);
  port = await freePort();
  srv = await startWithConf(seedConf(dir, port).replace(/client\.crt/g, 'app_service.crt'));
});

after(async () => {
  await srv?.stop();
});

test('redoubt certs writes a CA, a server certificate with SANs and client certificates; keys 0600', () => {
  for (const k of ['ca.key', 'redis.key', 'app_service.key']) assert.equal(statSync(join(dir, k)).mode & 0o777, 0o600, k);
  for (const c of ['ca.crt', 'redis.crt', 'app_service.crt']) assert.equal(statSync(join(dir, c)).mode & 0o777, 0o644, c);
  const ca = new X509Certificate(readFileSync(join(dir, 'ca.crt')));
  const server = new X509Certificate(readFileSync(join(dir, 'redis.crt')));
  const client = new X509Certificate(readFileSync(join(dir, 'app_service.crt')));
  assert.ok(ca.ca);
  assert.ok(server.verify(ca.publicKey) && client.verify(ca.publicKey));
  assert.equal(server.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  assert.equal(client.subject, 'CN=app_service');
  assert.equal(client.subjectAltName, 'URI:urn:redoubt:user:app_service');
  assert.ok(server.checkHost('localhost') && server.checkIP('127.0.0.1') && server.checkIP('::1'));
  assert.equal(server.checkHost('redis.internal'), undefined);
});

test('--host names the server certificate\u2019s SANs; --help documents the options', () => {
  const d = tmp('redoubt-certs-hosts-');
  const r = certs(['--dir', d, '--host', 'redis.internal', '--host', '10.0.0.5,cache.internal', '--key-type', 'ec']);
  assert.equal(r.status, 0, r.stderr);
  const server = new X509Certificate(readFileSync(join(d, 'redis.crt')));
  assert.equal(server.subject, 'CN=redis.internal');
  assert.equal(server.subjectAltName, 'DNS:redis.internal, IP Address:10.0.0.5, DNS:cache.internal');
  const help = certs(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--client USER\[=URI\]/);
});

test('redis-cli --tls works with the generated files and the seed configuration', async () => {
  const args = ['-p', String(port), '--tls', '--cert', join(dir, 'app_service.crt'), '--key', join(dir, 'app_service.key'), '--cacert', join(dir, 'ca.crt')];
  assert.equal((await redisCli([...args, 'PING'])).stdout.trim(), 'PONG');
  assert.equal((await redisCli([...args, 'SET', 'gen:k', 'v'])).stdout.trim(), 'OK');
  assert.equal((await redisCli([...args, 'GET', 'gen:k'])).stdout.trim(), 'v');
});

test('ioredis verifies the server by its SANs (127.0.0.1 and localhost) with the generated files', async () => {
  const tlsOpts = tlsFiles(dir, { ca: 'ca.crt', cert: 'app_service.crt', key: 'app_service.key' });
  for (const host of ['127.0.0.1', 'localhost']) {
    const r = new Redis({ host, port, tls: { ...tlsOpts, rejectUnauthorized: true }, lazyConnect: true, maxRetriesPerRequest: 0, family: 4 });
    try {
      await r.connect();
      assert.equal(await r.ping(), 'PONG');
    } finally {
      r.disconnect();
    }
  }
  // TLS 1.2 with the seed's ECDHE-RSA-only cipher list: the default RSA keys fit it
  const t12 = await tlsCommand(port, { ...tlsOpts, servername: undefined, maxVersion: 'TLSv1.2' });
  assert.equal(t12.reply, '+PONG\r\n', t12.error);
  assert.equal(t12.cipher, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384');
});

test('node-redis with rediss://localhost and the generated files', async () => {
  const c = createClient({ url: `rediss://localhost:${port}`, socket: { tls: true, ...tlsFiles(dir, { ca: 'ca.crt', cert: 'app_service.crt', key: 'app_service.key' }), reconnectStrategy: false } });
  await c.connect();
  try {
    assert.equal(await c.ping(), 'PONG');
  } finally {
    await c.quit();
  }
});

test('a second run reuses the CA: a later client certificate is accepted by the running server', async () => {
  const before = readFileSync(join(dir, 'ca.crt'), 'latin1');
  const r = certs(['--dir', dir, '--no-server', '--client', 'reporter', '--key-type', 'ec']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Using the existing CA/);
  assert.equal(readFileSync(join(dir, 'ca.crt'), 'latin1'), before);
  assert.equal(statSync(join(dir, 'reporter.key')).mode & 0o777, 0o600);
  const res = await tlsCommand(port, { ...tlsFiles(dir, { ca: 'ca.crt', cert: 'reporter.crt', key: 'reporter.key' }), servername: 'localhost' });
  assert.equal(res.reply, '+PONG\r\n', res.error);
  // existing files are not overwritten without --force
  const again = certs(['--dir', dir, '--no-server', '--client', 'reporter']);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /exists \(use --force/);
  // --force rewrites, and a key left with wider permissions comes back 0600
  chmodSync(join(dir, 'reporter.key'), 0o644);
  const forced = certs(['--dir', dir, '--no-server', '--client', 'reporter', '--key-type', 'ec', '--force']);
  assert.equal(forced.status, 0, forced.stderr);
  assert.equal(statSync(join(dir, 'reporter.key')).mode & 0o777, 0o600);
  const bad = certs(['--dir', dir, '--key-type', 'dsa']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--key-type must be rsa or ec/);
});
