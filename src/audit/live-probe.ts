// The live probe: reads a running server over the wire protocol only, so it
// works against Redoubt, Redis and Valkey alike. It never changes the server:
// reads (INFO, CONFIG GET, ACL LIST/LOG, MODULE LIST), permission questions
// (the ACL LIST model and ACL DRYRUN, else MULTI <cmd> DISCARD: queued
// commands never run), and one CONFIG SET dir to the value it already has.
// Audited as a user without ACL LIST, refused MULTI probes leave NOPERM
// entries in ACL LOG (read before the probes, so not reported by this run).

import { candidates } from './passwords.js';
import { statSync } from 'node:fs';
import type tls from 'node:tls';
import { Resp, ReplyError, type Reply } from './resp.js';
import { probeTls, type TlsMaterial } from './tls-probe.js';
import { userModel, userMay, pubsubDefaultOf, type LiveFacts } from './facts.js';
import type { User } from '../security/users.js';

export class LiveProbeError extends Error {}

export interface Target {
  host: string;
  port: number;
  tls: boolean;
  user?: string;
  password?: string;
  material?: TlsMaterial;
  timeoutMs?: number;
  /** Try AUTH with the dictionary of common passwords (leaves failed attempts in ACL LOG). */
  tryPasswords?: boolean;
}

/** Parses redis://user:pass@host:port and rediss://. */
export function parseUrl(url: string): Target {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new LiveProbeError(`invalid URL '${url}'`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new LiveProbeError(`unsupported scheme '${u.protocol}' (redis:// or rediss://)`);
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  return {
    host,
    port: u.port ? Number(u.port) : 6379,
    tls: u.protocol === 'rediss:',
    user: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
  };
}

const CONFIG_PARAMS = [
  'bind', 'protected-mode', 'port', 'tls-port', 'requirepass', 'maxmemory', 'maxmemory-policy', 'timeout', 'tcp-keepalive',
  'maxclients', 'client-output-buffer-limit', 'acllog-max-len', 'acl-pubsub-default', 'enable-protected-configs',
  'enable-debug-command', 'enable-module-command', 'tls-protocols', 'tls-ciphers', 'tls-auth-clients', 'tls-replication',
  'tls-cluster', 'cluster-enabled', 'replicaof', 'masterauth', 'dir', 'dbfilename', 'aclfile', 'tls-cert-file', 'tls-key-file',
];

/** Commands probed for existence and permission; the arguments are harmless placeholders, never executed. */
const PROBES: Record<string, string[]> = {
  flushall: ['FLUSHALL'],
  flushdb: ['FLUSHDB'],
  config: ['CONFIG', 'SET', 'maxmemory', '0'],
  debug: ['DEBUG', 'SLEEP', '0'],
  shutdown: ['SHUTDOWN', 'NOSAVE'],
  'module|load': ['MODULE', 'LOAD', '/nonexistent/redoubt-audit-probe.so'],
};

function err(r: Reply): string | null {
  return r instanceof ReplyError ? r.message : null;
}

export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && line[0] !== '#') out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

async function safe(c: Resp, ...args: string[]): Promise<Reply> {
  try {
    return await c.call(...args);
  } catch (e) {
    return new ReplyError(`(connection) ${(e as Error).message}`);
  }
}

async function connect(t: Target): Promise<Resp> {
  const tlsOpts: tls.ConnectionOptions | null = t.tls ? { ca: t.material?.ca, cert: t.material?.cert, key: t.material?.key, rejectUnauthorized: !!t.material?.ca } : null;
  try {
    return await Resp.connect({ host: t.host, port: t.port, tls: tlsOpts, timeoutMs: t.timeoutMs });
  } catch (e) {
    throw new LiveProbeError(`cannot connect to ${t.host}:${t.port}: ${(e as Error).message}`);
  }
}

/**
 * --try-passwords: AUTH with the dictionary against every enabled user that
 * has passwords (from ACL LIST; the default user alone when it cannot be
 * read), on a connection of its own. Only the names of users that accept one
 * are kept, never the password.
 */
async function tryPasswords(t: Target, aclList: string[] | null): Promise<string[]> {
  const users = aclList
    ? aclList.map((l) => l.split(' ')).filter((w) => w.includes('on') && !w.includes('nopass') && w.some((x) => x.startsWith('#'))).map((w) => w[1])
    : ['default'];
  const found: string[] = [];
  const c = await connect(t);
  try {
    for (const u of users) {
      for (const pw of candidates(u)) {
        if (!(await safe(c, 'AUTH', u, pw) instanceof ReplyError)) {
          found.push(u);
          break;
        }
      }
    }
  } finally {
    c.close();
  }
  return found;
}

