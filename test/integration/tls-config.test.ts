// TLS directives: a bad value stops startup naming the directive; CONFIG SET
// of a bad value is refused and the old context stays; CONFIG SET of the
// certificate and key together rotates them for new connections while old
// ones keep working; tls-reload-interval picks up renewed files (a
// half-written pair is ignored, then used once complete); session caching,
// DH parameters, tls-ca-cert-dir and tls-port at runtime.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startWithConf, startFails, freePort, tlsCommand, tlsFiles, sClient, tmp, type ConfServer } from '../helpers/tls.js';
import { createCa, createServerCert, createClientCert, type Issued } from '../../src/tls/certs.js';

let dir: string;
let port: number;
let tlsPort: number;
let srv: ConfServer;
let admin: Redis;
const fp = (i: Issued) => new X509Certificate(i.certPem).fingerprint256;
let A: Issued, B: Issued, C: Issued, other: Issued, soon: Issued;

before(async () => {
  dir = tmp('redoubt-tls-cfg-');
  const ca = await createCa('Test CA', { keyType: 'ec' });
  A = await createServerCert(ca, ['localhost', '127.0.0.1'], { bits: 2048 }); // RSA: DHE-RSA needs it
  B = await createServerCert(ca, ['localhost', '127.0.0.1'], { keyType: 'ec' });
  C = await createServerCert(ca, ['localhost', '127.0.0.1'], { keyType: 'ec' });
  soon = await createServerCert(ca, ['localhost', '127.0.0.1'], { keyType: 'ec', days: 10 });
  const client = await createClientCert(ca, 'app', undefined, { keyType: 'ec' });
  const otherCa = await createCa('Other CA', { keyType: 'ec' });
  other = await createServerCert(otherCa, ['localhost'], { keyType: 'ec' });
  const otherClient = await createClientCert(otherCa, 'app', undefined, { keyType: 'ec' });
  const w = (n: string, t: string) => writeFileSync(join(dir, n), t);
  w('ca.crt', ca.certPem);
  w('a.crt', A.certPem);
  w('a.key', A.keyPem);
  w('b.crt', B.certPem);
  w('b.key', B.keyPem);
  w('client.crt', client.certPem);
  w('client.key', client.keyPem);
  w('other.crt', other.certPem);
  w('other-ca.crt', otherCa.certPem);
  w('other-client.crt', otherClient.certPem);
  w('other-client.key', otherClient.keyPem);
  w('soon.crt', soon.certPem);
  w('soon.key', soon.keyPem);
  w('a-enc.key', createPrivateKey(A.keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'correct horse' }) as string);
  w('dh.pem', execFileSync('openssl', ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'dh_param:ffdhe2048']).toString());
  w('garbage.pem', 'not DH parameters\n');
  mkdirSync(join(dir, 'cadir'));
  copyFileSync(join(dir, 'ca.crt'), join(dir, 'cadir', 'ca.pem'));
  mkdirSync(join(dir, 'emptydir'));
  [port, tlsPort] = [await freePort(), await freePort()];
  srv = await startWithConf(base(tlsPort) + `port ${port}\nbind 127.0.0.1\n`);
  admin = new Redis({ port, lazyConnect: true });
  await admin.connect();
});

after(async () => {
  admin?.disconnect();
  await srv?.stop();
});

function base(tp: number, cert = 'a.crt', key = 'a.key'): string {
  return `tls-port ${tp}\ntls-cert-file ${join(dir, cert)}\ntls-key-file ${join(dir, key)}\ntls-ca-cert-file ${join(dir, 'ca.crt')}\n`;
}
const clientOpts = () => ({ ...tlsFiles(dir, { ca: 'ca.crt', cert: 'client.crt', key: 'client.key' }), servername: 'localhost' });
const configSet = (...args: string[]) => admin.call('CONFIG', 'SET', ...args).then(String, (e: Error) => e.message);
const configGet = async (name: string) => ((await admin.call('CONFIG', 'GET', name)) as string[])[1];

