// Bad input over real sockets: each malformed request gets Redis's error and
// the connection is closed as Redis does; neighbours keep being served; the
// server never crashes. Error texts are compared with the reference server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startRedoubt, startRedis, type Running } from '../helpers/servers.js';
import { RawClient, RespError } from '../helpers/resp-client.js';

let ours: Running;
let ref: Running;
before(async () => {
  [ours, ref] = await Promise.all([startRedoubt(), startRedis()]);
});
after(async () => {
  await Promise.all([ours?.stop(), ref?.stop()]);
});

/** Sends raw bytes; returns the first reply (or 'closed') and whether the server closed the connection. */
async function probe(port: number, data: string | Buffer): Promise<{ reply: string; closed: boolean }> {
  const c = await RawClient.connect(port);
  c.writeRaw(data);
  let reply: string;
  try {
    const r = await c.read(2000);
    reply = r instanceof RespError ? '-' + r.message : JSON.stringify(r);
  } catch {
    reply = 'no reply';
  }
  const closed = await c.waitClose(1000);
  c.close();
  return { reply, closed };
}

const MALFORMED: [string, string | Buffer][] = [
  ['non-numeric multibulk count', '*abc\r\n'],
  ['huge multibulk count', '*99999999999\r\n'],
  ['bulk without $', '*1\r\n+PING\r\n'],
  ['negative bulk length', '*1\r\n$-3\r\n'],
  ['2 GB declared bulk', '*2\r\n$3\r\nSET\r\n$2147483648\r\n'],
  ['bulk over proto-max-bulk-len', '*2\r\n$3\r\nSET\r\n$536870913\r\n'],
  ['unbalanced inline quotes', 'SET "a b\r\n'],
  ['too big inline request', Buffer.alloc(70 * 1024, 'a')],
  ['non-numeric bulk length', '*1\r\n$x\r\n'],
];

for (const [name, data] of MALFORMED) {
  test(`malformed: ${name} — same error as redis-server, connection closed`, async () => {
    const [a, b] = await Promise.all([probe(ours.port, data), probe(ref.port, data)]);
    assert.equal(a.reply, b.reply);
    assert.equal(a.closed, b.closed);
  });
}

test('a neighbour connection is unaffected by a client sending garbage, and the server survives random bytes', async () => {
  const good = await RawClient.connect(ours.port);
  assert.equal(await good.call('SET', 'k', 'v'), 'OK');
  const junk: Promise<unknown>[] = [];
  for (let i = 0; i < 40; i++) {
    junk.push(
      (async () => {
        const c = await RawClient.connect(ours.port);
        c.writeRaw(randomBytes(1 + (i * 97) % 3000));
        await new Promise((r) => setTimeout(r, 20));
        c.close();
      })(),
    );
    assert.equal(await good.call('GET', 'k'), 'v');
  }
  await Promise.all(junk);
  assert.equal(await good.call('PING'), 'PONG');
  const fresh = await RawClient.connect(ours.port);
  assert.equal(await fresh.call('GET', 'k'), 'v');
  fresh.close();
  good.close();
});

test('client-query-buffer-limit disconnects the offender only', async () => {
  const srv = await startRedoubt(['--client-query-buffer-limit', '1mb']);
  try {
    const good = await RawClient.connect(srv.port);
    const bad = await RawClient.connect(srv.port);
    bad.writeRaw('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10000000\r\n');
    bad.writeRaw(Buffer.alloc(2 * 1024 * 1024, 'x'));
    assert.equal(await bad.waitClose(3000), true);
    assert.equal(await good.call('PING'), 'PONG');
    good.close();
  } finally {
    await srv.stop();
  }
});

test('unauthenticated clients get the pre-auth limits (same as redis-server)', async () => {
  const [a, b] = await Promise.all([startRedoubt(['--requirepass', 'sekret']), startRedis(['--requirepass', 'sekret'])]);
  try {
    for (const data of ['*11\r\n', '*2\r\n$4\r\nAUTH\r\n$20000\r\n']) {
      const [x, y] = await Promise.all([probe(a.port, data), probe(b.port, data)]);
      assert.equal(x.reply, y.reply);
      assert.match(x.reply, /unauthenticated/);
      assert.equal(x.closed, true);
    }
    const c = await RawClient.connect(a.port);
    assert.deepEqual(await c.call('GET', 'x'), new RespError('NOAUTH Authentication required.'));
    assert.deepEqual(await c.call('AUTH', 'wrong'), new RespError('WRONGPASS invalid username-password pair or user is disabled.'));
    assert.equal(await c.call('AUTH', 'sekret'), 'OK');
    // after AUTH the limits are Redis's normal ones
    assert.equal(await c.call('SET', 'big', 'x'.repeat(20000)), 'OK');
    c.close();
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('unknown command and wrong arity use Redis texts', async () => {
  const a = await RawClient.connect(ours.port);
  const b = await RawClient.connect(ref.port);
  for (const argv of [['FOOBAR', 'a', 'b'], ['GET'], ['get', 'a', 'b'], ['CONFIG'], ['CONFIG', 'NOPE'], ['foo', 'x'.repeat(300)]]) {
    assert.deepEqual(await a.call(...argv), await b.call(...argv), argv.join(' '));
  }
  a.close();
  b.close();
});
