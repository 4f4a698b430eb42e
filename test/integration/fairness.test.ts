// One client's long pipeline must not hold everyone else up: each client
// gets a slice of command time per event-loop turn, and the rest of its
// pipeline waits in its query buffer for the next turn, in order.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startRedoubt, type Running } from '../helpers/servers.js';

let srv: Running;

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1', () => resolve(sock));
  });
}

after(async () => srv?.stop());

test('a PING is answered while another client runs a 0.8 s pipeline of slow commands', async () => {
  srv = await startRedoubt(['--enable-debug-command', 'yes']);
  const hog = await connect(srv.port);
  const other = await connect(srv.port);
  const N = 400;
  let hogReplies = '';
  const hogDone = new Promise<number>((resolve) => {
    hog.on('data', (d) => {
      hogReplies += d.toString('latin1');
      if (hogReplies.length >= N * 5 + 8) resolve(performance.now());
    });
  });
  // 400 commands of 2 ms each, in one write (12 KB: one read for the server)
  const t0 = performance.now();
  hog.write('*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$5\r\n0.002\r\n'.repeat(N) + '*2\r\n$4\r\nECHO\r\n$2\r\nok\r\n');
  await new Promise((r) => setTimeout(r, 30));
  const p0 = performance.now();
  const pong = await new Promise<number>((resolve) => {
    other.once('data', (d) => {
      assert.equal(d.toString('latin1'), '+PONG\r\n');
      resolve(performance.now());
    });
    other.write('*1\r\n$4\r\nPING\r\n');
  });
  const end = await hogDone;
  // the whole pipeline takes >= 0.8 s; the PING must not wait for it
  assert.ok(end - t0 >= 780, `pipeline took ${(end - t0).toFixed(0)} ms`);
  assert.ok(pong - p0 < 150, `PING waited ${(pong - p0).toFixed(0)} ms behind the pipeline`);
  assert.ok(pong < end, 'PING answered before the pipeline ended');
  // the hog got every reply, in order
  assert.equal(hogReplies, '+OK\r\n'.repeat(N) + '$2\r\nok\r\n');
  hog.destroy();
  other.destroy();
});

test('a long pipeline cut into slices runs in order with writes interleaved from another client', async () => {
  const a = await connect(srv.port);
  const b = await connect(srv.port);
  let out = '';
  const N = 300;
  const done = new Promise<void>((resolve) => {
    a.on('data', (d) => {
      out += d.toString('latin1');
      if (out.endsWith('$3\r\nend\r\n')) resolve();
    });
  });
  // INCRs of one counter, slow enough to span many slices, then a GET
  let cmds = '';
  for (let i = 0; i < N; i++) cmds += '*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$6\r\n0.0005\r\n*2\r\n$4\r\nINCR\r\n$3\r\nctr\r\n';
  a.write(cmds + '*2\r\n$4\r\nECHO\r\n$3\r\nend\r\n');
  // meanwhile the other client sets a key the first one never touches
  await new Promise((r) => setTimeout(r, 20));
  const bDone = new Promise<string>((resolve) => b.once('data', (d) => resolve(d.toString('latin1'))));
  b.write('*3\r\n$3\r\nSET\r\n$5\r\nother\r\n$1\r\nx\r\n');
  assert.equal(await bDone, '+OK\r\n');
  await done;
  let want = '';
  for (let i = 1; i <= N; i++) want += `+OK\r\n:${i}\r\n`;
  assert.equal(out, want + '$3\r\nend\r\n');
  a.destroy();
  b.destroy();
});
