// Scale: Redoubt and redis-server (same run, one after the other) under a
// probe client that sends a PING every millisecond from its own thread,
// through four phases:
//   load     N small keys by pipelined SETs of random keys (10-byte values)
//   steady   a few seconds of pipelined GET/SET on the loaded server
//   expire   E volatile keys expiring at once (loaded with active expiry off)
//   bigdel   DEL of a set of S members
// For each phase: the longest PING stall, p99.9, and the cause of
// every stall over 50 ms: the V8 collections (from --trace-gc) and main-thread
// marking steps (--trace-incremental-marking) that overlap
// it, whether the server was waiting for a CPU (the machine's load), or
// "ours" when neither. After loading: RSS and used_memory per key.
//
//   npm run bench:scale                                      # 1M keys, 1M volatile, 1M-member set
//   SCALE_KEYS=1000000,10000000 SCALE_EXPIRE=5000000 SCALE_SET=10000000 npm run bench:scale
//   SCALE_SERVERS=redoubt npm run bench:scale                # one side only
//   SCALE_NODE_FLAGS=--max-semi-space-size=4 ...               # V8 flags to try on Redoubt
//   SCALE_LOG=/tmp/out.txt ...                                 # keep Redoubt's output (arrival-stamped)

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { freePort, waitPort, rss } from './common.js';
const here = dirname(fileURLToPath(import.meta.url));
const LAUNCHER = join(here, '..', '..', 'bin', 'redoubt-server');
const list = (v: string | undefined, d: string) => (v ?? d).split(',').filter(Boolean).map(Number);
const sizes = list(process.env.SCALE_KEYS, '1000000');
const EXPIRE = Number(process.env.SCALE_EXPIRE ?? 1_000_000);
const SET = Number(process.env.SCALE_SET ?? 1_000_000);
const STEADY_MS = Number(process.env.SCALE_STEADY_MS ?? 5000);
const servers = (process.env.SCALE_SERVERS ?? 'redoubt,redis').split(',') as ('redoubt' | 'redis')[];
const STALL = 50;

/** epoch ms with sub-ms resolution, the same clock in every thread */
const now = () => performance.timeOrigin + performance.now();

interface Gc {
  kind: string;
  /** epoch ms at which the pause ended, and its length */
  end: number;
  ms: number;
}

interface Srv {
  port: number;
  proc: ChildProcess;
  gcs: Gc[];
}

// [pid:0x..]   1234 ms: Mark-Compact 1001.2 (1030.4) -> 990.1 (1025.4) MB, 45.67 / 0.00 ms  ...
const GC_LINE = /\s(\d+) ms: ([A-Za-z-]+(?: \(reduce\))?)[^,]*, ([\d.]+) \/ [\d.]+ ms/;
// [pid:0x..]   1893 ms: [IncrementalMarking] Step in v8 V8: 64KB (64KB), embedder: 0.01ms (0.05ms) in 19.2
// (--trace-incremental-marking: a major GC's marking work on the main thread between pauses; stamped when it ends)
const STEP_LINE = /\s(\d+) ms: \[IncrementalMarking\] Step .* in ([\d.]+)$/;

async function start(kind: 'redoubt' | 'redis'): Promise<Srv> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'scale-'));
  const args = ['--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--enable-debug-command', 'yes'];
  const gcs: Gc[] = [];
  if (kind === 'redis') {
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    await waitPort(port);
    return { port, proc, gcs };
  }
  const proc = spawn(LAUNCHER, args, {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, REDOUBT_NODE_FLAGS: ('--trace-gc --trace-incremental-marking ' + (process.env.SCALE_NODE_FLAGS ?? '')).trim() },
  });
  // trace times are ms since the isolate started: the offset to epoch is
  // bounded above by (arrival - trace time) of every line, closest at the minimum
  let offset = Infinity;
  const raw: { t: number; kind: string; ms: number }[] = [];
  let buf = '';
  proc.stdout!.setEncoding('latin1');
  // SCALE_LOG=file keeps the server's whole output (e.g. with --trace-incremental-marking)
  const log = process.env.SCALE_LOG ? createWriteStream(process.env.SCALE_LOG) : null;
  proc.stdout!.on('data', (d: string) => {
    const at = now();
    log?.write(`@${at.toFixed(1)} ` + d);
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const m = GC_LINE.exec(line);
      const st = m ? null : STEP_LINE.exec(line);
      if (st) {
        const t = Number(st[1]);
        offset = Math.min(offset, at - t);
        // steps under a millisecond never make a stall
        if (Number(st[2]) >= 1) raw.push({ t: t - Number(st[2]), kind: 'marking step', ms: Number(st[2]) });
        continue;
      }
      if (!m) continue;
      const t = Number(m[1]);
      offset = Math.min(offset, at - t);
      raw.push({ t, kind: m[2], ms: Number(m[3]) });
    }
    gcs.length = 0;
    // a pause's trace line is printed when it ends, stamped with its start
    for (const r of raw) gcs.push({ kind: r.kind, end: r.t + offset + r.ms, ms: r.ms });
  });
  await waitPort(port);
  return { port, proc, gcs };
}

