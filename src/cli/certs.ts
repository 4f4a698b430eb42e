// `redoubt certs`: the CA, server and client certificates a TLS deployment
// needs, in one command (what the usual five openssl steps do by hand).
//   redoubt certs [--dir DIR] [--host NAME|IP]... [--client USER[=URI]]... [options]
// An existing ca.crt/ca.key in DIR is reused to sign, so more client
// certificates can be added later. Keys are written 0600.

import { writeFileSync, readFileSync, existsSync, mkdirSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createCa, loadCa, createServerCert, createClientCert, type IssueOptions, type KeyType, type Issued } from '../tls/certs.js';

export const CERTS_USAGE = `Usage: redoubt certs [options]
  --dir DIR            where to write (default: ./tls)
  --host NAME|IP       a server name or address for the server certificate's SANs;
                       repeatable (default: localhost, 127.0.0.1, ::1)
  --client USER[=URI]  a client certificate for ACL user USER (CN=USER), with an optional
                       SAN URI; repeatable; written as USER.crt / USER.key
  --no-server          do not (re)issue the server certificate
  --ca-name NAME       CA common name (default: Redoubt CA)
  --days N             validity of server and client certificates (default: 365)
  --ca-days N          validity of a new CA (default: 3650)
  --key-type rsa|ec    rsa (default, 3072 bits) or ec (P-256)
  --bits N             RSA key size (default: 3072)
  --force              overwrite existing certificate files (the CA is always reused if present)
`;

class UsageError extends Error {}

interface CertsArgs {
  dir: string;
  hosts: string[];
  clients: { user: string; uri?: string }[];
  server: boolean;
  caName: string;
  days: number;
  caDays: number;
  keyType: KeyType;
  bits: number;
  force: boolean;
}

function parseArgs(argv: string[]): CertsArgs {
  const a: CertsArgs = { dir: 'tls', hosts: [], clients: [], server: true, caName: 'Redoubt CA', days: 365, caDays: 3650, keyType: 'rsa', bits: 3072, force: false };
  const num = (v: string, what: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${what} must be a positive integer`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const opt = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${opt} needs a value`);
      return argv[++i];
    };
    switch (opt) {
      case '--dir':
        a.dir = val();
        break;
      case '--host':
        a.hosts.push(...val().split(',').filter(Boolean));
        break;
      case '--client': {
        const v = val();
        const eq = v.indexOf('=');
        const user = eq === -1 ? v : v.slice(0, eq);
        if (user === '' || /[\s/\\]/.test(user) || user.startsWith('.')) throw new UsageError(`invalid user name for --client: '${user}'`);
        a.clients.push(eq === -1 ? { user } : { user, uri: v.slice(eq + 1) });
        break;
      }
      case '--no-server':
        a.server = false;
        break;
      case '--ca-name':
        a.caName = val();
        break;
      case '--days':
        a.days = num(val(), '--days');
        break;
      case '--ca-days':
        a.caDays = num(val(), '--ca-days');
        break;
      case '--key-type': {
        const v = val();
        if (v !== 'rsa' && v !== 'ec') throw new UsageError('--key-type must be rsa or ec');
        a.keyType = v;
        break;
      }
      case '--bits':
        a.bits = num(val(), '--bits');
        if (a.bits < 2048) throw new UsageError('--bits must be at least 2048');
        break;
      case '--force':
        a.force = true;
        break;
      default:
        throw new UsageError(`unknown option '${opt}'`);
    }
  }
  if (a.hosts.length === 0) a.hosts = ['localhost', '127.0.0.1', '::1'];
  return a;
}

function write(path: string, text: string, secret: boolean): void {
  writeFileSync(path, text, { mode: secret ? 0o600 : 0o644 });
  // mode applies only to new files: an overwritten key must not keep wider permissions
  chmodSync(path, secret ? 0o600 : 0o644);
}

export async function certsMain(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    out(CERTS_USAGE);
    return 0;
  }
  let a: CertsArgs;
  try {
    a = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`redoubt certs: ${e.message}\n${CERTS_USAGE}`);
    return 1;
  }
  const dir = resolve(a.dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const opts: IssueOptions = { keyType: a.keyType, bits: a.bits, days: a.days };
  const path = (n: string) => join(dir, n);
  const guard = (...names: string[]) => {
    for (const n of names) if (existsSync(path(n)) && !a.force) throw new UsageError(`${path(n)} exists (use --force to overwrite)`);
  };

  let ca: Issued;
  try {
    if (existsSync(path('ca.crt')) && existsSync(path('ca.key'))) {
      ca = await loadCa(readFileSync(path('ca.crt'), 'latin1'), readFileSync(path('ca.key'), 'latin1'));
      out(`Using the existing CA ${path('ca.crt')}\n`);
    } else {
      ca = await createCa(a.caName, { ...opts, days: a.caDays });
      write(path('ca.key'), ca.keyPem, true);
      write(path('ca.crt'), ca.certPem, false);
      out(`Wrote CA ${path('ca.crt')} (key ${path('ca.key')}, 0600)\n`);
    }
    if (a.server) {
      guard('redis.crt', 'redis.key');
      const s = await createServerCert(ca, a.hosts, opts);
      write(path('redis.key'), s.keyPem, true);
      write(path('redis.crt'), s.certPem, false);
      out(`Wrote server certificate ${path('redis.crt')} for ${a.hosts.join(', ')}\n`);
    }
    for (const c of a.clients) {
      guard(`${c.user}.crt`, `${c.user}.key`);
      const cc = await createClientCert(ca, c.user, c.uri, opts);
      write(path(`${c.user}.key`), cc.keyPem, true);
      write(path(`${c.user}.crt`), cc.certPem, false);
      out(`Wrote client certificate ${path(`${c.user}.crt`)} (CN=${c.user}${c.uri ? `, URI=${c.uri}` : ''})\n`);
    }
  } catch (e) {
    if (!(e instanceof UsageError)) {
      process.stderr.write(`redoubt certs: ${(e as Error).message}\n`);
      return 1;
    }
    process.stderr.write(`redoubt certs: ${e.message}\n`);
    return 1;
  }
  out(`\nredis.conf:\n  tls-port 6380\n  tls-cert-file ${path('redis.crt')}\n  tls-key-file ${path('redis.key')}\n  tls-ca-cert-file ${path('ca.crt')}\n  tls-auth-clients yes\n`);
  return 0;
}
