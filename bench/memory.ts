// Memory per key and per member of hashes, sets and sorted sets, small and
// large, side by side with redis-server: each dataset is loaded into a fresh
// server of each kind and the growth of RSS and of INFO used_memory over the
// empty server is divided by the number of keys (small) or members (large).
// Redoubt runs with --expose-gc and both get MEMORY PURGE before each reading,
// so garbage left by the load does not count against us. Three figures:
// RSS; used_memory (our estimate, Redis's allocator count); and
// allocator_allocated (the V8 heap in use after that GC, jemalloc's count for
// Redis): the live data. Redoubt starts through bin/redoubt-server, as users
// run it (2 MB semi-spaces); RSS also holds V8's young generation and the
// heap's free room, which weigh most on the small datasets.
//
//   npm run bench:memory
//   BENCH_MEM_ONLY=small-hash,large-set npm run bench:memory
//   BENCH_MEM_SCALE=0.1 npm run bench:memory     # a tenth of the keys/members

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { pin, freePort, waitPort, rss } from './common.js';

const here = dirname(fileURLToPath(import.meta.url));
// the launcher users run: its heap and young-generation flags are part of what RSS shows
const LAUNCHER = join(here, '..', '..', 'bin', 'redoubt-server');
const scale = Number(process.env.BENCH_MEM_SCALE ?? 1);
const only = process.env.BENCH_MEM_ONLY?.toLowerCase().split(',');

interface Dataset {
  name: string;
  /** what the per-unit figure divides by */
  unit: 'key' | 'member';
  count: number;
  /** the i-th command of the load */
  cmd: (i: number) => string[];
  commands: number;
}

const SMALL_KEYS = Math.round(100_000 * scale);
const BIG = Math.round(1_000_000 * scale);
const BATCH = 1000;

/** Ten field/member names and values per small key, as an application would store them. */
const tenPairs = (i: number, member: (j: number) => string, value: (j: number) => string): string[] => {
  const a: string[] = [];
  for (let j = 0; j < 10; j++) a.push(member(j), value(j));
  return a;
};

const DATASETS: Dataset[] = [
  {
    name: 'small-hash',
    unit: 'key',
    count: SMALL_KEYS,
    commands: SMALL_KEYS,
    cmd: (i) => ['HSET', 'hash:' + i, ...tenPairs(i, (j) => 'field:' + j, (j) => 'value:' + i + ':' + j)],
  },
  {
    name: 'small-set',
    unit: 'key',
    count: SMALL_KEYS,
    commands: SMALL_KEYS,
    cmd: (i) => ['SADD', 'set:' + i, ...Array.from({ length: 10 }, (_, j) => 'member:' + i + ':' + j)],
  },
  {
    name: 'small-intset',
    unit: 'key',
    count: SMALL_KEYS,
    commands: SMALL_KEYS,
    cmd: (i) => ['SADD', 'iset:' + i, ...Array.from({ length: 10 }, (_, j) => String(i * 10 + j))],
  },
  {
    name: 'small-zset',
    unit: 'key',
    count: SMALL_KEYS,
    commands: SMALL_KEYS,
    cmd: (i) => ['ZADD', 'zset:' + i, ...tenPairs(i, (j) => String(j * 1.5), (j) => 'member:' + i + ':' + j)],
  },
  {
    name: 'large-hash',
    unit: 'member',
    count: BIG,
    commands: BIG / 100,
    cmd: (i) => ['HSET', 'bighash', ...Array.from({ length: 100 }, (_, j) => ['field:' + (i * 100 + j), 'v' + j]).flat()],
  },
  {
    name: 'large-set',
    unit: 'member',
    count: BIG,
    commands: BIG / 100,
    cmd: (i) => ['SADD', 'bigset', ...Array.from({ length: 100 }, (_, j) => 'member:' + (i * 100 + j))],
  },
  {
    name: 'large-zset',
    unit: 'member',
    count: BIG,
    commands: BIG / 100,
    cmd: (i) => ['ZADD', 'bigzset', ...Array.from({ length: 100 }, (_, j) => [String(i * 100 + j), 'member:' + (i * 100 + j)]).flat()],
  },
];

