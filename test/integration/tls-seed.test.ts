// The seed guide's TLS configuration, verbatim, with certificates made by its
// openssl commands: real clients (redis-cli --tls, ioredis, node-redis
// rediss://, openssl s_client) and the policy it sets (TLS 1.2+, its cipher
// lists, server cipher order, mutual TLS).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { seedCerts, seedConf, startWithConf, freePort, tlsCommand, tlsFiles, sClient, redisCli, tmp, type ConfServer } from '../helpers/tls.js';
import { loadCa, createCa, createClientCert } from '../../src/tls/certs.js';

let dir: string;
let port: number;
let srv: ConfServer;

before(async () => {
  dir = tmp('redoubt-seed-certs-');
  seedCerts(dir);
  // refused certificates: one from another CA, one expired (issued by the seed's CA)
  const other = await createCa('Other CA', { keyType: 'ec' });
  const stranger = await createClientCert(other, 'app_service', undefined, { keyType: 'ec' });
  writeFileSync(join(dir, 'other.crt'), stranger.certPem);
  writeFileSync(join(dir, 'other.key'), stranger.keyPem);
  const ca = await loadCa(readFileSync(join(dir, 'ca.crt'), 'latin1'), readFileSync(join(dir, 'ca.key'), 'latin1'));
  const expired = await createClientCert(ca, 'app_service', undefined, { keyType: 'ec', notBefore: new Date(Date.now() - 10 * 86400e3), notAfter: new Date(Date.now() - 86400e3) });
  writeFileSync(join(dir, 'expired.crt'), expired.certPem);
  writeFileSync(join(dir, 'expired.key'), expired.keyPem);
  port = await freePort();
  srv = await startWithConf(seedConf(dir, port));
});

after(async () => {
  await srv?.stop();
});

const client = () => tlsFiles(dir, { ca: 'ca.crt', cert: 'client.crt', key: 'client.key' });
const cliTls = () => ['-p', String(port), '--tls', '--cert', join(dir, 'client.crt'), '--key', join(dir, 'client.key'), '--cacert', join(dir, 'ca.crt')];

test('redis-cli --tls --cert --key --cacert talks to the seed configuration', async () => {
  const r = await redisCli([...cliTls(), 'PING']);
  assert.equal(r.stdout.trim(), 'PONG', r.stderr);
  assert.equal((await redisCli([...cliTls(), 'SET', 'seed:k', 'v1'])).stdout.trim(), 'OK');
  assert.equal((await redisCli([...cliTls(), 'GET', 'seed:k'])).stdout.trim(), 'v1');
  // port 0: no plaintext listener at all
  assert.deepEqual((await redisCli([...cliTls(), 'CONFIG', 'GET', 'port'])).stdout.trim().split('\n'), ['port', '0']);
  assert.doesNotMatch(srv.output(), /Ready to accept connections tcp/);
  assert.match(srv.output(), new RegExp(`Ready to accept connections tls on port ${port}`));
});

