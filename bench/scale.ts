// Scale: load N small keys into Redoubt and redis-server (same run, one after
// the other) with pipelined SETs of random keys, while a probe client sends
// a PING every millisecond; report the longest stall, p99.9 of the probe,
// load time, RSS per key and used_memory per key.
//
//   npm run bench:scale                    # 1M and 3M keys
//   SCALE_KEYS=1000000,10000000 npm run bench:scale

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { freePort, waitPort, rss } from './common.js';
const here = dirname(fileURLToPath(import.meta.url));
const LAUNCHER = join(here, '..', '..', 'bin', 'redoubt-server');
const sizes = (process.env.SCALE_KEYS ?? '1000000,3000000').split(',').map(Number);

async function start(kind: 'redoubt' | 'redis'): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'scale-'));
  const args = ['--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir];
  const proc = kind === 'redoubt' ? spawn(LAUNCHER, args, { stdio: 'ignore' }) : spawn('redis-server', args, { stdio: 'ignore' });
  await waitPort(port);
  return { port, proc };
}

/**
 * PINGs every millisecond from a worker thread (its own event loop: the
 * loader's work in this thread must not show up as server stalls);
 * the stop function resolves to the latencies (ms).
 */
function probe(port: number): () => Promise<number[]> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const net = require('node:net');
    const lat = [];
    const s = net.connect(workerData.port, '127.0.0.1');
    let sent = 0, stopped = false;
    const tick = () => { if (stopped) return; sent = performance.now(); s.write('*1\\r\\n$4\\r\\nPING\\r\\n'); };
    s.on('data', () => { lat.push(performance.now() - sent); setTimeout(tick, 1); });
    s.on('connect', tick);
    parentPort.on('message', () => { stopped = true; s.destroy(); parentPort.postMessage(lat); });
  `;
  const w = new Worker(code, { eval: true, workerData: { port } });
  return () =>
    new Promise((resolve) => {
      w.once('message', (lat: number[]) => {
        void w.terminate();
        resolve(lat);
      });
      w.postMessage('stop');
    });
}

/** Pipelined SETs of random keys (10-byte values), 32 in flight per batch of 1000. */
function load(port: number, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const batch = 1000;
    const total = n / batch;
    let sent = 0;
    let acked = 0;
    let pending = 0;
    s.on('data', (d) => {
      for (let i = 0; i < d.length; i++) if (d[i] === 10) pending++;
      while (pending >= batch) {
        pending -= batch;
        acked++;
      }
      if (acked === total) {
        s.end();
        resolve();
      } else pump();
    });
    s.on('error', reject);
    const pump = () => {
      let out = '';
      while (sent < total && sent - acked < 32) {
        for (let k = 0; k < batch; k++) {
          const key = 'key:' + Math.floor(Math.random() * 1e12).toString(36).padStart(8, '0') + (sent * batch + k);
          out += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$10\r\nxxxxxxxxxx\r\n`;
        }
        sent++;
      }
      if (out) s.write(out, 'latin1');
    };
    s.on('connect', pump);
  });
}

const pct = (a: number[], p: number) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? 0;
};

console.log('kind      keys        load s  max stall ms  p99.9 ms  RSS B/key  used_memory B/key');
for (const n of sizes) {
  for (const kind of ['redoubt', 'redis'] as const) {
    const srv = await start(kind);
    const stop = probe(srv.port);
    const t0 = performance.now();
    await load(srv.port, n);
    const secs = (performance.now() - t0) / 1000;
    const lat = await stop();
    const info = spawnSync('redis-cli', ['-p', String(srv.port), 'info', 'memory']).stdout.toString();
    const used = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
    const dbsize = Number(spawnSync('redis-cli', ['-p', String(srv.port), 'dbsize']).stdout.toString());
    console.log(
      `${kind.padEnd(9)} ${String(dbsize).padStart(9)} ${secs.toFixed(1).padStart(9)} ${Math.max(...lat).toFixed(1).padStart(13)} ${pct(lat, 99.9).toFixed(1).padStart(9)} ${(rss(srv.proc.pid!) / n).toFixed(0).padStart(10)} ${(used / n).toFixed(0).padStart(18)}`,
    );
    srv.proc.kill('SIGKILL');
  }
}
