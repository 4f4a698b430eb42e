// The one path every command takes: lookup (after rename-command) -> arity ->
// authentication -> authorization (ACL) -> context checks (MULTI, RESP2
// subscribed mode) -> queue or execute -> stats, slowlog, propagation.

import { CMD, type Command } from '../commands/table.js';
import { CLIENT, type Client } from './client.js';
import type { Server } from './server.js';
import { TableFullError } from '../store/keytable.js';

const MULTI_PASSTHROUGH = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);
const SUBSCRIBED_ALLOWED = new Set(['ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset']);

/**
 * Set by the transactions module: a rejected EXEC discards the transaction
 * and answers "EXECABORT Transaction discarded because of: <error>" (Redis
 * execCommandAbort).
 */
export const execAbort: { fn: ((c: Client, msg: string) => void) | null } = { fn: null };

/** Rejects a command before it runs; inside MULTI that also dooms EXEC. */
export function rejectCommand(c: Client, msg: string, cmd?: Command): void {
  if (c.flags & CLIENT.MULTI) c.flags |= CLIENT.DIRTY_EXEC;
  if (cmd) cmd.rejectedCalls++;
  if (cmd !== undefined && execAbort.fn !== null && cmd.fullName === 'exec') return execAbort.fn(c, msg);
  c.error(msg);
}

function unknownCommand(argv: string[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${argv[i].slice(0, 128 - args.length)}' `;
  }
  return `ERR unknown command '${argv[0].slice(0, 128)}', with args beginning with: ${args}`;
}

export function lookupCommand(server: Server, argv: string[], c: Client): Command | null {
  const base = server.commands.lookup(argv[0]);
  if (base === undefined) {
    rejectCommand(c, unknownCommand(argv));
    return null;
  }
  if (base.sub === null || argv.length < 2) return base;
  const sub = base.sub.get(argv[1]) ?? base.sub.get(argv[1].toLowerCase());
  if (sub === undefined) {
    // like Redis, no command stats for an unknown subcommand (c->cmd is NULL there)
    rejectCommand(c, `ERR unknown subcommand '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`);
    return null;
  }
  return sub;
}

/** The command or subcommand argv names, or null (no reply): ACL DRYRUN's lookup. */
export function lookupCommandQuiet(server: Server, argv: string[]): Command | null {
  const base = server.commands.lookup(argv[0]);
  if (base === undefined) return null;
  if (base.sub === null || argv.length < 2) return base;
  return base.sub.get(argv[1].toLowerCase()) ?? null;
}

export function processCommand(server: Server, c: Client, argv: string[]): void {
  const cmd = lookupCommand(server, argv, c);
  if (cmd === null) return;
  const argc = argv.length;
  const arity = cmd.arity;
  if ((arity > 0 && arity !== argc) || argc < -arity || (cmd.sub !== null && cmd.handler === null)) {
    rejectCommand(c, `ERR wrong number of arguments for '${cmd.fullName}' command`, cmd);
    return;
  }
  if (!c.authenticated && !(cmd.flags & CMD.NO_AUTH)) {
    rejectCommand(c, 'NOAUTH Authentication required.', cmd);
    return;
  }
  if (c.flags & CLIENT.MULTI && cmd.flags & CMD.NO_MULTI) {
    rejectCommand(c, 'ERR Command not allowed inside a transaction', cmd);
    return;
  }
  const denied = server.authorize(c, cmd, argv);
  if (denied !== null) {
    rejectCommand(c, denied, cmd);
    return;
  }
  const pre = server.precheck(c, cmd, argv);
  if (pre !== null) {
    rejectCommand(c, pre, cmd);
    return;
  }
  if (c.resp === 2 && c.flags & CLIENT.PUBSUB && !SUBSCRIBED_ALLOWED.has(cmd.parent?.fullName ?? cmd.fullName)) {
    rejectCommand(
      c,
      `ERR Can't execute '${cmd.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      cmd,
    );
    return;
  }
  if (c.flags & CLIENT.MULTI && !MULTI_PASSTHROUGH.has(cmd.fullName)) {
    c.multiQueue!.push({ cmd, argv });
    c.lastCmd = cmd.fullName; // CLIENT LIST cmd= names the queued command, as Redis's lastcmd
    c.raw('+QUEUED\r\n');
    return;
  }
  call(server, c, cmd, argv);
}

/**
 * The time the previous command ended, or the batch started: a command's
 * duration runs from there (so it includes its own parsing), which takes one
 * clock read per command instead of two. processInput resets it per batch.
 */
export const callClock = { t: 0 };

/** `performance` is a lazy getter on globalThis: a module constant skips it on every read. */
export const perf = performance;

/** Executes a command that passed every check (also used by EXEC). */
export function call(server: Server, c: Client, cmd: Command, argv: string[]): void {
  const ks = server.keyspace;
  const dirty = ks.dirty;
  const errors = server.stats.totalErrorReplies;
  const mark = c.replyMode === 'on' ? -1 : c.pendingOut();
  const outStart = c.pendingOut();
  c.cmd = cmd;
  c.argv = argv;
  const prevCurrent = server.current;
  server.current = c;
  const t0 = callClock.t;
  try {
    cmd.handler!(c, argv);
  } catch (e) {
    // a bug in one handler must not take the server (and everyone's data) down
    server.logger.warning(`Internal error in '${cmd.fullName}': ${(e as Error)?.stack ?? e}`);
    // one reply per command: drop what the handler wrote before it threw (INCR replies before it adds the key)
    c.truncateOut(outStart);
    c.error(
      e instanceof TableFullError
        ? 'ERR ' + e.message
        : e instanceof RangeError
          ? 'ERR reply or value too large for this server'
          : 'ERR internal error executing command',
    );
  }
  const t1 = perf.now();
  callClock.t = t1;
  const usec = Math.round((t1 - t0) * 1000);
  // CLIENT REPLY ON run while replies are off/skipped gets its +OK through
  if (mark !== -1 && c.replyMode !== 'on') {
    c.truncateOut(mark);
    if (c.replyMode === 'skip' && cmd.fullName !== 'client|reply') c.replyMode = 'on';
  }
  if (c.pushed.length !== 0) {
    c.out += c.pushed;
    c.pushed = '';
  }
  cmd.calls++;
  cmd.usec += usec;
  if (server.stats.totalErrorReplies !== errors) cmd.failedCalls++;
  server.stats.numCommands++;
  c.lastCmd = cmd.fullName;
  server.afterCall(c, cmd, argv, usec, ks.dirty !== dirty);
  server.current = prevCurrent;
  c.cmd = null;
}
