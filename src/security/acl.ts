// The ACL service of a server: the authorize hook (the only door every
// command passes), ACL LOG and the denial counters, users from the config
// file or an aclfile, and what a change to a user does to its connections.

import { openSync, writeSync, fsyncSync, closeSync, renameSync, unlinkSync, readFileSync } from 'node:fs';
import type { Server } from '../server/server.js';
import { CLIENT, type Client } from '../server/client.js';
import type { Command } from '../commands/table.js';
import { clientInfoString } from '../commands/client.js';
import { addInfoProvider } from '../commands/server-cmds.js';
import { checkUser, deniedAt, DENIED, noPermMessage, userMayUseChannel } from './acl-check.js';
import { AclLog } from './acl-log.js';
import { User, mergeSelectorArgs } from './users.js';
import { SEL, hasSpaces } from './selector.js';
import { securityEvent } from './events.js';
import { authThrottle } from './throttle.js';

export interface AclState {
  log: AclLog;
  denied: { auth: number; cmd: number; key: number; channel: number };
}

export function aclState(server: Server): AclState {
  let s = server.ext.acl as AclState | undefined;
  if (!s) server.ext.acl = s = { log: new AclLog(), denied: { auth: 0, cmd: 0, key: 0, channel: 0 } };
  return s;
}

/** addACLLogEntry: `object` defaults to what the reason points at. */
export function logDenial(c: Client, reason: number, object: string, username?: string): void {
  const server = c.server;
  const st = aclState(server);
  if (reason === DENIED.AUTH) st.denied.auth++;
  else if (reason === DENIED.CMD) st.denied.cmd++;
  else if (reason === DENIED.KEY) st.denied.key++;
  else if (reason === DENIED.CHANNEL) st.denied.channel++;
  st.log.add(
    {
      reason,
      context: c.flags & CLIENT.MULTI ? 'multi' : 'toplevel',
      object,
      username: username ?? c.user.name,
      cinfo: clientInfoString(c),
    },
    server.config.num('acllog-max-len'),
  );
}

function authorize(c: Client, cmd: Command, argv: string[]): string | null {
  const u = c.user;
  if (u.unrestricted) return null;
  const r = checkUser(u, cmd, argv);
  if (r === DENIED.NONE) return null;
  logDenial(c, r, r === DENIED.CMD ? cmd.fullName : argv[deniedAt.idx]);
  securityEvent(c.server, 'denied', { user: u.name, addr: c.raddr, command: cmd.fullName, reason: r === DENIED.CMD ? 'command' : r === DENIED.KEY ? 'key' : 'channel' });
  return noPermMessage(r, cmd);
}

/** Disconnects the user's clients (DELUSER, ACL LOAD, disabling it); the caller goes after its reply. */
export function killUserClients(server: Server, u: User, current: Client | null): void {
  for (const cl of [...server.clients.values()]) {
    if (cl.user !== u) continue;
    cl.user = server.users.defaultUser;
    cl.authenticated = false;
    if (cl === current) cl.flags |= CLIENT.CLOSE_AFTER_REPLY;
    else server.freeClient(cl);
  }
}

/** ACLKillPubsubClientsIfNeeded: subscribers of `orig` that lose a channel under `next` are disconnected. */
export function killPubsubClientsIfNeeded(server: Server, next: User, orig: User, current: Client | null): void {
  if (next.selectors.some((s) => s.flags & SEL.ALLCHANNELS)) return;
  for (const cl of [...server.clients.values()]) {
    if (cl.user !== orig || cl.subscriptionCount() === 0) continue;
    let kill = false;
    for (const p of cl.patterns ?? []) if (!userMayUseChannel(next, p, true)) kill = true;
    for (const ch of cl.channels ?? []) if (!kill && !userMayUseChannel(next, ch, false)) kill = true;
    for (const ch of cl.shardChannels ?? []) if (!kill && !userMayUseChannel(next, ch, false)) kill = true;
    if (!kill) continue;
    if (cl === current) cl.flags |= CLIENT.CLOSE_AFTER_REPLY;
    else server.freeClient(cl);
  }
}

/**
 * Beyond Redis: a user switched off, or whose passwords were taken away,
 * loses its open connections too (Redis 7.0 lets them run on).
 */
export function credentialsRevoked(before: User, after: User): boolean {
  if (before.enabled && !after.enabled) return true;
  if (before.nopass && !after.nopass) return true;
  if (after.nopass) return false;
  return before.passwords.some((p) => !after.passwords.includes(p));
}

