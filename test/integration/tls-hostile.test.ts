// Hostile TLS input: garbage instead of a ClientHello, handshakes that never
// complete (closed after tls-handshake-timeout), a thousand handshakes in a
// row; the server keeps serving plaintext and TLS clients throughout.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createServer, type Server } from '../../src/index.js';
import { createCa, createServerCert } from '../../src/tls/certs.js';
import { freePort, tmp } from '../helpers/tls.js';

let dir: string;
let tlsPort: number;
let server: Server;
let ca: string;

before(async () => {
  dir = tmp('redoubt-tls-hostile-');
  const c = await createCa('Hostile CA', { keyType: 'ec' });
  const s = await createServerCert(c, ['localhost', '127.0.0.1'], { keyType: 'ec' });
  ca = c.certPem;
  writeFileSync(join(dir, 'redis.crt'), s.certPem);
  writeFileSync(join(dir, 'redis.key'), s.keyPem);
  tlsPort = await freePort();
  server = await createServer({
    config: {
      'tls-port': String(tlsPort),
      'tls-cert-file': join(dir, 'redis.crt'),
      'tls-key-file': join(dir, 'redis.key'),
      'tls-auth-clients': 'no',
      'tls-handshake-timeout': '400',
    },
  });
});

after(async () => {
  await server?.close();
});

const failures = () => server.listeners.tls.stats.handshakeFailures;

/** Sends `bytes` on a raw TCP connection to the TLS port; resolves how long the server took to close it. */
function rawSession(bytes: Buffer | null): Promise<{ closedAfterMs: number; received: Buffer }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const chunks: Buffer[] = [];
    const s = net.connect(tlsPort, '127.0.0.1', () => {
      if (bytes) s.write(bytes);
    });
    s.on('data', (d) => chunks.push(d));
    s.on('error', () => {});
    s.on('close', () => resolve({ closedAfterMs: Date.now() - t0, received: Buffer.concat(chunks) }));
  });
}

async function tlsClient(): Promise<Redis> {
  const r = new Redis({ host: '127.0.0.1', port: tlsPort, tls: { ca, servername: 'localhost' }, lazyConnect: true });
  await r.connect();
  return r;
}

test('garbage instead of a ClientHello: the connection is dropped, everyone else is served', async () => {
  const f0 = failures();
  const plain = new Redis({ port: server.port, lazyConnect: true });
  await plain.connect();
  const secure = await tlsClient();
  try {
    const junk = [Buffer.from('PING\r\n'), Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), Buffer.alloc(4096, 0xff), Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, 0x01, 0x00])];
    const results = await Promise.all(junk.map((b) => rawSession(b)));
    for (const r of results) {
      assert.ok(r.closedAfterMs < 2000, `closed after ${r.closedAfterMs} ms`);
      assert.doesNotMatch(r.received.toString('latin1'), /PONG|\+OK|-ERR/);
    }
    assert.equal(await plain.ping(), 'PONG');
    assert.equal(await secure.ping(), 'PONG');
    assert.equal(failures(), f0 + junk.length);
  } finally {
    plain.disconnect();
    secure.disconnect();
  }
});

test('a handshake that never completes is closed after tls-handshake-timeout', async () => {
  const secure = await tlsClient();
  try {
    // a real ClientHello cut short, and a silent peer
    const f0 = failures();
    const hello = await firstClientHelloBytes();
    const [partial, silent] = await Promise.all([rawSession(hello.subarray(0, 20)), rawSession(null)]);
    for (const r of [partial, silent]) {
      assert.ok(r.closedAfterMs >= 300, `closed too early: ${r.closedAfterMs} ms`);
      assert.ok(r.closedAfterMs < 5000, `closed too late: ${r.closedAfterMs} ms`);
    }
    await new Promise((r) => setImmediate(r));
    assert.equal(failures(), f0 + 2);
    // CONFIG SET applies to the next connections
    server.config.set('tls-handshake-timeout', '1200');
    try {
      const longer = await rawSession(null);
      assert.ok(longer.closedAfterMs >= 1100, `closed after ${longer.closedAfterMs} ms`);
    } finally {
      server.config.set('tls-handshake-timeout', '400');
    }
    assert.equal(await secure.ping(), 'PONG');
  } finally {
    secure.disconnect();
  }
});

test('a thousand handshakes in a row: the server keeps serving plaintext and TLS clients', async () => {
  // the default timeout: the 400 ms left by the test above can cut a handshake on a loaded machine
  server.config.set('tls-handshake-timeout', '10000');
  const plain = new Redis({ port: server.port, lazyConnect: true });
  await plain.connect();
  const secure = await tlsClient();
  const baseline = server.clients.size;
  let served = 0;
  let stop = false;
  const background = (async () => {
    while (!stop) {
      assert.equal(await plain.incr('hostile:plain'), ++served);
      assert.equal(await secure.get('hostile:plain'), String(served));
    }
  })();
  try {
    let done = 0;
    const worker = async () => {
      while (done < 1000) {
        done++;
        await new Promise<void>((resolve, reject) => {
          const s = tls.connect({ host: '127.0.0.1', port: tlsPort, ca, servername: 'localhost' }, () => {
            s.end();
            resolve();
          });
          s.on('error', reject);
        });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    stop = true;
    await background;
    assert.ok(served > 10, `only ${served} requests served meanwhile`);
    assert.equal(await secure.ping(), 'PONG');
    // every handshake's connection went away again
    for (let i = 0; i < 50 && server.clients.size > baseline; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(server.clients.size, baseline);
  } finally {
    stop = true;
    plain.disconnect();
    secure.disconnect();
  }
});

/** The first bytes a Node TLS client sends: a genuine ClientHello record. */
function firstClientHelloBytes(): Promise<Buffer> {
  return new Promise((resolve) => {
    const srv = net.createServer((sock) => {
      sock.once('data', (d) => {
        resolve(d);
        sock.destroy();
        srv.close();
      });
    });
    srv.listen(0, '127.0.0.1', () => {
      const c = tls.connect({ host: '127.0.0.1', port: (srv.address() as net.AddressInfo).port, rejectUnauthorized: false });
      c.on('error', () => {});
    });
  });
}
