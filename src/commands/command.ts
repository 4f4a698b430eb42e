// COMMAND and its subcommands (COUNT, LIST, INFO, DOCS, GETKEYS,
// GETKEYSANDFLAGS, HELP), served from the command table in Redis 7.0's reply
// format for RESP2 and RESP3 (server.c addReplyCommandInfo / addReplyCommandDocs).
// Only the commands we implement exist here; a container lists only the
// subcommands we implement.

import type { Client } from '../server/client.js';
import { CMD, getKeys, type Command, type Family, type KeySpecMeta } from './table.js';
import { ERR } from './errors.js';
import { globMatch } from '../util/glob.js';

// ---------------------------------------------------------------------------
// helpers

/** Status strings as a RESP3 set (RESP2 array): command flags, ACL categories, key-spec flags. */
function statusSet(c: Client, items: readonly string[]): void {
  c.set(items.length);
  for (let i = 0; i < items.length; i++) c.simple(items[i]);
}

function bulkSetOf(c: Client, items: readonly string[]): void {
  c.set(items.length);
  for (let i = 0; i < items.length; i++) c.bulk(items[i]);
}

function flatValue(c: Client, v: number | string): void {
  if (typeof v === 'number') c.int(v);
  else c.bulk(v);
}

function specMap(c: Client, spec: Record<string, number | string>): void {
  const keys = Object.keys(spec);
  c.map(keys.length);
  for (const k of keys) {
    c.bulk(k);
    flatValue(c, spec[k]);
  }
}

function keySpec(c: Client, ks: KeySpecMeta): void {
  c.map(ks.notes !== undefined ? 4 : 3);
  if (ks.notes !== undefined) {
    c.bulk('notes');
    c.bulk(ks.notes);
  }
  c.bulk('flags');
  statusSet(c, ks.flags);
  c.bulk('begin_search');
  c.map(2);
  c.bulk('type');
  c.bulk(ks.begin_search.type);
  c.bulk('spec');
  specMap(c, ks.begin_search.spec);
  c.bulk('find_keys');
  c.map(2);
  c.bulk('type');
  c.bulk(ks.find_keys.type);
  c.bulk('spec');
  specMap(c, ks.find_keys.spec);
}

/** addReplyCommandInfo: the 10-element description of a command. */
export function replyCommandInfo(c: Client, cmd: Command): void {
  const m = cmd.meta;
  c.array(10);
  c.bulk(m.name);
  c.int(m.arity);
  statusSet(c, m.flags);
  c.int(m.first);
  c.int(m.last);
  c.int(m.step);
  statusSet(c, m.acl);
  bulkSetOf(c, m.tips);
  c.set(m.keySpecs.length);
  for (const ks of m.keySpecs) keySpec(c, ks);
  if (cmd.sub === null) {
    c.set(0);
  } else {
    c.array(cmd.sub.size);
    for (const s of cmd.sub.values()) replyCommandInfo(c, s);
  }
}

interface ArgDoc {
  name: string;
  type: string;
  display_text?: string;
  key_spec_index?: number;
  token?: string;
  summary?: string;
  since?: string;
  deprecated_since?: string;
  flags?: string[];
  value?: string;
  arguments?: ArgDoc[];
}

interface CmdDoc {
  summary?: string;
  since?: string;
  group?: string;
  complexity?: string;
  doc_flags?: string[];
  deprecated_since?: string;
  replaced_by?: string;
  history?: [string, string][];
  arguments?: ArgDoc[];
  sub?: Record<string, CmdDoc>;
}

