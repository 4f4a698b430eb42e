// Starts real servers for tests: Redoubt (our CLI, as a child process, or
// embedded) and the reference redis-server from Debian.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, writeFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/ root */
export const DIST = join(here, '..', '..');
export const SERVER_BIN = join(DIST, 'src', 'cli', 'redoubt-server.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

export interface Running {
  port: number;
  proc: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
  dir: string;
}

async function waitReady(proc: ChildProcess, port: number, out: () => string, what: string): Promise<void> {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${what} exited (${proc.exitCode}): ${out()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error(`${what} did not start: ${out()}`);
}

function launch(cmd: string, args: string[], port: number, what: string, dir: string): Promise<Running> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let buf = '';
  proc.stdout!.on('data', (d) => (buf += d));
  proc.stderr!.on('data', (d) => (buf += d));
  const output = () => buf;
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const done = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(t);
  };
  return waitReady(proc, port, output, what).then(() => ({ port, proc, output, stop, dir }));
}

/** Starts `redoubt-server --port <free> ...args` and waits until it accepts connections. */
export async function startRedoubt(args: string[] = []): Promise<Running> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-'));
  return launch(process.execPath, [SERVER_BIN, '--port', String(port), '--dir', dir, ...args], port, 'redoubt-server', dir);
}

export function redisServerPath(): string {
  try {
    return execFileSync('which', ['redis-server']).toString().trim();
  } catch {
    throw new Error('redis-server (Debian package redis-server) is required for these tests and is not installed');
  }
}

/** Starts the reference redis-server 7.0 with persistence off. */
export async function startRedis(args: string[] = []): Promise<Running> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'redis-ref-'));
  return launch(redisServerPath(), ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...args], port, 'redis-server', dir);
}

/** One Redoubt and one reference redis-server shared by a test file: started before its tests, stopped after. */
export function serversForFile(args: string[] = []): { srv: Running; ref: Running } {
  const s = {} as { srv: Running; ref: Running };
  before(async () => {
    [s.srv, s.ref] = await Promise.all([startRedoubt(args), startRedis(args)]);
  });
  after(async () => {
    await Promise.all([s.srv?.stop(), s.ref?.stop()]);
  });
  return s;
}

export interface Started {
  port: number;
  proc: ChildProcess;
  dir: string;
  file: string;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts `redoubt-server <file> [args]` (`$PORT` in the text becomes a free port) with the config file first, as redis-server takes it. */
export async function startWithFile(content: string, args: string[] = [], dirIn?: string): Promise<Started> {
  const dir = dirIn ?? realpathSync(mkdtempSync(join(tmpdir(), 'redoubt-cfg-')));
  const port = await freePort();
  const file = join(dir, 'redis.conf');
  writeFileSync(file, content.replace(/\$PORT/g, String(port)), { mode: 0o644 });
  const proc = spawn(process.execPath, [SERVER_BIN, file, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const done = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    await done;
  };
  const deadline = Date.now() + 15000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`exited ${proc.exitCode}: ${out}`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) throw new Error('did not start: ' + out);
    await new Promise((r) => setTimeout(r, 30));
  }
  return { port, proc, dir, file, output: () => out, stop };
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

