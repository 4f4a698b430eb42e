// init's certificate step: adopt an existing --tls-dir, or have `redoubt certs`
// write a CA, a server certificate (for the bind addresses and localhost)
// and a client certificate per user (CN = user) into <dir>/tls.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { certsMain } from '../cli/certs.js';

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/** The certificate files in a folder: `redoubt certs`'s redis.crt/redis.key, or server.crt/server.key. */
export function certificateStep(tlsDir: string | undefined): TlsFiles | null {
  if (!tlsDir) return null;
  const d = resolve(tlsDir);
  const named = (base: string) => ({ ca: join(d, 'ca.crt'), cert: join(d, base + '.crt'), key: join(d, base + '.key') });
  const files = existsSync(join(d, 'redis.crt')) ? named('redis') : named('server');
  for (const f of Object.values(files)) if (!existsSync(f)) throw new Error(`--tls-dir: ${f} does not exist`);
  return files;
}

/** Writes certificates with `redoubt certs` into dir; the server certificate names the hosts given. */
export async function generateCertificates(dir: string, hosts: string[], users: string[]): Promise<void> {
  const args = ['--dir', dir];
  for (const h of hosts) args.push('--host', h);
  for (const u of users) args.push('--client', u);
  const log: string[] = [];
  const code = await certsMain(args, (s) => void log.push(s));
  if (code !== 0) throw new Error(`--tls-dir: redoubt certs failed: ${log.join('')}`);
}
