// Certificate login (tls-auth-clients-user cn | san-uri | san-dns | off).
// There is no ACL SETUSER nor `user` directive in this tree yet, so the users
// are added to the embedded server's user table directly (server.users.users),
// the interface the ACL work keeps.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createServer, type Server } from '../../src/index.js';
import { createCa, createServerCert, createClientCert } from '../../src/tls/certs.js';
import { freePort, tlsFiles, tlsCommand, tmp } from '../helpers/tls.js';

let dir: string;
let tlsPort: number;
let server: Server;

before(async () => {
  dir = tmp('redoubt-tls-login-');
  const ec = { keyType: 'ec' as const };
  const ca = await createCa('Login CA', ec);
  const srvCert = await createServerCert(ca, ['localhost', '127.0.0.1'], ec);
  const certs: Record<string, Awaited<ReturnType<typeof createClientCert>>> = {
    app: await createClientCert(ca, 'app_service', undefined, ec),
    stranger: await createClientCert(ca, 'stranger', undefined, ec),
    off: await createClientCert(ca, 'disabled_user', undefined, ec),
    uri: await createClientCert(ca, 'reporter', 'urn:redoubt:user:reporter', ec),
    dns: await createClientCert(ca, 'nobody', undefined, { ...ec, sanDns: ['not-a-user.example', 'worker.example'] }),
  };
  writeFileSync(join(dir, 'ca.crt'), ca.certPem);
  writeFileSync(join(dir, 'redis.crt'), srvCert.certPem);
  writeFileSync(join(dir, 'redis.key'), srvCert.keyPem);
  for (const [n, c] of Object.entries(certs)) {
    writeFileSync(join(dir, n + '.crt'), c.certPem);
    writeFileSync(join(dir, n + '.key'), c.keyPem);
  }
  tlsPort = await freePort();
  server = await createServer({
    config: {
      'tls-port': String(tlsPort),
      'tls-cert-file': join(dir, 'redis.crt'),
      'tls-key-file': join(dir, 'redis.key'),
      'tls-ca-cert-file': join(dir, 'ca.crt'),
      'tls-auth-clients-user': 'CN',
      requirepass: 'admin-secret',
    },
  });
  // users made the way an operator would: ACL SETUSER rules
  const add = (name: string, enabled = true) => {
    const u = server.users.newUser(name);
    for (const op of [enabled ? 'on' : 'off', '>unused-' + name, '~*', '&*', '+@all']) u.apply(op, server.users.pubsubDefault);
    server.users.users.set(name, u);
  };
  add('app_service');
  add('disabled_user', false);
  add('urn:redoubt:user:reporter');
  add('worker.example');
});

after(async () => {
  await server?.close();
});

async function connect(cert: string): Promise<Redis> {
  const r = new Redis({ host: '127.0.0.1', port: tlsPort, tls: { ...tlsFiles(dir, { ca: 'ca.crt', cert: cert + '.crt', key: cert + '.key' }), servername: 'localhost' }, lazyConnect: true, maxRetriesPerRequest: 0 });
  await r.connect();
  return r;
}

/** Inline commands over a raw TLS connection (ioredis gives up when its HELLO gets NOAUTH). */
async function raw(cert: string, cmds: string[]): Promise<string> {
  const r = await tlsCommand(tlsPort, { ...tlsFiles(dir, { ca: 'ca.crt', cert: cert + '.crt', key: cert + '.key' }), servername: 'localhost' }, cmds.map((c) => c + '\r\n').join(''));
  assert.equal(r.error, '');
  return r.reply;
}

async function whoami(r: Redis): Promise<string> {
  return /user=(\S+)/.exec(String(await r.client('INFO')))![1];
}

async function deniedCount(r: Redis): Promise<number> {
  return Number(/acl_access_denied_tls_cert:(\d+)/.exec(await r.info('stats'))![1]);
}

test('CN: a client certificate for an enabled user logs in with no password', async () => {
  const r = await connect('app');
  try {
    assert.equal(await r.set('login:k', 'v'), 'OK');
    assert.equal(await whoami(r), 'app_service');
  } finally {
    r.disconnect();
  }
});

test('CN naming an unknown or disabled user: not logged in, AUTH still works, counted', async () => {
  const admin = await connect('app');
  const before = await deniedCount(admin);
  for (const cert of ['stranger', 'off']) {
    const reply = await raw(cert, ['GET login:k', 'AUTH admin-secret', 'GET login:k', 'CLIENT INFO']);
    assert.match(reply, /^-NOAUTH Authentication required\.\r\n\+OK\r\n\$1\r\nv\r\n\$\d+\r\nid=.* user=default /);
  }
  assert.equal(await deniedCount(admin), before + 2);
  admin.disconnect();
});

test('SAN-URI: the URI names the user; the same certificate does not log in by CN', async () => {
  assert.match(await raw('uri', ['GET login:k']), /^-NOAUTH/); // CN=reporter: no such user
  server.config.set('tls-auth-clients-user', 'URI'); // Valkey's name for it
  assert.equal(server.config.str('tls-auth-clients-user'), 'san-uri');
  try {
    const r = await connect('uri');
    assert.equal(await r.get('login:k'), 'v');
    assert.equal(await whoami(r), 'urn:redoubt:user:reporter');
    r.disconnect();
    // a certificate without a URI does not log in, even with a CN naming a user
    assert.match(await raw('app', ['GET login:k']), /^-NOAUTH/);
  } finally {
    server.config.set('tls-auth-clients-user', 'cn');
  }
});

test('SAN-DNS: the first DNS name that is an enabled user', async () => {
  server.config.set('tls-auth-clients-user', 'san-dns');
  try {
    const r = await connect('dns');
    assert.equal(await whoami(r), 'worker.example');
    r.disconnect();
  } finally {
    server.config.set('tls-auth-clients-user', 'cn');
  }
});

test('off: certificates never log in; a user disabled later no longer logs in', async () => {
  server.config.set('tls-auth-clients-user', 'off');
  try {
    assert.match(await raw('app', ['GET login:k']), /^-NOAUTH/);
  } finally {
    server.config.set('tls-auth-clients-user', 'cn');
  }
  server.users.users.get('app_service')!.apply('off', 0);
  try {
    assert.match(await raw('app', ['GET login:k']), /^-NOAUTH/);
  } finally {
    server.users.users.get('app_service')!.apply('on', 0);
  }
  const again = await connect('app');
  assert.equal(await whoami(again), 'app_service');
  again.disconnect();
});
