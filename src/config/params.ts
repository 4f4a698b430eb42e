// Every configuration parameter of Redis 7.0, with Redis's type, bounds,
// defaults and flags, except where Redoubt is safer by design: bind
// (loopback only), protected-mode, enable-protected-configs,
// enable-debug-command and enable-module-command.
//
// Parameters marked `stored: true` belong to features Redoubt does not have
// (cluster, io-threads, jemalloc, syslog, process titles, active defrag...):
// they are accepted, validated and stored so that a redis.conf loads
// unchanged and CONFIG GET/SET/REWRITE behave like Redis, but have no effect.
// Others are read by the module that owns the feature (persistence,
// replication, TLS, slowlog, eviction...) through server.config.

import { accessSync, statSync, constants as fsc } from 'node:fs';
import { quoteArg } from '../util/splitargs.js';
import { memtoull, type Config, type ParamDef, type RewriteWriter } from './registry.js';
import { parseNotifyFlags, parseNotifyParam, formatNotifyParam } from '../server/notify.js';

const INT_MIN = -2147483648n;
const INT_MAX = 2147483647n;
const UINT_MAX = 4294967295n;
const LONG_MAX = 9223372036854775807n;
const LLONG_MAX = LONG_MAX;
const SSIZE_MAX = LONG_MAX;
const ULLONG_MAX = 18446744073709551615n;

type X = Partial<ParamDef>;
const b = (name: string, def: 'yes' | 'no', x: X = {}): ParamDef => ({ name, type: 'bool', default: def, ...x });
/** int-like numeric; `u` = unsigned C storage (unsigned int, size_t, unsigned long long) */
const i = (name: string, def: bigint | number, min: bigint, max: bigint, x: X = {}): ParamDef => ({
  name,
  type: 'int',
  default: String(def),
  min,
  max,
  ...x,
});
/** memory value (1k, 1kb, 1gb...); CONFIG GET prints bytes */
const m = (name: string, def: bigint | number, min: bigint, max: bigint, x: X = {}): ParamDef => ({
  name,
  type: 'memory',
  default: String(def),
  min,
  max,
  ...x,
});
const e = (name: string, def: string, values: string[], x: X = {}): ParamDef => ({ name, type: 'enum', default: def, values, ...x });
const s = (name: string, def: string, x: X = {}): ParamDef => ({ name, type: 'string', default: def, ...x });
/** string where "" means unset (Redis's EMPTY_STRING_IS_NULL, default NULL) */
const sn = (name: string, x: X = {}): ParamDef => s(name, '', { emptyIsNull: true, ...x });
const U = { unsigned: true } as const;
const IMM = { immutable: true } as const;
const STORED = { stored: true } as const;

/** Redoubt's default bind: loopback only (Redis: "* -::*"). */
export const DEFAULT_BIND = '127.0.0.1 -::1';
export const DEFAULT_SAVE = '3600 1 300 100 60 10000';
export const DEFAULT_COBL = 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60';
export const DEFAULT_OOM_VALUES = '0 200 800';

// ---------------------------------------------------------------------------
// helpers shared by the special parameters

/** C strtoll(s, &end, 10) where the whole string must be consumed; '' is 0. Saturates like C. */
function strtollWhole(v: string): bigint | null {
  if (v === '') return 0n;
  const mm = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(v);
  if (!mm) return null;
  let n = BigInt(mm[1]);
  if (n > LLONG_MAX) n = LLONG_MAX;
  if (n < -LLONG_MAX - 1n) n = -LLONG_MAX - 1n;
  return n;
}

/** strerror() text for a Node fs error. */
export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  const known: Record<string, string> = {
    ENOENT: 'No such file or directory',
    ENOTDIR: 'Not a directory',
    EACCES: 'Permission denied',
    EPERM: 'Operation not permitted',
    ENAMETOOLONG: 'File name too long',
    ELOOP: 'Too many levels of symbolic links',
    EISDIR: 'Is a directory',
    EROFS: 'Read-only file system',
    ENOSPC: 'No space left on device',
    EEXIST: 'File exists',
    EBUSY: 'Device or resource busy',
    EMFILE: 'Too many open files',
    EIO: 'Input/output error',
  };
  if (known[code]) return known[code];
  const msg = (e as Error)?.message ?? String(e);
  return msg;
}

