// Running unprivileged. Before listening: refuse a world-writable `dir` and
// a config file or aclfile that holds passwords and is readable by others
// (unless `allow-insecure-files yes`, then a warning), and warn when
// maxmemory is unset. After listening: drop to `run-as-user` /
// `run-as-group`, so a low port or root-owned key files can be used while no
// command ever runs as root. Started as root without run-as-user: a
// prominent warning.

import { statSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Server } from './server.js';
import { processInput } from './connection.js';

/** Directives whose value is a secret. */
const SECRET_DIRECTIVES = new Set(['requirepass', 'masterauth', 'tls-key-file-pass', 'tls-client-key-file-pass']);

/** True when a config (or ACL) file text holds a password: a secret directive with a value, or a user rule `>pw` / `#hash`. */
export function holdsPasswords(text: string, aclFile = false): boolean {
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = line.split(/\s+/);
    const name = words[0].toLowerCase();
    if (SECRET_DIRECTIVES.has(name) && words.length > 1 && words[1] !== '""' && words[1] !== "''") return true;
    if (name === 'user' || aclFile) {
      for (const w of words.slice(1)) if (/^["']?[>#]/.test(w)) return true;
    }
  }
  return false;
}

/** Problems with the files the server trusts; empty when all is well. */
export function insecureFiles(server: Server): string[] {
  const cfg = server.config;
  const out: string[] = [];
  const dir = process.cwd();
  try {
    const st = statSync(dir);
    if (st.mode & 0o002) out.push(`the working directory '${dir}' (dir) is world-writable: anyone on this host could replace the files the server loads or writes`);
  } catch {
    // an unreadable cwd is reported by whatever needs it
  }
  const check = (file: string, what: string, acl: boolean) => {
    try {
      const st = statSync(file);
      if (!(st.mode & 0o004)) return;
      if (holdsPasswords(readFileSync(file, 'latin1'), acl)) out.push(`the ${what} '${resolve(file)}' holds passwords and is readable by every user (chmod 600 it)`);
    } catch {
      // a missing file is reported by the loader
    }
  };
  if (server.configFile) check(server.configFile, 'config file', false);
  const acl = cfg.str('aclfile');
  if (acl) check(acl, 'aclfile', true);
  return out;
}

/** Startup checks; returns an error text when the server must not start. */
export function checkStartup(server: Server): string | null {
  const log = server.logger;
  const problems = insecureFiles(server);
  if (problems.length) {
    if (!server.config.bool('allow-insecure-files')) {
      return `Refusing to start: ${problems.join('; ')}. Fix the permissions, or set allow-insecure-files yes to start anyway.`;
    }
    for (const p of problems) log.warning(`WARNING (allow-insecure-files yes): ${p}.`);
  }
  if (server.config.num('maxmemory') === 0) {
    log.warning('WARNING: maxmemory is not set: a client can make this server use all the memory of the host until it is killed. Set maxmemory and a maxmemory-policy.');
  }
  const user = server.config.str('run-as-user');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (user === '' && isRoot) {
    log.warning('WARNING: running as root. Any command-level compromise gets root on this host. Set run-as-user (and run-as-group) to drop privileges once the listeners are open.');
  }
  if (user !== '' && !isRoot) {
    let current = '';
    try {
      current = String(process.getuid?.());
    } catch {
      // no uid on this platform
    }
    const target = uidOf(user);
    if (target === null || String(target) !== current) return `run-as-user '${user}' needs the server to be started as root (it runs as uid ${current}).`;
  }
  return null;
}

function uidOf(user: string): number | null {
  if (/^\d+$/.test(user)) return Number(user);
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === user) return Number(f[2]);
    }
  } catch {
    // no passwd file
  }
  return null;
}

/** After the listeners are open: setgroups/setgid/setuid to run-as-user and run-as-group. Returns an error text on failure. */
export function dropPrivileges(server: Server): string | null {
  const user = server.config.str('run-as-user');
  if (user === '' || typeof process.setuid !== 'function' || process.getuid!() !== 0) return null;
  const group = server.config.str('run-as-group');
  try {
    const gid = group !== '' ? group : primaryGroupOf(user);
    (process as unknown as { initgroups?: (u: string, g: string | number) => void }).initgroups?.(user, gid);
    process.setgid!(gid);
    process.setuid!(user);
  } catch (e) {
    return `Can't drop privileges to run-as-user '${user}'${group ? ` run-as-group '${group}'` : ''}: ${(e as Error).message}`;
  }
  if (process.getuid!() === 0 || process.geteuid!() === 0) return `Can't drop privileges to run-as-user '${user}': still root`;
  server.logger.notice(`Dropped privileges: running as uid ${process.getuid!()} gid ${process.getgid!()} (run-as-user ${user}${group ? `, run-as-group ${group}` : ''}).`);
  return null;
}

function primaryGroupOf(user: string): number | string {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === user || f[2] === user) return Number(f[3]);
    }
  } catch {
    // fall through
  }
  return user;
}

/**
 * With run-as-user set, commands are held (as by CLIENT PAUSE ALL) from the
 * moment the first listener opens until the privileges are dropped: with
 * several listeners, a connection to the first may arrive while the next one
 * is still binding.
 */
export function holdUntilDropped(server: Server): void {
  if (server.config.str('run-as-user') !== '') server.pause = { until: Infinity, all: true };
}

export function releaseAfterDrop(server: Server): void {
  if (server.pause === null || server.pause.until !== Infinity) return;
  server.pause = null;
  for (const c of server.clients.values()) processInput(server, c);
}
