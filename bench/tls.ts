// TLS benchmark: redis-benchmark --tls against Redoubt and the reference
// redis-server 7.0 with the same certificates (from `redoubt certs`: RSA 2048
// server key, mutual TLS), GET and SET at pipeline 1 and 16, interleaved
// rounds, server pinned to core 0 and the load generator to core 1. Reports
// medians of requests/s and of server CPU time per request, and the ratios.
//
//   node dist/bench/tls.js                 (part of npm run bench)
//   BENCH_ROUNDS=5 BENCH_PIPELINES=1 node dist/bench/tls.js

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCa, createServerCert, createClientCert } from '../src/tls/certs.js';

import { pin, freePort, waitPort, cpuTicks, median, CLK_TCK, HAVE_TASKSET } from './common.js';
const here = dirname(fileURLToPath(import.meta.url));
const SERVER_BIN = join(here, '..', 'src', 'cli', 'redoubt-server.js');

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const clients = Number(process.env.BENCH_CLIENTS ?? 50);
const pipelines = (process.env.BENCH_PIPELINES ?? '1,16').split(',').map(Number);
const TESTS = ['set', 'get'];

interface Srv {
  name: string;
  port: number;
  proc: ChildProcess;
}

async function makeCerts(dir: string): Promise<void> {
  const ca = await createCa('Bench CA', { bits: 2048 });
  const s = await createServerCert(ca, ['localhost', '127.0.0.1'], { bits: 2048 });
  const c = await createClientCert(ca, 'bench', undefined, { bits: 2048 });
  writeFileSync(join(dir, 'ca.crt'), ca.certPem);
  writeFileSync(join(dir, 'redis.crt'), s.certPem);
  writeFileSync(join(dir, 'redis.key'), s.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'client.crt'), c.certPem);
  writeFileSync(join(dir, 'client.key'), c.keyPem, { mode: 0o600 });
}

async function startServer(kind: 'redoubt' | 'redis', certs: string): Promise<Srv> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-tls-'));
  const tlsArgs = ['--port', '0', '--tls-port', String(port), '--tls-cert-file', join(certs, 'redis.crt'), '--tls-key-file', join(certs, 'redis.key'), '--tls-ca-cert-file', join(certs, 'ca.crt'), '--save', '', '--dir', dir];
  const args = kind === 'redoubt' ? pin(0, [process.execPath, SERVER_BIN, ...tlsArgs]) : pin(0, ['redis-server', ...tlsArgs, '--appendonly', 'no']);
  const proc = spawn(args[0], args.slice(1), { stdio: 'ignore' });
  await waitPort(port);
  return { name: kind, port, proc };
}

function runOne(srv: Srv, certs: string, test: string, pipeline: number): { rps: number; cpuUs: number } {
  const n = pipeline > 1 ? 400000 : 100000;
  const args = ['redis-benchmark', '-p', String(srv.port), '--tls', '--cert', join(certs, 'client.crt'), '--key', join(certs, 'client.key'), '--cacert', join(certs, 'ca.crt')];
  args.push('-c', String(clients), '-P', String(pipeline), '-n', String(n), '--csv', '-r', '100000', '-t', test);
  const before = cpuTicks(srv.proc.pid!);
  const r = spawnSync(pin(1, args)[0], pin(1, args).slice(1), { encoding: 'utf8' });
  const after = cpuTicks(srv.proc.pid!);
  const lines = r.stdout.trim().split('\n').filter((l) => !l.startsWith('"test"'));
  const rps = Number((lines[lines.length - 1] ?? '').split(',')[1]?.replace(/"/g, ''));
  if (!Number.isFinite(rps) || rps === 0) throw new Error(`redis-benchmark --tls against ${srv.name} failed: ${r.stderr || r.stdout}`);
  return { rps, cpuUs: (((after - before) / CLK_TCK) * 1e6) / n };
}

async function main(): Promise<void> {
  if (spawnSync('which', ['redis-benchmark']).status !== 0) throw new Error('redis-benchmark (Debian redis-tools) is required');
  const certs = mkdtempSync(join(tmpdir(), 'bench-certs-'));
  await makeCerts(certs);
  const ours = await startServer('redoubt', certs);
  const ref = await startServer('redis', certs);
  console.log(`\nTLS (mutual, RSA 2048, same certificates): redis-benchmark --tls -c ${clients}, ${rounds} interleaved rounds, medians; server on core 0, load on core 1${HAVE_TASKSET ? '' : ' (taskset missing: NOT pinned)'}`);
  console.log('test                 P   redoubt rps   redis rps  ratio | redoubt µs/req  redis µs/req  ratio');
  try {
    for (const t of TESTS) {
      for (const p of pipelines) {
        const a: { rps: number; cpuUs: number }[] = [];
        const b: { rps: number; cpuUs: number }[] = [];
        for (let i = 0; i < rounds; i++) {
          a.push(runOne(ours, certs, t, p));
          b.push(runOne(ref, certs, t, p));
        }
        const ra = median(a.map((x) => x.rps));
        const rb = median(b.map((x) => x.rps));
        const ca = median(a.map((x) => x.cpuUs));
        const cb = median(b.map((x) => x.cpuUs));
        console.log(
          `${('TLS ' + t.toUpperCase()).padEnd(18)} ${String(p).padStart(3)} ${ra.toFixed(0).padStart(12)} ${rb.toFixed(0).padStart(11)} ${(ra / rb).toFixed(2).padStart(6)} | ${ca.toFixed(2).padStart(14)} ${cb.toFixed(2).padStart(13)} ${(ca / cb).toFixed(2).padStart(6)}`,
        );
      }
    }
  } finally {
    ours.proc.kill('SIGKILL');
    ref.proc.kill('SIGKILL');
  }
}

await main();
