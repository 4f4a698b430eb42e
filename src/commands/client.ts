// CLIENT: LIST, INFO, ID, SETNAME, GETNAME, KILL, PAUSE, UNPAUSE, REPLY,
// NO-EVICT, UNBLOCK, HELP (Redis 7.0 networking.c clientCommand).
// TRACKING, CACHING, GETREDIR and TRACKINGINFO are in tracking.ts.
// NO-TOUCH does not exist in Redis 7.0 (it came with 7.2).

import { Tracking } from '../server/tracking.js';
import { CLIENT, type Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Family } from './table.js';
import { ERR } from './errors.js';
import { validClientName } from './connection.js';
import { replyHelp } from './command.js';
import { processInput } from '../server/connection.js';
import type { Blocking } from '../server/blocking.js';
import { parseI64 } from '../util/numbers.js';


// ---------------------------------------------------------------------------
// client types and the CLIENT LIST line

type ClientType = 'normal' | 'slave' | 'pubsub' | 'master';

/** getClientTypeByName */
function typeByName(name: string): ClientType | null {
  switch (name.toLowerCase()) {
    case 'normal':
      return 'normal';
    case 'slave':
    case 'replica':
      return 'slave';
    case 'pubsub':
      return 'pubsub';
    case 'master':
      return 'master';
    default:
      return null;
  }
}

/** getClientType: monitors are normal clients. */
function clientType(c: Client): ClientType {
  if (c.flags & CLIENT.MASTER) return 'master';
  if (c.flags & CLIENT.REPLICA && !(c.flags & CLIENT.MONITOR)) return 'slave';
  if (c.flags & CLIENT.PUBSUB) return 'pubsub';
  return 'normal';
}

function flagString(c: Client): string {
  const f = c.flags;
  let s = '';
  if (f & CLIENT.MONITOR) s += 'O';
  else if (f & CLIENT.REPLICA) s += 'S';
  if (f & CLIENT.MASTER) s += 'M';
  if (f & CLIENT.PUBSUB) s += 'P';
  if (f & CLIENT.MULTI) s += 'x';
  if (f & CLIENT.BLOCKED) s += 'b';
  if (f & CLIENT.TRACKING) {
    s += 't';
    const st = Tracking.of(c);
    if (st?.brokenRedir) s += 'R';
    if (st?.bcast) s += 'B';
  }
  if (f & CLIENT.DIRTY_CAS) s += 'd';
  if (f & CLIENT.CLOSE_AFTER_REPLY) s += 'c';
  if (f & CLIENT.CLOSE_ASAP) s += 'A';
  if (f & CLIENT.UNIX) s += 'U';
  if (f & CLIENT.READONLY) s += 'r';
  if (f & CLIENT.NO_EVICT) s += 'e';
  return s === '' ? 'N' : s;
}

function argvBytes(argv: string[]): number {
  let n = 0;
  for (let i = 0; i < argv.length; i++) n += argv[i].length;
  return n;
}

/** jemalloc's size class for n bytes (what Redis's zmalloc_usable_size reports). */
export function jemallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return (n + 15) & ~15;
  const spacing = 2 ** (32 - Math.clz32(n - 1) - 3);
  return Math.ceil(n / spacing) * spacing;
}

/** sds header + terminator for a string of `len` bytes (sdsReqType). */
function sdsOverhead(len: number): number {
  return (len < 256 ? 3 : len < 65536 ? 5 : 9) + 1;
}

/** Redis's PROTO_IOBUF_LEN: the room a read makes in the query buffer. */
const IOBUF = 16 * 1024;

/**
 * The client's query buffer as Redis 7.0 would hold it: [qbuf, qbuf-free,
 * bytes allocated]. Worked out when CLIENT LIST asks, from what the parser
 * holds: nothing is counted on the read path.
 *  - the client running CLIENT LIST/INFO still has its whole batch in the
 *    buffer (Redis trims it after the batch);
 *  - a bulk of 32 KB or more gets a buffer of its exact size as soon as its
 *    header arrives (sdsMakeRoomForNonGreedy);
 *  - otherwise a read makes room for 16 KB (20480 bytes allocated), more
 *    when a pipeline holds more;
 *  - an empty buffer is shrunk to nothing after 2 s idle
 *    (clientsCronResizeQueryBuffer), and a client that never sent anything
 *    has none.
 */
