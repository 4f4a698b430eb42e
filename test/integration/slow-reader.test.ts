// A client that keeps sending requests for big replies but stops reading:
// the server stops reading from it once its unread output passes 64 MB
// (instead of buffering without bound), keeps serving everyone else, and
// every reply still arrives, in order, once the client reads again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startRedoubt } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp-client.js';

const VALUE = 1024 * 1024; // 1 MB per reply
const REQUESTS = 140; // 140 MB of replies if the server never paused

test('a client that stops reading is paused at the output high-water mark and loses nothing', async () => {
  const srv = await startRedoubt();
  const admin = await RawClient.connect(srv.port);
  const slow = net.connect(srv.port, '127.0.0.1');
  const connected = new Promise<void>((r) => slow.once('connect', () => r()));
  try {
    await admin.call('SET', 'big', 'v'.repeat(VALUE));
    await connected;
    await admin.call('CLIENT', 'SETNAME', 'admin');
    slow.write('*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$4\r\nslow\r\n');
    slow.pause();
    // separate reads, so the server gets the chance to stop reading between them
    for (let i = 0; i < REQUESTS; i += 10) {
      slow.write('*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n'.repeat(10));
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    // everyone else is served while the slow client sits on its replies
    assert.equal(plain(await admin.call('PING')), 'PONG');
    const list = plain(await admin.call('CLIENT', 'LIST')) as string;
    const line = list.split('\n').find((l) => l.includes(' name=slow '));
    assert.ok(line, list);
    const omem = Number(/ omem=(\d+)/.exec(line)![1]);
    // paused near 64 MB (plus what was in flight), far below the 140 MB it asked for
    assert.ok(omem > 32 * VALUE && omem < 100 * VALUE, `omem=${omem}`);

    // reading again drains everything: all replies, complete and in order
    const want = 5 + REQUESTS * (1 + String(VALUE).length + 2 + VALUE + 2);
    let got = 0;
    let head = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${got} of ${want} bytes arrived`)), 60_000);
      slow.on('data', (d: Buffer) => {
        if (head.length < 64) head += d.subarray(0, 64).toString('latin1');
        got += d.length;
        if (got >= want) {
          clearTimeout(timer);
          resolve();
        }
      });
      slow.resume();
    });
    assert.equal(got, want);
    assert.ok(head.startsWith('+OK\r\n$1048576\r\nvvvv'), JSON.stringify(head.slice(0, 30)));
  } finally {
    slow.destroy();
    admin.close();
    await srv.stop();
  }
});
