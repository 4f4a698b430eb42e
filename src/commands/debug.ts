// DEBUG (Redis 7.0 debug.c), refused unless enable-debug-command is "yes",
// or "local" and the client is local, with Redis's refusal text.
// Implemented: HELP, SLEEP, OBJECT, SET-ACTIVE-EXPIRE, CHANGE-REPL-ID, ERROR,
// LOG, PROTOCOL, POPULATE, QUICKLIST-PACKED-THRESHOLD, LISTPACK, QUICKLIST
// (debug-lists.ts), STRINGMATCH-TEST, CONFIG-REWRITE-FORCE-ALL, PAUSE-CRON,
// REPLYBUFFER, and JMAP (a Redoubt extension: a memory report of the Node.js
// process). RELOAD, LOADAOF, DIGEST and DIGEST-VALUE come from the
// persistence family (extraSubcommands); the rest are unknown.

import { allowProtectedAction } from './config.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Command, Family } from './table.js';
import { ERR } from './errors.js';
import { lruClock, LRU_CLOCK_MAX } from '../store/db.js';
import { changeReplId } from './server-cmds.js';
import v8 from 'node:v8';
import type { Value } from '../store/types.js';
import { ListValue } from '../store/list.js';
import { RdbWriter } from '../persistence/rdb/writer.js';
import { writeString } from '../persistence/rdb/encode.js';
import { listSerializedLength, quicklistFields, debugQuicklist, debugListpack, debugPackedThreshold } from './debug-lists.js';
import { globMatch } from '../util/glob.js';
import { rewriteConfigFile } from '../config/rewrite.js';
import { strerror } from '../config/params.js';

export const DEBUG_REFUSED =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';

export function debugAllowed(c: Client): boolean {
  return allowProtectedAction(c.server.config.str('enable-debug-command'), c);
}

function syntaxError(c: Client, argv: string[]): void {
  c.error(ERR.subcommandSyntax(argv));
}

/** strtod-like: the longest numeric prefix, 0 when there is none. */
function strtod(s: string): number {
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(s);
  if (m) return Number(m[0]);
  const inf = /^\s*([+-]?)inf(inity)?/i.exec(s);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  return 0;
}

/** atoi */
function atoi(s: string): number {
  const m = /^\s*[+-]?\d+/.exec(s);
  return m ? parseInt(m[0], 10) : 0;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** Stops the whole server, as Redis's DEBUG SLEEP does. */
function sleepMs(ms: number): void {
  if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms);
}

// stable fake addresses for "Value at:%p"
const addrs = new WeakMap<object, number>();
let nextAddr = 0x7f0000100000;
function addressOf(v: unknown): string {
  if (typeof v !== 'object' || v === null) return '0x' + (nextAddr += 16).toString(16);
  let a = addrs.get(v);
  if (a === undefined) addrs.set(v, (a = nextAddr += 16));
  return '0x' + a.toString(16);
}

const INT_RE = /^(0|-?[1-9][0-9]{0,18})$/;
function stringEnc(s: string): string {
  if (s.length <= 20 && INT_RE.test(s)) {
    const n = BigInt(s);
    if (n >= -(2n ** 63n) && n < 2n ** 63n) return 'int';
  }
  return s.length <= 44 ? 'embstr' : 'raw';
}

/** rdbSavedObjectLen for strings and lists; other types are not measured (0). */
function serializedLength(c: Client, v: Value): number {
  const compress = c.server.config.bool('rdbcompression');
  if (v instanceof ListValue) return listSerializedLength(v, compress);
  if (typeof v !== 'string') return 0;
  let total = 0;
  const w = new RdbWriter((chunk) => (total += chunk.length), false);
  writeString(w, v, compress);
  w.drain();
  return total;
}

function debugObject(c: Client, key: string): void {
  const v = c.db.dict.get(key);
  if (v === undefined) return c.error(ERR.noKey);
  const enc = typeof v === 'string' ? stringEnc(v) : v.encoding();
  let refcount = 1;
  if (typeof v === 'string' && enc === 'int') {
    const n = Number(v);
    const policy = c.server.config.str('maxmemory-policy');
    const noShared = c.server.config.num('maxmemory') > 0 && (policy.includes('lru') || policy.includes('lfu'));
    if (n >= 0 && n < 10000 && !noShared) refcount = 2147483647;
  }
  const lru = c.db.lruOf(key);
  const now = lruClock();
  const idle = now >= lru ? now - lru : now + (LRU_CLOCK_MAX - lru);
  c.simple(`Value at:${addressOf(v)} refcount:${refcount} encoding:${enc} serializedlength:${serializedLength(c, v)} lru:${lru} lru_seconds_idle:${idle}${v instanceof ListValue ? quicklistFields(v) : ''}`);
}