// ---------------------------------------------------------------------------
// save

/** "3600 1 300 100" -> [[3600, 1], [300, 100]] */
export function saveParams(v: string): [number, number][] {
  const p = v.split(' ').filter(Boolean).map(Number);
  const out: [number, number][] = [];
  for (let k = 0; k + 1 < p.length; k += 2) out.push([p[k], p[k + 1]]);
  return out;
}

function parseSave(raw: string[], cfg: Config, mode: 'load' | 'set'): string | { error: string } {
  // save "" always clears (also in a file, after earlier save lines)
  if (raw.length === 1 && raw[0] === '') {
    if (mode === 'load') cfg.saveLoaded = true;
    return '';
  }
  const args = raw;
  if (args.length & 1) return { error: 'Invalid save parameters' };
  const vals: bigint[] = [];
  for (let k = 0; k < args.length; k++) {
    const n = strtollWhole(args[k]);
    if (n === null || ((k & 1) === 0 && n < 1n) || ((k & 1) === 1 && n < 0n)) return { error: 'Invalid save parameters' };
    vals.push((k & 1) === 0 ? n : BigInt.asIntN(32, n));
  }
  const mine = vals.map(String).join(' ');
  if (mode === 'load') {
    // the first save directive of the file replaces the defaults, later ones append
    if (!cfg.saveLoaded) {
      cfg.saveLoaded = true;
      return mine;
    }
    const prev = cfg.str('save');
    return prev && mine ? prev + ' ' + mine : prev || mine;
  }
  return mine;
}

function rewriteSave(cfg: Config, w: RewriteWriter): void {
  const p = saveParams(cfg.str('save'));
  if (p.length === 0) w.line('save', 'save ""', true);
  for (const [sec, ch] of p) w.line('save', `save ${sec} ${ch}`, true);
  w.processed('save');
}

// ---------------------------------------------------------------------------
// bind

function parseBind(raw: string[]): string | { error: string } {
  if (raw.length > 16) return { error: 'Too many bind addresses specified.' };
  if (raw.length === 1 && raw[0] === '') return '';
  return raw.join(' ');
}

/**
 * Redis drops the bind line when the value is its default; ours is loopback, so a line the
 * file already has is kept (rewritten in place) even at our default: the file stays safe if
 * it is ever given to a redis-server, whose default would listen on every interface.
 */
function rewriteBind(cfg: Config, w: RewriteWriter): void {
  const v = cfg.str('bind');
  w.line('bind', v === '' ? 'bind ""' : `bind ${v}`, v !== DEFAULT_BIND);
}

// ---------------------------------------------------------------------------
// client-output-buffer-limit

export interface BufferLimit {
  hard: bigint;
  soft: bigint;
  seconds: number;
}
const COBL_CLASSES = ['normal', 'slave', 'pubsub'] as const;
export type BufferClass = (typeof COBL_CLASSES)[number];

/** Parses the canonical CONFIG GET form into the three classes. */
export function bufferLimits(v: string): Record<BufferClass, BufferLimit> {
  const p = v.split(' ');
  const out = {} as Record<BufferClass, BufferLimit>;
  for (let k = 0; k + 3 < p.length; k += 4) {
    out[p[k] as BufferClass] = { hard: BigInt(p[k + 1]), soft: BigInt(p[k + 2]), seconds: Number(p[k + 3]) };
  }
  return out;
}
function formatLimits(l: Record<BufferClass, BufferLimit>): string {
  return COBL_CLASSES.map((c) => `${c} ${l[c].hard} ${l[c].soft} ${l[c].seconds}`).join(' ');
}

function parseCobl(raw: string[], cfg: Config): string | { error: string } {
  if (raw.length % 4) return { error: 'Wrong number of arguments in buffer limit configuration.' };
  const cur = bufferLimits(cfg.str('client-output-buffer-limit'));
  const upd: Partial<Record<BufferClass, BufferLimit>> = {};
  for (let k = 0; k < raw.length; k += 4) {
    const name = raw[k].toLowerCase();
    const cls: BufferClass | null = name === 'normal' ? 'normal' : name === 'slave' || name === 'replica' ? 'slave' : name === 'pubsub' ? 'pubsub' : null;
    if (cls === null) return { error: 'Invalid client class specified in buffer limit configuration.' };
    const hard = memtoull(raw[k + 1]);
    const soft = memtoull(raw[k + 2]);
    const sec = strtollWhole(raw[k + 3]);
    const secInt = sec === null ? -1n : BigInt.asIntN(32, sec);
    if (hard === null || soft === null || sec === null || secInt < 0n) {
      return { error: 'Error in hard, soft or soft_seconds setting in buffer limit configuration.' };
    }
    upd[cls] = { hard, soft, seconds: Number(secInt) };
  }
  return formatLimits({ ...cur, ...upd });
}