async function until<T>(what: string, f: () => Promise<T> | T, ok: (v: T) => boolean, ms = 6000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a bad TLS directive stops startup with a message naming it', async () => {
  const p = await freePort();
  const cases: [string, string, RegExp][] = [
    ['missing certificate file', base(p, 'nope.crt'), /tls-cert-file: Failed to load certificate: .*nope\.crt: No such file or directory/],
    ['missing key file', base(p, 'a.crt', 'nope.key'), /tls-key-file: Failed to load private key: .*nope\.key: No such file or directory/],
    ['key not matching the certificate', base(p, 'a.crt', 'b.key'), /tls-key-file: Private key .*b\.key does not match the certificate .*a\.crt/],
    ['encrypted key, no passphrase', base(p, 'a.crt', 'a-enc.key'), /tls-key-file-pass: .*encrypted and no passphrase/],
    ['wrong passphrase', base(p, 'a.crt', 'a-enc.key') + 'tls-key-file-pass wrong\n', /tls-key-file-pass: .*wrong passphrase/],
    ['unknown protocol', base(p) + 'tls-protocols "TLSv1.2 TLSv1.4"\n', /tls-protocols: Invalid tls-protocols specified/],
    ['cipher list matching nothing', base(p) + 'tls-ciphers "NO-SUCH-CIPHER"\n', /tls-ciphers: Failed to configure ciphers/],
    ['unknown TLS 1.3 suite', base(p) + 'tls-ciphersuites "TLS_NO_SUCH_SUITE"\n', /tls-ciphersuites: Failed to configure ciphersuites/],
    ['no CA while tls-auth-clients yes', `tls-port ${p}\ntls-cert-file ${join(dir, 'a.crt')}\ntls-key-file ${join(dir, 'a.key')}\n`, /tls-ca-cert-file: Either tls-ca-cert-file or tls-ca-cert-dir must be specified/],
    ['empty CA directory', `tls-port ${p}\ntls-cert-file ${join(dir, 'a.crt')}\ntls-key-file ${join(dir, 'a.key')}\ntls-ca-cert-dir ${join(dir, 'emptydir')}\n`, /tls-ca-cert-dir: .*no PEM certificate/],
    ['unreadable DH parameters', base(p) + `tls-dh-params-file ${join(dir, 'garbage.pem')}\n`, /tls-dh-params-file: Failed to load DH params file/],
    ['no certificate at all', `tls-port ${p}\n`, /tls-cert-file: No tls-cert-file configured!/],
  ];
  const results = await Promise.all(cases.map(([, conf]) => startFails(conf + 'port 0\n')));
  results.forEach((r, i) => {
    assert.equal(r.code, 1, cases[i][0] + ': ' + r.output);
    assert.match(r.output, cases[i][2], cases[i][0]);
    assert.match(r.output, /Failed to configure TLS/);
  });
  // no secret in the messages
  assert.doesNotMatch(results[4].output, /wrong\b.*wrong\b|correct horse/);
});

test('an encrypted key with the right tls-key-file-pass, and tls-ca-cert-dir (a CA added later is picked up), work', async () => {
  const p = await freePort();
  const s = await startWithConf(
    `tls-port ${p}\nport 0\ntls-cert-file ${join(dir, 'a.crt')}\ntls-key-file ${join(dir, 'a-enc.key')}\ntls-key-file-pass "correct horse"\ntls-ca-cert-dir ${join(dir, 'cadir')}\ntls-reload-interval 1\n`,
  );
  try {
    const r = await tlsCommand(p, clientOpts());
    assert.equal(r.reply, '+PONG\r\n', r.error);
    assert.equal(r.fingerprint, fp(A));
    assert.equal((await tlsCommand(p, { ...clientOpts(), cert: undefined, key: undefined })).ok, false);
    const stranger = { ...clientOpts(), ...tlsFiles(dir, { cert: 'other-client.crt', key: 'other-client.key' }) };
    assert.equal((await tlsCommand(p, stranger)).ok, false);
    copyFileSync(join(dir, 'other-ca.crt'), join(dir, 'cadir', 'other-ca.pem'));
    await until('the added CA', () => tlsCommand(p, stranger), (v) => v.ok);
    assert.equal((await tlsCommand(p, clientOpts())).reply, '+PONG\r\n');
  } finally {
    await s.stop();
  }
});