function debugProtocol(c: Client, name: string): void {
  switch (name.toLowerCase()) {
    case 'string':
      return c.bulk('Hello World');
    case 'integer':
      return c.int(12345);
    case 'double':
      return c.raw(c.resp === 3 ? ',3.141\r\n' : '$5\r\n3.141\r\n');
    case 'bignum':
      return c.raw(c.resp === 3 ? '(1234567999999999999999999999999999999\r\n' : '$37\r\n1234567999999999999999999999999999999\r\n');
    case 'null':
      return c.nil();
    case 'array':
    case 'set':
      if (name.toLowerCase() === 'array') c.array(3);
      else c.set(3);
      for (let j = 0; j < 3; j++) c.int(j);
      return;
    case 'map':
      c.map(3);
      for (let j = 0; j < 3; j++) {
        c.int(j);
        c.bool(j === 1);
      }
      return;
    case 'attrib':
      if (c.resp === 3) c.raw('|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n');
      return c.bulk('Some real reply following the attribute');
    case 'push':
      if (c.resp !== 3) return c.error('ERR RESP2 is not supported by this command');
      c.raw('>2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n');
      return c.bulk('Some real reply following the push reply');
    case 'verbatim':
      return c.verbatim('This is a verbatim\nstring');
    case 'true':
      return c.bool(true);
    case 'false':
      return c.bool(false);
    default:
      return c.error(
        'ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false',
      );
  }
}

/** getPositiveLongFromObjectOrReply: one message for every failure. */
function positiveLong(c: Client, s: string): number | null {
  const n = Number(s);
  if (!/^(0|-?[1-9][0-9]{0,18})$/.test(s) || n < 0 || !Number.isSafeInteger(n)) {
    c.error('ERR value is out of range, must be positive');
    return null;
  }
  return n;
}

function debugPopulate(c: Client, argv: string[]): void {
  const keys = positiveLong(c, argv[2]);
  if (keys === null) return;
  let valsize = 0;
  if (argv.length === 5) {
    const v = positiveLong(c, argv[4]);
    if (v === null) return;
    valsize = v;
  }
  const prefix = argv.length >= 4 ? argv[3] : 'key';
  const db = c.db;
  for (let j = 0; j < keys; j++) {
    const key = (prefix + ':' + j).slice(0, 127);
    if (db.write(key) !== undefined) continue;
    let val = 'value:' + j;
    if (valsize !== 0) val = val.length >= valsize ? val.slice(0, valsize) : val + '\0'.repeat(valsize - val.length);
    db.add(key, val);
  }
  c.ok();
}

function jmap(c: Client): void {
  const mu = process.memoryUsage();
  let r = '# Process\n';
  for (const [k, v] of Object.entries(mu)) r += `${k}:${v}\n`;
  r += '# Heap spaces\n';
  for (const s of v8.getHeapSpaceStatistics()) {
    r += `${s.space_name}:size=${s.space_size},used=${s.space_used_size},available=${s.space_available_size}\n`;
  }
  const hs = v8.getHeapStatistics();
  r += '# Heap\n';
  for (const [k, v] of Object.entries(hs)) r += `${k}:${v}\n`;
  c.verbatim(r);
}

