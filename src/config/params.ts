// Every configuration parameter Redoubt knows, with Redis 7.0's defaults
// except where we are safer by design (bind, protected configs, DEBUG, MODULE).

import type { ParamDef } from './registry.js';
import { parseNotifyParam, formatNotifyParam } from '../server/notify.js';

const b = (name: string, def: 'yes' | 'no', extra: Partial<ParamDef> = {}): ParamDef => ({ name, type: 'bool', default: def, ...extra });
const i = (name: string, def: number, min: number, max: number, extra: Partial<ParamDef> = {}): ParamDef => ({ name, type: 'int', default: String(def), min, max, ...extra });
const m = (name: string, def: number, min: number, max: number, extra: Partial<ParamDef> = {}): ParamDef => ({ name, type: 'memory', default: String(def), min, max, ...extra });
const e = (name: string, def: string, values: string[], extra: Partial<ParamDef> = {}): ParamDef => ({ name, type: 'enum', default: def, values, ...extra });
const s = (name: string, def: string, extra: Partial<ParamDef> = {}): ParamDef => ({ name, type: 'string', default: def, ...extra });

const INT_MAX = 2147483647;
const LLONG_MAX = Number.MAX_SAFE_INTEGER;

export const PARAMS: ParamDef[] = [
  // networking
  s('bind', '127.0.0.1 -::1', { repeatable: false }),
  i('port', 6379, 0, 65535),
  b('protected-mode', 'yes'),
  i('tcp-backlog', 511, 0, INT_MAX, { immutable: true }),
  s('unixsocket', '', { immutable: true }),
  s('unixsocketperm', '0', { immutable: true }),
  i('timeout', 0, 0, INT_MAX),
  i('tcp-keepalive', 300, 0, INT_MAX),
  i('maxclients', 10000, 1, INT_MAX),
  // general
  b('daemonize', 'no', { immutable: true }),
  s('pidfile', '', { immutable: true }),
  e('loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning', 'nothing']),
  s('logfile', '', { immutable: true }),
  i('databases', 16, 1, INT_MAX, { immutable: true }),
  i('hz', 10, 0, INT_MAX),
  // security
  s('requirepass', '', { sensitive: true }),
  e('enable-protected-configs', 'no', ['no', 'yes', 'local'], { immutable: true }),
  e('enable-debug-command', 'no', ['no', 'yes', 'local'], { immutable: true }),
  e('enable-module-command', 'no', ['no', 'yes', 'local'], { immutable: true }),
  // limits
  m('proto-max-bulk-len', 512 * 1024 * 1024, 1024 * 1024, LLONG_MAX),
  m('client-query-buffer-limit', 1024 * 1024 * 1024, 1024 * 1024, LLONG_MAX),
  // persistence (the persistence issue gives these effect)
  s('dir', process.cwd(), { protected: true }),
  s('dbfilename', 'dump.rdb', { protected: true }),
  s('save', '', {}),
  b('appendonly', 'no'),
  s('appendfilename', 'appendonly.aof', { immutable: true }),
  // memory
  m('maxmemory', 0, 0, LLONG_MAX),
  e('maxmemory-policy', 'noeviction', ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction']),
  // data model thresholds
  i('hash-max-listpack-entries', 128, 0, LLONG_MAX, { aliases: ['hash-max-ziplist-entries'] }),
  i('hash-max-listpack-value', 64, 0, LLONG_MAX, { aliases: ['hash-max-ziplist-value'] }),
  i('list-max-listpack-size', -2, -5, INT_MAX, { aliases: ['list-max-ziplist-size'] }),
  i('list-compress-depth', 0, 0, INT_MAX),
  i('set-max-intset-entries', 512, 0, LLONG_MAX),
  i('zset-max-listpack-entries', 128, 0, LLONG_MAX, { aliases: ['zset-max-ziplist-entries'] }),
  i('zset-max-listpack-value', 64, 0, LLONG_MAX, { aliases: ['zset-max-ziplist-value'] }),
  m('hll-sparse-max-bytes', 3000, 0, LLONG_MAX),
  s('notify-keyspace-events', '', { parse: (raw) => parseNotifyParam(raw), format: (v) => formatNotifyParam(v) }),
  b('lazyfree-lazy-user-flush', 'no'),
  b('lazyfree-lazy-user-del', 'no'),
];
