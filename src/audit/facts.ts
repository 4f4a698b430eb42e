// What the audit knows about a deployment, from a config file, a live server
// or both: the rules read only this, so every rule works on either source.

import { User } from '../security/users.js';
import { SEL } from '../security/selector.js';
import { aclLookup, allAclCmds, categoryBit } from '../security/acl-commands.js';

/** Where a value came from: a config file line, or the live server. */
export interface Location {
  file: string;
  line: number;
}

export interface UserFact {
  name: string;
  /** The rules as written (config/aclfile) or as ACL LIST prints them. */
  rules: string[];
  model: User;
  /** Plaintext passwords given with '>' (config files only: ACL LIST shows hashes). */
  plaintext: string[];
  loc?: Location;
}

export interface TlsProbe {
  /** Handshake with TLS 1.0/1.1 only: true when the server accepted it. */
  oldProtocolAccepted: boolean | null;
  /** Handshake offering only weak ciphers: true when accepted. */
  weakCipherAccepted: boolean | null;
  /** Handshake without a client certificate: true when the server let the session run. */
  noClientCertAccepted: boolean | null;
  /** Server certificate's notAfter (ms since epoch). */
  certNotAfter: number | null;
  error?: string;
}

export interface LiveFacts {
  host: string;
  port: number;
  tls: boolean;
  /** Server flavour from INFO: redoubt, valkey or redis. */
  flavour: 'redoubt' | 'valkey' | 'redis';
  version: string;
  info: Record<string, string>;
  /** Reply of PING on a connection that never authenticated. */
  unauthPing: string;
  /** CONFIG GET results (null: CONFIG refused or renamed). */
  config: Map<string, string> | null;
  /** ACL LIST lines (null: refused). */
  aclList: string[] | null;
  /** ACL LOG entries as field maps (null: refused). */
  aclLog: Record<string, string>[] | null;
  /** 'user|cmd' or 'cmd' -> the probe's outcome on the audit connection. */
  probes: Map<string, 'allowed' | 'denied' | 'unknown' | 'error'>;
  /** `CONFIG SET dir <current>` outcome: null when not tried. */
  configSetDir: 'refused' | 'accepted' | null;
  modules: string[] | null;
  tlsProbe: TlsProbe | null;
  /** The server runs on this machine (loopback target): host checks may look at files and /proc. */
  local: boolean;
  /** --try-passwords: users that accepted a dictionary password (never the password itself); null when not tried. */
  guessed: string[] | null;
  /** Effective uid of the server process when local and readable. */
  uid: number | null;
}

export interface ConfigFacts {
  file: string;
  /** Last value of each directive (lowercase name) and where it was set. */
  values: Map<string, { args: string[]; loc: Location }>;
  /** All lines of multi-line directives (save, client-output-buffer-limit, loadmodule). */
  multi: Map<string, { args: string[]; loc: Location }[]>;
  renames: Map<string, { to: string; loc: Location }>;
  users: UserFact[];
  /** Files read (config, includes, aclfile), for the permission checks. */
  files: string[];
  /** Defaults of parameters that are not set: the audited server's built-in values. */
  defaults: Record<string, string>;
}

export interface Facts {
  config: ConfigFacts | null;
  live: LiveFacts | null;
  /** Admin user names (--admin), else names that look like admin accounts. */
  adminNames: Set<string> | null;
  /** Module names or paths the operator expects (--allow-module). */
  allowModules?: string[];
  now: number;
}

/** redis-server's built-in values for the parameters the rules read (Redis 7.0 config.c). */
export const REDIS_DEFAULTS: Record<string, string> = {
  bind: '* -::*',
  'protected-mode': 'yes',
  port: '6379',
  'tls-port': '0',
  requirepass: '',
  maxmemory: '0',
  'maxmemory-policy': 'noeviction',
  timeout: '0',
  'tcp-keepalive': '300',
  maxclients: '10000',
  'client-output-buffer-limit': 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
  'acllog-max-len': '128',
  'acl-pubsub-default': 'resetchannels',
  'enable-protected-configs': 'no',
  'enable-debug-command': 'no',
  'enable-module-command': 'no',
  'tls-protocols': '',
  'tls-ciphers': '',
  'tls-auth-clients': 'yes',
  'tls-replication': 'no',
  'tls-cluster': 'no',
  'cluster-enabled': 'no',
  replicaof: '',
  masterauth: '',
  dir: '.',
  dbfilename: 'dump.rdb',
  aclfile: '',
  'tls-cert-file': '',
  'tls-key-file': '',
  'tls-ca-cert-file': '',
};

