// Test certificates made with openssl in a temp dir: a CA, a server
// certificate for 127.0.0.1/localhost and a client certificate.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Certs {
  dir: string;
  ca: string;
  caKey: string;
  cert: string;
  key: string;
  clientCert: string;
  clientKey: string;
}

const ossl = (dir: string, ...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

/** serverDays: validity of the server certificate (short values test expiry warnings). */
export function makeCerts(serverDays = 365, dirIn?: string): Certs {
  const dir = dirIn ?? mkdtempSync(join(tmpdir(), 'redoubt-certs-'));
  ossl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=Test CA');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ossl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  ossl(dir, 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', String(serverDays), '-extfile', 'ext.cnf');
  ossl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=client');
  ossl(dir, 'x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '365');
  const p = (f: string) => join(dir, f);
  return { dir, ca: p('ca.crt'), caKey: p('ca.key'), cert: p('server.crt'), key: p('server.key'), clientCert: p('client.crt'), clientKey: p('client.key') };
}