/** redis.conf memory notation used by CONFIG REWRITE: 1gb / 1mb / 1kb when exact. */
export function formatMemory(n: bigint): string {
  const gb = 1024n * 1024n * 1024n;
  const mb = 1024n * 1024n;
  if (n !== 0n && n % gb === 0n) return `${n / gb}gb`;
  if (n !== 0n && n % mb === 0n) return `${n / mb}mb`;
  if (n !== 0n && n % 1024n === 0n) return `${n / 1024n}kb`;
  return String(n);
}

function rewriteCobl(cfg: Config, w: RewriteWriter): void {
  const cur = bufferLimits(cfg.str('client-output-buffer-limit'));
  const def = bufferLimits(DEFAULT_COBL);
  for (const c of COBL_CLASSES) {
    const l = cur[c];
    const d = def[c];
    const force = l.hard !== d.hard || l.soft !== d.soft || l.seconds !== d.seconds;
    const name = c === 'slave' ? 'replica' : c;
    w.line('client-output-buffer-limit', `client-output-buffer-limit ${name} ${formatMemory(l.hard)} ${formatMemory(l.soft)} ${l.seconds}`, force);
  }
}

// ---------------------------------------------------------------------------
// notify-keyspace-events: parsed and printed by server/notify.ts (Redis notify.c);
// stored losslessly ('n' kept with 'A'), CONFIG GET shows Redis's form.

/** Keyspace-notification flag bits (store/types.ts NOTIFY) of a stored value; -1 when invalid. */
export const keyspaceEventsFlags = parseNotifyFlags;

// ---------------------------------------------------------------------------
// oom-score-adj-values, replicaof, latency-tracking-info-percentiles

function parseOomValues(raw: string[]): string | { error: string } {
  if (raw.length !== 3) return { error: 'wrong number of arguments' };
  const out: bigint[] = [];
  for (const a of raw) {
    const n = strtollWhole(a);
    if (n === null || n < -2000n || n > 2000n) return { error: 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.' };
    out.push(n);
  }
  return out.join(' ');
}

function parseReplicaof(raw: string[]): string | { error: string } {
  if (raw.length !== 2) return { error: 'wrong number of arguments' };
  if (raw[0].toLowerCase() === 'no' && raw[1].toLowerCase() === 'one') return '';
  const port = strtollWhole(raw[1]);
  if (port === null || raw[1] === '' || port < 0n || port > 65535n) return { error: 'Invalid master port' };
  return `${raw[0]} ${port}`;
}

/** Redis string2d: strtod over the whole string, no leading space, no NaN. */
function string2d(v: string): number | null {
  if (v === '' || /^[ \t\n\v\f\r]/.test(v)) return null;
  let x: number;
  if (/^[+-]?(inf|infinity)$/i.test(v)) x = v.startsWith('-') ? -Infinity : Infinity;
  else if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) {
    x = Number(v);
    // strtod's ERANGE: overflow to infinity, or underflow of a non-zero literal to zero
    if (!Number.isFinite(x) || (x === 0 && /[1-9]/.test(v.split(/[eE]/)[0]))) return null;
  } else return null;
  if (Number.isNaN(x)) return null;
  return x;
}

/** printf("%f") then Redis trimDoubleString */
function fmtPercentile(x: number): string {
  let t = x.toFixed(6);
  if (Object.is(x, -0) || (x < 0 && !t.startsWith('-'))) t = '-' + t;
  if (t.includes('.')) t = t.replace(/0+$/, '').replace(/\.$/, '');
  return t;
}

function parsePercentiles(raw: string[]): string | { error: string } {
  if (raw.length === 1 && raw[0] === '') return '';
  const out: string[] = [];
  for (const a of raw) {
    const x = string2d(a);
    if (x === null) return { error: 'Invalid latency-tracking-info-percentiles parameters' };
    if (x > 100 || x < 0) return { error: 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]' };
    out.push(fmtPercentile(x));
  }
  return out.join(' ');
}