/** ACLLoadFromFile: every line must apply, else nothing changes. Returns Redis's error text or null. */
export function loadAclFile(server: Server, path: string, current: Client | null): string | null {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (e) {
    return `Error loading ACLs, opening file '${path}': ${strerrorOf(e)}`;
  }
  const users = server.users;
  const fresh = new Map<string, User>();
  let errors = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const linenum = i + 1;
    const line = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    if (line === '') continue;
    const argv = line.split(' ').filter((a) => a !== '');
    if (argv.length === 0) continue;
    if (argv[0] !== 'user' || argv.length < 2) {
      errors += `${path}:${linenum} should start with user keyword followed by the username. `;
      continue;
    }
    if (hasSpaces(argv[1])) {
      errors += `'${path}:${linenum}: username '${argv[1]}' contains invalid characters. `;
      continue;
    }
    if (fresh.has(argv[1])) {
      errors += `WARNING: Duplicate user '${argv[1]}' found on line ${linenum}. `;
      continue;
    }
    const u = users.newUser(argv[1]);
    fresh.set(argv[1], u);
    const merged = mergeSelectorArgs(argv.slice(2));
    if (!Array.isArray(merged)) {
      errors += `${path}:${linenum}: Unmatched parenthesis in selector definition.`;
      continue;
    }
    for (const op of merged) {
      const err = u.apply(op.replace(/^[\t\r\n]+|[\t\r\n]+$/g, ''), users.pubsubDefault);
      if (err !== null) errors += `${path}:${linenum}: ${err}. `;
    }
  }
  if (errors !== '') return errors + 'WARNING: ACL errors detected, no change to the previously active ACL rules was performed';
  // the default user object is referenced everywhere: copy the new rules into it
  const def = users.defaultUser;
  def.copyFrom(fresh.get('default') ?? users.makeDefault());
  fresh.set('default', def);
  for (const [name, old] of users.users) if (name !== 'default') killUserClients(server, old, current);
  users.users.clear();
  for (const name of [...fresh.keys()].sort()) users.users.set(name, fresh.get(name)!);
  securityEvent(server, 'acl-load', { file: path, users: fresh.size });
  return null;
}

/** ACL SAVE: temp file, fsync, rename; mode 0600 (Redis writes 0644: the file holds password hashes). */
export function saveAclFile(server: Server, path: string): string | null {
  let out = '';
  for (const name of server.users.sortedNames()) out += `user ${name} ${server.users.users.get(name)!.describe()}\n`;
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  let fd = -1;
  try {
    fd = openSync(tmp, 'w', 0o600);
    writeSync(fd, out, null, 'latin1');
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
    return null;
  } catch (e) {
    server.logger.warning(`Writing ACL file for ACL SAVE: ${strerrorOf(e)}`);
    if (fd !== -1) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* not created */
    }
    return 'ERR There was an error trying to save the ACLs. Please check the server logs for more information';
  }
}

function strerrorOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'No such file or directory';
  if (code === 'EACCES') return 'Permission denied';
  if (code === 'EISDIR') return 'Is a directory';
  return (e as Error)?.message ?? String(e);
}

/** ACLLoadUsersAtStartup, after requirepass: `user` directives, then the aclfile. Throws to stop startup. */
export function loadUsersAtStartup(server: Server): void {
  const cfg = server.config;
  const users = server.users;
  const aclfile = cfg.str('aclfile');
  if (aclfile !== '' && cfg.users.length !== 0) {
    throw new Error(
      'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.',
    );
  }
  for (const argv of cfg.users) {
    const name = argv[0];
    if (hasSpaces(name)) throw new Error('Spaces not allowed in ACL usernames');
    let u = users.users.get(name);
    if (u === undefined) {
      u = users.newUser(name);
      users.users.set(name, u);
    } else u.apply('reset', users.pubsubDefault);
    const merged = mergeSelectorArgs(argv.slice(1));
    if (!Array.isArray(merged)) throw new Error(`Unmatched parenthesis in the rules of the user named '${name}'`);
    for (const op of merged) {
      const err = u.apply(op, users.pubsubDefault);
      if (err !== null) throw new Error(`Error loading ACL rule '${op}' for the user named '${name}': ${err}`);
    }
    if (!u.enabled) {
      server.logger.notice(`The user '${name}' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.`);
    }
  }
  if (aclfile !== '') {
    const err = loadAclFile(server, aclfile, null);
    if (err !== null) throw new Error(`Aborting Redis startup because of ACL errors: ${err}`);
  }
}

export function installAcl(server: Server): void {
  const cfg = server.config;
  const users = server.users;
  const pubsub = () => (users.pubsubDefault = cfg.str('acl-pubsub-default') === 'allchannels' ? SEL.ALLCHANNELS : 0);
  pubsub();
  cfg.onChange('acl-pubsub-default', pubsub);
  cfg.onChange('acllog-max-len', (v) => {
    const log = aclState(server).log;
    if (log.entries.length > Number(v)) log.entries.length = Number(v);
  });
  server.hooks.authorize.push(authorize);
  addInfoProvider(server, 'stats', () => {
    const d = aclState(server).denied;
    const t = authThrottle(server);
    return {
      acl_access_denied_auth: d.auth,
      acl_access_denied_cmd: d.cmd,
      acl_access_denied_key: d.key,
      acl_access_denied_channel: d.channel,
      // Redoubt's brute-force throttling
      auth_lockouts: t.lockouts,
      auth_locked_addresses: t.lockedAddresses,
      auth_refused_while_locked: t.refused,
    };
  });
  server.hooks.resetStat.push(() => {
    const d = aclState(server).denied;
    d.auth = d.cmd = d.key = d.channel = 0;
  });
  // CONFIG REWRITE: users become `user` lines, unless an aclfile holds them
  cfg.rewriteHooks.push((w) => {
    if (cfg.str('aclfile') === '') {
      for (const name of users.sortedNames()) w.line('user', `user ${name} ${users.users.get(name)!.describe()}`, true);
    }
    w.processed('user');
  });
}
