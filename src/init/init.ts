// `redoubt init`: writes a hardened deployment into a folder — config, ACL
// file, 0600 credentials, certificates (see certificates.ts), Dockerfile,
// docker-compose.yml, Kubernetes manifests and a systemd unit — then audits
// the config it wrote.

import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { sha256 } from '../audit/passwords.js';
import { userModel } from '../audit/facts.js';
import { certificateStep, generateCertificates } from './certificates.js';
import { redoubtConf, usersAcl, credentials, dockerfile, compose, kubernetes, systemdUnit, type Plan, type InitUser } from './files.js';

export class InitError extends Error {}

export interface InitOptions {
  dir: string;
  bind?: string[];
  port?: number;
  tlsDir?: string;
  /** No TLS at all (plaintext port only). */
  noTls?: boolean;
  /** tlsDir was written by init itself (DIR/tls). */
  generatedTls?: boolean;
  persistent?: boolean;
  maxmemory?: string;
  prefix?: string;
  dataDir?: string;
  /** 'name:rules' */
  users?: string[];
  force?: boolean;
}

/** 32 random bytes as hex: 64 characters, 256 bits from the CSPRNG. */
export function newPassword(): string {
  return randomBytes(32).toString('hex');
}

const DEFAULT_APP_RULES = '~app:* -@all +@read +@write +@connection -@dangerous';