/** A parameter's value: the live server's when it answered CONFIG GET, else the config file's, else the default. */
export function param(f: Facts, name: string): { value: string; loc?: Location; from: 'live' | 'config' | 'default' } | null {
  const live = f.live?.config?.get(name);
  // the config line, when there is one, is where the fix goes
  if (live !== undefined) return { value: live, from: 'live', loc: f.config?.values.get(name)?.loc };
  if (f.config) {
    const v = f.config.values.get(name);
    if (v) return { value: v.args.join(' '), loc: v.loc, from: 'config' };
    const d = f.config.defaults[name];
    return d === undefined ? null : { value: d, from: 'default' };
  }
  return null;
}

/** Builds a user model from rules ('on', '>pw', '~*', ...); null with the error when a rule is refused. */
export function userModel(name: string, rules: string[], pubsubDefault: number): User | string {
  const u = new User(name, pubsubDefault);
  for (const r of rules) {
    const err = u.apply(r, pubsubDefault);
    if (err !== null) return err;
  }
  return u;
}

export function pubsubDefaultOf(value: string | undefined): number {
  return value === 'allchannels' ? SEL.ALLCHANNELS : 0;
}

/** The users the deployment has: from ACL LIST when the server answered, else from the config. */
export function usersOf(f: Facts): UserFact[] | null {
  if (f.live?.aclList) {
    const pd = pubsubDefaultOf(param(f, 'acl-pubsub-default')?.value);
    const out: UserFact[] = [];
    for (const line of f.live.aclList) {
      const parts = line.split(' ');
      if (parts[0] !== 'user' || parts.length < 2) continue;
      const model = userModel(parts[1], parts.slice(2), pd);
      if (typeof model === 'string') continue;
      // plaintext is only known from the config file
      const fromCfg = f.config?.users.find((u) => u.name === parts[1]);
      out.push({ name: parts[1], rules: parts.slice(2), model, plaintext: fromCfg?.plaintext ?? [], loc: fromCfg?.loc });
    }
    return out;
  }
  if (f.config) return f.config.users;
  return null;
}

/** The user may run the command ('config|set', 'flushall') in some selector. */
export function userMay(u: User, cmdName: string): boolean {
  const cmd = aclLookup(cmdName);
  if (!cmd) return false;
  for (const s of u.selectors) {
    if (s.flags & SEL.ALLCOMMANDS) return true;
    if (s.getBit(cmd.id)) return true;
    if (s.firstArgs?.has(cmd.id)) return true;
  }
  return false;
}

/** Commands of a category the user may run. */
export function allowedInCategory(u: User, category: string): string[] {
  const bit = categoryBit(category);
  const out: string[] = [];
  for (const c of allAclCmds()) if (c.cats & bit && userMay(u, c.fullName)) out.push(c.fullName);
  return out;
}

export function hasAllKeys(u: User): boolean {
  return u.selectors.some((s) => (s.flags & SEL.ALLKEYS) !== 0);
}
export function hasAllChannels(u: User): boolean {
  return u.selectors.some((s) => (s.flags & SEL.ALLCHANNELS) !== 0);
}
export function hasAllCommands(u: User): boolean {
  return u.selectors.some((s) => (s.flags & SEL.ALLCOMMANDS) !== 0);
}

const ADMIN_NAME = /admin|root|superuser|^ops$|operator/i;
/** Admin accounts are exempt from the least-privilege rules; everything else is an application user. */
export function isAdmin(f: Facts, name: string): boolean {
  if (f.adminNames) return f.adminNames.has(name);
  return ADMIN_NAME.test(name);
}
