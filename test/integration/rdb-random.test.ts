// Random datasets through SAVE and restart, both directions, checked with
// DEBUG DIGEST (Redis's algorithm): Redoubt's dump restarted in Redoubt and
// loaded by redis-server, and redis-server's dump loaded by Redoubt, all
// give the digest redis-server computes for the same commands.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedoubt, startRedis } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp-client.js';
import { pipeline } from '../helpers/dataset.js';

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function randomCommands(seed: number): string[][] {
  const r = rng(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
  const word = () => {
    const kind = r();
    if (kind < 0.3) return String(Math.floor(r() * 2000) - 1000);
    if (kind < 0.4) return String(Math.floor(r() * 2 ** 40));
    const n = 1 + Math.floor(r() * (r() < 0.1 ? 120 : 12));
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(r() < 0.9 ? 97 + Math.floor(r() * 6) : Math.floor(r() * 256));
    return s;
  };
  const out: string[][] = [];
  const future = Date.now() + 3_600_000;
  for (let i = 0; i < 400; i++) {
    const key = 'k' + Math.floor(r() * 40);
    const db = String(Math.floor(r() * 3));
    out.push(['SELECT', db]);
    const t = pick(['set', 'list', 'set2', 'zset', 'hash', 'expire', 'del', 'big']);
    switch (t) {
      case 'set':
        out.push(['SET', 's:' + key, word()]);
        break;
      case 'list':
        out.push(['RPUSH', 'l:' + key, word(), word()]);
        break;
      case 'set2':
        out.push(['SADD', 'S:' + key, word(), word(), word()]);
        break;
      case 'zset':
        out.push(['ZADD', 'z:' + key, String(Math.floor(r() * 100) / 8 - 5), word()]);
        break;
      case 'hash':
        out.push(['HSET', 'h:' + key, word(), word()]);
        break;
      case 'expire':
        out.push(['PEXPIREAT', pick(['s:', 'l:', 'S:', 'z:', 'h:']) + key, String(future + Math.floor(r() * 1000))]);
        break;
      case 'del':
        out.push(['DEL', pick(['s:', 'l:', 'S:', 'z:', 'h:']) + key]);
        break;
      default: {
        const cmd = ['RPUSH', 'SADD', 'HSET', 'ZADD'][Math.floor(r() * 4)];
        const a = [cmd, 'big:' + cmd + key];
        for (let j = 0; j < 150; j++) {
          if (cmd === 'HSET') a.push(word(), word());
          else if (cmd === 'ZADD') a.push(String(j), word());
          else a.push(word());
        }
        out.push(a);
      }
    }
  }
  return out;
}

for (const seed of [1, 2, 3]) {
  test(`random dataset ${seed}: the same DEBUG DIGEST after SAVE and reload, both directions`, async () => {
    const dbg = ['--enable-debug-command', 'yes'];
    const [srv, ref] = await Promise.all([startRedoubt(['--save', '', ...dbg]), startRedis(dbg)]);
    const extra: { stop: () => Promise<void> }[] = [];
    try {
      const cmds = randomCommands(seed);
      const c = await RawClient.connect(srv.port);
      const rc = await RawClient.connect(ref.port);
      await pipeline(c, cmds);
      await pipeline(rc, cmds);
      const want = plain(await rc.call('DEBUG', 'DIGEST')) as string;
      assert.notEqual(want, '0'.repeat(40));
      assert.equal(plain(await c.call('DEBUG', 'DIGEST')), want, 'same data, same digest');
      assert.equal(plain(await c.call('SAVE')), 'OK');
      assert.equal(plain(await rc.call('SAVE')), 'OK');
      c.close();
      rc.close();
      // Redoubt's dump in Redoubt and in redis-server; redis-server's dump in Redoubt
      const [a, b, d] = await Promise.all([
        startRedoubt(['--dir', srv.dir, '--save', '', ...dbg]),
        startRedis(['--dir', srv.dir, ...dbg]),
        startRedoubt(['--dir', ref.dir, '--save', '', ...dbg]),
      ]);
      extra.push(a, b, d);
      for (const s of [a, b, d]) {
        const x = await RawClient.connect(s.port);
        assert.equal(plain(await x.call('DEBUG', 'DIGEST')), want);
        x.close();
      }
    } finally {
      await Promise.all([srv.stop(), ref.stop(), ...extra.map((e) => e.stop())]);
    }
  });
}