function parseUser(spec: string): InitUser {
  const i = spec.indexOf(':');
  const name = i < 0 ? spec : spec.slice(0, i);
  const rules = i < 0 ? DEFAULT_APP_RULES : spec.slice(i + 1).trim();
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name === 'default') throw new InitError(`--user: invalid user name '${name}'`);
  // refuse rules Redis would refuse, and any password rule: init makes the passwords
  const model = userModel(name, rules.split(/\s+/).filter(Boolean), 0);
  if (typeof model === 'string') throw new InitError(`--user ${name}: ${model}`);
  if (/(^|\s)(nopass|[<>#!]|on\b|off\b)/.test(rules)) throw new InitError(`--user ${name}: give only permissions (init sets on and the password)`);
  const password = newPassword();
  return { name, rules, password, hash: sha256(password) };
}

export function plan(o: InitOptions): Plan {
  const out = resolve(o.dir);
  const prefix = o.prefix ?? out;
  const tls = certificateStep(o.tlsDir);
  const users = [{ ...parseUser('admin:~* &* +@all') }];
  const specs = o.users?.length ? o.users : ['app'];
  for (const s of specs) {
    const u = parseUser(s);
    if (users.some((x) => x.name === u.name)) throw new InitError(`--user ${u.name} given twice`);
    users.push(u);
  }
  return {
    bind: o.bind?.length ? o.bind : ['127.0.0.1', '-::1'],
    port: o.port ?? (tls ? 6380 : 6379),
    tls,
    persistent: !!o.persistent,
    maxmemory: o.maxmemory ?? '256mb',
    prefix,
    dataDir: o.dataDir ?? `${prefix}/data`,
    users,
    configName: `CONFIG_${randomBytes(8).toString('hex')}`,
  };
}

/** Writes the folder; returns the paths written. */
export function writeInit(o: InitOptions, p: Plan = plan(o)): string[] {
  const out = resolve(o.dir);
  mkdirSync(out, { recursive: true, mode: 0o700 });
  // the tls folder init's own certificate step has just written does not count
  const existing = readdirSync(out).filter((f) => !(o.generatedTls && f === 'tls'));
  if (!o.force && existing.length) throw new InitError(`${out} is not empty (use --force to overwrite)`);
  const conf = redoubtConf(p);
  const acl = usersAcl(p);
  const files: [string, string, number][] = [
    ['redoubt.conf', conf, 0o600],
    ['users.acl', acl, 0o600],
    ['credentials', credentials(p), 0o600],
    ['Dockerfile', dockerfile(p), 0o644],
    ['docker-compose.yml', compose(p), 0o644],
    ['k8s/redoubt.yaml', kubernetes(p, { conf, acl }), 0o600],
    ['redoubt.service', systemdUnit(p), 0o644],
  ];
  const written: string[] = [];
  for (const [name, text, mode] of files) {
    const path = join(out, name);
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    writeFileSync(path, text, { mode });
    chmodSync(path, mode);
    written.push(path);
  }
  // the data dir exists locally when the deployment folder is used in place
  if (p.dataDir.startsWith(out) && !existsSync(p.dataDir)) mkdirSync(p.dataDir, { mode: 0o700 });
  return written;
}

const USAGE = `Usage: redoubt init --dir DIR [--bind ADDR[,ADDR]] [--port N] [--tls-dir DIR|--no-tls] [--cache|--persistent]
                    [--maxmemory SIZE] [--user NAME[:RULES]]... [--prefix PATH] [--data-dir PATH] [--force]
Writes redoubt.conf, users.acl, credentials (0600), Dockerfile, docker-compose.yml, k8s/redoubt.yaml and
redoubt.service into DIR. --prefix is where DIR will live when deployed (default: DIR itself).
TLS: by default \`redoubt certs\` writes a CA, a server certificate and one client certificate per user into
DIR/tls; --tls-dir adopts existing ones (ca.crt and redis.crt/redis.key or server.crt/server.key); --no-tls
leaves TLS off.
`;

export async function initMain(args: string[], out: { write(s: string): unknown } = process.stdout, err: { write(s: string): unknown } = process.stderr): Promise<number> {
  const o: InitOptions = { dir: '' };
  try {
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      const val = () => {
        if (i + 1 >= args.length) throw new InitError(`${a} needs a value`);
        return args[++i];
      };
      switch (a) {
        case '--dir': o.dir = val(); break;
        case '--bind': o.bind = [...(o.bind ?? []), ...val().split(/[ ,]+/).filter(Boolean)]; break;
        case '--port': o.port = Number(val()); if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) throw new InitError('--port: 1..65535'); break;
        case '--tls-dir': o.tlsDir = val(); break;
        case '--no-tls': o.noTls = true; break;
        case '--cache': o.persistent = false; break;
        case '--persistent': o.persistent = true; break;
        case '--maxmemory': o.maxmemory = val(); if (!/^\d+(kb|mb|gb)?$/i.test(o.maxmemory)) throw new InitError('--maxmemory: e.g. 256mb'); break;
        case '--user': o.users = [...(o.users ?? []), val()]; break;
        case '--prefix': o.prefix = val(); break;
        case '--data-dir': o.dataDir = val(); break;
        case '--force': o.force = true; break;
        case '-h': case '--help': out.write(USAGE); return 0;
        default: throw new InitError(`unknown option '${a}'`);
      }
    }
    if (!o.dir) throw new InitError('--dir is required');
    if (!o.tlsDir && !o.noTls) {
      // no certificates given: `redoubt certs` makes a CA, a server certificate and one per user
      const tlsDir = join(resolve(o.dir), 'tls');
      const hosts = ['localhost', '127.0.0.1', '::1', ...(o.bind ?? []).map((b) => b.replace(/^-/, '')).filter((b) => b !== '*' && b !== '127.0.0.1' && b !== '::1')];
      const names = ['admin', ...(o.users ?? ['app']).map((u) => u.split(':')[0])];
      const out = resolve(o.dir);
      if (!o.force && existsSync(out) && readdirSync(out).length) throw new InitError(`${out} is not empty (use --force to overwrite)`);
      await generateCertificates(tlsDir, hosts, names);
      o.tlsDir = tlsDir;
      o.generatedTls = true;
    }
    const p = plan(o);
    const written = writeInit(o, p);
    const { runAudit } = await import('../audit/run.js');
    const r = await runAudit({ config: join(resolve(o.dir), 'redoubt.conf') });
    out.write(`Wrote ${written.length} files to ${resolve(o.dir)}:\n${written.map((w) => '  ' + w).join('\n')}\n`);
    out.write(`Users: ${p.users.map((u) => u.name).join(', ')} (passwords in credentials, mode 0600); CONFIG renamed (see credentials).\n`);
    if (!p.tls) out.write('TLS: off (--no-tls).\n');
    else out.write(`TLS: mutual TLS with the certificates in ${dirname(p.tls.ca)} (a client certificate per user).\n`);
    out.write(`redoubt audit --config: score ${r.score.score}/100, grade ${r.score.grade}\n`);
    return 0;
  } catch (e) {
    if (e instanceof InitError || (e as Error).message.startsWith('--tls-dir')) {
      err.write(`redoubt init: ${(e as Error).message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}
