// ACL command family: SETUSER, GETUSER, DELUSER, LIST, USERS, WHOAMI, CAT,
// GENPASS, LOG, DRYRUN, LOAD, SAVE, HELP, with Redis 7.0's replies.

import { randomBytes } from 'node:crypto';
import type { Family } from './table.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { ERR } from './errors.js';
import { replyHelp } from './command.js';
import { parseI64 } from '../util/numbers.js';
import { CATEGORIES, allAclCmds, categoryBit } from '../security/acl-commands.js';
import { hasSpaces } from '../security/selector.js';
import { mergeSelectorArgs, type User } from '../security/users.js';
import { checkUser, deniedAt, DENIED } from '../security/acl-check.js';
import { reasonName } from '../security/acl-log.js';
import {
  aclState,
  credentialsRevoked,
  installAcl,
  killPubsubClientsIfNeeded,
  killUserClients,
  loadAclFile,
  saveAclFile,
} from '../security/acl.js';
import { installSecurityLog, securityEvent } from '../security/events.js';
import { lookupCommandQuiet } from '../server/dispatch.js';

function setuser(c: Client, argv: string[]): void {
  const server = c.server;
  const users = server.users;
  const name = argv[2];
  if (hasSpaces(name)) return c.error("ERR Usernames can't contain spaces or null characters");
  const merged = mergeSelectorArgs(argv.slice(3));
  if (!Array.isArray(merged)) return c.error(`ERR Unmatched parenthesis in acl selector starting at '${argv[merged.unmatched + 3]}'.`);
  const staged = users.stage(name, merged);
  if (!('describe' in staged)) return c.error(`ERR Error in ACL SETUSER modifier '${staged.op}': ${staged.err}`);
  const cur = users.users.get(name);
  if (cur) {
    killPubsubClientsIfNeeded(server, staged, cur, c);
    const revoked = credentialsRevoked(cur, staged);
    cur.copyFrom(staged);
    if (revoked) killUserClients(server, cur, c);
  } else {
    users.users.set(name, staged);
  }
  // the rules, never the passwords: '>' and '<' arguments are left out
  securityEvent(server, 'acl-setuser', { by: c.user.name, addr: c.raddr, user: name, created: !cur });
  c.ok();
}

function deluser(c: Client, argv: string[]): void {
  const server = c.server;
  for (let j = 2; j < argv.length; j++) if (argv[j] === 'default') return c.error("ERR The 'default' user cannot be removed");
  let deleted = 0;
  for (let j = 2; j < argv.length; j++) {
    const u = server.users.users.get(argv[j]);
    if (!u) continue;
    server.users.users.delete(argv[j]);
    killUserClients(server, u, c);
    securityEvent(server, 'acl-deluser', { by: c.user.name, addr: c.raddr, user: argv[j] });
    deleted++;
  }
  c.int(deleted);
}

function describeSelector(c: Client, s: User['selectors'][number]): void {
  c.bulk('commands');
  c.bulk(s.describeCommands());
  c.bulk('keys');
  c.bulk(s.keysField());
  c.bulk('channels');
  c.bulk(s.channelsField());
}

function getuser(c: Client, argv: string[]): void {
  const u = c.server.users.users.get(argv[2]);
  if (!u) return c.nil();
  c.map(6);
  c.bulk('flags');
  const flags = u.flagNames();
  c.set(flags.length);
  for (const f of flags) c.bulk(f);
  c.bulk('passwords');
  c.bulks(u.passwords);
  describeSelector(c, u.root);
  c.bulk('selectors');
  c.array(u.selectors.length - 1);
  for (let i = 1; i < u.selectors.length; i++) {
    c.map(3);
    describeSelector(c, u.selectors[i]);
  }
}

function list(c: Client): void {
  const users = c.server.users;
  const names = users.sortedNames();
  c.array(names.length);
  for (const n of names) c.bulk(`user ${n} ${users.users.get(n)!.describe()}`);
}

function cat(c: Client, argv: string[]): void {
  if (argv.length === 2) return c.bulks(CATEGORIES);
  if (argv.length !== 3) return c.error(ERR.subcommandSyntax(argv));
  const bit = categoryBit(argv[2]);
  if (bit === 0) return c.error(`ERR Unknown category '${argv[2].slice(0, 128)}'`);
  const names: string[] = [];
  for (const cmd of allAclCmds()) if (cmd.cats & bit) names.push(cmd.fullName);
  c.bulks(names);
}

