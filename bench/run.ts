// Side-by-side benchmark: redis-benchmark (Debian) against Redoubt and the
// reference redis-server in the same run, interleaved (A B A B ...), server
// pinned to core 0 and the load generator to core 1. Reports medians of
// requests/s and of server CPU time per request (utime+stime from /proc),
// and the Redoubt/Redis ratios. Then memory for 1,000,000 keys.
//
//   npm run bench                      # all tests, 3 rounds
//   BENCH_ROUNDS=5 BENCH_TESTS=get,set npm run bench
//   BENCH_MEMORY=0 npm run bench       # skip the memory measurement
//   BENCH_ACL=0 npm run bench          # skip the ACL overhead measurement

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { CLK_TCK, HAVE_TASKSET, pin, freePort, waitPort, cpuTicks, rss, median } from './common.js';
const here = dirname(fileURLToPath(import.meta.url));
// the launcher users run (exec, same pid): its young-generation and heap flags are part of the CPU
const LAUNCHER = join(here, '..', '..', 'bin', 'redoubt-server');

interface BenchTest {
  name: string;
  /** redis-benchmark -t name, or a custom command */
  t?: string;
  cmd?: string[];
  /** prepare data (custom tests) */
  setup?: string[][];
}

const TESTS: BenchTest[] = [
  { name: 'PING', t: 'ping_mbulk' },
  { name: 'SET', t: 'set' },
  { name: 'GET', t: 'get' },
  { name: 'INCR', t: 'incr' },
  { name: 'MSET (10 keys)', t: 'mset' },
  { name: 'LPUSH', t: 'lpush' },
  { name: 'LPOP', t: 'lpop' },
  { name: 'LRANGE_100', t: 'lrange_100' },
  { name: 'SADD', t: 'sadd' },
  { name: 'HSET', t: 'hset' },
  { name: 'SPOP', t: 'spop' },
  { name: 'ZADD', t: 'zadd' },
  { name: 'ZPOPMIN', t: 'zpopmin' },
  // small (listpack/intset-encoded) values: 50 fields or members
  {
    name: 'HGET small',
    cmd: ['hget', 'bench:sh', 'field:25'],
    setup: [['hset', 'bench:sh', ...Array.from({ length: 50 }, (_, i) => ['field:' + i, 'value:' + i]).flat()]],
  },
  {
    name: 'HSET small',
    cmd: ['hset', 'bench:sh', 'field:25', '__rand_int__'],
    setup: [['hset', 'bench:sh', ...Array.from({ length: 50 }, (_, i) => ['field:' + i, 'value:' + i]).flat()]],
  },
  {
    name: 'ZADD small',
    cmd: ['zadd', 'bench:sz', '__rand_int__', 'member:25'],
    setup: [['zadd', 'bench:sz', ...Array.from({ length: 50 }, (_, i) => [String(i), 'member:' + i]).flat()]],
  },
  {
    name: 'ZRANGEBYSCORE small',
    cmd: ['zrangebyscore', 'bench:sz', '10', '(20', 'withscores'],
    setup: [['zadd', 'bench:sz', ...Array.from({ length: 50 }, (_, i) => [String(i), 'member:' + i]).flat()]],
  },
  {
    name: 'SISMEMBER intset',
    cmd: ['sismember', 'bench:si', '__rand_int__'],
    setup: [['sadd', 'bench:si', ...Array.from({ length: 50 }, (_, i) => String(i * 2000))]],
  },
  {
    name: 'ZRANGE 0 99',
    cmd: ['zrange', 'bench:zset', '0', '99', 'withscores'],
    setup: Array.from({ length: 200 }, (_, i) => ['zadd', 'bench:zset', String(i), 'member:' + i]),
  },
];

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const only = process.env.BENCH_TESTS?.toLowerCase().split(',');
const clients = Number(process.env.BENCH_CLIENTS ?? 50);
const pipelines = (process.env.BENCH_PIPELINES ?? '1,16').split(',').map(Number);

