// Helpers for replication tests: random workloads of every type, waiting
// for a replica to catch up, reading INFO fields.

import { RawClient, plain } from './resp-client.js';
import { pipeline } from './dataset.js';

export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** Writes of every type over 3 databases: overwrites, deletes, TTLs, pops, MULTI/EXEC. */
export function randomWrites(seed: number, n: number): string[][] {
  const r = rng(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
  const word = () => {
    if (r() < 0.3) return String(Math.floor(r() * 2000) - 1000);
    const len = 1 + Math.floor(r() * (r() < 0.1 ? 100 : 10));
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCharCode(r() < 0.9 ? 97 + Math.floor(r() * 6) : Math.floor(r() * 256));
    return s;
  };
  const out: string[][] = [];
  for (let i = 0; i < n; i++) {
    const key = 'k' + Math.floor(r() * 30);
    out.push(['SELECT', String(Math.floor(r() * 3))]);
    const t = pick(['set', 'incr', 'append', 'list', 'lpop', 'sadd', 'srem', 'zadd', 'zincr', 'hset', 'hdel', 'expire', 'persist', 'del', 'multi', 'big']);
    switch (t) {
      case 'set':
        out.push(['SET', 's:' + key, word()]);
        break;
      case 'incr':
        out.push(['INCRBY', 'n:' + key, String(Math.floor(r() * 100))]);
        break;
      case 'append':
        out.push(['APPEND', 's:' + key, word()]);
        break;
      case 'list':
        out.push([pick(['RPUSH', 'LPUSH']), 'l:' + key, word(), word()]);
        break;
      case 'lpop':
        out.push(['LPOP', 'l:' + key]);
        break;
      case 'sadd':
        out.push(['SADD', 'S:' + key, word(), word(), word()]);
        break;
      case 'srem':
        out.push(['SREM', 'S:' + key, word()]);
        break;
      case 'zadd':
        out.push(['ZADD', 'z:' + key, String(Math.floor(r() * 100) / 8 - 5), word()]);
        break;
      case 'zincr':
        out.push(['ZINCRBY', 'z:' + key, '1.5', word()]);
        break;
      case 'hset':
        out.push(['HSET', 'h:' + key, word(), word()]);
        break;
      case 'hdel':
        out.push(['HDEL', 'h:' + key, word()]);
        break;
      case 'expire':
        // relative TTLs go out as absolute PEXPIREAT: both sides end equal
        out.push(['PEXPIRE', pick(['s:', 'l:', 'S:', 'z:', 'h:']) + key, String(3_600_000 + Math.floor(r() * 1000))]);
        break;
      case 'persist':
        out.push(['PERSIST', pick(['s:', 'l:', 'S:', 'z:', 'h:']) + key]);
        break;
      case 'del':
        out.push(['DEL', pick(['s:', 'l:', 'S:', 'z:', 'h:', 'n:']) + key]);
        break;
      case 'multi':
        out.push(['MULTI'], ['SET', 'm:' + key, word()], ['SELECT', '5'], ['RPUSH', 'ml:' + key, word()], ['EXEC']);
        break;
      default: {
        const cmd = pick(['RPUSH', 'SADD', 'HSET', 'ZADD']);
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

export async function write(c: RawClient, cmds: string[][]): Promise<void> {
  const replies = await pipeline(c, cmds);
  for (const x of replies) {
    const p = plain(x) as { error?: string };
    if (p && typeof p === 'object' && 'error' in p && !String(p.error).startsWith('WRONGTYPE')) throw new Error(`write failed: ${p.error}`);
  }
}

export async function info(c: RawClient, section = 'replication'): Promise<Record<string, string>> {
  const s = plain(await c.call('INFO', section)) as string;
  const o: Record<string, string> = {};
  for (const l of s.split('\r\n')) {
    const i = l.indexOf(':');
    if (i > 0) o[l.slice(0, i)] = l.slice(i + 1);
  }
  return o;
}

export async function waitFor(what: string, fn: () => Promise<boolean>, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Until the replica's link is up and it has applied the primary's whole stream. */
export async function caughtUp(primary: RawClient, replica: RawClient, ms = 10000): Promise<void> {
  let last = '';
  await waitFor(
    'the replica to catch up',
    async () => {
      const [p, r] = await Promise.all([info(primary), info(replica)]);
      last = `primary offset ${p.master_repl_offset} (${p.slave0}), replica link ${r.master_link_status} offset ${r.slave_repl_offset}`;
      return r.master_link_status === 'up' && p.master_repl_offset === r.slave_repl_offset;
    },
    ms,
  ).catch((e: Error) => {
    throw new Error(`${e.message}: ${last}`);
  });
}

export async function digest(c: RawClient): Promise<string> {
  return plain(await c.call('DEBUG', 'DIGEST')) as string;
}
