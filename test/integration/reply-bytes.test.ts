// Raw reply bytes of pipelined batches compared with redis-server: the write
// pass flattens a batch's reply rope and arrays of bulk strings are encoded
// through a scratch buffer (protocol/reply.ts packBulks), so element sizes
// around its copy-loop limit, binary bytes, replies past the scratch buffer
// and pipelines whose replies cross the deferred-write threshold are checked
// byte for byte.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { serversForFile } from '../helpers/servers.js';

const servers = serversForFile();

function encode(cmds: (string | Buffer)[][]): Buffer {
  const parts: Buffer[] = [];
  for (const argv of cmds) {
    parts.push(Buffer.from(`*${argv.length}\r\n`));
    for (const a of argv) {
      const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
      parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
    }
  }
  return Buffer.concat(parts);
}

/** Sends the whole pipeline in one write and collects every reply byte up to the reply of a final PING marker. */
function exchange(port: number, cmds: (string | Buffer)[][]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const marker = Buffer.from('$12\r\nEND-OF-BATCH\r\n');
    s.on('data', (d) => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      if (all.length >= marker.length && all.subarray(all.length - marker.length).equals(marker)) {
        s.destroy();
        resolve(all.subarray(0, all.length - marker.length));
      }
    });
    s.on('error', reject);
    s.on('connect', () => s.write(encode([...cmds, ['PING', 'END-OF-BATCH']])));
    s.setTimeout(20000, () => {
      s.destroy();
      reject(new Error('no end marker'));
    });
  });
}

async function both(cmds: (string | Buffer)[][]): Promise<void> {
  const [a, b] = await Promise.all([exchange(servers.srv.port, cmds), exchange(servers.ref.port, cmds)]);
  assert.equal(a.length, b.length, 'reply length');
  assert.ok(a.equals(b), 'reply bytes differ');
}

test('the marker ends the exchange after every reply before it', async () => {
  const a = await exchange(servers.srv.port, [['PING'], ['ECHO', 'x']]);
  assert.equal(a.toString('latin1'), '+PONG\r\n$1\r\nx\r\n');
});

test('LRANGE over elements of every size around the copy-loop limit, and binary bytes', async () => {
  const key = 'rb:list';
  const elems: Buffer[] = [];
  for (const n of [0, 1, 9, 10, 11, 31, 32, 33, 99, 100, 101, 1000, 70000]) elems.push(Buffer.alloc(n, 97 + (n % 26)));
  elems.push(Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
  await both([['DEL', key], ['RPUSH', key, ...elems]]);
  const ranges = [['0', '-1'], ['0', '5'], ['6', '-1'], ['-3', '-1'], ['5', '2'], ['100', '200'], ['0', '0']];
  await both(ranges.map(([a, b]) => ['LRANGE', key, a, b]));
});

test('LRANGE replies past the scratch buffer and with more than 4096 elements', async () => {
  const big = 'rb:big';
  const many = 'rb:many';
  const cmds: string[][] = [['DEL', big, many]];
  for (let i = 0; i < 40; i++) cmds.push(['RPUSH', big, 'v'.repeat(2000) + i]);
  const m: string[] = [];
  for (let i = 0; i < 5000; i++) m.push('e' + i);
  cmds.push(['RPUSH', many, ...m]);
  await both(cmds);
  await both([['LRANGE', big, '0', '-1'], ['LRANGE', big, '0', '30'], ['LRANGE', many, '0', '-1'], ['LRANGE', many, '0', '4095'], ['LRANGE', many, '0', '4096']]);
});

test('pipelines of 16 with small and mid-sized replies (deferred and flattened, or written at once)', async () => {
  const setup: string[][] = [['DEL', 'rb:z', 'rb:l', 'rb:h', 'rb:c', 'rb:s']];
  const z: string[] = [];
  for (let i = 0; i < 50; i++) z.push(String(i), 'member:' + i);
  setup.push(['ZADD', 'rb:z', ...z], ['RPUSH', 'rb:l', ...Array.from({ length: 150 }, (_, i) => 'x'.repeat(i % 7))]);
  setup.push(['SADD', 'rb:s', ...Array.from({ length: 50 }, (_, i) => String(i * 2000))]);
  await both(setup);
  const batch: string[][] = [];
  for (let i = 0; i < 16; i++) {
    batch.push(['ZRANGEBYSCORE', 'rb:z', '10', '(20', 'WITHSCORES']);
    batch.push(['INCR', 'rb:c']);
    batch.push(['LRANGE', 'rb:l', String(i), String(i + 20)]);
    batch.push(['HSET', 'rb:h', 'field:' + (i % 3), String(i)]);
    batch.push(['SISMEMBER', 'rb:s', String(i * 1000)]);
  }
  await both(batch);
  await both(Array.from({ length: 16 }, () => ['LRANGE', 'rb:l', '0', '99']));
  await both(Array.from({ length: 16 }, () => ['ZRANGEBYSCORE', 'rb:z', '-inf', '+inf', 'WITHSCORES']));
});
