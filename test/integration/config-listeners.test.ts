// CONFIG SET port, bind and tls-port take effect at once, as in Redis 7.0:
// connected clients stay, new clients use the new listeners, and a port or
// address that cannot be bound refuses the whole call with Redis's error and
// leaves every parameter and listener as it was.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { join } from 'node:path';
import { startRedoubt, startRedis, freePort, SERVER_BIN, type Running } from '../helpers/servers.js';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { RawClient, plain } from '../helpers/resp-client.js';
import { makeCerts } from '../helpers/certs.js';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';

function accepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** The unix socket opens just after the TCP listener the start helpers wait for. */
async function connectUnix(path: string): Promise<RawClient> {
  for (let i = 0; ; i++) {
    try {
      return await RawClient.connectPath(path);
    } catch (e) {
      if (i >= 100) throw e;
      await new Promise((r) => setTimeout(r, 30));
    }
  }
}

/** A port some other process holds. */
async function busyPort(): Promise<{ port: number; close: () => void }> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return { port: (srv.address() as net.AddressInfo).port, close: () => srv.close() };
}

async function both(args: string[], fn: (c: RawClient, s: Running, kind: string) => Promise<void>): Promise<void> {
  const common = ['--bind', '127.0.0.1', ...args];
  const [ours, ref] = await Promise.all([startRedoubt(common), startRedis(common)]);
  try {
    for (const [s, kind] of [
      [ours, 'redoubt'],
      [ref, 'redis'],
    ] as const) {
      const c = await RawClient.connect(s.port);
      try {
        await fn(c, s, kind);
      } finally {
        c.close();
      }
    }
  } finally {
    await Promise.all([ours.stop(), ref.stop()]);
  }
}

test('CONFIG SET port moves the listener; connected clients stay; a busy port is refused and rolled back', async () => {
  const busy = await busyPort();
  try {
    const replies: Record<string, unknown[]> = {};
    await both([], async (c, s, kind) => {
      const out: unknown[] = (replies[kind] = []);
      await c.call('SET', 'k', kind);
      const port2 = await freePort();
      out.push(plain(await c.call('CONFIG', 'SET', 'port', String(port2))));
      // the connection that asked keeps working, on the old port
      assert.equal(plain(await c.call('GET', 'k')), kind, kind);
      assert.equal(await accepts(s.port), false, `${kind}: old port closed`);
      const c2 = await RawClient.connect(port2);
      assert.equal(plain(await c2.call('GET', 'k')), kind);
      out.push(plain(await c2.call('CONFIG', 'SET', 'port', String(busy.port))));
      assert.deepEqual(plain(await c2.call('CONFIG', 'GET', 'port')), ['port', String(port2)], `${kind}: rolled back`);
      assert.equal(await accepts(port2), true, `${kind}: still listening after the refusal`);
      // both parameters of a failing call roll back
      const port3 = await freePort();
      out.push(plain(await c2.call('CONFIG', 'SET', 'port', String(port3), 'bind', '10.255.255.1')));
      assert.deepEqual(plain(await c2.call('CONFIG', 'GET', 'port')), ['port', String(port2)]);
      assert.deepEqual(plain(await c2.call('CONFIG', 'GET', 'bind')), ['bind', '127.0.0.1']);
      assert.equal(await accepts(port3), false, `${kind}: nothing left on the refused port`);
      assert.equal(await accepts(port2), true);
      c2.close();
    });
    assert.deepEqual(replies.redoubt, replies.redis);
    assert.match(String((replies.redoubt[1] as { message?: string })?.message ?? JSON.stringify(replies.redoubt[1])), /Unable to listen on this port/);
  } finally {
    busy.close();
  }
});

test('CONFIG SET bind: overlapping addresses on the same port, an unavailable address, and the empty list', async () => {
  const replies: Record<string, unknown[]> = {};
  await both(['--unixsocket', 'sock'], async (c, s, kind) => {
    const out: unknown[] = (replies[kind] = []);
    // a wildcard over the address in use on the same port
    out.push(plain(await c.call('CONFIG', 'SET', 'bind', '* -::*')));
    assert.equal(await accepts(s.port, '127.0.0.1'), true, kind);
    out.push(plain(await c.call('PING')));
    // back to one address (the wildcard must go for it to bind)
    out.push(plain(await c.call('CONFIG', 'SET', 'bind', '127.0.0.1 -::1')));
    assert.equal(await accepts(s.port), true, kind);
    out.push(plain(await c.call('CONFIG', 'SET', 'bind', '10.255.255.1')));
    out.push(plain(await c.call('CONFIG', 'GET', 'bind')));
    assert.equal(await accepts(s.port), true, `${kind}: old addresses kept after the refusal`);
    // an optional address that does not exist is skipped
    out.push(plain(await c.call('CONFIG', 'SET', 'bind', '127.0.0.1 -10.255.255.1')));
    assert.equal(await accepts(s.port), true, kind);
    // no address at all: no TCP listener (the unix socket still serves)
    out.push(plain(await c.call('CONFIG', 'SET', 'bind', '')));
    assert.equal(await accepts(s.port), false, `${kind}: bind "" listens nowhere`);
    const u = await connectUnix(join(s.dir, 'sock'));
    out.push(plain(await u.call('CONFIG', 'SET', 'bind', '127.0.0.1')));
    u.close();
    assert.equal(await accepts(s.port), true, kind);
    out.push(plain(await c.call('PING')));
  });
  assert.deepEqual(replies.redoubt, replies.redis);
});