function genpass(c: Client, argv: string[]): void {
  let bits = 256;
  if (argv.length === 3) {
    const n = parseI64(argv[2]);
    if (n === null) return c.error(ERR.notInt);
    bits = n > 4096n || n <= 0n ? -1 : Number(n);
  } else if (argv.length > 3) return c.error(ERR.subcommandSyntax(argv));
  if (bits <= 0 || bits > 4096) {
    return c.error('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096');
  }
  const chars = Math.floor((bits + 3) / 4);
  c.bulk(randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars));
}

function log(c: Client, argv: string[]): void {
  const st = aclState(c.server);
  let count = 10;
  if (argv.length === 3) {
    if (argv[2].toLowerCase() === 'reset') {
      st.log.reset();
      return c.ok();
    }
    const n = parseI64(argv[2]);
    if (n === null) return c.error(ERR.notInt);
    count = n < 0n ? 0 : n > BigInt(st.log.entries.length) ? st.log.entries.length : Number(n);
  } else if (argv.length > 3) return c.error(ERR.subcommandSyntax(argv));
  count = Math.min(count, st.log.entries.length);
  const now = Date.now();
  c.array(count);
  for (let i = 0; i < count; i++) {
    const e = st.log.entries[i];
    c.map(10);
    c.bulk('count');
    c.int(e.count);
    c.bulk('reason');
    c.bulk(reasonName(e.reason));
    c.bulk('context');
    c.bulk(e.context);
    c.bulk('object');
    c.bulk(e.object);
    c.bulk('username');
    c.bulk(e.username);
    c.bulk('age-seconds');
    c.double((now - e.ctime) / 1000);
    c.bulk('client-info');
    c.bulk(e.cinfo);
    c.bulk('entry-id');
    c.int(e.entryId);
    c.bulk('timestamp-created');
    c.int(e.created);
    c.bulk('timestamp-last-updated');
    c.int(e.ctime);
  }
}

function dryrun(c: Client, argv: string[]): void {
  const server = c.server;
  const u = server.users.users.get(argv[2]);
  if (!u) return c.error(`ERR User '${argv[2]}' not found`);
  const args = argv.slice(3);
  const cmd = lookupCommandQuiet(server, args);
  if (cmd === null) return c.error(`ERR Command '${argv[3]}' not found`);
  const arity = cmd.arity;
  if ((arity > 0 && arity !== args.length) || args.length < -arity) {
    return c.error(ERR.wrongArgs(cmd.fullName));
  }
  const r = checkUser(u, cmd, args);
  if (r === DENIED.NONE) return c.ok();
  if (r === DENIED.CMD) return c.bulk(`This user has no permissions to run the '${cmd.fullName}' command`);
  const what = r === DENIED.KEY ? 'key' : 'channel';
  c.bulk(`This user has no permissions to access the '${args[deniedAt.idx]}' ${what}`);
}

function noAclFile(server: Server): boolean {
  return server.config.str('aclfile') === '';
}

const NO_ACLFILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';

function load(c: Client): void {
  if (noAclFile(c.server)) return c.error(NO_ACLFILE);
  const err = loadAclFile(c.server, c.server.config.str('aclfile'), c);
  if (err !== null) return c.error('ERR ' + err);
  c.ok();
}

function save(c: Client): void {
  if (noAclFile(c.server)) return c.error(NO_ACLFILE);
  const err = saveAclFile(c.server, c.server.config.str('aclfile'));
  if (err !== null) return c.error(err);
  c.ok();
}

const HELP = [
  'ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
  'HELP',
  '    Prints this help.',
];

export function install(server: Server): void {
  installAcl(server);
  installSecurityLog(server);
}

export const commands: Family = {
  'acl|setuser': setuser,
  'acl|deluser': deluser,
  'acl|getuser': getuser,
  'acl|list': list,
  'acl|users': (c) => c.bulks(c.server.users.sortedNames()),
  'acl|whoami': (c) => c.bulk(c.user.name),
  'acl|cat': cat,
  'acl|genpass': genpass,
  'acl|log': log,
  'acl|dryrun': dryrun,
  'acl|load': load,
  'acl|save': save,
  'acl|help': (c) => replyHelp(c, HELP),
};