interface Srv {
  name: string;
  port: number;
  proc: ChildProcess;
}

async function startServer(kind: 'redoubt' | 'redis'): Promise<Srv> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const args =
    kind === 'redoubt'
      ? pin(0, [LAUNCHER, '--port', String(port), '--save', '', '--dir', dir])
      : pin(0, ['redis-server', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir]);
  const proc = spawn(args[0], args.slice(1), { stdio: 'ignore' });
  await waitPort(port);
  return { name: kind, port, proc };
}

function cli(port: number, args: string[]): string {
  const r = spawnSync('redis-cli', ['-p', String(port), ...args]);
  return r.stdout.toString();
}

function runOne(srv: Srv, t: BenchTest, pipeline: number, auth: string[] = []): { rps: number; cpuUs: number } {
  const n = pipeline > 1 ? 400000 : 100000;
  const args = ['redis-benchmark', '-p', String(srv.port), ...auth, '-c', String(clients), '-P', String(pipeline), '-n', String(n), '--csv', '-r', '100000'];
  if (t.setup) for (const c of t.setup) cli(srv.port, c);
  if (t.t) args.push('-t', t.t);
  else args.push(...t.cmd!);
  const before = cpuTicks(srv.proc.pid!);
  // a server that went away leaves redis-benchmark reconnecting forever
  const r = spawnSync(pin(1, args)[0], pin(1, args).slice(1), { encoding: 'utf8', timeout: 180_000 });
  const after = cpuTicks(srv.proc.pid!);
  const lines = r.stdout.trim().split('\n').filter((l) => !l.startsWith('"test"'));
  const last = lines[lines.length - 1] ?? '';
  const rps = Number(last.split(',')[1]?.replace(/"/g, ''));
  const cpuUs = ((after - before) / CLK_TCK) * 1e6 / n;
  return { rps, cpuUs };
}

async function memory(): Promise<void> {
  const N = 1_000_000;
  const rows: string[] = [];
  for (const kind of ['redoubt', 'redis'] as const) {
    const srv = await startServer(kind);
    await fill(srv.port, N);
    await new Promise((r) => setTimeout(r, 500));
    const dbsize = cli(srv.port, ['dbsize']).trim();
    const info = cli(srv.port, ['info', 'memory']);
    const used = /used_memory:(\d+)/.exec(info)?.[1];
    const r = rss(srv.proc.pid!);
    rows.push(
      `${kind.padEnd(8)} keys=${dbsize} RSS=${(r / 1048576).toFixed(1)} MiB (${(r / N).toFixed(0)} B/key)` +
        (used ? ` used_memory=${(Number(used) / 1048576).toFixed(1)} MiB (${(Number(used) / N).toFixed(0)} B/key)` : '') +
        (kind === 'redoubt' ? ' (used_memory: V8 heap in use)' : ''),
    );
    srv.proc.kill('SIGKILL');
  }
  console.log(`\nMemory, ${N} keys with 10-byte values:`);
  for (const r of rows) console.log('  ' + r);
}

/** Writes N keys with MSET batches over one pipelined connection. */
function fill(port: number, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const batch = 100;
    let sent = 0;
    let acked = 0;
    const total = n / batch;
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      let i;
      while ((i = buf.indexOf('\r\n')) !== -1) {
        buf = buf.slice(i + 2);
        acked++;
      }
      if (acked === total) {
        s.end();
        resolve();
      } else if (sent - acked < 50) pump();
    });
    s.on('error', reject);
    const pump = () => {
      let out = '';
      while (sent < total && sent - acked < 100) {
        out += `*${1 + batch * 2}\r\n$4\r\nMSET\r\n`;
        for (let k = 0; k < batch; k++) {
          const key = 'key:' + String(sent * batch + k).padStart(12, '0');
          out += `$${key.length}\r\n${key}\r\n$10\r\nxxxxxxxxxx\r\n`;
        }
        sent++;
      }
      if (out) s.write(out, 'latin1');
    };
    s.on('connect', pump);
  });
}

