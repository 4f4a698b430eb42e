// SLOWLOG GET/LEN/RESET/HELP (Redis 7.0 slowlog.c): every command that ran
// for at least slowlog-log-slower-than µs, newest first, at most
// slowlog-max-len entries, arguments cut as Redis cuts them and secrets
// redacted as Redis's commands redact their own argv.

import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { CMD, type Command, type Family } from './table.js';
import { replyHelp } from './command.js';
import { redactArgv } from './server-cmds.js';

const MAX_ARGC = 32;
const MAX_STRING = 128;

interface Entry {
  id: number;
  time: number;
  usec: number;
  argv: string[];
  peer: string;
  name: string;
}

interface Slowlog {
  entries: Entry[]; // newest last; read newest first
  nextId: number;
}

function slowlog(server: Server): Slowlog {
  return server.ext.slowlog as Slowlog;
}

/** slowlogCreateEntry's argument trimming: 32 arguments, 128 bytes each, with Redis's markers. */
export function trimArgv(argv: string[]): string[] {
  const argc = argv.length;
  const n = Math.min(argc, MAX_ARGC);
  const out: string[] = new Array(n);
  for (let j = 0; j < n; j++) {
    const a = argv[j];
    if (n !== argc && j === n - 1) out[j] = `... (${argc - n + 1} more arguments)`;
    else if (a.length > MAX_STRING) out[j] = a.slice(0, MAX_STRING) + `... (${a.length - MAX_STRING} more bytes)`;
    else out[j] = a;
  }
  return out;
}

function slowlogGet(c: Client, argv: string[]): void {
  let count = 10;
  if (argv.length === 3) {
    const s = argv[2];
    const n = /^-?(0|[1-9][0-9]{0,17})$/.test(s) ? Number(s) : NaN;
    if (!Number.isSafeInteger(n) || n < -1) return c.error('ERR count should be greater than or equal to -1');
    count = n === -1 ? Infinity : n;
  } else if (argv.length > 3) {
    return c.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try SLOWLOG HELP.`);
  }
  const e = slowlog(c.server).entries;
  const n = Math.min(count, e.length);
  c.array(n);
  for (let i = 0; i < n; i++) {
    const x = e[e.length - 1 - i];
    c.array(6);
    c.int(x.id);
    c.int(x.time);
    c.int(x.usec);
    c.bulks(x.argv);
    c.bulk(x.peer);
    c.bulk(x.name);
  }
}

const HELP = [
  'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
  'HELP',
  '    Prints this help.',
];

export function install(server: Server): void {
  const log: Slowlog = { entries: [], nextId: 0 };
  server.ext.slowlog = log;
  const cfg = server.config;
  let slower = cfg.num('slowlog-log-slower-than');
  let maxLen = cfg.num('slowlog-max-len');
  const add = (c: Client, cmd: Command, argv: string[], usec: number): void => {
    if (usec < slower || cmd.flags & CMD.SKIP_SLOWLOG) return;
    log.entries.push({
      id: log.nextId++,
      time: Math.floor(Date.now() / 1000),
      usec,
      argv: trimArgv(redactArgv(cmd, argv)),
      peer: c.raddr,
      name: c.name,
    });
    if (log.entries.length > maxLen) log.entries.splice(0, log.entries.length - maxLen);
  };
  server.hooks.afterCall.push(add);
  // not called at all while the slowlog is off (a negative threshold or a max length of 0)
  const gate = () => server.hooks.afterCall.setActive(add, slower >= 0 && maxLen !== 0);
  gate();
  cfg.onChange('slowlog-log-slower-than', () => {
    slower = cfg.num('slowlog-log-slower-than');
    gate();
  });
  cfg.onChange('slowlog-max-len', () => {
    maxLen = cfg.num('slowlog-max-len');
    if (log.entries.length > maxLen) log.entries.splice(0, log.entries.length - maxLen);
    gate();
  });
}

export const commands: Family = {
  'slowlog|get': slowlogGet,
  'slowlog|len': (c) => c.int(slowlog(c.server).entries.length),
  'slowlog|reset': (c) => {
    slowlog(c.server).entries.length = 0;
    c.ok();
  },
  'slowlog|help': (c) => replyHelp(c, HELP),
};
