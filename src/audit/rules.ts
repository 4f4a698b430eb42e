// The hardening catalogue: stable ids, what each rule prevents, how it is
// checked statically (config file) and live (wire protocol only), and the fix.
// A rule's check reads Facts; ids never change meaning once released.

import { readFileSync, statSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import {
  param, usersOf, userMay, allowedInCategory, hasAllKeys, hasAllChannels, hasAllCommands, isAdmin,
  type Facts, type Location,
} from './facts.js';
import { dictionaryHit, weakness } from './passwords.js';
import { exposure } from './versions.js';

export type Severity = 'critical' | 'high' | 'medium' | 'low';
export const SEVERITIES: Severity[] = ['low', 'medium', 'high', 'critical'];
export type Area = 'network' | 'authentication' | 'authorization' | 'transport' | 'resources' | 'monitoring' | 'host' | 'versions' | 'compromise';

export interface Outcome {
  /** na: does not apply to this deployment (no TLS, not a replica); skip: could not be checked. */
  status: 'pass' | 'fail' | 'skip' | 'na';
  evidence: string;
  loc?: Location;
}

export interface Rule {
  id: string;
  area: Area;
  severity: Severity;
  title: string;
  attack: string;
  staticCheck: string;
  liveCheck: string;
  fix: string;
  check(f: Facts): Outcome;
}

const pass = (evidence: string, loc?: Location): Outcome => ({ status: 'pass', evidence, loc });
const fail = (evidence: string, loc?: Location): Outcome => ({ status: 'fail', evidence, loc });
const skip = (evidence: string): Outcome => ({ status: 'skip', evidence });
const na = (evidence: string): Outcome => ({ status: 'na', evidence });
const yes = (v: string | undefined) => v === 'yes';

const ALL_INTERFACES = new Set(['*', '-*', '0.0.0.0', '-0.0.0.0', '::', '-::', '::*', '-::*']);

function isPublicAddress(host: string): boolean {
  const v = isIP(host);
  if (v === 4) {
    const [a, b] = host.split('.').map(Number);
    return !(a === 10 || a === 127 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || (a === 169 && b === 254) || a === 0 || (a === 100 && b >= 64 && b < 128));
  }
  if (v === 6) {
    const h = host.toLowerCase();
    return !(h === '::1' || h.startsWith('fc') || h.startsWith('fd') || h.startsWith('fe80') || h === '::');
  }
  return false;
}

function tlsOn(f: Facts): boolean {
  if (f.live?.tls) return true;
  const p = param(f, 'tls-port');
  return p !== null && p.value !== '0' && p.value !== '';
}

/** A user whose command may be refused at the protocol level: renamed away in the config, or unknown/denied live. */
function probeOrRename(f: Facts, cmd: string): 'blocked' | 'open' | 'unknown' {
  const live = f.live?.probes.get(cmd);
  if (live === 'unknown' || live === 'denied') return 'blocked';
  if (f.config?.renames.has(cmd)) return 'blocked';
  // denied to every enabled user is as good as renamed
  const users = usersOf(f);
  if (users && !users.some((u) => u.model.enabled && userMay(u.model, cmd))) return 'blocked';
  if (live === 'allowed' || users) return 'open';
  return 'unknown';
}

function appUsers(f: Facts) {
  const users = usersOf(f);
  return users && users.filter((u) => u.model.enabled && u.name !== 'default' && !isAdmin(f, u.name));
}

export const RULES: Rule[] = [
  // ---- network
  {
    id: 'RDT-001', area: 'network', severity: 'critical',
    title: 'Listens only on chosen interfaces (bind not all-interfaces)',
    attack: 'Internet-wide scans find Redis on 0.0.0.0:6379 and take it over (CONFIG SET dir + SAVE backdoors, cryptominers).',
    staticCheck: '`bind` lists specific addresses; absent, redis-server listens on `* -::*`.',
    liveCheck: '`CONFIG GET bind`.',
    fix: 'bind 127.0.0.1 -::1   (or the private addresses clients use)',
    check(f) {
      const b = param(f, 'bind');
      if (!b) return skip('bind could not be read (CONFIG refused and no config file)');
      const all = b.value.split(/\s+/).filter((a) => ALL_INTERFACES.has(a));
      if (all.length) return fail(`bind ${b.value || '(empty)'}${b.from === 'default' ? ' (not set: the built-in default)' : ''}`, b.loc);
      const pub = b.value.split(/\s+/).map((a) => a.replace(/^-/, '')).filter(isPublicAddress);
      if (pub.length) return fail(`bind includes public address ${pub.join(', ')}`, b.loc);
      return pass(`bind ${b.value}`, b.loc);
    },
  },
  {
    id: 'RDT-002', area: 'network', severity: 'high',
    title: 'Protected mode is on',
    attack: 'Without protected mode a server with no password accepts commands from any network peer.',
    staticCheck: '`protected-mode yes` (the default).',
    liveCheck: '`CONFIG GET protected-mode`.',
    fix: 'protected-mode yes',
    check(f) {
      const p = param(f, 'protected-mode');
      if (!p) return skip('protected-mode could not be read');
      return yes(p.value) ? pass('protected-mode yes', p.loc) : fail(`protected-mode ${p.value}`, p.loc);
    },
  },
  {
    id: 'RDT-003', area: 'network', severity: 'medium',
    title: 'Plaintext port off when TLS is on',
    attack: 'A plaintext port next to the TLS port lets clients (and sniffers) bypass encryption.',
    staticCheck: '`port 0` when `tls-port` is set.',
    liveCheck: '`CONFIG GET port` and `tls-port`.',
    fix: 'port 0',
    check(f) {
      if (!tlsOn(f)) return na('TLS is not enabled (see RDT-030)');
      const p = param(f, 'port');
      if (!p) return skip('port could not be read');
      return p.value === '0' ? pass('port 0', p.loc) : fail(`port ${p.value} is open next to the TLS port`, p.loc);
    },
  },
  {
    id: 'RDT-004', area: 'network', severity: 'high',
    title: 'Target address is not public',
    attack: 'A server answering on a public address is one firewall mistake away from the internet.',
    staticCheck: 'n/a (see RDT-001).',
    liveCheck: 'The audited address is checked against private, loopback and link-local ranges.',
    fix: 'Reach the server over a private network or a tunnel; keep the port unpublished.',
    check(f) {
      if (!f.live) return na('no live target');
      return isPublicAddress(f.live.host) ? fail(`${f.live.host} is a public address and answered`) : pass(`${f.live.host} is not a public address`);
    },
  },
  // ---- authentication
  {
    id: 'RDT-010', area: 'authentication', severity: 'critical',
    title: 'Unauthenticated access is refused',
    attack: 'Anyone who reaches the port reads, deletes and rewrites every key, and pivots to the host.',
    staticCheck: 'The default user is off or has a password (`requirepass`, `user default ... >pw`).',
    liveCheck: '`PING` on a connection without AUTH must answer -NOAUTH.',
    fix: 'user default off   (and named users with passwords), or: requirepass <32+ random characters>',
    check(f) {
      if (f.live) {
        const r = f.live.unauthPing;
        if (r.startsWith('NOAUTH') || r.startsWith('DENIED') || r.startsWith('WRONGPASS')) return pass(`PING without AUTH: -${r.split(' ')[0]}`);
        if (r === 'PONG') return fail('PING without AUTH answered PONG');
        return skip(`PING without AUTH: ${r}`);
      }
      const d = f.config!.users.find((u) => u.name === 'default');
      if (d && d.model.enabled && d.model.nopass) return fail('default user is on with nopass (no requirepass, no password)', d.loc);
      return pass(d && !d.model.enabled ? 'user default off' : 'default user has a password', d?.loc);
    },
  },
  {
    id: 'RDT-011', area: 'authentication', severity: 'high',
    title: 'Default user is off or restricted',
    attack: 'The default user is what every client and every attacker tries first, with every permission.',
    staticCheck: '`user default off`, or a default user without `+@all`/`~*`.',
    liveCheck: '`ACL LIST` (the default user line).',
    fix: 'user default off',
    check(f) {
      const users = usersOf(f);
      if (!users) return skip('ACL LIST refused and no config file');
      const d = users.find((u) => u.name === 'default');
      if (!d || !d.model.enabled) return pass('default user is off', d?.loc);
      if (hasAllCommands(d.model) || (hasAllKeys(d.model) && allowedInCategory(d.model, 'dangerous').length > 0)) return fail('default user is on with full access', d.loc);
      return pass('default user is on but restricted', d.loc);
    },
  },
  {
    id: 'RDT-012', area: 'authentication', severity: 'high',
    title: 'Passwords are at least 32 random characters',
    attack: 'Short or dictionary passwords fall to online guessing (Redis answers ~100k AUTH/s) or to leaked wordlists.',
    staticCheck: 'Length and entropy of `requirepass` and of every `>password` in user lines and the aclfile.',
    liveCheck: '`CONFIG GET requirepass` (length, entropy); `ACL LIST` SHA-256 hashes compared with a dictionary of common and default passwords. Tries AUTH with that dictionary only with --try-passwords.',
    fix: 'ACL SETUSER <user> resetpass >$(openssl rand -hex 32)   (or `redoubt init`)',
    check(f) {
      const users = usersOf(f);
      const guessed = (f.live?.guessed ?? []).map((u) => `${u}: accepts a password from the dictionary (found with --try-passwords)`);
      if (!users) return guessed.length ? fail(guessed.join('; ')) : skip('no users could be read');
      const weak: string[] = [];
      let loc: Location | undefined;
      let measured = 0;
      for (const u of users) {
        if (!u.model.enabled || u.model.nopass) continue;
        for (const pw of u.plaintext) {
          measured++;
          const w = weakness(u.name, pw);
          if (w) {
            weak.push(`${u.name}: ${w}`);
            loc ??= u.loc;
          }
        }
        if (u.plaintext.length === 0) {
          measured++;
          const hit = dictionaryHit(u.name, u.model.passwords);
          if (hit !== null) weak.push(`${u.name}: a password from the dictionary of common passwords`);
        }
      }
      weak.push(...guessed);
      if (f.live?.guessed) measured++;
      const rp = f.live?.config?.get('requirepass');
      if (rp) {
        measured++;
        const w = weakness('default', rp);
        if (w) weak.push(`requirepass: ${w}`);
      }
      if (weak.length) return fail(weak.join('; '), loc);
      return measured ? pass(`${measured} password(s) checked`) : na('no enabled user has a password');
    },
  },
  {
    id: 'RDT-013', area: 'authentication', severity: 'critical',
    title: 'No enabled user without a password (nopass)',
    attack: 'A nopass user accepts any password: knowing the user name is enough.',
    staticCheck: 'No `user ... on ... nopass` line.',
    liveCheck: '`ACL LIST`.',
    fix: 'ACL SETUSER <user> resetpass >$(openssl rand -hex 32)',
    check(f) {
      const users = usersOf(f);
      if (!users) return skip('no users could be read');
      const bad = users.filter((u) => u.model.enabled && u.model.nopass);
      return bad.length ? fail(`nopass users: ${bad.map((u) => u.name).join(', ')}`, bad[0].loc) : pass('every enabled user has a password');
    },
  },
  {
    id: 'RDT-014', area: 'authentication', severity: 'medium',
    title: 'No password shared by two users',
    attack: 'A shared password turns one leaked credential into several accounts and hides who did what.',
    staticCheck: 'SHA-256 of every user password compared across users.',
    liveCheck: 'The same, from `ACL LIST` hashes.',
    fix: 'Give each user its own password: ACL SETUSER <user> resetpass >$(openssl rand -hex 32)',
    check(f) {
      const users = usersOf(f);
      if (!users) return skip('no users could be read');
      const seen = new Map<string, string>();
      const dup: string[] = [];
      for (const u of users) {
        if (!u.model.enabled) continue;
        for (const h of u.model.passwords) {
          const other = seen.get(h);
          if (other !== undefined && other !== u.name) dup.push(`${other} and ${u.name}`);
          seen.set(h, u.name);
        }
      }
      return dup.length ? fail(`same password: ${dup.join('; ')}`) : pass('passwords are distinct');
    },
  },
  // ---- authorization
  {
    id: 'RDT-020', area: 'authorization', severity: 'high',
    title: 'Application users are not given +@all, ~* or &*',
    attack: 'A compromised application with every command and key can destroy or exfiltrate everything.',
    staticCheck: 'Each enabled non-admin user (admins: `--admin`, else names containing admin/root) lacks all-commands, all-keys and all-channels.',
    liveCheck: '`ACL LIST`.',
    fix: 'ACL SETUSER <app> resetkeys ~app:* resetchannels -@all +@read +@write -@dangerous',
    check(f) {
      const apps = appUsers(f);
      if (!apps) return skip('no users could be read');
      if (!apps.length) return na('no application users');
      const bad: string[] = [];
      for (const u of apps) {
        const what = [hasAllCommands(u.model) && '+@all', hasAllKeys(u.model) && '~*', hasAllChannels(u.model) && '&*'].filter(Boolean);
        if (what.length) bad.push(`${u.name} has ${what.join(' ')}`);
      }
      return bad.length ? fail(bad.join('; '), apps.find((u) => bad[0].startsWith(u.name))?.loc) : pass(`${apps.length} application user(s) are scoped`);
    },
  },
  {
    id: 'RDT-021', area: 'authorization', severity: 'high',
    title: '@dangerous is denied to every non-admin user',
    attack: 'FLUSHALL, CONFIG, DEBUG, MONITOR, SHUTDOWN and friends in an application account turn an app bug into a server takeover.',
    staticCheck: 'No command of the @dangerous category is allowed to an enabled non-admin user.',
    liveCheck: '`ACL LIST` (modelled exactly as Redis computes permissions).',
    fix: 'ACL SETUSER <app> -@dangerous',
    check(f) {
      const apps = appUsers(f);
      if (!apps) return skip('no users could be read');
      if (!apps.length) return na('no application users');
      const bad = apps.map((u) => [u, allowedInCategory(u.model, 'dangerous')] as const).filter(([, c]) => c.length);
      return bad.length
        ? fail(bad.map(([u, c]) => `${u.name} may run ${c.slice(0, 5).join(', ')}${c.length > 5 ? ` and ${c.length - 5} more` : ''}`).join('; '), bad[0][0].loc)
        : pass('no application user may run a @dangerous command');
    },
  },
  {
    id: 'RDT-022', area: 'authorization', severity: 'medium',
    title: 'FLUSHALL, FLUSHDB, CONFIG, DEBUG, SHUTDOWN renamed or denied',
    attack: 'One wrong or stolen credential wipes the dataset or reconfigures the server.',
    staticCheck: '`rename-command` lines for each, or no enabled user may run it.',
    liveCheck: '`MULTI; <cmd>; DISCARD` on the audit connection: unknown command or NOPERM passes (nothing ever runs).',
    fix: 'rename-command FLUSHALL ""   (same for FLUSHDB, CONFIG, DEBUG, SHUTDOWN), or deny them in every ACL user',
    check(f) {
      const cmds = ['flushall', 'flushdb', 'config', 'debug', 'shutdown'];
      const st = cmds.map((c) => [c, probeOrRename(f, c)] as const);
      if (st.some(([, s]) => s === 'unknown')) return skip('no config file and no live probe');
      const open = st.filter(([, s]) => s === 'open').map(([c]) => c.toUpperCase());
      return open.length ? fail(`available: ${open.join(', ')}`, f.config?.file ? { file: f.config.file, line: 1 } : undefined) : pass('all renamed or denied');
    },
  },
  {
    id: 'RDT-023', area: 'authorization', severity: 'critical',
    title: 'CONFIG SET dir is refused',
    attack: 'CONFIG SET dir /root/.ssh + dbfilename authorized_keys + SAVE writes an attacker key: the classic Redis takeover.',
    staticCheck: '`enable-protected-configs no` (the default) or CONFIG renamed away.',
    liveCheck: '`CONFIG SET dir <its current value>` (changes nothing) must be refused.',
    fix: 'enable-protected-configs no   and   rename-command CONFIG ""',
    check(f) {
      if (f.live?.configSetDir) return f.live.configSetDir === 'refused' ? pass('CONFIG SET dir refused') : fail('CONFIG SET dir accepted');
      if (f.live && (f.live.probes.get('config') === 'unknown' || f.live.probes.get('config') === 'denied')) return pass('CONFIG is not available to this connection');
      if (f.config?.renames.has('config')) return pass('CONFIG renamed', f.config.renames.get('config')!.loc);
      const p = param(f, 'enable-protected-configs');
      if (!p) return skip('could not be checked');
      return p.value === 'no' || p.value === 'local' ? pass(`enable-protected-configs ${p.value}`, p.loc) : fail(`enable-protected-configs ${p.value}`, p.loc);
    },
  },
  {
    id: 'RDT-024', area: 'authorization', severity: 'high',
    title: 'MODULE LOAD and DEBUG are refused',
    attack: 'MODULE LOAD runs arbitrary native code; DEBUG can crash the server or read memory.',
    staticCheck: '`enable-module-command no` and `enable-debug-command no` (or local), or renamed.',
    liveCheck: '`MULTI; MODULE LOAD x; DEBUG SLEEP 0; DISCARD`: both refused at queue time.',
    fix: 'enable-module-command no\nenable-debug-command no',
    check(f) {
      const bad: string[] = [];
      for (const [cmd, p] of [['module|load', 'enable-module-command'], ['debug', 'enable-debug-command']] as const) {
        const live = f.live?.probes.get(cmd);
        if (live === 'allowed') bad.push(`${cmd.replace('|', ' ').toUpperCase()} accepted`);
        else if (live === undefined) {
          if (f.config?.renames.has(cmd.split('|')[0])) continue;
          const v = param(f, p);
          if (v && v.value === 'yes') bad.push(`${p} yes`);
        }
      }
      return bad.length ? fail(bad.join('; '), param(f, 'enable-debug-command')?.loc) : pass('refused');
    },
  },
  {
    id: 'RDT-025', area: 'authorization', severity: 'medium',
    title: 'REPLICAOF, KEYS, MONITOR, EVAL denied to application users',
    attack: 'REPLICAOF points the server at an attacker master; MONITOR leaks every command; KEYS stalls production; EVAL runs Lua (CVE-2025-49844).',
    staticCheck: 'Permissions of each enabled non-admin user.',
    liveCheck: '`ACL LIST`, modelled.',
    fix: 'ACL SETUSER <app> -replicaof -slaveof -keys -monitor -eval -evalsha -eval_ro -evalsha_ro',
    check(f) {
      const apps = appUsers(f);
      if (!apps) return skip('no users could be read');
      if (!apps.length) return na('no application users');
      const cmds = ['replicaof', 'slaveof', 'keys', 'monitor', 'eval', 'evalsha'];
      const bad = apps.map((u) => [u, cmds.filter((c) => userMay(u.model, c))] as const).filter(([, c]) => c.length);
      return bad.length ? fail(bad.map(([u, c]) => `${u.name} may run ${c.join(', ')}`).join('; '), bad[0][0].loc) : pass('denied to every application user');
    },
  },
  // ---- transport
  {
    id: 'RDT-030', area: 'transport', severity: 'high',
    title: 'TLS is on',
    attack: 'Plaintext traffic exposes passwords (AUTH) and data to anyone on the path.',
    staticCheck: '`tls-port` set with a certificate and key.',
    liveCheck: 'The target was reached over TLS (`rediss://`), or `CONFIG GET tls-port`.',
    fix: 'tls-port 6380\ntls-cert-file /etc/redoubt/tls/server.crt\ntls-key-file /etc/redoubt/tls/server.key\ntls-ca-cert-file /etc/redoubt/tls/ca.crt',
    check(f) {
      if (tlsOn(f)) return pass(f.live?.tls ? 'connected over TLS' : `tls-port ${param(f, 'tls-port')!.value}`, param(f, 'tls-port')?.loc);
      const p = param(f, 'tls-port');
      return p ? fail('tls-port is not set', p.loc) : skip('tls-port could not be read');
    },
  },
  {
    id: 'RDT-031', area: 'transport', severity: 'high',
    title: 'TLS 1.0 and 1.1 are refused',
    attack: 'Old TLS versions allow downgrade and known cryptographic attacks (BEAST, POODLE-style).',
    staticCheck: '`tls-protocols` does not name TLSv1 or TLSv1.1 (the default is TLSv1.2 TLSv1.3).',
    liveCheck: 'A real handshake offering only TLS 1.0/1.1 must fail.',
    fix: 'tls-protocols "TLSv1.2 TLSv1.3"',
    check(f) {
      if (!tlsOn(f)) return na('TLS is not enabled');
      const probe = f.live?.tlsProbe?.oldProtocolAccepted;
      if (probe === true) return fail('a TLS 1.0/1.1 handshake succeeded');
      if (probe === false) return pass('TLS 1.0/1.1 handshake refused');
      const p = param(f, 'tls-protocols');
      if (!p) return skip('tls-protocols could not be read');
      const old = p.value.split(/\s+/).filter((v) => /^tlsv1(\.1)?$/i.test(v));
      return old.length ? fail(`tls-protocols ${p.value}`, p.loc) : pass(`tls-protocols ${p.value || '(default: TLSv1.2 TLSv1.3)'}`, p.loc);
    },
  },
  {
    id: 'RDT-032', area: 'transport', severity: 'medium',
    title: 'No weak ciphers are offered',
    attack: 'RC4, 3DES, NULL, EXPORT and MD5 suites can be broken or downgraded to.',
    staticCheck: '`tls-ciphers` names no weak suite.',
    liveCheck: 'A handshake offering only weak TLS 1.2 suites must fail.',
    fix: 'tls-ciphers "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"',
    check(f) {
      if (!tlsOn(f)) return na('TLS is not enabled');
      const probe = f.live?.tlsProbe?.weakCipherAccepted;
      if (probe === true) return fail('a handshake with only weak ciphers succeeded');
      if (probe === false) return pass('weak-cipher handshake refused');
      const p = param(f, 'tls-ciphers');
      if (!p) return skip('tls-ciphers could not be read');
      const weak = p.value.split(':').filter((c) => /RC4|DES|NULL|EXP|MD5|anon|ADH|AECDH/i.test(c) && !c.startsWith('!') && !c.startsWith('-'));
      return weak.length ? fail(`weak suites: ${weak.join(':')}`, p.loc) : pass(`tls-ciphers ${p.value || '(OpenSSL default)'}`, p.loc);
    },
  },
  {
    id: 'RDT-033', area: 'transport', severity: 'medium',
    title: 'Client certificates are required',
    attack: 'Without mutual TLS any host that reaches the port can attempt authentication.',
    staticCheck: '`tls-auth-clients yes` (the default).',
    liveCheck: 'A handshake without a client certificate must be refused.',
    fix: 'tls-auth-clients yes',
    check(f) {
      if (!tlsOn(f)) return na('TLS is not enabled');
      const probe = f.live?.tlsProbe?.noClientCertAccepted;
      if (probe === true) return fail('a session without a client certificate was accepted');
      if (probe === false) return pass('refused without a client certificate');
      const p = param(f, 'tls-auth-clients');
      if (!p) return skip('tls-auth-clients could not be read');
      return p.value === 'yes' ? pass('tls-auth-clients yes', p.loc) : fail(`tls-auth-clients ${p.value}`, p.loc);
    },
  },
  {
    id: 'RDT-034', area: 'transport', severity: 'high',
    title: 'Server certificate is valid for 30 days or more',
    attack: 'An expired certificate breaks clients, and teams "fix" it by turning verification off.',
    staticCheck: 'notAfter of `tls-cert-file` (when readable).',
    liveCheck: 'notAfter of the certificate the server presents.',
    fix: 'Renew the certificate (`redoubt certs`), then CONFIG SET tls-cert-file <path> to reload.',
    check(f) {
      if (!tlsOn(f)) return na('TLS is not enabled');
      let notAfter = f.live?.tlsProbe?.certNotAfter ?? null;
      const p = param(f, 'tls-cert-file');
      if (notAfter === null && p?.value) notAfter = certNotAfter(p.value, f);
      if (notAfter === null) return skip('no certificate could be read');
      const days = Math.floor((notAfter - f.now) / 86400000);
      if (days < 0) return fail(`expired ${-days} day(s) ago`, p?.loc);
      if (days < 30) return fail(`expires in ${days} day(s)`, p?.loc);
      return pass(`valid for ${days} more days`, p?.loc);
    },
  },
  {
    id: 'RDT-035', area: 'transport', severity: 'medium',
    title: 'Replication and cluster traffic use TLS',
    attack: 'The replication stream carries the whole dataset and masterauth in plaintext.',
    staticCheck: '`tls-replication yes` on replicas, `tls-cluster yes` with cluster-enabled, when TLS is on.',
    liveCheck: '`CONFIG GET tls-replication tls-cluster`, INFO replication.',
    fix: 'tls-replication yes\ntls-cluster yes',
    check(f) {
      if (!tlsOn(f)) return na('TLS is not enabled');
      const replica = (param(f, 'replicaof')?.value ?? '') !== '' || f.live?.info.role === 'slave';
      const cluster = yes(param(f, 'cluster-enabled')?.value);
      if (!replica && !cluster) return na('not a replica and not in a cluster');
      const bad: string[] = [];
      if (replica && !yes(param(f, 'tls-replication')?.value)) bad.push('tls-replication no');
      if (cluster && !yes(param(f, 'tls-cluster')?.value)) bad.push('tls-cluster no');
      return bad.length ? fail(bad.join('; '), param(f, 'tls-replication')?.loc) : pass('replication/cluster over TLS');
    },
  },
  {
    id: 'RDT-036', area: 'transport', severity: 'high',
    title: 'Replicas authenticate to their master (masterauth)',
    attack: 'A master without a password for its replicas is a master without a password.',
    staticCheck: '`masterauth` set when `replicaof` is.',
    liveCheck: 'INFO replication role, `CONFIG GET masterauth`.',
    fix: 'masterauth <the replication user password>\nmasteruser <replication user>',
    check(f) {
      const replica = (param(f, 'replicaof')?.value ?? '') !== '' || f.live?.info.role === 'slave';
      if (!replica) return na('not a replica');
      const m = param(f, 'masterauth');
      if (!m) return skip('masterauth could not be read');
      return m.value ? pass('masterauth set') : fail('replica without masterauth', param(f, 'replicaof')?.loc);
    },
  },
  // ---- resources
  {
    id: 'RDT-040', area: 'resources', severity: 'medium',
    title: 'maxmemory and an eviction policy are set',
    attack: 'Unbounded memory lets one client (or attacker) get the host OOM-killed.',
    staticCheck: '`maxmemory` > 0 with an explicit `maxmemory-policy`.',
    liveCheck: '`CONFIG GET maxmemory maxmemory-policy`.',
    fix: 'maxmemory 1gb\nmaxmemory-policy allkeys-lru   (noeviction for a persistent store)',
    check(f) {
      const m = param(f, 'maxmemory');
      if (!m) return skip('maxmemory could not be read');
      const pol = param(f, 'maxmemory-policy')?.value ?? 'noeviction';
      return m.value === '0' ? fail('maxmemory 0 (unlimited)', m.loc) : pass(`maxmemory ${m.value}, policy ${pol}`, m.loc);
    },
  },
  {
    id: 'RDT-041', area: 'resources', severity: 'medium',
    title: 'Client output buffers are limited (CVE-2025-21605)',
    attack: 'Clients that never read (unauthenticated ones included) grow output buffers until memory runs out.',
    staticCheck: '`client-output-buffer-limit normal` has a non-zero hard limit.',
    liveCheck: '`CONFIG GET client-output-buffer-limit`.',
    fix: 'client-output-buffer-limit normal 256mb 64mb 60',
    check(f) {
      const p = param(f, 'client-output-buffer-limit');
      if (!p) return skip('could not be read');
      let v = p.value;
      const lines = f.config?.multi.get('client-output-buffer-limit');
      if (p.from === 'config' && lines) v = lines.map((l) => l.args.join(' ')).join(' ');
      const m = /normal (\S+)/i.exec(v);
      const hard = m ? m[1] : '0';
      return hard === '0' ? fail('normal clients have no hard output limit', p.loc) : pass(`normal hard limit ${hard}`, p.loc);
    },
  },
  {
    id: 'RDT-042', area: 'resources', severity: 'low',
    title: 'Idle timeout, TCP keepalive and maxclients are set',
    attack: 'Abandoned and half-open connections pile up until maxclients refuses real clients.',
    staticCheck: '`timeout` > 0, `tcp-keepalive` > 0, `maxclients` at most 10000.',
    liveCheck: '`CONFIG GET timeout tcp-keepalive maxclients`.',
    fix: 'timeout 300\ntcp-keepalive 60\nmaxclients 1000',
    check(f) {
      const t = param(f, 'timeout');
      const k = param(f, 'tcp-keepalive');
      const mc = param(f, 'maxclients');
      if (!t || !k || !mc) return skip('could not be read');
      const bad: string[] = [];
      if (t.value === '0') bad.push('timeout 0');
      if (k.value === '0') bad.push('tcp-keepalive 0');
      if (Number(mc.value) > 10000) bad.push(`maxclients ${mc.value}`);
      return bad.length ? fail(bad.join('; '), t.loc) : pass(`timeout ${t.value}, tcp-keepalive ${k.value}, maxclients ${mc.value}`);
    },
  },
  // ---- monitoring
  {
    id: 'RDT-050', area: 'monitoring', severity: 'low',
    title: 'ACL LOG is enabled',
    attack: 'Without the ACL log, brute force and permission probing leave no trace.',
    staticCheck: '`acllog-max-len` > 0.',
    liveCheck: '`CONFIG GET acllog-max-len`.',
    fix: 'acllog-max-len 128',
    check(f) {
      const p = param(f, 'acllog-max-len');
      if (!p) return skip('could not be read');
      return p.value === '0' ? fail('acllog-max-len 0', p.loc) : pass(`acllog-max-len ${p.value}`, p.loc);
    },
  },
  {
    id: 'RDT-051', area: 'monitoring', severity: 'medium',
    title: 'No recent authentication failures or denials',
    attack: 'Failed AUTH and NOPERM entries are the trace of brute force and of probing by a compromised client.',
    staticCheck: 'n/a.',
    liveCheck: '`ACL LOG` (read only; the log is not reset).',
    fix: 'Find the client address in ACL LOG, block it, rotate the targeted passwords; then ACL LOG RESET.',
    check(f) {
      if (!f.live) return na('no live target');
      if (!f.live.aclLog) return skip('ACL LOG refused');
      const auth = f.live.aclLog.filter((e) => e.reason === 'auth');
      const other = f.live.aclLog.filter((e) => e.reason !== 'auth');
      if (!auth.length && !other.length) return pass('ACL LOG is empty');
      const count = (es: Record<string, string>[]) => es.reduce((n, e) => n + Number(e.count ?? 1), 0);
      return fail(`${count(auth)} failed authentication(s), ${count(other)} denial(s); e.g. ${[...auth, ...other].slice(0, 3).map((e) => `${e.reason} user=${e.username} from ${(e['client-info'] ?? '').match(/addr=(\S+)/)?.[1] ?? '?'}`).join(', ')}`);
    },
  },
  // ---- host
  {
    id: 'RDT-060', area: 'host', severity: 'high',
    title: 'The server process does not run as root',
    attack: 'A root server turns any file-write primitive (CONFIG SET dir, modules) into full host compromise.',
    staticCheck: 'n/a (a config file does not say who runs it).',
    liveCheck: 'For a server on this host: owner of /proc/<process_id> from INFO.',
    fix: 'Run as a dedicated user: User=redoubt in the systemd unit (see `redoubt init`).',
    check(f) {
      if (!f.live) return na('no live target');
      if (f.live.uid === null) return skip('the process is not on this host or not readable');
      return f.live.uid === 0 ? fail(`process ${f.live.info.process_id} runs as root`) : pass(`process runs as uid ${f.live.uid}`);
    },
  },
  {
    id: 'RDT-061', area: 'host', severity: 'medium',
    title: 'Config, aclfile and key files are not world-readable',
    attack: 'Other local users read passwords and private keys.',
    staticCheck: 'Mode of the config file, its includes, the aclfile and tls-key-file.',
    liveCheck: 'The same for the paths CONFIG GET reports, when the server is on this host.',
    fix: 'chmod 600 <file>; chown <server user> <file>',
    check(f) {
      const files = new Set<string>(f.config?.files ?? []);
      const local = f.config !== null || f.live?.local;
      if (!local) return na('files are not on this host');
      for (const p of ['aclfile', 'tls-key-file']) {
        const v = param(f, p)?.value;
        if (v) files.add(v);
      }
      const bad: string[] = [];
      let checked = 0;
      for (const path of files) {
        try {
          const st = statSync(path);
          checked++;
          if (st.mode & 0o004) bad.push(`${path} is world-readable (${(st.mode & 0o777).toString(8)})`);
        } catch {
          /* not on this host */
        }
      }
      if (!checked) return skip('no file could be examined');
      return bad.length ? fail(bad.join('; '), f.config ? { file: f.config.file, line: 1 } : undefined) : pass(`${checked} file(s) not world-readable`);
    },
  },
  {
    id: 'RDT-062', area: 'host', severity: 'high',
    title: 'The data directory is not world-writable',
    attack: 'Another local user replaces dump.rdb or appendonly files with crafted data loaded at restart.',
    staticCheck: 'Mode of `dir`.',
    liveCheck: 'Mode of the `dir` CONFIG GET reports, when the server is on this host.',
    fix: 'chmod 700 <dir>',
    check(f) {
      const d = param(f, 'dir');
      if (!d) return skip('dir could not be read');
      if (!f.config && !f.live?.local) return na('dir is not on this host');
      const base = f.config ? f.config.file.replace(/\/[^/]*$/, '') : '.';
      const path = d.value.startsWith('/') ? d.value : `${base}/${d.value}`;
      try {
        const st = statSync(path);
        return st.mode & 0o002 && !(st.mode & 0o1000) ? fail(`${path} is world-writable (${(st.mode & 0o7777).toString(8)})`, d.loc) : pass(`${path} mode ${(st.mode & 0o7777).toString(8)}`, d.loc);
      } catch {
        return skip(`${path} is not on this host`);
      }
    },
  },
  // ---- versions
  {
    id: 'RDT-070', area: 'versions', severity: 'high',
    title: 'The server version has the fixes for notable CVEs',
    attack: 'Known vulnerabilities (Lua use-after-free CVE-2025-49844, output-buffer growth, HyperLogLog, the 2021 protocol batch) have public exploits.',
    staticCheck: 'n/a (a config file does not say the version).',
    liveCheck: 'INFO server: redoubt_version / valkey_version / redis_version against a curated table of fixed releases.',
    fix: 'Upgrade to the newest patch release of a supported branch.',
    check(f) {
      if (!f.live) return na('no live target');
      if (f.live.flavour === 'redoubt') return pass(`Redoubt ${f.live.version} (not Redis's C code; the Redis CVE table does not apply)`);
      const { cves, eol } = exposure(f.live.flavour, f.live.version);
      if (!cves.length && !eol) return pass(`${f.live.flavour} ${f.live.version}`);
      return fail(`${f.live.flavour} ${f.live.version}${eol ? ' (end-of-life branch)' : ''}${cves.length ? ': ' + cves.map((c) => c.id).join(', ') : ''}`);
    },
  },
  // ---- compromise
  {
    id: 'RDT-080', area: 'compromise', severity: 'critical',
    title: 'dir and dbfilename look like a data directory',
    attack: 'dir=/root/.ssh, /etc/cron.d or a web root with dbfilename authorized_keys/root/shell.php is the footprint of the CONFIG SET + SAVE takeover.',
    staticCheck: '`dir` and `dbfilename`.',
    liveCheck: '`CONFIG GET dir dbfilename`.',
    fix: 'CONFIG SET dir /var/lib/redoubt; CONFIG SET dbfilename dump.rdb; investigate the host (authorized_keys, crontabs) for planted files.',
    check(f) {
      const d = param(f, 'dir');
      const n = param(f, 'dbfilename');
      if (!d || !n) return skip('could not be read');
      const bad = /\.ssh|cron|\/etc(\/|$)|\/var\/spool|www|html|public_html|\/root(\/|$)|\/boot|\/bin|\/usr\//i.test(d.value) || /authorized_keys|^root$|\.php$|\.jsp$|\.sh$|crontab|\.so$/i.test(n.value);
      return bad ? fail(`dir ${d.value}, dbfilename ${n.value}`, d.loc ?? n.loc) : pass(`dir ${d.value}, dbfilename ${n.value}`);
    },
  },
  {
    id: 'RDT-081', area: 'compromise', severity: 'high',
    title: 'No unknown modules are loaded',
    attack: 'A malicious module (loaded via MODULE LOAD after a takeover) gives persistent native code execution.',
    staticCheck: 'No `loadmodule` lines outside --allow-module.',
    liveCheck: '`MODULE LIST`.',
    fix: 'Remove the loadmodule line / MODULE UNLOAD <name>, and investigate how it got there.',
    check(f) {
      const all = f.live?.modules ?? f.config?.multi.get('loadmodule')?.map((l) => l.args[0]) ?? (f.config ? [] : null);
      if (all === null) return skip('MODULE LIST refused');
      const mods = all.filter((m) => !(f.allowModules ?? []).includes(m));
      return mods.length ? fail(`modules: ${mods.join(', ')}`, f.config?.multi.get('loadmodule')?.[0].loc) : pass('no modules');
    },
  },
  {
    id: 'RDT-082', area: 'compromise', severity: 'high',
    title: 'No unexpected master',
    attack: 'REPLICAOF an attacker host replaces the dataset (and, with modules, loads code) — the rogue-master attack.',
    staticCheck: '`replicaof` matches what the config intends.',
    liveCheck: 'INFO replication: a replica whose master is not the configured `replicaof`.',
    fix: 'REPLICAOF NO ONE (if unintended), then investigate; deny REPLICAOF to application users.',
    check(f) {
      if (!f.live) return na('no live target');
      if (f.live.info.role !== 'slave') return pass('role master');
      const master = `${f.live.info.master_host} ${f.live.info.master_port}`;
      const want = f.config?.values.get('replicaof')?.args.join(' ');
      if (want === master) return pass(`replica of ${master} as configured`);
      return fail(`replica of ${master}${want ? `, config says ${want}` : ', not in the config'}`);
    },
  },
];

function certNotAfter(path: string, f: Facts): number | null {
  try {
    const base = f.config ? f.config.file.replace(/\/[^/]*$/, '') : '.';
    return Date.parse(new X509Certificate(readFileSync(path.startsWith('/') ? path : `${base}/${path}`)).validTo);
  } catch {
    return null;
  }
}

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}