export function queryBuffer(c: Client, nowSec: number): [number, number, number] {
  const p = c.parser;
  if (c.qbufBatch < 0) return [0, 0, 0];
  const qbuf = c.cmd !== null ? Math.max(c.qbufBatch, p.pending()) : p.pending();
  const big = p.bigBulkSize();
  if (big > 0) {
    const alloc = jemallocSize(big + sdsOverhead(big));
    return [qbuf, Math.max(0, alloc - sdsOverhead(big) - qbuf), alloc];
  }
  if (qbuf === 0 && c.cmd === null && nowSec - Math.floor(c.lastInteraction / 1000) > 2) return [0, 0, 8];
  const want = qbuf <= IOBUF ? IOBUF : 2 * qbuf;
  const alloc = jemallocSize(want + sdsOverhead(want));
  return [qbuf, Math.max(0, alloc - sdsOverhead(want) - qbuf), alloc];
}

/** Redis's client struct, as zmalloc counts it. */
const CLIENT_STRUCT = 768;
/** PROTO_REPLY_CHUNK_BYTES and PROTO_REPLY_MIN_BYTES: the reply buffer's largest and smallest sizes. */
const REPLY_CHUNK = 16384;
const REPLY_MIN = 1024;
/** sizeof(multiCmd). */
const MULTI_CMD = 24;

/**
 * clientsCronResizeOutputBuffer, for every client at each cron tick: an
 * unused buffer halves down to 1 KB, a full one doubles up to 16 KB, and the
 * peak restarts every reply-buffer peak-reset time (DEBUG REPLYBUFFER).
 * Replies that come and go between two ticks are not seen.
 */
function resizeReplyBuffers(server: Server, now: number): void {
  const resizing = server.ext.replyBufferResizing !== false;
  const resetTime = (server.ext.replyBufferPeakResetTime as number | undefined) ?? 5000;
  for (const c of server.clients.values()) {
    const used = c.pendingOut();
    const peak = used > c.rbs ? c.rbs : used;
    if (peak > c.rbp) c.rbp = peak;
    if (resizing) {
      const shrinkTo = c.rbs / 2;
      if (shrinkTo >= REPLY_MIN && c.rbp < shrinkTo) c.rbs = Math.max(REPLY_MIN, c.rbp + 1);
      else if (c.rbs * 2 < REPLY_CHUNK * 2 && c.rbp === c.rbs) c.rbs = Math.min(REPLY_CHUNK, c.rbs * 2);
    }
    if (resetTime >= 0 && now - c.rbpResetAt >= resetTime) {
      c.rbp = peak;
      c.rbpResetAt = now;
    }
  }
}

export function install(server: Server): void {
  server.hooks.cron.push((now) => resizeReplyBuffers(server, now));
}

/** catClientInfoString, Redis 7.0.15's field order (rbs/rbp included). */
export function clientInfoString(c: Client): string {
  const nowSec = Math.floor(Date.now() / 1000);
  const executing = c.cmd !== null;
  const [qbuf, qbufFree, qbufAlloc] = queryBuffer(c, nowSec);
  // a running or blocked command holds its arguments; a half-read one the parsed part
  const holdsArgv = executing || (c.flags & CLIENT.BLOCKED) !== 0;
  const argvMem = holdsArgv ? argvBytes(c.argv) : c.parser.partialArgvBytes();
  const argc = holdsArgv ? c.argv.length : c.parser.partialArgc();
  let multiMem = 0;
  let queued = 0;
  if (c.multiQueue) {
    for (const q of c.multiQueue) multiMem += argvBytes(q.argv) + 8 * q.argv.length;
    queued = c.multiQueue.length;
  }
  const multiAlloc = queued === 0 ? 0 : Math.max(2, 2 ** Math.ceil(Math.log2(queued)));
  const obl = c.pendingOut();
  const omem = c.socketPending();
  const totMem = qbufAlloc + CLIENT_STRUCT + c.rbs + argvMem + 8 * argc + multiMem + MULTI_CMD * multiAlloc + obl + omem;
  const events = omem > 0 ? 'rw' : 'r';
  const cmd = executing ? c.cmd!.fullName : c.lastCmd;
  return (
    'id=' + c.id +
    ' addr=' + c.raddr +
    ' laddr=' + c.laddr +
    ' fd=' + c.fd +
    ' name=' + c.name +
    ' age=' + (nowSec - Math.floor(c.createdAt / 1000)) +
    ' idle=' + (executing ? 0 : nowSec - Math.floor(c.lastInteraction / 1000)) +
    ' flags=' + flagString(c) +
    ' db=' + c.db.id +
    ' sub=' + (c.channels?.size ?? 0) +
    ' psub=' + (c.patterns?.size ?? 0) +
    ' ssub=' + (c.shardChannels?.size ?? 0) +
    ' multi=' + (c.flags & CLIENT.MULTI ? (c.multiQueue?.length ?? 0) : -1) +
    ' qbuf=' + qbuf +
    ' qbuf-free=' + qbufFree +
    ' argv-mem=' + argvMem +
    ' multi-mem=' + multiMem +
    ' rbs=' + c.rbs +
    ' rbp=' + c.rbp +
    ' obl=' + obl +
    ' oll=0' +
    ' omem=' + omem +
    ' tot-mem=' + totMem +
    ' events=' + events +
    ' cmd=' + cmd +
    ' user=' + c.user.name +
    ' redir=' + (c.flags & CLIENT.TRACKING ? (Tracking.of(c)?.redirect ?? -1) : -1) +
    ' resp=' + c.resp
  );
}

