// Requests are read into one buffer shared by every plain socket
// (server/direct-read.ts): a command cut anywhere by a read must survive
// other clients' reads into the same buffer before its rest arrives.
//
// Replies under 1 MB per batch go straight through the socket's handle
// (server/direct-write.ts). When the kernel does not take such a write at
// once, its bytes must still count as the client's output (CLIENT LIST omem,
// client-output-buffer-limit), later replies must queue behind it, and all of
// them must arrive, complete and in order, once the client reads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { join } from 'node:path';
import { startRedoubt } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp-client.js';

const VALUE = 20 * 1024;
const KEYS = 20;
const BATCH = 4; // 80 KB of replies per read, far below the 1 MB at which replies move to the chunk list even when reads merge
const ROUNDS = 100; // 2000 replies, 40 MB: far more than the kernel's socket buffers hold

function valueOf(i: number): string {
  return String.fromCharCode(97 + i).repeat(VALUE);
}

function getCmd(i: number): string {
  const k = 'k' + i;
  return `*2\r\n$3\r\nGET\r\n$${k.length}\r\n${k}\r\n`;
}

async function clientLine(admin: RawClient, name: string): Promise<string | undefined> {
  const list = plain(await admin.call('CLIENT', 'LIST')) as string;
  return list.split('\n').find((l) => l.includes(` name=${name} `));
}