test('ioredis with tls {cert, key, ca} as in the seed guide', async () => {
  const r = new Redis({ host: '127.0.0.1', port, tls: { ...client(), servername: 'redis.internal', rejectUnauthorized: true }, lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await r.connect();
    assert.equal(await r.set('seed:io', 'x'), 'OK');
    assert.equal(await r.get('seed:io'), 'x');
    const list = await r.client('LIST');
    assert.match(String(list), new RegExp(`laddr=127\\.0\\.0\\.1:${port} fd=\\d+ `));
  } finally {
    r.disconnect();
  }
});

test('node-redis with a rediss:// URL', async () => {
  const c = createClient({ url: `rediss://127.0.0.1:${port}`, socket: { tls: true, ...client(), servername: 'redis.internal', reconnectStrategy: false } });
  await c.connect();
  try {
    assert.equal(await c.set('seed:nr', 'y'), 'OK');
    assert.equal(await c.get('seed:nr'), 'y');
  } finally {
    await c.quit();
  }
});

test('redis-benchmark --tls runs against the seed configuration', () => {
  const args = ['-p', String(port), '--tls', '--cert', join(dir, 'client.crt'), '--key', join(dir, 'client.key'), '--cacert', join(dir, 'ca.crt')];
  const r = spawnSync('redis-benchmark', [...args, '-c', '4', '-n', '2000', '-P', '4', '-t', 'set,get', '--csv'], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^"SET","\d+/m);
  assert.match(r.stdout, /^"GET","\d+/m);
});

test('TLS 1.1 is refused (openssl s_client -tls1_1), TLS 1.2 and 1.3 are served', () => {
  const files = ['-cert', join(dir, 'client.crt'), '-key', join(dir, 'client.key'), '-CAfile', join(dir, 'ca.crt')];
  const old = sClient(port, ['-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0', ...files]);
  assert.notEqual(old.status, 0);
  assert.match(old.out, /alert protocol version/);
  assert.doesNotMatch(old.out, /PONG/);
  for (const v of ['-tls1_2', '-tls1_3']) {
    const ok = sClient(port, [v, ...files]);
    assert.match(ok.out, /\+PONG/, v + ': ' + ok.out);
  }
});

test('a cipher outside tls-ciphers / tls-ciphersuites is refused', () => {
  const files = ['-cert', join(dir, 'client.crt'), '-key', join(dir, 'client.key')];
  const outside12 = sClient(port, ['-tls1_2', '-cipher', 'ECDHE-RSA-CHACHA20-POLY1305', ...files]);
  assert.notEqual(outside12.status, 0);
  assert.match(outside12.out, /handshake failure/);
  const inside12 = sClient(port, ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256', ...files]);
  assert.match(inside12.out, /\+PONG/);
  const outside13 = sClient(port, ['-tls1_3', '-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256', ...files]);
  assert.notEqual(outside13.status, 0);
  assert.doesNotMatch(outside13.out, /PONG/);
});

test('tls-prefer-server-ciphers: the server picks from its own order (and the client\u2019s once turned off)', async () => {
  const offer = { ...client(), maxVersion: 'TLSv1.2' as const, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384' };
  const preferred = await tlsCommand(port, offer);
  assert.ok(preferred.ok, preferred.error);
  assert.equal(preferred.protocol, 'TLSv1.2');
  assert.equal(preferred.cipher, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384');
  assert.equal((await redisCli([...cliTls(), 'CONFIG', 'SET', 'tls-prefer-server-ciphers', 'no'])).stdout.trim(), 'OK');
  try {
    const clients = await tlsCommand(port, offer);
    assert.equal(clients.cipher, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
  } finally {
    await redisCli([...cliTls(), 'CONFIG', 'SET', 'tls-prefer-server-ciphers', 'yes']);
  }
});

test('tls-auth-clients yes: no certificate, another CA\u2019s or an expired one is refused', async () => {
  const failures = async () => Number(/tls_handshake_failures:(\d+)/.exec((await redisCli([...cliTls(), 'INFO', 'stats'])).stdout)?.[1]);
  const before = await failures();
  const ca = tlsFiles(dir, { ca: 'ca.crt' });
  const none = await tlsCommand(port, ca);
  assert.equal(none.ok, false);
  assert.doesNotMatch(none.reply, /PONG/);
  const other = await tlsCommand(port, { ...ca, ...tlsFiles(dir, { cert: 'other.crt', key: 'other.key' }) });
  assert.equal(other.ok, false);
  assert.doesNotMatch(other.reply, /PONG/);
  const expired = await tlsCommand(port, { ...ca, ...tlsFiles(dir, { cert: 'expired.crt', key: 'expired.key' }) });
  assert.equal(expired.ok, false);
  assert.doesNotMatch(expired.reply, /PONG/);
  const cli = await redisCli(['-p', String(port), '--tls', '--cacert', join(dir, 'ca.crt'), 'PING']);
  assert.doesNotMatch(cli.stdout, /PONG/);
  // the right certificate still works, and the refusals were counted
  assert.ok((await tlsCommand(port, client())).ok);
  assert.equal(await failures(), before + 4);
});

test('tls-auth-clients optional: no certificate is accepted, a bad one still refused', async () => {
  assert.equal((await redisCli([...cliTls(), 'CONFIG', 'SET', 'tls-auth-clients', 'optional'])).stdout.trim(), 'OK');
  try {
    const ca = tlsFiles(dir, { ca: 'ca.crt' });
    const none = await tlsCommand(port, ca);
    assert.equal(none.reply, '+PONG\r\n', none.error);
    const cli = await redisCli(['-p', String(port), '--tls', '--cacert', join(dir, 'ca.crt'), 'PING']);
    assert.equal(cli.stdout.trim(), 'PONG');
    const other = await tlsCommand(port, { ...ca, ...tlsFiles(dir, { cert: 'other.crt', key: 'other.key' }) });
    assert.equal(other.ok, false);
    const expired = await tlsCommand(port, { ...ca, ...tlsFiles(dir, { cert: 'expired.crt', key: 'expired.key' }) });
    assert.equal(expired.ok, false);
    assert.ok((await tlsCommand(port, client())).ok);
  } finally {
    await redisCli([...cliTls(), 'CONFIG', 'SET', 'tls-auth-clients', 'yes']);
  }
  assert.equal((await tlsCommand(port, tlsFiles(dir, { ca: 'ca.crt' }))).ok, false);
});

test('INFO shows the certificate expiry and the protocols and ciphers in use', async () => {
  const r = new Redis({ host: '127.0.0.1', port, tls: { ...client(), servername: 'redis.internal' }, lazyConnect: true });
  try {
    await r.connect();
    const info = await r.info('server');
    const notAfter = Number(/tls_cert_not_after:(\d+)/.exec(info)?.[1]);
    const expected = Math.floor(new Date(new (await import('node:crypto')).X509Certificate(readFileSync(join(dir, 'redis.crt'))).validTo).getTime() / 1000);
    assert.equal(notAfter, expected);
    assert.match(info, /tls_cert_expires_in_days:36[45]\r\n/);
    assert.match(info, new RegExp(`tls_port:${port}\\r\\n`));
    assert.match(info, /tls_protocols:TLSv1\.2,TLSv1\.3\r\n/);
    assert.match(info, /tls_clients_by_protocol:.*TLSv1\.3=\d/);
    assert.match(info, /tls_clients_by_cipher:.*TLS_AES_256_GCM_SHA384=\d/);
  } finally {
    r.disconnect();
  }
});