// ---------------------------------------------------------------------------
// string validators

const baseName = (v: string) => !v.includes('/') && !v.includes('\\');

function checkProcTitle(v: string, cfg: Config): string | null {
  const vars: Record<string, string> = {
    title: '',
    'listen-addr': `${cfg.str('bind').split(' ')[0] || '*'}:${cfg.str('port')}`,
    'server-mode': '',
    port: cfg.str('port'),
    'tls-port': cfg.str('tls-port'),
    unixsocket: cfg.str('unixsocket'),
    'config-file': cfg.file ?? '',
  };
  let out = '';
  let p = 0;
  const bad = 'template format is invalid or contains unknown variables';
  while (p < v.length) {
    const sv = v.indexOf('{', p);
    if (sv === -1) {
      out += v.slice(p);
      break;
    }
    out += v.slice(p, sv);
    if (sv + 1 >= v.length) return bad;
    if (v[sv + 1] === '{') {
      out += '{';
      p = sv + 2;
      continue;
    }
    const ev = v.indexOf('}', sv + 1);
    if (ev === -1) return bad;
    const name = v.slice(sv + 1, ev);
    if (!Object.prototype.hasOwnProperty.call(vars, name)) return bad;
    out += vars[name];
    p = ev + 1;
  }
  return out.replace(/^ +| +$/g, '') === '' ? bad : null;
}

function checkHostname(v: string): string | null {
  if (v.length >= 256) return 'Hostnames must be less than 256 characters';
  if (!/^[A-Za-z0-9.-]*$/.test(v)) return 'Hostnames may only contain alphanumeric characters, hyphens or dots';
  return null;
}

// ---------------------------------------------------------------------------
// dir

function checkDir(v: string): string | null {
  try {
    if (!statSync(v).isDirectory()) return 'Not a directory';
    accessSync(v, fsc.X_OK);
  } catch (err) {
    return strerror(err);
  }
  return null;
}

function applyDir(v: string): string | null {
  try {
    if (v !== '' && v !== process.cwd()) process.chdir(v);
  } catch (err) {
    return strerror(err);
  }
  return null;
}

// ---------------------------------------------------------------------------
// the table

const SHUTDOWN_ON_SIG: X = {
  values: ['default', 'save', 'nosave', 'now', 'force'],
  enumValues: [0, 1, 2, 4, 8],
  bitflags: true,
  multi: true,
  check: (v) => (v.split(' ').includes('save') && v.split(' ').includes('nosave') ? "shutdown options SAVE and NOSAVE can't be used simultaneously" : null),
};

const TLS: X = {}; // TLS parameters: read by the TLS module

