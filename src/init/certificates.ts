// init's certificate step. `redoubt certs` (src/tls, being written) will
// generate a CA, server and client certificates here; until then the step
// only adopts an existing --tls-dir holding ca.crt, server.crt and server.key
// (client.crt/client.key for clients), and TLS is left off otherwise.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/** The certificate files the config references, or null when TLS cannot be set up yet. */
export function certificateStep(tlsDir: string | undefined): TlsFiles | null {
  if (!tlsDir) return null;
  const d = resolve(tlsDir);
  const files = { ca: join(d, 'ca.crt'), cert: join(d, 'server.crt'), key: join(d, 'server.key') };
  for (const f of Object.values(files)) if (!existsSync(f)) throw new Error(`--tls-dir: ${f} does not exist`);
  return files;
}
