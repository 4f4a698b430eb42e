// Write throughput of a primary with 0, 1 and 2 replicas attached, Redoubt
// against redis-server in the same run (replicas of the same kind as the
// primary), and the replication lag under that load: the largest gap, in
// bytes, between the primary's offset and the offset a replica has applied
// (asked of the replica itself every 100 ms), and the time the replicas need
// to catch up once the load stops. Run:
//   npm run build && node dist/bench/replication.js
//   BENCH_N=200000 BENCH_PIPELINE=16 BENCH_REPLICA=redis node dist/bench/replication.js
// (BENCH_REPLICA=redis: redis-server replicas behind both primaries.)

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SERVER_BIN = join(here, '..', 'src', 'cli', 'redoubt-server.js');
const N = Number(process.env.BENCH_N ?? 200000);
const P = Number(process.env.BENCH_PIPELINE ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

function cli(port: number, ...args: string[]): string {
  return spawnSync('redis-cli', ['-p', String(port), ...args]).stdout.toString();
}

async function start(kind: 'redoubt' | 'redis', args: string[] = []): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'repl-bench-'));
  const common = ['--port', String(port), '--dir', dir, '--save', '', '--repl-diskless-sync-delay', '0', ...args];
  const proc = kind === 'redoubt' ? spawn(process.execPath, [SERVER_BIN, ...common], { stdio: 'ignore' }) : spawn('redis-server', [...common, '--bind', '127.0.0.1'], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    if (cli(port, 'PING').startsWith('PONG')) return { port, proc };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(kind + ' did not start');
}

function field(info: string, name: string): number {
  const m = new RegExp('^' + name + ':(.*)$', 'm').exec(info);
  return m ? Number(m[1]) : NaN;
}

const REPLICA_KIND = process.env.BENCH_REPLICA as 'redoubt' | 'redis' | undefined;

async function once(kind: 'redoubt' | 'redis', replicas: number): Promise<{ rps: number; lag: number; catchUp: number }> {
  const p = await start(kind);
  const rs: { port: number; proc: ChildProcess }[] = [];
  for (let i = 0; i < replicas; i++) {
    const r = await start(REPLICA_KIND ?? kind, ['--replicaof', '127.0.0.1', String(p.port)]);
    rs.push(r);
  }
  for (;;) {
    const info = cli(p.port, 'INFO', 'replication');
    if ((info.match(/state=online/g) ?? []).length === replicas) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  let lag = 0;
  const applied = () => rs.map((r) => field(cli(r.port, 'INFO', 'replication'), 'slave_repl_offset'));
  const sampler = setInterval(() => {
    const off = field(cli(p.port, 'INFO', 'replication'), 'master_repl_offset');
    for (const a of applied()) lag = Math.max(lag, off - a);
  }, 100);
  const out = await new Promise<string>((resolve) => {
    const b = spawn('redis-benchmark', ['-p', String(p.port), '-t', 'set', '-n', String(N), '-P', String(P), '-c', '50', '-r', '100000', '-q']);
    let s = '';
    b.stdout.on('data', (d) => (s += d));
    b.on('close', () => resolve(s));
  });
  clearInterval(sampler);
  const t0 = Date.now();
  const end = field(cli(p.port, 'INFO', 'replication'), 'master_repl_offset');
  while (replicas > 0 && applied().some((a) => a < end)) await new Promise((r) => setTimeout(r, 5));
  const catchUp = Date.now() - t0;
  const m = /SET: ([\d.]+) requests per second/.exec(out.split('\r').pop() ?? out) ?? /([\d.]+) requests per second/.exec(out);
  for (const x of [p, ...rs]) x.proc.kill('SIGKILL');
  return { rps: m ? Number(m[1]) : NaN, lag, catchUp };
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

for (const replicas of [0, 1, 2]) {
  const res: Record<string, { rps: number[]; lag: number[]; cu: number[] }> = { redoubt: { rps: [], lag: [], cu: [] }, redis: { rps: [], lag: [], cu: [] } };
  for (let i = 0; i < ROUNDS; i++) {
    for (const kind of ['redoubt', 'redis'] as const) {
      const r = await once(kind, replicas);
      res[kind].rps.push(r.rps);
      res[kind].lag.push(r.lag);
      res[kind].cu.push(r.catchUp);
    }
  }
  const a = median(res.redoubt.rps);
  const b = median(res.redis.rps);
  console.log(
    `SET -P ${P}, ${replicas} replica(s): Redoubt ${Math.round(a)} req/s, redis-server ${Math.round(b)} req/s, ratio ${(a / b).toFixed(2)}; ` +
      `max lag under load: Redoubt ${Math.max(...res.redoubt.lag)} bytes, redis-server ${Math.max(...res.redis.lag)} bytes; ` +
      `catch-up after the load: Redoubt ${Math.max(...res.redoubt.cu)} ms, redis-server ${Math.max(...res.redis.cu)} ms` +
      (REPLICA_KIND ? ` (replicas: ${REPLICA_KIND})` : ''),
  );
}
process.exit(0);