const HELP = [
  'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'AOF-FLUSH-SLEEP <microsec>',
  '    Server will sleep before flushing the AOF, this is used for testing.',
  'ASSERT',
  '    Crash by assertion failed.',
  'CHANGE-REPL-ID',
  '    Change the replication IDs of the instance.',
  '    Dangerous: should be used only for testing the replication subsystem.',
  'CONFIG-REWRITE-FORCE-ALL',
  '    Like CONFIG REWRITE but writes all configuration options, including',
  '    keywords not listed in original configuration file or default values.',
  'CRASH-AND-RECOVER [<milliseconds>]',
  '    Hard crash and restart after a <milliseconds> delay (default 0).',
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'ERROR <string>',
  '    Return a Redis protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate Redis errors.',
  'LEAK <string>',
  '    Create a memory leak of the input string.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'HTSTATS <dbid>',
  '    Return hash table statistics of the specified Redis database.',
  'HTSTATS-KEY <key>',
  "    Like HTSTATS but for the hash table stored at <key>'s value.",
  'LOADAOF',
  '    Flush the AOF buffers on disk and reload the AOF in memory.',
  'REPLICATE <string>',
  '    Replicates the provided string to replicas, allowing data divergence.',
  'MALLCTL <key> [<val>]',
  '    Get or set a malloc tuning integer.',
  'MALLCTL-STR <key> [<val>]',
  '    Get or set a malloc tuning string.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'DROP-CLUSTER-PACKET-FILTER <packet-type>',
  '    Drop all packets that match the filtered type. Set to -1 allow all packets.',
  'OOM',
  '    Crash the server simulating an out-of-memory error.',
  'PANIC',
  '    Crash the server simulating a panic.',
  'POPULATE <count> [<prefix>] [<size>]',
  '    Create <count> string keys named key:<num>. If <prefix> is specified then',
  '    it is used instead of the \'key\' prefix. These are not propagated to',
  '    replicas. Cluster slots are not respected so keys not belonging to the',
  '    current node can be created in cluster mode.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'RELOAD [option ...]',
  '    Save the RDB on disk and reload it back to memory. Valid <option> values:',
  '    * MERGE: conflicting keys will be loaded from RDB.',
  '    * NOFLUSH: the existing database will not be removed before load, but',
  '      conflicting keys will generate an exception and kill the server.',
  '    * NOSAVE: the database will be loaded from an existing RDB file.',
  '    Examples:',
  '    * DEBUG RELOAD: verify that the server is able to persist, flush and reload',
  '      the database.',
  '    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an',
  '      existing RDB file.',
  '    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB',
  '      file to the database.',
  'RESTART [<milliseconds>]',
  '    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).',
  'SDSLEN <key>',
  '    Show low level SDS string info representing `key` and value.',
  'SEGFAULT',
  '    Crash the server with sigsegv.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    Sets the threshold for elements to be inserted as plain vs packed nodes',
  '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
  'SET-SKIP-CHECKSUM-VALIDATION <0|1>',
  '    Enables or disables checksum checks for RDB files and RESTORE\'s payload.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'STRINGMATCH-TEST',
  '    Run a fuzz tester against the stringmatchlen() function.',
  'STRUCTSIZE',
  '    Return the size of different Redis core C structures.',
  'LISTPACK <key>',
  '    Show low level info about the listpack encoding of <key>.',
  'QUICKLIST <key> [<0|1>]',
  '    Show low level info about the quicklist encoding of <key>.',
  '    The optional argument (0 by default) sets the level of detail',
  'CLIENT-EVICTION',
  '    Show low level client eviction pools info (maxmemory-clients).',
  'PAUSE-CRON <0|1>',
  '    Stop periodic cron job processing.',
  'REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>',
  '    Sets the time (in milliseconds) to wait between client reply buffer peak resets.',
  '    In case NEVER is provided the last observed peak will never be reset',
  '    In case RESET is provided the peak reset time will be restored to the default value',
  'REPLYBUFFER RESIZING <0|1>',
  '    Enable or disable the reply buffer resize cron job',
  'CLUSTERLINK KILL <to|from|all> <node-id>',
  '    Kills the link based on the direction to/from (both) with the provided node.',
  'HELP',
  '    Prints this help.',
];

/** stringmatchlen_fuzz_test: random patterns against random strings, for crashes only. */
function stringmatchFuzz(): void {
  const rnd = (n: number): string => {
    let s = '';
    const len = Math.floor(Math.random() * n);
    for (let i = 0; i < len; i++) s += String.fromCharCode(Math.floor(Math.random() * 256));
    return s;
  };
  for (let i = 0; i < 1000; i++) globMatch(rnd(32), rnd(32), Math.random() < 0.5);
}

/** Redis's rewriteConfig(server.configfile, force_write=1): every option, defaults included. */
function configRewriteForceAll(c: Client): void {
  const server = c.server;
  const file = server.config.file ?? server.configFile;
  // Redis calls fopen(NULL) when it runs without a config file
  if (!file) return c.error('ERR CONFIG-REWRITE-FORCE-ALL failed: Bad address');
  try {
    rewriteConfigFile(server.config, file, true);
  } catch (e) {
    return c.error(`ERR CONFIG-REWRITE-FORCE-ALL failed: ${strerror(e)}`);
  }
  c.ok();
}

/**
 * DEBUG REPLYBUFFER PEAK-RESET-TIME / RESIZING: Redis's reply buffers are
 * resized by its cron from their peak use; Redoubt's replies are strings
 * built per turn, so the settings are kept (and validated) but change nothing.
 */
