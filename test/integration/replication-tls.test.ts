// Replication over TLS (tls-replication yes), with mutual TLS on the primary
// and an ACL user for the replica, in both directions with Debian's
// redis-server 7.0: full sync, a stream of random writes, equal DEBUG
// DIGESTs; a replica whose certificate the primary does not trust never syncs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedoubt, startRedis, freePort } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp-client.js';
import { makeCerts } from '../helpers/certs.js';
import { randomWrites, write, caughtUp, digest, info } from '../helpers/replication.js';

const certs = makeCerts();
const other = makeCerts();

/** TLS beside the plaintext port (the tests drive the servers over plaintext), client certificates required. */
function tlsArgs(tlsPort: number, c = certs): string[] {
  return ['--tls-port', String(tlsPort), '--tls-cert-file', c.cert, '--tls-key-file', c.key, '--tls-ca-cert-file', c.ca, '--tls-auth-clients', 'yes', '--tls-replication', 'yes'];
}
const PRIMARY = ['--enable-debug-command', 'yes', '--repl-diskless-sync-delay', '0', '--user', 'repl', 'on', '>s3cret', '+psync', '+replconf', '+ping', '--requirepass', 'adminpw'];
const REPLICA = ['--enable-debug-command', 'yes', '--masteruser', 'repl', '--masterauth', 's3cret'];

for (const [name, primaryIsRedoubt] of [
  ['a redis-server replica of a Redoubt primary', true],
  ['a Redoubt replica of a redis-server primary', false],
] as const) {
  test(`TLS replication: ${name}`, async () => {
    const [pt, rt] = await Promise.all([freePort(), freePort()]);
    const start = (redoubt: boolean, args: string[]) => (redoubt ? startRedoubt(args) : startRedis(args));
    const [primary, replica] = await Promise.all([start(primaryIsRedoubt, [...PRIMARY, ...tlsArgs(pt)]), start(!primaryIsRedoubt, [...REPLICA, ...tlsArgs(rt)])]);
    const p = await RawClient.connect(primary.port);
    const r = await RawClient.connect(replica.port);
    try {
      assert.equal(plain(await p.call('AUTH', 'adminpw')), 'OK');
      await write(p, randomWrites(21, 200));
      assert.equal(plain(await r.call('REPLICAOF', '127.0.0.1', String(pt))), 'OK');
      await caughtUp(p, r);
      await write(p, randomWrites(22, 200));
      await caughtUp(p, r);
      assert.equal(await digest(r), await digest(p));
      assert.equal((await info(r)).master_link_status, 'up');
      // the primary sees its replica on a TLS connection
      assert.match(String(plain(await p.call('CLIENT', 'LIST', 'TYPE', 'replica'))), /flags=S/);
    } finally {
      p.close();
      r.close();
      await Promise.all([primary.stop(), replica.stop()]);
    }
  });
}

test('TLS replication: a replica with a certificate from another CA never syncs; the primary stays up', async () => {
  const [pt, rt] = await Promise.all([freePort(), freePort()]);
  const primary = await startRedoubt([...PRIMARY, ...tlsArgs(pt)]);
  // the replica trusts our CA (so it would accept the primary) but presents another CA's certificate
  const replica = await startRedoubt([...REPLICA, ...tlsArgs(rt, other), '--tls-ca-cert-file', certs.ca]);
  const r = await RawClient.connect(replica.port);
  try {
    assert.equal(plain(await r.call('REPLICAOF', '127.0.0.1', String(pt))), 'OK');
    await new Promise((res) => setTimeout(res, 1500));
    assert.equal((await info(r)).master_link_status, 'down');
    const p = await RawClient.connect(primary.port);
    assert.equal(plain(await p.call('AUTH', 'adminpw')), 'OK');
    assert.equal((await info(p)).connected_slaves, '0');
    p.close();
  } finally {
    r.close();
    await Promise.all([primary.stop(), replica.stop()]);
  }
});

test('TLS replication: a primary with tls-replication yes refuses a replica on its plaintext port', async () => {
  const pt = await freePort();
  const primary = await startRedoubt([...PRIMARY, ...tlsArgs(pt)]);
  const replica = await startRedis(REPLICA);
  const r = await RawClient.connect(replica.port);
  try {
    assert.equal(plain(await r.call('REPLICAOF', '127.0.0.1', String(primary.port))), 'OK');
    await new Promise((res) => setTimeout(res, 1500));
    assert.equal((await info(r)).master_link_status, 'down');
    assert.match(primary.output(), /Refusing a replica on the plaintext port/);
  } finally {
    r.close();
    await Promise.all([primary.stop(), replica.stop()]);
  }
});