/** addReplyCommandArgList, fields in Redis's order. */
function replyArgs(c: Client, args: ArgDoc[]): void {
  c.array(args.length);
  for (const a of args) {
    let n = 2;
    if (a.display_text !== undefined) n++;
    if (a.key_spec_index !== undefined) n++;
    if (a.token !== undefined) n++;
    if (a.summary !== undefined) n++;
    if (a.since !== undefined) n++;
    if (a.deprecated_since !== undefined) n++;
    if (a.flags !== undefined && a.flags.length) n++;
    if (a.arguments !== undefined) n++;
    else if (a.value !== undefined) n++;
    c.map(n);
    c.bulk('name');
    c.bulk(a.name);
    c.bulk('type');
    c.bulk(a.type);
    if (a.display_text !== undefined) {
      c.bulk('display_text');
      c.bulk(a.display_text);
    }
    if (a.key_spec_index !== undefined) {
      c.bulk('key_spec_index');
      c.int(a.key_spec_index);
    }
    if (a.token !== undefined) {
      c.bulk('token');
      c.bulk(a.token);
    }
    if (a.summary !== undefined) {
      c.bulk('summary');
      c.bulk(a.summary);
    }
    if (a.since !== undefined) {
      c.bulk('since');
      c.bulk(a.since);
    }
    if (a.deprecated_since !== undefined) {
      c.bulk('deprecated_since');
      c.bulk(a.deprecated_since);
    }
    if (a.flags !== undefined && a.flags.length) {
      c.bulk('flags');
      statusSet(c, a.flags);
    }
    if (a.arguments !== undefined) {
      c.bulk('arguments');
      replyArgs(c, a.arguments);
    } else if (a.value !== undefined) {
      c.bulk('value');
      c.bulk(a.value);
    }
  }
}

function docsOf(cmd: Command): CmdDoc {
  if (cmd.parent) {
    const pd = (cmd.parent.meta.docs ?? {}) as CmdDoc;
    return pd.sub?.[cmd.fullName] ?? {};
  }
  return (cmd.meta.docs ?? {}) as CmdDoc;
}

/**
 * addReplyCommandDocs. Our metadata carries no prose (summary, complexity,
 * history): those fields are emitted only when present.
 */
export function replyCommandDocs(c: Client, cmd: Command): void {
  const d = docsOf(cmd);
  let n = 1; // group is always there
  if (d.summary !== undefined) n++;
  if (d.since !== undefined) n++;
  if (d.complexity !== undefined) n++;
  if (d.doc_flags !== undefined && d.doc_flags.length) n++;
  if (d.deprecated_since !== undefined) n++;
  if (d.replaced_by !== undefined) n++;
  if (d.history !== undefined && d.history.length) n++;
  if (d.arguments !== undefined && d.arguments.length) n++;
  if (cmd.sub !== null) n++;
  c.map(n);
  if (d.summary !== undefined) {
    c.bulk('summary');
    c.bulk(d.summary);
  }
  if (d.since !== undefined) {
    c.bulk('since');
    c.bulk(d.since);
  }
  c.bulk('group');
  c.bulk(d.group ?? 'server');
  if (d.complexity !== undefined) {
    c.bulk('complexity');
    c.bulk(d.complexity);
  }
  if (d.doc_flags !== undefined && d.doc_flags.length) {
    c.bulk('doc_flags');
    statusSet(c, d.doc_flags);
  }
  if (d.deprecated_since !== undefined) {
    c.bulk('deprecated_since');
    c.bulk(d.deprecated_since);
  }
  if (d.replaced_by !== undefined) {
    c.bulk('replaced_by');
    c.bulk(d.replaced_by);
  }
  if (d.history !== undefined && d.history.length) {
    c.bulk('history');
    c.set(d.history.length);
    for (const [v, text] of d.history) {
      c.array(2);
      c.bulk(v);
      c.bulk(text);
    }
  }
  if (d.arguments !== undefined && d.arguments.length) {
    c.bulk('arguments');
    replyArgs(c, d.arguments);
  }
  if (cmd.sub !== null) {
    c.bulk('subcommands');
    c.map(cmd.sub.size);
    for (const s of cmd.sub.values()) {
      c.bulk(s.fullName);
      replyCommandDocs(c, s);
    }
  }
}

/** lookupCommandBySds: 'get' or 'config|get', honouring rename-command for the base name. */
export function lookupByFullName(c: Client, name: string): Command | undefined {
  const table = c.server.commands;
  const i = name.indexOf('|');
  if (i === -1) return table.lookup(name);
  if (name.indexOf('|', i + 1) !== -1) return undefined;
  const base = table.lookup(name.slice(0, i));
  return base?.sub?.get(name.slice(i + 1).toLowerCase());
}