function replyBuffer(c: Client, argv: string[]): void {
  const what = argv[2].toLowerCase();
  const server = c.server;
  if (what === 'peak-reset-time') {
    const v = argv[3].toLowerCase();
    if (v === 'never') server.ext.replyBufferPeakResetTime = -1;
    else if (v === 'reset') server.ext.replyBufferPeakResetTime = 5000;
    else {
      const n = /^(0|-?[1-9][0-9]{0,18})$/.test(argv[3]) ? BigInt(argv[3]) : null;
      if (n === null || n > 2n ** 63n - 1n || n < -(2n ** 63n)) return c.error(ERR.notInt);
      server.ext.replyBufferPeakResetTime = Number(n);
    }
  } else if (what === 'resizing') {
    server.ext.replyBufferResizing = atoi(argv[3]) !== 0;
  } else {
    return syntaxError(c, argv);
  }
  c.ok();
}

/** DEBUG subcommands other features add (persistence: RELOAD, LOADAOF, DIGEST, DIGEST-VALUE). */
export function extraSubcommands(server: Server): Map<string, (c: Client, argv: string[]) => void> {
  let m = server.ext.debugSubcommands as Map<string, (c: Client, argv: string[]) => void> | undefined;
  if (m === undefined) server.ext.debugSubcommands = m = new Map();
  return m;
}

function debug(c: Client, argv: string[]): void {
  const sub = argv[1].toLowerCase();
  const argc = argv.length;
  const server = c.server;
  if (sub === 'help' && argc === 2) {
    c.array(HELP.length);
    for (const l of HELP) c.simple(l);
  } else if (sub === 'sleep' && argc === 3) {
    const secs = strtod(argv[2]);
    const ms = secs * 1000;
    sleepMs(Number.isFinite(ms) ? Math.min(ms, 2 ** 31 - 1) : 0);
    c.ok();
  } else if (sub === 'object' && argc === 3) {
    debugObject(c, argv[2]);
  } else if (sub === 'set-active-expire' && argc === 3) {
    server.activeExpireEnabled = atoi(argv[2]) !== 0;
    c.ok();
  } else if (sub === 'change-repl-id' && argc === 2) {
    server.logger.warning('Changing replication IDs after receiving DEBUG change-repl-id');
    changeReplId(server);
    c.ok();
  } else if (sub === 'error' && argc === 3) {
    // written as is: Redis does not count it in the error stats either
    c.raw('-' + argv[2].replace(/[\r\n]/g, ' ') + '\r\n');
  } else if (sub === 'log' && argc === 3) {
    server.logger.warning('DEBUG LOG: ' + argv[2]);
    c.ok();
  } else if (sub === 'protocol' && argc === 3) {
    debugProtocol(c, argv[2]);
  } else if (sub === 'populate' && argc >= 3 && argc <= 5) {
    debugPopulate(c, argv);
  } else if (sub === 'jmap' && argc === 2) {
    jmap(c);
  } else if (sub === 'quicklist-packed-threshold' && argc === 3) {
    debugPackedThreshold(c, argv);
  } else if (sub === 'listpack' && argc === 3) {
    debugListpack(c, argv);
  } else if (sub === 'quicklist' && (argc === 3 || argc === 4)) {
    debugQuicklist(c, argv);
  } else if (sub === 'stringmatch-test' && argc === 2) {
    stringmatchFuzz();
    c.simple('Apparently Redis did not crash: test passed');
  } else if (sub === 'config-rewrite-force-all' && argc === 2) {
    configRewriteForceAll(c);
  } else if (sub === 'pause-cron' && argc === 3) {
    server.cronPaused = atoi(argv[2]) !== 0;
    c.ok();
  } else if (sub === 'replybuffer' && argc === 4) {
    replyBuffer(c, argv);
  } else if (extraSubcommands(server).has(sub)) {
    extraSubcommands(server).get(sub)!(c, argv);
  } else if (sub === 'reload') {
    c.error('ERR DEBUG RELOAD is not available in this server');
  } else {
    syntaxError(c, argv);
  }
}

export function install(server: Server): void {
  let debugCmd: Command | undefined;
  server.hooks.precheck.push((c, cmd) => {
    if (debugCmd === undefined) debugCmd = server.commands.lookupFull('debug');
    if (cmd !== debugCmd || debugAllowed(c)) return null;
    return DEBUG_REFUSED;
  });
}

export const commands: Family = {
  debug,
};