/**
 * ACL overhead: GET/SET as a user with a few key patterns against the
 * default user, on the same server, interleaved; redis-server alongside.
 */
async function aclOverhead(): Promise<void> {
  const rules = ['on', '>benchpw', '~bench:*', '~key:*', '~counter:*', '+@read', '+@write'];
  const auth = ['--user', 'bench', '-a', 'benchpw'];
  console.log(`\nACL overhead: user "${rules.filter((r) => !r.startsWith('>')).join(' ')}" against the default user (same server, interleaved)`);
  console.log('server    test   P   default rps   user rps  ratio | default µs/req  user µs/req  ratio');
  for (const kind of ['redoubt', 'redis'] as const) {
    const srv = await startServer(kind);
    cli(srv.port, ['ACL', 'SETUSER', 'bench', ...rules]);
    try {
      for (const t of TESTS.filter((x) => x.name === 'GET' || x.name === 'SET')) {
        for (const p of pipelines) {
          const a: { rps: number; cpuUs: number }[] = [];
          const b: { rps: number; cpuUs: number }[] = [];
          for (let i = 0; i < rounds; i++) {
            a.push(runOne(srv, t, p));
            b.push(runOne(srv, t, p, auth));
          }
          const ra = median(a.map((x) => x.rps));
          const rb = median(b.map((x) => x.rps));
          const ca = median(a.map((x) => x.cpuUs));
          const cb = median(b.map((x) => x.cpuUs));
          console.log(
            `${kind.padEnd(8)} ${t.name.padEnd(5)} ${String(p).padStart(3)} ${ra.toFixed(0).padStart(12)} ${rb.toFixed(0).padStart(10)} ${(rb / ra).toFixed(2).padStart(6)} | ${ca.toFixed(2).padStart(14)} ${cb.toFixed(2).padStart(12)} ${(cb / ca).toFixed(2).padStart(6)}`,
          );
        }
      }
    } finally {
      srv.proc.kill('SIGKILL');
    }
  }
}

async function main(): Promise<void> {
  if (spawnSync('which', ['redis-benchmark']).status !== 0) throw new Error('redis-benchmark (Debian redis-tools) is required');
  const tests = TESTS.filter((t) => !only || only.some((o) => t.name.toLowerCase().startsWith(o)));
  const ours = await startServer('redoubt');
  const ref = await startServer('redis');
  console.log(`redis-benchmark -c ${clients}, ${rounds} interleaved rounds, medians; server on core 0, load on core 1${HAVE_TASKSET ? '' : ' (taskset missing: NOT pinned)'}`);
  console.log('test                 P   redoubt rps   redis rps  ratio | redoubt µs/req  redis µs/req  ratio');
  try {
    for (const t of tests) {
      for (const p of pipelines) {
        const a: { rps: number; cpuUs: number }[] = [];
        const b: { rps: number; cpuUs: number }[] = [];
        for (let i = 0; i < rounds; i++) {
          a.push(runOne(ours, t, p));
          b.push(runOne(ref, t, p));
        }
        const ra = median(a.map((x) => x.rps));
        const rb = median(b.map((x) => x.rps));
        const ca = median(a.map((x) => x.cpuUs));
        const cb = median(b.map((x) => x.cpuUs));
        console.log(
          `${t.name.padEnd(18)} ${String(p).padStart(3)} ${ra.toFixed(0).padStart(12)} ${rb.toFixed(0).padStart(11)} ${(ra / rb).toFixed(2).padStart(6)} | ${ca.toFixed(2).padStart(14)} ${cb.toFixed(2).padStart(13)} ${(ca / cb).toFixed(2).padStart(6)}`,
        );
      }
    }
  } finally {
    ours.proc.kill('SIGKILL');
    ref.proc.kill('SIGKILL');
  }
  if (process.env.BENCH_ACL !== '0') await aclOverhead();
  if (process.env.BENCH_MEMORY !== '0') await memory();
}

await main();
