// TLS test helpers: the seed's certificates made with its openssl commands,
// a Redoubt started from a redis.conf text, and small TLS clients (Node's tls,
// openssl s_client, redis-cli --tls) that report what the server did.

import { spawn, spawnSync, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVER_BIN, freePort } from './servers.js';

export { freePort };

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
}

/**
 * The seed guide's certificates, made with its exact openssl commands (CA, then the
 * server key, CSR and signature); the client certificate follows the same three steps
 * with CN=app_service.
 */
export function seedCerts(dir: string, clientCn = 'app_service'): void {
  const o = (...a: string[]) => run('openssl', a, dir);
  o('genrsa', '-out', 'ca.key', '4096');
  o('req', '-new', '-x509', '-days', '3650', '-key', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=Redis CA');
  o('genrsa', '-out', 'redis.key', '4096');
  o('req', '-new', '-key', 'redis.key', '-out', 'redis.csr', '-subj', '/CN=redis.internal');
  o('x509', '-req', '-days', '365', '-in', 'redis.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'redis.crt');
  o('genrsa', '-out', 'client.key', '4096');
  o('req', '-new', '-key', 'client.key', '-out', 'client.csr', '-subj', `/CN=${clientCn}`);
  o('x509', '-req', '-days', '365', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt');
}

/** The seed guide's TLS section, verbatim but for the port and the certificate directory. */
export function seedConf(dir: string, tlsPort: number): string {
  return `# redis.conf

# Disable plaintext port, enable TLS port
port 0
tls-port ${tlsPort}

# Certificate paths
tls-cert-file ${dir}/redis.crt
tls-key-file ${dir}/redis.key
tls-ca-cert-file ${dir}/ca.crt

# Require client certificates (mutual TLS)
tls-auth-clients yes

# Enforce TLS 1.2 minimum
tls-protocols "TLSv1.2 TLSv1.3"

# Strong cipher suites only
tls-ciphers "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256"
tls-ciphersuites "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256"

# Prefer server cipher order
tls-prefer-server-ciphers yes
`;
}

export interface ConfServer {
  proc: ChildProcess;
  dir: string;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts redoubt-server with `conf` as its redis.conf; waits for "Ready to accept connections" (no probe connection). */
export async function startWithConf(conf: string, extraArgs: string[] = []): Promise<ConfServer> {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-tls-'));
  const file = join(dir, 'redis.conf');
  writeFileSync(file, conf + `\ndir ${dir}\n`, { mode: 0o600 });
  const proc = spawn(process.execPath, [SERVER_BIN, file, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let buf = '';
  proc.stdout!.on('data', (d) => (buf += d));
  proc.stderr!.on('data', (d) => (buf += d));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const done = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(t);
  };
  const deadline = Date.now() + 15000;
  while (!/Ready to accept connections\n/.test(buf)) {
    if (proc.exitCode !== null) throw new Error(`redoubt-server exited (${proc.exitCode}): ${buf}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`redoubt-server did not start: ${buf}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { proc, dir, output: () => buf, stop };
}

/** Runs redoubt-server expecting it to refuse to start; resolves with its exit code and output. */
export function startFails(conf: string): Promise<{ code: number | null; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-tls-'));
  const file = join(dir, 'redis.conf');
  writeFileSync(file, conf + `\ndir ${dir}\n`, { mode: 0o600 });
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [SERVER_BIN, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const t = setTimeout(() => p.kill('SIGKILL'), 10000);
    p.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, output: out });
    });
  });
}

export interface Files {
  ca?: string;
  cert?: string;
  key?: string;
}

export function tlsFiles(dir: string, names: { ca?: string; cert?: string; key?: string }): tls.ConnectionOptions {
  const o: tls.ConnectionOptions = {};
  if (names.ca) o.ca = readFileSync(join(dir, names.ca));
  if (names.cert) o.cert = readFileSync(join(dir, names.cert));
  if (names.key) o.key = readFileSync(join(dir, names.key));
  return o;
}

export interface TlsResult {
  ok: boolean;
  reply: string;
  error: string;
  protocol: string | null;
  cipher: string | null;
  fingerprint: string | null;
  reused: boolean;
  session: Buffer | null;
}

/**
 * Connects with Node's tls, sends `cmd` (PING) and waits for a reply, an error or
 * the close: under TLS 1.3 a refused client certificate shows up only as an alert
 * after the client thinks the handshake is done, so the reply is what counts.
 */
export function tlsCommand(port: number, opts: tls.ConnectionOptions, cmd = 'PING\r\n'): Promise<TlsResult> {
  return new Promise((resolve) => {
    let reply = '';
    let error = '';
    let session: Buffer | null = null;
    let info: Pick<TlsResult, 'protocol' | 'cipher' | 'fingerprint' | 'reused'> = { protocol: null, cipher: null, fingerprint: null, reused: false };
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'redis.internal', ...opts });
    const finish = () => {
      clearTimeout(t);
      s.destroy();
      resolve({ ok: reply.length > 0 && error === '', reply, error, session, ...info });
    };
    const t = setTimeout(finish, 5000);
    s.on('session', (b) => (session = b));
    s.once('secureConnect', () => {
      info = { protocol: s.getProtocol(), cipher: s.getCipher()?.standardName ?? null, fingerprint: s.getPeerCertificate()?.fingerprint256 ?? null, reused: s.isSessionReused() };
      s.write(cmd);
    });
    s.on('data', (d) => {
      reply += d.toString('latin1');
      if (reply.endsWith('\r\n')) setTimeout(finish, 20); // a TLS 1.3 session ticket may follow
    });
    s.on('error', (e) => {
      error = e.message;
      finish();
    });
    s.on('close', finish);
  });
}

/** openssl s_client against 127.0.0.1:port with `args`; sends PING and QUIT, returns status and output. */
export function sClient(port: number, args: string[]): { status: number | null; out: string } {
  const r = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-quiet', ...args], { input: 'PING\r\nQUIT\r\n', timeout: 10000 });
  return { status: r.status, out: r.stdout.toString() + r.stderr.toString() };
}

/** redis-cli with `args`; resolves stdout, stderr and the exit code. */
export function redisCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('redis-cli', args, { timeout: 10000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

export function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