/** The probe's verdict on one command for the audit connection. */
async function probeCommand(c: Resp, me: string | null, model: User | null, name: string, args: string[]): Promise<'allowed' | 'denied' | 'unknown' | 'error'> {
  // a denial the ACL model already knows is not sent: each refused probe would be an ACL LOG entry
  if (model && !userMay(model, name)) return 'denied';
  if (me !== null && model && userMay(model, 'acl|dryrun')) {
    const d = await safe(c, 'ACL', 'DRYRUN', me, ...args);
    const e = err(d);
    if (e === null && d === 'OK') {
      // permitted by ACL: only the queue-time checks (protected DEBUG/MODULE) can still refuse
      if (args[0] !== 'DEBUG' && args[0] !== 'MODULE') return 'allowed';
    } else if (e && /not found|unknown command/i.test(e)) return 'unknown';
    else if (typeof d === 'string' && /no permissions/i.test(d)) return 'denied';
  }
  const m = await safe(c, 'MULTI');
  if (err(m)) return 'error';
  const r = await safe(c, ...args);
  await safe(c, 'DISCARD');
  const e = err(r);
  if (e === null) return 'allowed';
  if (/^ERR unknown command/i.test(e)) return 'unknown';
  if (/^NOPERM/.test(e) || (/not allowed/i.test(e) && !/inside a transaction/i.test(e))) return 'denied';
  if (/inside a transaction/i.test(e)) return 'allowed';
  return 'error';
}

export async function probeLive(t: Target): Promise<LiveFacts> {
  // a connection that never authenticates: what an attacker sees first
  let unauthPing: string;
  {
    const c = await connect(t);
    const r = await safe(c, 'PING');
    c.close();
    if (err(r)?.startsWith('(connection)')) throw new LiveProbeError(`no RESP reply from ${t.host}:${t.port} (${err(r)!.slice(13)})${t.tls ? '' : '; a TLS port needs rediss://'}`);
    unauthPing = err(r) ?? String(r);
  }
  const c = await connect(t);
  try {
    if (t.password !== undefined) {
      const r = await safe(c, 'AUTH', ...(t.user ? [t.user] : []), t.password);
      if (err(r)) throw new LiveProbeError(`AUTH failed: ${err(r)!.split(' ')[0]}`);
    }
    const infoR = await safe(c, 'INFO');
    if (err(infoR)?.startsWith('(connection)')) throw new LiveProbeError(`connection lost: ${err(infoR)!.slice(13)}`);
    const info = typeof infoR === 'string' ? parseInfo(infoR) : {};
    if (err(infoR)?.startsWith('NOAUTH')) throw new LiveProbeError('the server requires authentication: give user:password in the URL');
    const flavour = info.redoubt_version ? 'redoubt' : info.valkey_version || info.server_name === 'valkey' ? 'valkey' : 'redis';
    const version = info.redoubt_version ?? info.valkey_version ?? info.redis_version ?? 'unknown';

    let config: Map<string, string> | null = new Map();
    const cg = await safe(c, 'CONFIG', 'GET', ...CONFIG_PARAMS);
    if (Array.isArray(cg)) for (let i = 0; i + 1 < cg.length; i += 2) config.set(String(cg[i]), String(cg[i + 1]));
    else if (/wrong number of arguments/i.test(err(cg) ?? '')) {
      // Redis 6 takes one pattern per CONFIG GET
      for (const p of CONFIG_PARAMS) {
        const one = await safe(c, 'CONFIG', 'GET', p);
        if (Array.isArray(one) && one.length === 2) config.set(String(one[0]), String(one[1]));
      }
    } else config = null;

    const al = await safe(c, 'ACL', 'LIST');
    const aclList = Array.isArray(al) ? al.map(String) : null;
    const lg = await safe(c, 'ACL', 'LOG');
    const aclLog = Array.isArray(lg)
      ? lg.map((e) => {
          const m: Record<string, string> = {};
          if (Array.isArray(e)) for (let i = 0; i + 1 < e.length; i += 2) m[String(e[i])] = String(e[i + 1]);
          return m;
        })
      : null;
    const ml = await safe(c, 'MODULE', 'LIST');
    const modules = Array.isArray(ml) ? ml.map((m) => (Array.isArray(m) ? String(m[1]) : String(m))) : null;

    const who = await safe(c, 'ACL', 'WHOAMI');
    const me = typeof who === 'string' && !err(who) ? who : null;
    let model: User | null = null;
    const myLine = aclList?.find((l) => l.startsWith(`user ${me} `));
    if (myLine) {
      const m = userModel(me!, myLine.split(' ').slice(2), pubsubDefaultOf(config?.get('acl-pubsub-default')));
      if (typeof m !== 'string') model = m;
    }
    const probes = new Map<string, 'allowed' | 'denied' | 'unknown' | 'error'>();
    for (const [name, args] of Object.entries(PROBES)) probes.set(name, await probeCommand(c, me, model, name, args));

    let configSetDir: 'refused' | 'accepted' | null = null;
    const dir = config?.get('dir');
    if (dir !== undefined && probes.get('config') === 'allowed') {
      const r = await safe(c, 'CONFIG', 'SET', 'dir', dir);
      configSetDir = err(r) ? 'refused' : 'accepted';
    }

    const local = t.host === '127.0.0.1' || t.host === '::1' || t.host === 'localhost';
    let uid: number | null = null;
    if (local && info.process_id) {
      try {
        uid = statSync(`/proc/${info.process_id}`).uid;
      } catch {
        /* another host or namespace */
      }
    }
    const tlsProbe = t.tls ? await probeTls(t.host, t.port, t.material ?? {}, t.timeoutMs ?? 3000) : null;
    const guessed = t.tryPasswords ? await tryPasswords(t, aclList) : null;
    return { host: t.host, port: t.port, tls: t.tls, flavour, version, info, unauthPing, config, aclList, aclLog, probes, configSetDir, modules, tlsProbe, local, uid, guessed };
  } finally {
    c.close();
  }
}
