// CLIENT LIST / CLIENT INFO query-buffer accounting (qbuf, qbuf-free,
// argv-mem, multi-mem, tot-mem) compared with redis-server 7.0 in the
// situations Redis's own tests look at (introspection.tcl, querybuf.tcl):
// the running client still holds its batch, a half-sent command holds its
// parsed arguments, a big bulk gets a buffer of its own size as soon as its
// header arrives, queued MULTI commands count, an idle client's empty buffer
// is released after 2 seconds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { serversForFile } from '../helpers/servers.js';

const s = serversForFile();

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1', () => resolve(sock));
  });
}

/**
 * Sends raw bytes and collects what comes back for `ms`: long enough for a
 * few cron ticks, after which Redis has shrunk the reply buffer of a client
 * that only got small replies (rbs 1 KB) and so does Redoubt's model.
 */
async function exchange(sock: net.Socket, bytes: string, ms = 350): Promise<string> {
  let out = '';
  const on = (d: Buffer) => (out += d.toString('latin1'));
  sock.on('data', on);
  sock.write(bytes);
  await new Promise((r) => setTimeout(r, ms));
  sock.off('data', on);
  return out;
}

/** The fields of the CLIENT LIST line of the client named `name`. */
function fieldsOf(list: string, name: string): Record<string, string> {
  const line = list.split('\n').find((l) => l.includes(` name=${name} `));
  assert.ok(line, `no client named ${name} in ${list}`);
  return Object.fromEntries(line.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

const KEYS = ['qbuf', 'qbuf-free', 'argv-mem', 'multi-mem', 'multi', 'cmd'];

/** Runs `scenario` against both servers; returns each side's CLIENT LIST. */
async function onBoth(scenario: (port: number) => Promise<string>): Promise<[string, string]> {
  return Promise.all([scenario(s.srv.port), scenario(s.ref.port)]);
}

function same(a: Record<string, string>, b: Record<string, string>, keys = KEYS, tolerance = 0.02): void {
  for (const k of keys) assert.equal(a[k], b[k], `${k}: redoubt ${a[k]} redis ${b[k]}`);
  // tot-mem: Redoubt models Redis's allocations; close to redis-server's figure
  const ta = Number(a['tot-mem']);
  const tb = Number(b['tot-mem']);
  assert.ok(Math.abs(ta - tb) <= tb * tolerance, `tot-mem: redoubt ${ta} redis ${tb}`);
}

test('the client running CLIENT LIST / CLIENT INFO sees its own batch and argv', async () => {
  const [a, b] = await onBoth(async (port) => {
    const c = await connect(port);
    await exchange(c, 'CLIENT SETNAME self\r\n');
    const list = await exchange(c, '*2\r\n$6\r\nclient\r\n$4\r\nlist\r\n');
    c.destroy();
    return list;
  });
  const fa = fieldsOf(a, 'self');
  same(fa, fieldsOf(b, 'self'));
  assert.equal(fa.qbuf, '26');
  assert.equal(fa['argv-mem'], '10');
  assert.equal(Number(fa.qbuf) + Number(fa['qbuf-free']), 20474);

  // CLIENT INFO, inline, pipelined after a PING: the whole batch is in the buffer
  const [ia, ib] = await onBoth(async (port) => {
    const c = await connect(port);
    await exchange(c, 'CLIENT SETNAME self2\r\n');
    const out = await exchange(c, 'PING\r\nCLIENT INFO\r\n');
    c.destroy();
    return out;
  });
  const ga = fieldsOf(ia, 'self2');
  same(ga, fieldsOf(ib, 'self2'));
  assert.equal(ga.qbuf, '19');
});

test('half-sent commands: parsed arguments in argv-mem, a big bulk gets its own buffer', async () => {
  const [a, b] = await onBoth(async (port) => {
    const small = await connect(port);
    await exchange(small, 'CLIENT SETNAME small\r\n');
    await exchange(small, '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nabc');
    const big = await connect(port);
    await exchange(big, 'CLIENT SETNAME big\r\n');
    await exchange(big, '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\nabcdefghij');
    const fat = await connect(port);
    await exchange(fat, 'CLIENT SETNAME fat\r\n');
    // only the header of a 1 MB argument: Redis sizes the buffer for it at once
    await exchange(fat, '*3\r\n$3\r\nset\r\n$1\r\na\r\n$1000000\r\n');
    const q = await connect(port);
    const list = await exchange(q, 'CLIENT LIST\r\n');
    for (const x of [small, big, fat, q]) x.destroy();
    return list;
  });
  same(fieldsOf(a, 'small'), fieldsOf(b, 'small'));
  // Redis's cron trims a big bulk's buffer to the bulk's size (sdsResize) once
  // it is idle: compare the parts that do not depend on when it ran
  for (const name of ['big', 'fat']) same(fieldsOf(a, name), fieldsOf(b, name), ['qbuf', 'argv-mem', 'multi-mem', 'cmd'], 0.15);
  assert.ok(Number(fieldsOf(b, 'big')['qbuf-free']) >= 100000 - 10);
  const sm = fieldsOf(a, 'small');
  assert.equal(sm.qbuf, '3');
  assert.equal(sm['argv-mem'], '4');
  const bg = fieldsOf(a, 'big');
  assert.equal(bg.qbuf, '10');
  assert.ok(Number(bg['qbuf-free']) >= 100000 - 10, bg['qbuf-free']);
  const ft = fieldsOf(a, 'fat');
  assert.ok(Number(ft.qbuf) + Number(ft['qbuf-free']) > 1000000);
  assert.ok(Number(ft['tot-mem']) > 1000000);
});

test('queued MULTI commands count in multi-mem and tot-mem', async () => {
  const [a, b] = await onBoth(async (port) => {
    const m = await connect(port);
    await exchange(m, 'CLIENT SETNAME multi\r\nMULTI\r\nSET a b\r\nSET cc dd\r\n');
    const q = await connect(port);
    const list = await exchange(q, 'CLIENT LIST\r\n');
    m.destroy();
    q.destroy();
    return list;
  });
  const fa = fieldsOf(a, 'multi');
  same(fa, fieldsOf(b, 'multi'));
  assert.equal(fa['multi-mem'], '60');
  assert.equal(fa.cmd, 'set');
});

test('an idle client releases its empty query buffer after 2 seconds, as Redis', async () => {
  const socks: net.Socket[] = [];
  const lists = await onBoth(async (port) => {
    const c = await connect(port);
    socks.push(c);
    await exchange(c, 'CLIENT SETNAME idle\r\n');
    const q = await connect(port);
    socks.push(q);
    return exchange(q, 'CLIENT LIST\r\n');
  });
  for (const l of lists) {
    const f = fieldsOf(l, 'idle');
    assert.equal(Number(f.qbuf) + Number(f['qbuf-free']), 20474);
  }
  // Redis's cron trims it once idle > 2 s (so it shows from the third second on)
  await new Promise((r) => setTimeout(r, 3300));
  const later = await onBoth(async (port) => {
    const q = await connect(port);
    socks.push(q);
    return exchange(q, 'CLIENT LIST\r\n');
  });
  for (const l of later) {
    const f = fieldsOf(l, 'idle');
    assert.equal(f.qbuf, '0');
    assert.equal(f['qbuf-free'], '0');
  }
  for (const x of socks) x.destroy();
});