/** lookupCommand(argv): the command a full argv would run, null when none. */
function lookupArgv(c: Client, argv: string[]): Command | null {
  const base = c.server.commands.lookup(argv[0]);
  if (base === undefined) return null;
  if (base.sub === null || argv.length < 2) return base;
  return base.sub.get(argv[1]) ?? base.sub.get(argv[1].toLowerCase()) ?? null;
}

// ---------------------------------------------------------------------------
// handlers

function command(c: Client): void {
  const all = c.server.commands.all;
  c.array(all.size);
  for (const cmd of all.values()) replyCommandInfo(c, cmd);
}

function commandCount(c: Client): void {
  c.int(c.server.commands.count);
}

function commandList(c: Client, argv: string[]): void {
  let filter: ((cmd: Command) => boolean) | null = null;
  for (let i = 2; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    if (argv[i].toLowerCase() === 'filterby' && more === 2) {
      const type = argv[i + 1].toLowerCase();
      const arg = argv[i + 2];
      if (type === 'module') {
        filter = () => false; // no modules
      } else if (type === 'aclcat') {
        const cat = '@' + arg.toLowerCase();
        filter = (cmd) => cmd.meta.acl.includes(cat);
      } else if (type === 'pattern') {
        filter = (cmd) => globMatch(arg, cmd.fullName, true);
      } else {
        return c.error(ERR.syntax);
      }
      i += 2;
    } else {
      return c.error(ERR.syntax);
    }
  }
  const names: string[] = [];
  for (const cmd of c.server.commands.commandsAndSubs()) {
    if (filter === null || filter(cmd)) names.push(cmd.fullName);
  }
  c.bulks(names);
}

function commandInfo(c: Client, argv: string[]): void {
  if (argv.length === 2) return command(c);
  c.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const cmd = lookupByFullName(c, argv[i]);
    if (cmd === undefined) c.nil();
    else replyCommandInfo(c, cmd);
  }
}

function commandDocs(c: Client, argv: string[]): void {
  const found: Command[] = [];
  if (argv.length === 2) {
    for (const cmd of c.server.commands.all.values()) found.push(cmd);
  } else {
    for (let i = 2; i < argv.length; i++) {
      const cmd = lookupByFullName(c, argv[i]);
      if (cmd !== undefined) found.push(cmd);
    }
  }
  c.map(found.length);
  for (const cmd of found) {
    c.bulk(cmd.fullName);
    replyCommandDocs(c, cmd);
  }
}

function hasKeyArgs(cmd: Command): boolean {
  if (cmd.getKeysProc) return true;
  for (const ks of cmd.meta.keySpecs) if (!ks.flags.includes('not_key')) return true;
  return false;
}

function getKeysImpl(c: Client, argv: string[], withFlags: boolean): void {
  const args = argv.slice(2);
  const cmd = lookupArgv(c, args);
  if (cmd === null) return c.error('ERR Invalid command specified');
  if (!hasKeyArgs(cmd)) return c.error('ERR The command has no key arguments');
  const arity = cmd.arity;
  if ((arity > 0 && arity !== args.length) || args.length < -arity) {
    return c.error('ERR Invalid number of arguments specified for command');
  }
  const keys = getKeys(cmd, args);
  if (keys === null || keys.length === 0) {
    if (cmd.flags & CMD.NO_MANDATORY_KEYS) return c.array(0);
    return c.error('ERR Invalid arguments specified for command');
  }
  c.array(keys.length);
  for (const k of keys) {
    if (!withFlags) {
      c.bulk(args[k.pos]);
    } else {
      c.array(2);
      c.bulk(args[k.pos]);
      statusSet(c, k.flags);
    }
  }
}

const HELP = [
  'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
  'HELP',
  '    Prints this help.',
];

/** addReplyHelp: the lines as status replies. */
export function replyHelp(c: Client, lines: readonly string[]): void {
  c.array(lines.length);
  for (const l of lines) c.simple(l);
}

export const commands: Family = {
  command,
  'command|count': commandCount,
  'command|list': commandList,
  'command|info': commandInfo,
  'command|docs': commandDocs,
  'command|getkeys': (c, argv) => getKeysImpl(c, argv, false),
  'command|getkeysandflags': (c, argv) => getKeysImpl(c, argv, true),
  'command|help': (c) => replyHelp(c, HELP),
};