interface Srv {
  port: number;
  proc: ChildProcess;
}

async function startServer(kind: 'redoubt' | 'redis'): Promise<Srv> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-mem-'));
  const args =
    kind === 'redoubt'
      ? pin(0, [LAUNCHER, '--port', String(port), '--save', '', '--dir', dir])
      : pin(0, ['redis-server', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir]);
  const env = { ...process.env, REDOUBT_NODE_FLAGS: '--expose-gc' };
  const proc = spawn(args[0], args.slice(1), { stdio: 'ignore', env });
  await waitPort(port);
  return { port, proc };
}

function cli(port: number, args: string[]): string {
  return spawnSync('redis-cli', ['-p', String(port), ...args], { timeout: 60_000 }).stdout.toString();
}

const resp = (argv: string[]): string => {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return s;
};

/** Sends the dataset's commands pipelined on one connection, at most BATCH unanswered. */
function load(port: number, d: Dataset): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let sent = 0;
    let acked = 0;
    let tail = '';
    s.on('data', (buf) => {
      const text = tail + buf.toString('latin1');
      let i = 0;
      let j;
      while ((j = text.indexOf('\r\n', i)) !== -1) {
        if (text.charCodeAt(i) === 45) reject(new Error(text.slice(i, j)));
        acked++;
        i = j + 2;
      }
      tail = text.slice(i);
      if (acked === d.commands) {
        s.end();
        resolve();
      } else if (sent - acked < BATCH / 2) pump();
    });
    s.on('error', reject);
    const pump = (): void => {
      let out = '';
      while (sent < d.commands && sent - acked < BATCH) out += resp(d.cmd(sent++));
      if (out) s.write(out, 'latin1');
    };
    s.on('connect', pump);
  });
}

interface Reading {
  rss: number;
  used: number;
  alloc: number;
}

async function reading(srv: Srv): Promise<Reading> {
  cli(srv.port, ['MEMORY', 'PURGE']);
  await new Promise((r) => setTimeout(r, 300));
  cli(srv.port, ['MEMORY', 'PURGE']);
  const info = cli(srv.port, ['INFO', 'memory']);
  const used = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
  const alloc = Number(/allocator_allocated:(\d+)/.exec(info)?.[1] ?? 0);
  return { rss: rss(srv.proc.pid!), used, alloc };
}

async function measure(kind: 'redoubt' | 'redis', d: Dataset): Promise<Reading & { enc: string }> {
  const srv = await startServer(kind);
  try {
    const before = await reading(srv);
    await load(srv.port, d);
    const after = await reading(srv);
    const key = d.cmd(0)[1];
    const enc = cli(srv.port, ['OBJECT', 'ENCODING', key]).trim();
    return { rss: (after.rss - before.rss) / d.count, used: (after.used - before.used) / d.count, alloc: (after.alloc - before.alloc) / d.count, enc };
  } finally {
    srv.proc.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  console.log(`bytes per ${'key'} (100k small keys of 10 elements) or per member (one key of 1M members), growth over an empty server${scale !== 1 ? `, scale ${scale}` : ''}`);
  console.log('dataset        per     encoding     | redoubt RSS  redis RSS  ratio | redoubt used  redis used  ratio | redoubt heap  redis alloc  ratio');
  for (const d of DATASETS) {
    if (only && !only.includes(d.name)) continue;
    const a = await measure('redoubt', d);
    const b = await measure('redis', d);
    const enc = a.enc === b.enc ? a.enc : `${a.enc}/${b.enc}`;
    console.log(
      `${d.name.padEnd(14)} ${d.unit.padEnd(7)} ${enc.padEnd(12)} | ${a.rss.toFixed(0).padStart(11)} ${b.rss.toFixed(0).padStart(10)} ${(a.rss / b.rss).toFixed(2).padStart(6)} | ${a.used.toFixed(0).padStart(12)} ${b.used.toFixed(0).padStart(11)} ${(a.used / b.used).toFixed(2).padStart(6)} | ${a.alloc.toFixed(0).padStart(12)} ${b.alloc.toFixed(0).padStart(12)} ${(a.alloc / b.alloc).toFixed(2).padStart(6)}`,
    );
  }
}

await main();