test('a certificate expiring within 30 days is logged at startup; the server still serves', async () => {
  const p = await freePort();
  const s = await startWithConf(base(p, 'soon.crt', 'soon.key') + 'port 0\n');
  try {
    assert.match(s.output(), /# TLS certificate \(tls-cert-file\) expires in (9|10) days, on \d{4}-/);
    assert.equal((await tlsCommand(p, clientOpts())).reply, '+PONG\r\n');
  } finally {
    await s.stop();
  }
  assert.doesNotMatch(srv.output(), /expires in \d+ days/);
});

test('DH parameters: DHE ciphers work only with tls-dh-params-file; a bad file is refused by CONFIG SET', async () => {
  const dhe = ['-tls1_2', '-cipher', 'DHE-RSA-AES128-GCM-SHA256', '-cert', join(dir, 'client.crt'), '-key', join(dir, 'client.key')];
  assert.doesNotMatch(sClient(tlsPort, dhe).out, /PONG/);
  assert.equal(await configSet('tls-dh-params-file', join(dir, 'dh.pem')), 'OK');
  assert.match(sClient(tlsPort, dhe).out, /\+PONG/);
  assert.match(await configSet('tls-dh-params-file', join(dir, 'garbage.pem')), /Unable to update TLS configuration/);
  assert.equal(await configGet('tls-dh-params-file'), join(dir, 'dh.pem'));
  assert.match(sClient(tlsPort, dhe).out, /\+PONG/);
});

test('tls-session-caching: a TLS 1.2 session resumes, and not once caching is off', async () => {
  const o = { ...clientOpts(), maxVersion: 'TLSv1.2' as const };
  const first = await tlsCommand(tlsPort, o);
  assert.ok(first.session);
  const again = await tlsCommand(tlsPort, { ...o, session: first.session! });
  assert.equal(again.reply, '+PONG\r\n');
  assert.equal(again.reused, true);
  assert.equal(await configSet('tls-session-caching', 'no'), 'OK');
  try {
    // a session made while caching is off (the cache was also emptied by the new context)
    const s1 = await tlsCommand(tlsPort, o);
    assert.ok(s1.session);
    const s2 = await tlsCommand(tlsPort, { ...o, session: s1.session! });
    assert.equal(s2.reply, '+PONG\r\n');
    assert.equal(s2.reused, false);
  } finally {
    assert.equal(await configSet('tls-session-caching', 'yes'), 'OK');
  }
});

test('CONFIG SET of a bad TLS value is refused and the old context stays in force', async () => {
  const before = await tlsCommand(tlsPort, clientOpts());
  assert.equal(before.fingerprint, fp(A));
  // the key alone: it does not match the certificate in force
  assert.match(await configSet('tls-key-file', join(dir, 'b.key')), /^ERR CONFIG SET failed \(possibly related to argument 'tls-key-file'\) - Unable to update TLS configuration\. Check server logs\.$/);
  assert.equal(await configGet('tls-key-file'), join(dir, 'a.key'));
  assert.match(srv.output(), /Failed to update TLS configuration: tls-key-file: Private key .*b\.key does not match/);
  assert.match(await configSet('tls-protocols', 'TLSv1.2 SSLv3'), /Unable to update TLS configuration/);
  assert.equal(await configGet('tls-protocols'), '');
  assert.match(await configSet('tls-ca-cert-file', join(dir, 'missing.crt')), /Unable to update TLS configuration/);
  assert.match(await configSet('tls-cert-file', join(dir, 'other.crt')), /Unable to update TLS configuration/);
  const after = await tlsCommand(tlsPort, clientOpts());
  assert.equal(after.reply, '+PONG\r\n');
  assert.equal(after.fingerprint, fp(A));
});

test('CONFIG SET tls-cert-file tls-key-file rotates for new clients; a connected client keeps working', async () => {
  const old = new Redis({ host: '127.0.0.1', port: tlsPort, tls: clientOpts(), lazyConnect: true });
  await old.connect();
  try {
    assert.equal(await old.set('rot:k', '1'), 'OK');
    assert.equal(await configSet('tls-cert-file', join(dir, 'b.crt'), 'tls-key-file', join(dir, 'b.key')), 'OK');
    const fresh = await tlsCommand(tlsPort, clientOpts());
    assert.equal(fresh.reply, '+PONG\r\n');
    assert.equal(fresh.fingerprint, fp(B));
    assert.equal(await old.get('rot:k'), '1');
    assert.equal(await old.incr('rot:k'), 2);
  } finally {
    old.disconnect();
  }
});

test('tls-reload-interval: renewed files are picked up; a half-written pair is ignored until complete', async () => {
  assert.equal(await configGet('tls-cert-file'), join(dir, 'b.crt'));
  const old = new Redis({ host: '127.0.0.1', port: tlsPort, tls: clientOpts(), lazyConnect: true });
  await old.connect();
  try {
    assert.equal(await configSet('tls-reload-interval', '1'), 'OK');
    // the renewal tool writes the certificate first: it does not match b.key yet
    writeFileSync(join(dir, 'b.crt'), C.certPem);
    await until('the half-written warning', () => srv.output(), (o) => /TLS files changed \(b\.crt\) but cannot be used yet/.test(o));
    assert.equal((await tlsCommand(tlsPort, clientOpts())).fingerprint, fp(B));
    writeFileSync(join(dir, 'b.key'), C.keyPem);
    const r = await until('the new certificate', () => tlsCommand(tlsPort, clientOpts()), (v) => v.fingerprint === fp(C));
    assert.equal(r.reply, '+PONG\r\n');
    assert.match(srv.output(), /TLS reloaded from changed b\.crt, b\.key: new certificate CN=localhost, expires \d{4}-/);
    assert.equal(await old.ping(), 'PONG');
    assert.match(await old.info('stats'), /tls_cert_reloads:1\r\n/);
  } finally {
    old.disconnect();
    await configSet('tls-reload-interval', '0');
  }
});

test('CONFIG SET tls-port moves the TLS listener', async () => {
  const np = await freePort();
  assert.equal(await configSet('tls-port', String(np)), 'OK');
  const r = await until('the new port', () => tlsCommand(np, clientOpts()), (v) => v.ok);
  assert.equal(r.reply, '+PONG\r\n');
  const gone = await tlsCommand(tlsPort, clientOpts());
  assert.equal(gone.ok, false);
  assert.match(gone.error, /ECONNREFUSED/);
  assert.match(await admin.info('server'), new RegExp(`tls_port:${np}\r\n`));
  assert.equal(await configSet('tls-port', '0'), 'OK');
  await until('the listener to close', () => tlsCommand(np, clientOpts()), (v) => /ECONNREFUSED/.test(v.error));
  assert.doesNotMatch(await admin.info(), /tls_/);
  assert.equal(await admin.ping(), 'PONG');
});