test('bind "" at startup opens no TCP listener, as in Redis 7', async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-'));
  const proc = spawn(process.execPath, [SERVER_BIN, '--port', String(port), '--dir', dir, '--unixsocket', 'sock', '--bind', ''], { cwd: dir, stdio: 'ignore' });
  try {
    let u: RawClient | null = null;
    for (let i = 0; i < 300 && u === null; i++) {
      u = await RawClient.connectPath(join(dir, 'sock')).catch(() => null);
      if (u === null) await new Promise((r) => setTimeout(r, 30));
    }
    assert.ok(u, 'the unix socket serves');
    assert.deepEqual(plain(await u.call('CONFIG', 'GET', 'bind')), ['bind', '']);
    assert.equal(await accepts(port), false, 'no TCP listener');
    u.close();
  } finally {
    proc.kill('SIGKILL');
  }
});

test('CONFIG SET port 0 closes TCP; the unix socket keeps serving and can reopen it', async () => {
  const s = await startRedoubt(['--unixsocket', 'sock']);
  try {
    const u = await connectUnix(join(s.dir, 'sock'));
    assert.equal(plain(await u.call('CONFIG', 'SET', 'port', '0')), 'OK');
    assert.equal(await accepts(s.port), false);
    const port2 = await freePort();
    assert.equal(plain(await u.call('CONFIG', 'SET', 'port', String(port2))), 'OK');
    const c = await RawClient.connect(port2);
    assert.equal(plain(await c.call('PING')), 'PONG');
    c.close();
    u.close();
  } finally {
    await s.stop();
  }
});

test('CONFIG SET tls-port opens, moves and refuses like port', async () => {
  const certs = makeCerts();
  const s = await startRedoubt(['--tls-cert-file', certs.cert, '--tls-key-file', certs.key, '--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'no']);
  const busy = await busyPort();
  try {
    const c = await RawClient.connect(s.port);
    const t1 = await freePort();
    assert.equal(plain(await c.call('CONFIG', 'SET', 'tls-port', String(t1))), 'OK');
    const ca = readFileSync(certs.ca);
    const hello = (port: number) =>
      new Promise<string>((resolve, reject) => {
        const sock = tls.connect({ port, host: '127.0.0.1', ca, servername: 'localhost' }, () => sock.write('PING\r\n'));
        sock.once('data', (d) => {
          sock.destroy();
          resolve(String(d));
        });
        sock.once('error', reject);
      });
    assert.equal(await hello(t1), '+PONG\r\n');
    const r = plain(await c.call('CONFIG', 'SET', 'tls-port', String(busy.port))) as { message?: string };
    assert.match(JSON.stringify(r), /Unable to listen on this port\. Check server logs\./);
    assert.deepEqual(plain(await c.call('CONFIG', 'GET', 'tls-port')), ['tls-port', String(t1)]);
    assert.equal(await hello(t1), '+PONG\r\n');
    assert.equal(plain(await c.call('CONFIG', 'SET', 'tls-port', '0')), 'OK');
    assert.equal(await accepts(t1), false);
    c.close();
  } finally {
    busy.close();
    await s.stop();
  }
});

test('bind-source-addr is the local address of a replica\'s link to its primary', async () => {
  const primary = await startRedoubt();
  const replica = await startRedoubt(['--replicaof', '127.0.0.1', String(primary.port), '--bind-source-addr', '127.0.0.5']);
  const p = await RawClient.connect(primary.port);
  try {
    let seen = '';
    for (let i = 0; i < 200 && !/slave0:ip=127\.0\.0\.5,/.test(seen); i++) {
      seen = String(plain(await p.call('INFO', 'replication')));
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.match(seen, /slave0:ip=127\.0\.0\.5,/);
    assert.match(String(plain(await p.call('CLIENT', 'LIST'))), /addr=127\.0\.0\.5:\d+ .*flags=S/);
  } finally {
    p.close();
    await Promise.all([replica.stop(), primary.stop()]);
  }
});