// ---------------------------------------------------------------------------
// handlers

function clientList(c: Client, argv: string[]): void {
  const server = c.server;
  let type: ClientType | null = null;
  let out: string | null = null;
  if (argv.length === 4 && argv[2].toLowerCase() === 'type') {
    type = typeByName(argv[3]);
    if (type === null) return c.error(`ERR Unknown client type '${argv[3]}'`);
  } else if (argv.length > 3 && argv[2].toLowerCase() === 'id') {
    out = '';
    for (let j = 3; j < argv.length; j++) {
      const n = parseI64(argv[j]);
      if (n === null) return c.error('ERR Invalid client ID');
      const cl = server.clients.get(Number(n));
      if (cl) out += clientInfoString(cl) + '\n';
    }
  } else if (argv.length !== 2) {
    return c.error(ERR.syntax);
  }
  if (out === null) {
    out = '';
    for (const cl of server.clients.values()) {
      if (type !== null && clientType(cl) !== type) continue;
      out += clientInfoString(cl) + '\n';
    }
  }
  c.verbatim(out);
}

function clientSetname(c: Client, argv: string[]): void {
  const n = argv[2];
  if (n.length !== 0 && !validClientName(n)) {
    return c.error('ERR Client names cannot contain spaces, newlines or special characters.');
  }
  c.name = n;
  c.ok();
}

function subcommandSyntaxError(c: Client, argv: string[]): void {
  c.error(ERR.subcommandSyntax(argv));
}

function isLocalAddr(addr: string): boolean {
  return addr.startsWith('127.0.0.1:') || addr.startsWith('::1:');
}
export function isLocalClient(c: Client): boolean {
  return (c.flags & CLIENT.UNIX) !== 0 || isLocalAddr(c.raddr);
}

function clientKill(c: Client, argv: string[]): void {
  const server = c.server;
  let addr: string | null = null;
  let laddr: string | null = null;
  let user: unknown = null;
  let type: ClientType | null = null;
  let id = 0;
  let skipme = true;
  if (argv.length === 3) {
    addr = argv[2];
    skipme = false; // the old form can kill the caller
  } else {
    for (let i = 2; i < argv.length; i += 2) {
      const opt = argv[i].toLowerCase();
      const more = i + 1 < argv.length;
      if (opt === 'id' && more) {
        const v = argv[i + 1];
        const n = parseI64(v);
        if (n === null || n < 1n) return c.error('ERR client-id should be greater than 0');
        id = Number(n);
      } else if (opt === 'type' && more) {
        type = typeByName(argv[i + 1]);
        if (type === null) return c.error(`ERR Unknown client type '${argv[i + 1]}'`);
      } else if (opt === 'addr' && more) {
        addr = argv[i + 1];
      } else if (opt === 'laddr' && more) {
        laddr = argv[i + 1];
      } else if (opt === 'user' && more) {
        user = server.users.users.get(argv[i + 1]) ?? null;
        if (user === null) return c.error(`ERR No such user '${argv[i + 1]}'`);
      } else if (opt === 'skipme' && more) {
        const v = argv[i + 1].toLowerCase();
        if (v === 'yes') skipme = true;
        else if (v === 'no') skipme = false;
        else return c.error(ERR.syntax);
      } else {
        return c.error(ERR.syntax);
      }
    }
  }
  let killed = 0;
  let closeSelf = false;
  for (const cl of [...server.clients.values()]) {
    if (addr !== null && cl.raddr !== addr) continue;
    if (laddr !== null && cl.laddr !== laddr) continue;
    if (type !== null && clientType(cl) !== type) continue;
    if (id !== 0 && cl.id !== id) continue;
    if (user !== null && cl.user !== user) continue;
    if (cl === c && skipme) continue;
    if (cl === c) closeSelf = true;
    else server.freeClient(cl);
    killed++;
  }
  if (argv.length === 3) {
    if (killed === 0) c.error('ERR No such client');
    else c.ok();
  } else {
    c.int(killed);
  }
  if (closeSelf) c.flags |= CLIENT.CLOSE_AFTER_REPLY;
}