/** Resumes a paused socket and collects `bytes` bytes of it (latin1), or fails after `ms`. */
function readAll(sock: net.Socket, bytes: number, ms: number): Promise<string> {
  const chunks: Buffer[] = [];
  let got = 0;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got} of ${bytes} bytes arrived`)), ms);
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (got >= bytes) {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString('latin1'));
      }
    });
    sock.resume();
  });
}

test('a direct write the kernel did not take counts in omem until it completes (unix socket)', async () => {
  // a unix socket's kernel buffer holds about 200 KB: most of one 800 KB write stays in flight
  const srv = await startRedoubt(['--unixsocket', 'sock']);
  const admin = await RawClient.connect(srv.port);
  const big = 200 * 1024;
  const slow = net.connect(join(srv.dir, 'sock'));
  const connected = new Promise<void>((r) => slow.once('connect', () => r()));
  try {
    for (let i = 0; i < 4; i++) await admin.call('SET', 'u' + i, String.fromCharCode(65 + i).repeat(big));
    await connected;
    slow.pause();
    let req = '*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$4\r\nslow\r\n';
    for (let i = 0; i < 4; i++) req += `*2\r\n$3\r\nGET\r\n$2\r\nu${i}\r\n`;
    slow.write(req);
    await new Promise((r) => setTimeout(r, 300));
    const line = await clientLine(admin, 'slow');
    assert.ok(line, 'slow client listed');
    const omem = Number(/ omem=(\d+)/.exec(line)![1]);
    assert.ok(omem > 200 * 1024 && omem <= 4 * (big + 16) + 5, `omem=${omem}: ${line}`);
    assert.ok(/ events=rw /.test(line), line);

    let expected = '+OK\r\n';
    for (let i = 0; i < 4; i++) expected += `$${big}\r\n${String.fromCharCode(65 + i).repeat(big)}\r\n`;
    const received = await readAll(slow, expected.length, 10_000);
    assert.ok(received === expected, 'replies arrived complete and in order');
    await new Promise((r) => setTimeout(r, 100));
    const after = (await clientLine(admin, 'slow'))!;
    assert.match(after, / omem=0 /);
    assert.match(after, / events=r /);
    // and the connection goes on working (the completion cleared the in-flight count)
    slow.removeAllListeners('data');
    const pong = new Promise<string>((r) => slow.once('data', (d: Buffer) => r(d.toString('latin1'))));
    slow.write('PING\r\n');
    assert.equal(await pong, '+PONG\r\n');
  } finally {
    slow.destroy();
    admin.close();
    await srv.stop();
  }
});

test('replies a client leaves unread count in omem, and all arrive in order once it reads', async () => {
  const srv = await startRedoubt();
  const admin = await RawClient.connect(srv.port);
  const slow = net.connect(srv.port, '127.0.0.1');
  const connected = new Promise<void>((r) => slow.once('connect', () => r()));
  try {
    for (let i = 0; i < KEYS; i++) await admin.call('SET', 'k' + i, valueOf(i));
    await connected;
    slow.pause();
    slow.write('*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$4\r\nslow\r\n');
    const order: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (let b = 0; b < KEYS; b += BATCH) {
        let req = '';
        for (let j = b; j < b + BATCH; j++) {
          req += getCmd(j);
          order.push(j);
        }
        slow.write(req);
        // separate reads, so each batch of replies is its own write
        await new Promise((res) => setTimeout(res, 2));
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    const line = await clientLine(admin, 'slow');
    assert.ok(line, 'slow client listed');
    const omem = Number(/ omem=(\d+)/.exec(line)![1]);
    // 40 MB asked for; whatever the kernel holds (a few MB) is not counted
    assert.ok(omem > 10 * 1024 * 1024, `omem=${omem}: ${line}`);
    assert.ok(/ events=rw /.test(line), line);
    assert.equal(plain(await admin.call('PING')), 'PONG');

    let expected = '+OK\r\n';
    for (const i of order) expected += `$${VALUE}\r\n${valueOf(i)}\r\n`;
    const received = await readAll(slow, expected.length, 60_000);
    const all = received;
    assert.equal(all.length, expected.length);
    assert.ok(all === expected, 'replies arrived complete and in order');
    // nothing left once it has read everything
    await new Promise((r) => setTimeout(r, 100));
    const after = await clientLine(admin, 'slow');
    assert.match(after!, / omem=0 /);
  } finally {
    slow.destroy();
    admin.close();
    await srv.stop();
  }
});

test('client-output-buffer-limit closes a client whose unread replies pass the hard limit', async () => {
  const srv = await startRedoubt();
  const admin = await RawClient.connect(srv.port);
  const slow = net.connect(srv.port, '127.0.0.1');
  const connected = new Promise<void>((r) => slow.once('connect', () => r()));
  const closed = new Promise<void>((r) => slow.once('close', () => r()));
  slow.on('error', () => {});
  try {
    for (let i = 0; i < KEYS; i++) await admin.call('SET', 'k' + i, valueOf(i));
    assert.equal(plain(await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 8mb 0 0')), 'OK');
    await connected;
    slow.pause();
    for (let r = 0; r < ROUNDS && !slow.destroyed; r++) {
      for (let b = 0; b < KEYS && !slow.destroyed; b += BATCH) {
        let req = '';
        for (let j = b; j < b + BATCH; j++) req += getCmd(j);
        slow.write(req);
        await new Promise((res) => setTimeout(res, 2));
      }
    }
    // read what was sent before the close: a server that did not close leaves the socket open
    slow.on('data', () => {});
    slow.resume();
    const outcome = await Promise.race([closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open'), 10_000))]);
    assert.equal(outcome, 'closed');
    assert.equal(plain(await admin.call('PING')), 'PONG');
    const list = plain(await admin.call('CLIENT', 'LIST')) as string;
    assert.equal(list.trim().split('\n').length, 1, list);
  } finally {
    slow.destroy();
    admin.close();
    await srv.stop();
  }
});

test('a command cut at any byte survives other clients reading into the shared buffer before its rest arrives', async () => {
  const srv = await startRedoubt();
  const other = await RawClient.connect(srv.port);
  const cut = net.connect(srv.port, '127.0.0.1');
  await new Promise<void>((r) => cut.once('connect', () => r()));
  let replies = '';
  cut.on('data', (d: Buffer) => (replies += d.toString('latin1')));
  try {
    const cmd = '*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$11\r\nhello world\r\n';
    for (let i = 1; i < cmd.length; i++) {
      cut.write(cmd.slice(0, i));
      await new Promise((r) => setTimeout(r, 5));
      // another client's request and reply overwrite the shared read buffer meanwhile
      assert.equal(plain(await other.call('SET', 'key', 'X'.repeat(i))), 'OK');
      cut.write(cmd.slice(i));
      const deadline = Date.now() + 5000;
      while (replies.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      assert.equal(replies, '+OK\r\n', `cut at ${i}`);
      replies = '';
      assert.equal(plain(await other.call('GET', 'key')), 'hello world', `cut at ${i}`);
    }
  } finally {
    cut.destroy();
    other.close();
    await srv.stop();
  }
});