export const PARAMS: ParamDef[] = [
  // --- networking
  { name: 'bind', type: 'special', default: DEFAULT_BIND, multi: true, parse: parseBind, rewrite: rewriteBind },
  i('port', 6379, 0n, 65535n),
  b('protected-mode', 'yes'),
  i('tcp-backlog', 511, 0n, INT_MAX, IMM),
  sn('unixsocket', IMM),
  i('unixsocketperm', 0, 0n, 0o777n, { ...IMM, ...U, octal: true }),
  i('timeout', 0, 0n, INT_MAX),
  i('tcp-keepalive', 300, 0n, INT_MAX),
  i('maxclients', 10000, 1n, UINT_MAX, U),
  sn('bind-source-addr', STORED),
  i('socket-mark-id', 0, 0n, UINT_MAX, { ...IMM, ...U, ...STORED }),

  // --- general
  b('daemonize', 'no', { ...IMM, ...STORED }), // Redoubt never forks; use a supervisor
  e('supervised', 'no', ['upstart', 'systemd', 'auto', 'no'], { ...IMM, ...STORED }),
  sn('pidfile', IMM),
  e('loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning']),
  s('logfile', '', IMM),
  b('syslog-enabled', 'no', { ...IMM, ...STORED }),
  s('syslog-ident', 'redis', { ...IMM, ...STORED }),
  e('syslog-facility', 'local0', ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], { ...IMM, ...STORED }),
  b('crash-log-enabled', 'yes', STORED),
  b('crash-memcheck-enabled', 'yes', STORED),
  i('databases', 16, 1n, INT_MAX, IMM),
  b('always-show-logo', 'no', { ...IMM, ...STORED }),
  b('set-proc-title', 'yes', { ...IMM, ...STORED }),
  s('proc-title-template', '{title} {listen-addr} {server-mode}', { check: checkProcTitle, ...STORED }),
  s('ignore-warnings', '', STORED),
  i('hz', 10, 0n, INT_MAX, { normalize: (v) => String(Math.min(500, Math.max(1, Number(v)))) }),
  b('dynamic-hz', 'yes', STORED),
  i('active-expire-effort', 1, 1n, 10n),
  b('activerehashing', 'yes'),
  e('shutdown-on-sigint', 'default', [], SHUTDOWN_ON_SIG),
  e('shutdown-on-sigterm', 'default', [], SHUTDOWN_ON_SIG),
  i('shutdown-timeout', 10, 0n, INT_MAX),
  e('oom-score-adj', 'no', ['no', 'yes', 'relative', 'absolute'], { enumValues: [0, 1, 1, 2], ...STORED }),
  {
    name: 'oom-score-adj-values',
    type: 'special',
    default: DEFAULT_OOM_VALUES,
    multi: true,
    parse: parseOomValues,
    stored: true,
    rewrite: (cfg, w) => {
      const v = cfg.str('oom-score-adj-values');
      w.line('oom-score-adj-values', `oom-score-adj-values ${v}`, v !== DEFAULT_OOM_VALUES);
    },
  },
  b('disable-thp', 'yes', { ...IMM, ...STORED }),
  b('jemalloc-bg-thread', 'yes', STORED),
  i('io-threads', 1, 1n, 128n, { ...IMM, ...STORED }),
  b('io-threads-do-reads', 'no', { ...IMM, ...STORED }),
  sn('server_cpulist', { ...IMM, ...STORED }),
  sn('bio_cpulist', { ...IMM, ...STORED }),
  sn('aof_rewrite_cpulist', { ...IMM, ...STORED }),
  sn('bgsave_cpulist', { ...IMM, ...STORED }),

  // --- security
  { ...sn('requirepass'), sensitive: true, binary: true },
  { ...sn('masterauth'), sensitive: true, binary: true },
  { ...sn('masteruser'), sensitive: true },
  s('aclfile', '', IMM),
  // Redoubt only (server/privileges.ts): drop root after listening; refuse insecure files
  // hidden: CONFIG GET * lists exactly Redis 7.0's parameters
  s('run-as-user', '', { ...IMM, hidden: true }),
  s('run-as-group', '', { ...IMM, hidden: true }),
  b('allow-insecure-files', 'no', { ...IMM, hidden: true }),
  i('acllog-max-len', 128, 0n, LONG_MAX),
  e('acl-pubsub-default', 'resetchannels', ['allchannels', 'resetchannels']),
  e('enable-protected-configs', 'no', ['no', 'yes', 'local'], IMM),
  // Redoubt: brute-force throttling of AUTH/HELLO per source address (0 failures = off).
  // Redoubt-only parameters are hidden from CONFIG GET * (which lists Redis's), not from their names.
  i('auth-max-failures', 10, 0n, INT_MAX, { hidden: true }),
  i('auth-failure-window', 60, 1n, INT_MAX, { hidden: true }),
  i('auth-lockout-time', 60, 1n, INT_MAX, { hidden: true }),
  b('auth-throttle-loopback', 'no', { hidden: true }),
  // Redoubt: security events as JSON lines (0600), reopened on SIGHUP and CONFIG SET
  s('security-log-file', '', { hidden: true }),
  e('enable-debug-command', 'no', ['no', 'yes', 'local'], IMM),
  e('enable-module-command', 'no', ['no', 'yes', 'local'], IMM),
  e('sanitize-dump-payload', 'no', ['no', 'yes', 'clients']),

  // --- limits
  m('proto-max-bulk-len', 512n * 1024n * 1024n, 1024n * 1024n, LONG_MAX),
  m('client-query-buffer-limit', 1024n * 1024n * 1024n, 1024n * 1024n, LONG_MAX, U),
  {
    name: 'client-output-buffer-limit',
    type: 'special',
    default: DEFAULT_COBL,
    multi: true,
    parse: (raw, cfg) => parseCobl(raw, cfg),
    rewrite: rewriteCobl,
  },
  m('maxmemory-clients', 0, -100n, SSIZE_MAX, { percent: true }),
  i('busy-reply-threshold', 5000, 0n, LONG_MAX, { aliases: ['lua-time-limit'] }),

  // --- persistence: RDB
  {
    name: 'save',
    type: 'special',
    default: DEFAULT_SAVE,
    multi: true,
    parse: parseSave,
    rewrite: rewriteSave,
  },
  b('stop-writes-on-bgsave-error', 'yes'),
  b('rdbcompression', 'yes'),
  b('rdbchecksum', 'yes', IMM),
  s('dbfilename', 'dump.rdb', { protected: true, check: (v) => (baseName(v) ? null : "dbfilename can't be a path, just a filename") }),
  b('rdb-del-sync-files', 'no'),
  b('rdb-save-incremental-fsync', 'yes'),
  {
    name: 'dir',
    type: 'special',
    default: '',
    protected: true,
    denyLoading: true,
    parse: (raw) => {
      if (raw.length !== 1) return { error: 'wrong number of arguments' };
      const err = checkDir(raw[0]);
      return err === null ? raw[0] : { error: err };
    },
    apply: (v) => applyDir(v),
    get: () => process.cwd(),
    rewrite: (cfg, w) => w.line('dir', `dir ${quoteArg(process.cwd())}`, true),
  },
  i('rdb-key-save-delay', 0, INT_MIN, INT_MAX, { hidden: true, ...STORED }),
  i('key-load-delay', 0, INT_MIN, INT_MAX, { hidden: true, ...STORED }),
  i('loading-process-events-interval-bytes', 2 * 1024 * 1024, 1024n, INT_MAX, { hidden: true, ...STORED }),

  // --- persistence: AOF
  b('appendonly', 'no', { denyLoading: true }),
  s('appendfilename', 'appendonly.aof', {
    ...IMM,
    check: (v) => (v === '' ? "appendfilename can't be empty" : baseName(v) ? null : "appendfilename can't be a path, just a filename"),
  }),
  s('appenddirname', 'appendonlydir', {
    ...IMM,
    check: (v) => (v === '' ? "appenddirname can't be empty" : baseName(v) ? null : "appenddirname can't be a path, just a dirname"),
  }),
  e('appendfsync', 'everysec', ['everysec', 'always', 'no']),
  b('no-appendfsync-on-rewrite', 'no'),
  i('auto-aof-rewrite-percentage', 100, 0n, INT_MAX),
  m('auto-aof-rewrite-min-size', 64n * 1024n * 1024n, 0n, LLONG_MAX),
  b('aof-load-truncated', 'yes'),
  b('aof-use-rdb-preamble', 'yes'),
  b('aof-timestamp-enabled', 'no'),
  b('aof-rewrite-incremental-fsync', 'yes'),
  b('aof-disable-auto-gc', 'no'),

  // --- replication
  {
    name: 'replicaof',
    aliases: ['slaveof'],
    type: 'special',
    default: '',
    immutable: true,
    multi: true,
    parse: parseReplicaof,
    rewrite: (cfg, w) => {
      const v = cfg.str('replicaof');
      if (v === '') w.processed('replicaof');
      else w.line('replicaof', `replicaof ${v}`, true);
    },
  },
  b('replica-serve-stale-data', 'yes', { aliases: ['slave-serve-stale-data'] }),
  b('replica-read-only', 'yes', { aliases: ['slave-read-only'] }),
  b('repl-diskless-sync', 'yes'),
  i('repl-diskless-sync-delay', 5, 0n, INT_MAX),
  i('repl-diskless-sync-max-replicas', 0, 0n, INT_MAX),
  e('repl-diskless-load', 'disabled', ['disabled', 'on-empty-db', 'swapdb'], { denyLoading: true }),
  i('repl-ping-replica-period', 10, 1n, INT_MAX, { aliases: ['repl-ping-slave-period'] }),
  i('repl-timeout', 60, 1n, INT_MAX),
  b('repl-disable-tcp-nodelay', 'no'),
  // CONFIG SET resizes the backlog, never below 16kb (CONFIG_REPL_BACKLOG_MIN_SIZE)
  m('repl-backlog-size', 1024n * 1024n, 1n, LLONG_MAX, { normalize: (v, mode) => (mode === 'set' && BigInt(v) < 16384n ? '16384' : v) }),
  i('repl-backlog-ttl', 3600, 0n, LONG_MAX),
  i('replica-priority', 100, 0n, INT_MAX, { aliases: ['slave-priority'] }),
  b('replica-announced', 'yes'),
  i('min-replicas-to-write', 0, 0n, INT_MAX, { aliases: ['min-slaves-to-write'] }),
  i('min-replicas-max-lag', 10, 0n, INT_MAX, { aliases: ['min-slaves-max-lag'] }),
  sn('replica-announce-ip', { aliases: ['slave-announce-ip'] }),
  i('replica-announce-port', 0, 0n, 65535n, { aliases: ['slave-announce-port'] }),
  b('replica-lazy-flush', 'no', { aliases: ['slave-lazy-flush'] }),
  b('replica-ignore-maxmemory', 'yes', { aliases: ['slave-ignore-maxmemory'] }),
  b('replica-ignore-disk-write-errors', 'no'),
  e('propagation-error-behavior', 'ignore', ['ignore', 'panic', 'panic-on-replicas']),

  // --- memory and eviction
  m('maxmemory', 0, 0n, ULLONG_MAX, U),
  e('maxmemory-policy', 'noeviction', ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction']),
  i('maxmemory-samples', 5, 1n, INT_MAX),
  i('maxmemory-eviction-tenacity', 10, 0n, 100n),
  i('lfu-log-factor', 10, 0n, INT_MAX),
  i('lfu-decay-time', 1, 0n, INT_MAX),
  b('lazyfree-lazy-eviction', 'no', STORED),
  b('lazyfree-lazy-expire', 'no', STORED),
  b('lazyfree-lazy-server-del', 'no', STORED),
  b('lazyfree-lazy-user-del', 'no', STORED),
  b('lazyfree-lazy-user-flush', 'no', STORED),
  b('activedefrag', 'no', {
    ...STORED,
    check: (v) =>
      v === 'yes'
        ? 'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution'
        : null,
  }),
  m('active-defrag-ignore-bytes', 100n << 20n, 1n, LLONG_MAX, { ...U, ...STORED }),
  i('active-defrag-threshold-lower', 10, 0n, 1000n, STORED),
  i('active-defrag-threshold-upper', 100, 0n, 1000n, STORED),
  i('active-defrag-cycle-min', 1, 1n, 99n, STORED),
  i('active-defrag-cycle-max', 25, 1n, 99n, STORED),
  i('active-defrag-max-scan-fields', 1000, 1n, LONG_MAX, STORED),

  // --- data structure encodings
  i('hash-max-listpack-entries', 512, 0n, LONG_MAX, { ...U, aliases: ['hash-max-ziplist-entries'] }),
  m('hash-max-listpack-value', 64, 0n, LONG_MAX, { ...U, aliases: ['hash-max-ziplist-value'] }),
  i('list-max-listpack-size', -2, INT_MIN, INT_MAX, { aliases: ['list-max-ziplist-size'] }),
  i('list-compress-depth', 0, 0n, INT_MAX, STORED),
  i('set-max-intset-entries', 512, 0n, LONG_MAX, U),
  i('zset-max-listpack-entries', 128, 0n, LONG_MAX, { ...U, aliases: ['zset-max-ziplist-entries'] }),
  m('zset-max-listpack-value', 64, 0n, LONG_MAX, { ...U, aliases: ['zset-max-ziplist-value'] }),
  m('hll-sparse-max-bytes', 3000, 0n, LONG_MAX, U),
  m('stream-node-max-bytes', 4096, 0n, LONG_MAX, U),
  i('stream-node-max-entries', 100, 0n, LLONG_MAX),

  // --- observability
  i('slowlog-log-slower-than', 10000, -1n, LLONG_MAX),
  i('slowlog-max-len', 128, 0n, LONG_MAX),
  i('latency-monitor-threshold', 0, 0n, LLONG_MAX),
  b('latency-tracking', 'yes'),
  {
    name: 'latency-tracking-info-percentiles',
    type: 'special',
    default: '50 99 99.9',
    multi: true,
    parse: parsePercentiles,
    rewrite: (cfg, w) => {
      const v = cfg.str('latency-tracking-info-percentiles');
      w.line('latency-tracking-info-percentiles', `latency-tracking-info-percentiles ${v === '' ? '""' : v}`, true);
    },
  },
  {
    name: 'notify-keyspace-events',
    type: 'special',
    default: '',
    parse: parseNotifyParam,
    format: formatNotifyParam,
    rewrite: (cfg, w) => {
      const v = cfg.display('notify-keyspace-events');
      w.line('notify-keyspace-events', `notify-keyspace-events ${quoteArg(v)}`, v !== '');
    },
  },
  i('tracking-table-max-keys', 1000000, 0n, LONG_MAX, U),

  // --- cluster (not implemented: stored for CONFIG GET/REWRITE and the audit; cluster-enabled yes refuses to start, config/bind.ts)
  b('cluster-enabled', 'no', { ...IMM, ...STORED }),
  s('cluster-config-file', 'nodes.conf', { ...IMM, ...STORED }),
  i('cluster-node-timeout', 15000, 0n, LLONG_MAX, STORED),
  i('cluster-port', 0, 0n, 65535n, { ...IMM, ...STORED }),
  sn('cluster-announce-ip', STORED),
  sn('cluster-announce-hostname', { check: checkHostname, ...STORED }),
  i('cluster-announce-port', 0, 0n, 65535n, STORED),
  i('cluster-announce-bus-port', 0, 0n, 65535n, STORED),
  i('cluster-announce-tls-port', 0, 0n, 65535n, STORED),
  i('cluster-replica-validity-factor', 10, 0n, INT_MAX, { aliases: ['cluster-slave-validity-factor'], ...STORED }),
  i('cluster-migration-barrier', 1, 0n, INT_MAX, STORED),
  b('cluster-allow-replica-migration', 'yes', STORED),
  b('cluster-require-full-coverage', 'yes', STORED),
  b('cluster-replica-no-failover', 'no', { aliases: ['cluster-slave-no-failover'], ...STORED }),
  b('cluster-allow-reads-when-down', 'no', STORED),
  b('cluster-allow-pubsubshard-when-down', 'yes', STORED),
  e('cluster-preferred-endpoint-type', 'ip', ['ip', 'hostname', 'unknown-endpoint'], STORED),
  m('cluster-link-sendbuf-limit', 0, 0n, ULLONG_MAX, { ...U, ...STORED }),

  // --- TLS (read by the TLS module)
  i('tls-port', 0, 0n, 65535n, TLS),
  sn('tls-cert-file', TLS),
  sn('tls-key-file', TLS),
  sn('tls-key-file-pass', { sensitive: true }),
  sn('tls-client-cert-file', TLS),
  sn('tls-client-key-file', TLS),
  sn('tls-client-key-file-pass', { sensitive: true }),
  sn('tls-dh-params-file', TLS),
  sn('tls-ca-cert-file', TLS),
  sn('tls-ca-cert-dir', TLS),
  e('tls-auth-clients', 'yes', ['no', 'yes', 'optional'], TLS),
  b('tls-replication', 'no', TLS),
  b('tls-cluster', 'no', TLS),
  sn('tls-protocols', TLS),
  sn('tls-ciphers', TLS),
  sn('tls-ciphersuites', TLS),
  b('tls-prefer-server-ciphers', 'no', TLS),
  b('tls-session-caching', 'yes', TLS),
  i('tls-session-cache-size', 20 * 1024, 0n, INT_MAX, TLS),
  i('tls-session-cache-timeout', 300, 0n, INT_MAX, TLS),
  // Redoubt's own TLS directives: hidden so that CONFIG GET * lists exactly Redis 7.0's parameters
  i('tls-reload-interval', 0, 0n, INT_MAX, { hidden: true }),
  // `uri` is Valkey's name for san-uri (same semantics), accepted so a valkey.conf line works
  e('tls-auth-clients-user', 'off', ['off', 'cn', 'san-uri', 'san-dns', 'uri'], { hidden: true, enumValues: [0, 1, 2, 3, 2] }),
  i('tls-handshake-timeout', 10000, 1n, INT_MAX, { hidden: true }),

  // --- hidden debugging knobs (exact-name CONFIG GET only)
  b('use-exit-on-panic', 'no', { hidden: true, ...STORED }),
  i('watchdog-period', 0, 0n, INT_MAX, { hidden: true, ...STORED }),
];