/** Lets postponed clients run again once the pause is over. */
function resumePaused(server: Server): void {
  setImmediate(() => {
    if (server.pause !== null) return;
    for (const cl of [...server.clients.values()]) {
      if (cl.postponed !== null || cl.parser.pending() > 0) processInput(server, cl);
    }
  });
}

function endPause(server: Server): void {
  const t = server.ext.pauseTimer as NodeJS.Timeout | undefined;
  if (t) clearTimeout(t);
  server.ext.pauseTimer = undefined;
  server.pause = null;
  resumePaused(server);
}

function clientPause(c: Client, argv: string[]): void {
  if (argv.length > 4) return subcommandSyntaxError(c, argv);
  let all = true;
  if (argv.length === 4) {
    const m = argv[3].toLowerCase();
    if (m === 'write') all = false;
    else if (m !== 'all') return c.error('ERR CLIENT PAUSE mode must be WRITE or ALL');
  }
  const n = parseI64(argv[2]);
  if (n === null) return c.error('ERR timeout is not an integer or out of range');
  if (n < 0n) return c.error('ERR timeout is negative');
  const ms = n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
  const server = c.server;
  const until = ms > 0 ? Math.min(Date.now() + ms, Number.MAX_SAFE_INTEGER) : 0;
  const p = server.pause;
  if (p !== null && Date.now() < p.until) {
    // a pause in progress: keep the more restrictive mode and the later end
    p.all = p.all || all;
    if (until > p.until) p.until = until;
  } else {
    server.pause = { until, all };
  }
  const cur = server.pause!;
  const old = server.ext.pauseTimer as NodeJS.Timeout | undefined;
  if (old) clearTimeout(old);
  const delay = Math.max(0, cur.until - Date.now());
  server.ext.pauseTimer = setTimeout(() => {
    if (server.pause === cur) endPause(server);
    else if (server.pause === null) resumePaused(server); // already lifted lazily by the input loop
  }, Math.min(delay, 2 ** 31 - 1));
  (server.ext.pauseTimer as NodeJS.Timeout).unref?.();
  c.ok();
}

function clientUnpause(c: Client): void {
  if (c.server.pause !== null) endPause(c.server);
  c.ok();
}

function clientReply(c: Client, argv: string[]): void {
  const m = argv[2].toLowerCase();
  if (m === 'on') {
    c.replyMode = 'on';
    c.ok();
  } else if (m === 'off') {
    c.replyMode = 'off';
  } else if (m === 'skip') {
    if (c.replyMode !== 'off') c.replyMode = 'skip';
  } else {
    c.error(ERR.syntax);
  }
}

function clientNoEvict(c: Client, argv: string[]): void {
  const m = argv[2].toLowerCase();
  if (m === 'on') c.flags |= CLIENT.NO_EVICT;
  else if (m === 'off') c.flags &= ~CLIENT.NO_EVICT;
  else return c.error(ERR.syntax);
  c.ok();
}

function clientUnblock(c: Client, argv: string[]): void {
  if (argv.length > 4) return subcommandSyntaxError(c, argv);
  let error = false;
  if (argv.length === 4) {
    const r = argv[3].toLowerCase();
    if (r === 'error') error = true;
    else if (r !== 'timeout') return c.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  }
  const n = parseI64(argv[2]);
  if (n === null) return c.error(ERR.notInt);
  const target = c.server.clients.get(Number(n));
  const b = c.server.ext.blocking as Blocking | undefined;
  if (target !== undefined && target.flags & CLIENT.BLOCKED && b !== undefined) {
    b.unblock(target, error ? 'error' : 'timeout');
    c.int(1);
  } else {
    c.int(0);
  }
}

const HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  'HELP',
  '    Prints this help.',
];

export const commands: Family = {
  'client|list': clientList,
  'client|info': (c) => c.verbatim(clientInfoString(c) + '\n'),
  'client|id': (c) => c.int(c.id),
  'client|setname': clientSetname,
  'client|getname': (c) => (c.name === '' ? c.nil() : c.bulk(c.name)),
  'client|kill': clientKill,
  'client|pause': clientPause,
  'client|unpause': clientUnpause,
  'client|reply': clientReply,
  'client|no-evict': clientNoEvict,
  'client|unblock': clientUnblock,
  'client|help': (c) => replyHelp(c, HELP),
};