/**
 * PINGs every millisecond from a worker thread (its own event loop: the
 * loader's work in this thread must not show up as server stalls); the stop
 * function resolves to [send time (epoch ms), latency (ms), ms the server's
 * main thread ran, ms it waited for a CPU] per PING, the last two from
 * /proc/<pid>/schedstat: a stall spent waiting for a CPU is the machine's
 * (other processes on its 2 cores), not the server's.
 */
function probe(port: number, pid: number): () => Promise<Float64Array> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const net = require('node:net');
    const fs = require('node:fs');
    const out = [];
    const now = () => performance.timeOrigin + performance.now();
    const sched = () => { try { return fs.readFileSync('/proc/' + workerData.pid + '/schedstat', 'latin1').split(' ').map(Number); } catch { return [0, 0]; } };
    const s = net.connect(workerData.port, '127.0.0.1');
    let sent = 0, s0 = [0, 0], stopped = false;
    const tick = () => { if (stopped) return; s0 = sched(); sent = now(); s.write('*1\\r\\n$4\\r\\nPING\\r\\n'); };
    s.on('data', () => { const lat = now() - sent; const s1 = sched(); out.push(sent, lat, (s1[0] - s0[0]) / 1e6, (s1[1] - s0[1]) / 1e6); setTimeout(tick, 1); });
    s.on('connect', tick);
    parentPort.on('message', () => { stopped = true; s.destroy(); parentPort.postMessage(Float64Array.from(out)); });
  `;
  const w = new Worker(code, { eval: true, workerData: { port, pid } });
  return () =>
    new Promise((resolve) => {
      w.once('message', (lat: Float64Array) => {
        void w.terminate();
        resolve(lat);
      });
      w.postMessage('stop');
    });
}

/** [epoch ms, commands answered] of the pipeline running: places each stall in the load. */
let progress: number[] = [];
const doneAt = (t: number) => {
  let n = 0;
  for (let i = 0; i < progress.length && progress[i] <= t; i += 2) n = progress[i + 1];
  return n;
};

/**
 * Sends `total` batches of `batch` commands made by `cmd(i)`, at most 32
 * batches in flight; resolves when every reply has come (one line each).
 */
function pipeline(port: number, total: number, batch: number, cmd: (i: number) => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let sent = 0;
    let acked = 0;
    let pending = 0;
    s.on('data', (d) => {
      for (let i = 0; i < d.length; i++) if (d[i] === 10) pending++;
      while (pending >= batch) {
        pending -= batch;
        acked++;
      }
      progress.push(now(), acked * batch);
      if (acked >= total) {
        s.end();
        resolve();
      } else pump();
    });
    s.on('error', reject);
    const pump = () => {
      let out = '';
      while (sent < total && sent - acked < 32) {
        for (let k = 0; k < batch; k++) out += cmd(sent * batch + k);
        sent++;
      }
      if (out) s.write(out, 'latin1');
    };
    s.on('connect', pump);
  });
}

const resp = (...a: string[]) => `*${a.length}\r\n` + a.map((x) => `$${x.length}\r\n${x}\r\n`).join('');
const randKey = (i: number) => 'key:' + Math.floor(Math.random() * 1e12).toString(36).padStart(8, '0') + i;

function cli(port: number, ...a: string[]): string {
  return spawnSync('redis-cli', ['-p', String(port), ...a]).stdout.toString().trim();
}

const pct = (a: number[], p: number) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? 0;
};

interface PhaseResult {
  secs: number;
  max: number;
  p999: number;
  causes: string[];
}

/** Runs `work` under the probe; attributes each stall over STALL ms. */
async function phase(srv: Srv, work: () => Promise<void>): Promise<PhaseResult> {
  const stop = probe(srv.port, srv.proc.pid!);
  await new Promise((r) => setTimeout(r, 200));
  const t0 = performance.now();
  progress = [];
  await work();
  const secs = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 300));
  const p = await stop();
  const lat: number[] = [];
  const causes: string[] = [];
  for (let i = 0; i < p.length; i += 4) {
    const at = p[i];
    const ms = p[i + 1];
    lat.push(ms);
    if (ms <= STALL) continue;
    const cpu = `ran ${p[i + 2].toFixed(0)}, waited for a CPU ${p[i + 3].toFixed(0)}`;
    // collections whose pause overlaps the stall (20 ms of slack for the clock estimate)
    const hit = srv.gcs.filter((g) => g.end > at - 20 && g.end - g.ms < at + ms + 20);
    const gcMs = hit.reduce((s, g) => s + g.ms, 0);
    const what = hit.map((g) => `${g.kind} ${g.ms.toFixed(0)}`).join(' + ');
    const cause = p[i + 3] > ms / 2 ? 'machine (runnable, no CPU free)' : hit.length && gcMs >= ms * 0.6 ? 'GC' : hit.length ? 'GC + ours' : srv.gcs.length ? 'ours' : 'server';
    const where = progress.length ? ` at ${(doneAt(at) / 1e6).toFixed(2)}M` : '';
    causes.push(`${ms.toFixed(0)} ms${where} ${cause} [${cpu}${what ? '; GC ' + what : ''}]`);
  }
  // the collector's own view of the phase: its longest pauses by kind
  const inPhase = srv.gcs.filter((g) => g.end >= p[0] && g.end <= p[p.length - 4] + 1000);
  const worst = new Map<string, [number, number, number]>();
  for (const g of inPhase) {
    const w = worst.get(g.kind) ?? [0, 0, 0];
    worst.set(g.kind, [w[0] + 1, Math.max(w[1], g.ms), w[2] + g.ms]);
  }
  if (worst.size) causes.push('GC in phase: ' + [...worst].map(([k, [n, mx, tot]]) => `${n} ${k} max ${mx.toFixed(0)} total ${tot.toFixed(0)} ms`).join(', '));
  return { secs, max: Math.max(0, ...lat), p999: pct(lat, 99.9), causes };
}

const rows: string[] = [];
const causes: string[] = [];
const row = (kind: string, n: number, ph: string, r: PhaseResult, extra = '') => {
  rows.push(`${kind.padEnd(8)} ${String(n).padStart(9)} ${ph.padEnd(7)} ${r.secs.toFixed(1).padStart(7)} ${r.max.toFixed(1).padStart(9)} ${r.p999.toFixed(1).padStart(8)} ${extra}`);
  console.log(rows[rows.length - 1]);
  if (r.causes.length) {
    const c = `${kind} ${n} ${ph}: ${r.causes.join('; ')}`;
    causes.push(c);
    console.log('  ' + c);
  }
};

console.log('kind          keys phase    secs   max ms p99.9 ms  (RSS B/key, used_memory B/key after load)');
for (const n of sizes) {
  for (const kind of servers) {
    const srv = await start(kind);
    const pid = srv.proc.pid!;
    const r0 = rss(pid);
    const load = await phase(srv, () => pipeline(srv.port, n / 1000, 1000, (i) => resp('SET', randKey(i), 'xxxxxxxxxx')));
    const used = Number(/used_memory:(\d+)/.exec(cli(srv.port, 'info', 'memory'))?.[1] ?? 0);
    const dbsize = Number(cli(srv.port, 'dbsize'));
    const r1 = rss(pid);
    row(kind, dbsize, 'load', load, `${(r1 / n).toFixed(0)} ${(used / n).toFixed(0)} (RSS ${(r1 / 2 ** 20).toFixed(0)} MB, ${((r1 - r0) / n).toFixed(0)} B/key over the empty server)`);

    const steadyN = Math.max(1, Math.round(STEADY_MS * 100));
    const steady = await phase(srv, async () => {
      const end = performance.now() + STEADY_MS;
      while (performance.now() < end) await pipeline(srv.port, steadyN / 1000 / 5, 1000, (i) => (i & 1 ? resp('GET', randKey(i)) : resp('SET', 'steady:' + (i % 100_000), 'yyyyyyyyyy')));
    });
    row(kind, n, 'steady', steady);

    if (EXPIRE > 0) {
      cli(srv.port, 'debug', 'set-active-expire', '0');
      const deadline = String(Date.now() + 1000);
      await pipeline(srv.port, EXPIRE / 1000, 1000, (i) => resp('SET', 'vol:' + i, 'xxxxxxxxxx', 'PXAT', deadline));
      const before = Number(cli(srv.port, 'dbsize'));
      await new Promise((r) => setTimeout(r, Math.max(0, Number(deadline) - Date.now() + 50)));
      const ex = await phase(srv, async () => {
        cli(srv.port, 'debug', 'set-active-expire', '1');
        for (let i = 0; i < 1200; i++) {
          await new Promise((r) => setTimeout(r, 250));
          if (Number(cli(srv.port, 'dbsize')) <= before - EXPIRE) break;
        }
      });
      row(kind, n, 'expire', ex, `${EXPIRE} volatile keys, ${before - Number(cli(srv.port, 'dbsize'))} gone`);
    }

    if (SET > 0) {
      await pipeline(srv.port, SET / 100 / 100, 100, (i) => {
        const a = ['SADD', 'bigset'];
        for (let k = 0; k < 100; k++) a.push('m:' + (i * 100 + k));
        return resp(...a);
      });
      const card = cli(srv.port, 'scard', 'bigset');
      let delMs = 0;
      const del = await phase(srv, async () => {
        const t = performance.now();
        cli(srv.port, 'del', 'bigset');
        delMs = performance.now() - t;
        // the collection that frees it comes later
        await new Promise((r) => setTimeout(r, 3000));
      });
      row(kind, n, 'bigdel', del, `DEL of a ${card}-member set answered in ${delMs.toFixed(0)} ms (redis-cli included)`);
    }
    srv.proc.kill('SIGKILL');
  }
}
if (causes.length) {
  console.log('\nStalls over 50 ms and their causes (GC from Redoubt\'s --trace-gc and --trace-incremental-marking; CPU time from /proc/<pid>/schedstat):');
  for (const c of causes) console.log('  ' + c);
}
