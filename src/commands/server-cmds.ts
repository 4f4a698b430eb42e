// Server introspection and control: INFO, TIME, LASTSAVE, ROLE, SHUTDOWN,
// MONITOR, LATENCY (Redis 7.0 server.c genRedisInfoString, replication.c
// replicationFeedMonitors, latency.c). DBSIZE lives in keys.ts.
//
// INFO memory figures: the fields here come from V8 (used_memory_rss is the
// process RSS); used_memory and its breakdown are replaced by the memory
// accounting's estimate (commands/memory.ts, store/memory.ts).
//
// Other features add or override INFO fields with addInfoProvider(server,
// section, fn) (persistence, replication), and feed LATENCY with
// latencyAddSampleIfNeeded(server, event, ms).

import type { KeyTable } from '../store/keytable.js';
import { PARAMS } from '../config/params.js';
import os from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { CLIENT, type Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { VERSION, REDOUBT_VERSION } from '../server/server.js';
import { CMD, type Command, type Family } from './table.js';
import { ERR } from './errors.js';
import { lruClock } from '../store/db.js';
import { quoteArg } from '../util/splitargs.js';
import { replyHelp } from './command.js';
import { migrateCachedSockets } from './migrate.js';

// ---------------------------------------------------------------------------
// INFO

export type InfoFields = Record<string, string | number>;
export type InfoProvider = (server: Server) => InfoFields | string[];

/** Lets another feature add or replace fields of an INFO section. */
export function addInfoProvider(server: Server, section: string, fn: InfoProvider): void {
  let m = server.ext.infoProviders as Map<string, InfoProvider[]> | undefined;
  if (!m) server.ext.infoProviders = m = new Map();
  const list = m.get(section) ?? [];
  list.push(fn);
  m.set(section, list);
}

const SECTIONS = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'modules',
  'commandstats',
  'errorstats',
  'latencystats',
  'cluster',
  'keyspace',
] as const;
type Section = (typeof SECTIONS)[number];
const DEFAULT_SECTIONS = new Set<Section>(['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace']);
const TITLES: Record<Section, string> = {
  server: 'Server',
  clients: 'Clients',
  memory: 'Memory',
  persistence: 'Persistence',
  stats: 'Stats',
  replication: 'Replication',
  cpu: 'CPU',
  modules: 'Modules',
  commandstats: 'Commandstats',
  errorstats: 'Errorstats',
  latencystats: 'Latencystats',
  cluster: 'Cluster',
  keyspace: 'Keyspace',
};

/** bytesToHuman */
export function bytesToHuman(n: number): string {
  if (n < 1024) return n + 'B';
  const units = ['K', 'M', 'G', 'T', 'P'];
  let d = n / 1024;
  for (let i = 0; i < units.length; i++) {
    if (d < 1024 || i === units.length - 1) return d.toFixed(2) + units[i];
    d /= 1024;
  }
  return n + 'B';
}

function fixed2(d: number): string {
  return Number.isFinite(d) ? d.toFixed(2) : '0.00';
}

interface MemState {
  startup: number;
  peak: number;
}
function memState(server: Server): MemState {
  let m = server.ext.memState as MemState | undefined;
  if (!m) {
    const used = process.memoryUsage().heapUsed;
    server.ext.memState = m = { startup: used, peak: used };
  }
  return m;
}

/** Bytes of data in use, as INFO used_memory reports it. */
export function usedMemory(): number {
  return process.memoryUsage().heapUsed;
}

function replIds(server: Server): { id: string; id2: string } {
  let r = server.ext.replIds as { id: string; id2: string } | undefined;
  if (!r) server.ext.replIds = r = { id: randomHex40(), id2: '0'.repeat(40) };
  return r;
}
export function randomHex40(): string {
  return [...crypto.getRandomValues(new Uint8Array(20))].map((b) => b.toString(16).padStart(2, '0')).join('');
}
/** DEBUG CHANGE-REPL-ID: a new replication id, the old one forgotten. */
export function changeReplId(server: Server): void {
  const r = replIds(server);
  r.id = randomHex40();
  r.id2 = '0'.repeat(40);
}

function blockedCount(server: Server): number {
  const b = server.ext.blocking as { count: number } | undefined;
  return b ? b.count : 0;
}

function cpuTime(us: number): string {
  const sec = Math.floor(us / 1e6);
  return sec + '.' + String(Math.floor(us % 1e6)).padStart(6, '0');
}

function sectionFields(server: Server, s: Section): InfoFields | string[] {
  const cfg = server.config;
  const stats = server.stats;
  const ks = server.keyspace;
  const now = Date.now();
  switch (s) {
    case 'server': {
      const up = Math.floor((now - stats.startTime) / 1000);
      return {
        redis_version: VERSION,
        redis_git_sha1: '00000000',
        redis_git_dirty: 0,
        redis_build_id: '0',
        redis_mode: 'standalone',
        os: `${os.type()} ${os.release()} ${os.machine()}`,
        arch_bits: process.arch.includes('64') ? 64 : 32,
        monotonic_clock: 'POSIX clock_gettime',
        multiplexing_api: process.platform === 'linux' ? 'epoll' : process.platform === 'win32' ? 'iocp' : 'kqueue',
        atomicvar_api: 'c11-builtin',
        gcc_version: '0.0.0',
        process_id: process.pid,
        process_supervised: 'no',
        run_id: server.runId,
        tcp_port: server.port || cfg.num('port'),
        server_time_usec: Math.floor((performance.timeOrigin + performance.now()) * 1000),
        uptime_in_seconds: up,
        uptime_in_days: Math.floor(up / 86400),
        hz: cfg.num('hz'),
        configured_hz: cfg.num('hz'),
        lru_clock: lruClock(),
        executable: server.executable ? resolvePath(server.executable) : '',
        config_file: server.configFile ? resolvePath(server.configFile) : '',
        io_threads_active: 0,
        redoubt_version: REDOUBT_VERSION,
      };
    }
    case 'clients': {
      let connected = 0;
      let maxIn = 0;
      let maxOut = 0;
      for (const c of server.clients.values()) {
        if (!(c.flags & CLIENT.REPLICA) || c.flags & CLIENT.MONITOR) connected++;
        const qi = c.parser.pending();
        if (qi > maxIn) maxIn = qi;
        const qo = c.outputBytes();
        if (qo > maxOut) maxOut = qo;
      }
      return {
        connected_clients: connected,
        cluster_connections: 0,
        maxclients: cfg.num('maxclients'),
        client_recent_max_input_buffer: maxIn,
        client_recent_max_output_buffer: maxOut,
        blocked_clients: blockedCount(server),
        tracking_clients: 0,
        clients_in_timeout_table: blockedCount(server),
      };
    }
    case 'memory': {
      const mu = process.memoryUsage();
      const used = mu.heapUsed;
      const rss = mu.rss;
      const st = memState(server);
      if (used > st.peak) st.peak = used;
      let clientsMem = 0;
      for (const c of server.clients.values()) clientsMem += c.outputBytes() + c.parser.pending();
      const overhead = Math.min(used, st.startup + clientsMem);
      const dataset = used - overhead;
      const maxmemory = cfg.num('maxmemory');
      const sys = os.totalmem();
      return {
        used_memory: used,
        used_memory_human: bytesToHuman(used),
        used_memory_rss: rss,
        used_memory_rss_human: bytesToHuman(rss),
        used_memory_peak: st.peak,
        used_memory_peak_human: bytesToHuman(st.peak),
        used_memory_peak_perc: fixed2((used * 100) / st.peak) + '%',
        used_memory_overhead: overhead,
        used_memory_startup: st.startup,
        used_memory_dataset: dataset,
        used_memory_dataset_perc: fixed2(used > st.startup ? (dataset * 100) / (used - st.startup) : 0) + '%',
        allocator_allocated: used,
        allocator_active: mu.heapTotal,
        allocator_resident: rss,
        total_system_memory: sys,
        total_system_memory_human: bytesToHuman(sys),
        used_memory_lua: 0,
        used_memory_vm_eval: 0,
        used_memory_lua_human: '0B',
        used_memory_scripts_eval: 0,
        number_of_cached_scripts: 0,
        number_of_functions: 0,
        number_of_libraries: 0,
        used_memory_vm_functions: 0,
        used_memory_vm_total: 0,
        used_memory_vm_total_human: '0B',
        used_memory_functions: 0,
        used_memory_scripts: 0,
        used_memory_scripts_human: '0B',
        maxmemory,
        maxmemory_human: bytesToHuman(maxmemory),
        maxmemory_policy: cfg.str('maxmemory-policy'),
        allocator_frag_ratio: fixed2(mu.heapTotal / used),
        allocator_frag_bytes: mu.heapTotal - used,
        allocator_rss_ratio: fixed2(rss / mu.heapTotal),
        allocator_rss_bytes: rss - mu.heapTotal,
        rss_overhead_ratio: '1.00',
        rss_overhead_bytes: 0,
        mem_fragmentation_ratio: fixed2(rss / used),
        mem_fragmentation_bytes: rss - used,
        mem_not_counted_for_evict: 0,
        mem_replication_backlog: 0,
        mem_total_replication_buffers: 0,
        mem_clients_slaves: 0,
        mem_clients_normal: clientsMem,
        mem_cluster_links: 0,
        mem_aof_buffer: 0,
        mem_allocator: 'v8',
        active_defrag_running: 0,
        lazyfree_pending_objects: 0,
        lazyfreed_objects: 0,
      };
    }
    case 'persistence':
      return {
        loading: 0,
        async_loading: 0,
        current_cow_peak: 0,
        current_cow_size: 0,
        current_cow_size_age: 0,
        current_fork_perc: '0.00',
        current_save_keys_processed: 0,
        current_save_keys_total: 0,
        rdb_changes_since_last_save: ks.dirty,
        rdb_bgsave_in_progress: 0,
        rdb_last_save_time: server.lastSave,
        rdb_last_bgsave_status: 'ok',
        rdb_last_bgsave_time_sec: -1,
        rdb_current_bgsave_time_sec: -1,
        rdb_saves: 0,
        rdb_last_cow_size: 0,
        rdb_last_load_keys_expired: 0,
        rdb_last_load_keys_loaded: 0,
        aof_enabled: cfg.bool('appendonly') ? 1 : 0,
        aof_rewrite_in_progress: 0,
        aof_rewrite_scheduled: 0,
        aof_last_rewrite_time_sec: -1,
        aof_current_rewrite_time_sec: -1,
        aof_last_bgrewrite_status: 'ok',
        aof_rewrites: 0,
        aof_rewrites_consecutive_failures: 0,
        aof_last_write_status: 'ok',
        aof_last_cow_size: 0,
        module_fork_in_progress: 0,
        module_fork_last_cow_size: 0,
      };
    case 'stats': {
      const ps = server.ext.pubsub as { channels: Map<unknown, unknown>; patterns: Map<unknown, unknown>; shardChannels: Map<unknown, unknown> } | undefined;
      return {
        total_connections_received: stats.numConnections,
        total_commands_processed: stats.numCommands,
        instantaneous_ops_per_sec: stats.opsPerSec,
        total_net_input_bytes: stats.netInputBytes,
        total_net_output_bytes: stats.netOutputBytes,
        total_net_repl_input_bytes: 0,
        total_net_repl_output_bytes: 0,
        instantaneous_input_kbps: fixed2(stats.inputKbps),
        instantaneous_output_kbps: fixed2(stats.outputKbps),
        instantaneous_input_repl_kbps: '0.00',
        instantaneous_output_repl_kbps: '0.00',
        rejected_connections: stats.rejectedConnections,
        sync_full: 0,
        sync_partial_ok: 0,
        sync_partial_err: 0,
        expired_keys: ks.stats.expiredKeys,
        expired_stale_perc: fixed2(ks.stats.expiredStalePerc),
        expired_time_cap_reached_count: ks.stats.expiredTimeCapReached,
        expire_cycle_cpu_milliseconds: 0,
        evicted_keys: ks.stats.evictedKeys,
        evicted_clients: 0,
        total_eviction_exceeded_time: 0,
        current_eviction_exceeded_time: 0,
        keyspace_hits: ks.stats.hits,
        keyspace_misses: ks.stats.misses,
        pubsub_channels: ps ? ps.channels.size : 0,
        pubsub_patterns: ps ? ps.patterns.size : 0,
        pubsubshard_channels: ps ? ps.shardChannels.size : 0,
        latest_fork_usec: 0,
        total_forks: 0,
        migrate_cached_sockets: migrateCachedSockets(server),
        slave_expires_tracked_keys: 0,
        active_defrag_hits: 0,
        active_defrag_misses: 0,
        active_defrag_key_hits: 0,
        active_defrag_key_misses: 0,
        total_active_defrag_time: 0,
        current_active_defrag_time: 0,
        tracking_total_keys: 0,
        tracking_total_items: 0,
        tracking_total_prefixes: 0,
        unexpected_error_replies: stats.unexpectedErrorReplies,
        total_error_replies: stats.totalErrorReplies,
        dump_payload_sanitizations: 0,
        total_reads_processed: stats.numCommands,
        total_writes_processed: stats.numCommands,
        io_threaded_reads_processed: 0,
        io_threaded_writes_processed: 0,
        reply_buffer_shrinks: 0,
        reply_buffer_expands: 0,
      };
    }
    case 'replication': {
      // the replication module prints its fields in Redis's order (role-dependent)
      const custom = server.ext.replicationInfo as ((s: Server) => InfoFields) | undefined;
      if (custom) return custom(server);
      const r = replIds(server);
      return {
        role: 'master',
        connected_slaves: 0,
        master_failover_state: 'no-failover',
        master_replid: r.id,
        master_replid2: r.id2,
        master_repl_offset: 0,
        second_repl_offset: -1,
        repl_backlog_active: 0,
        repl_backlog_size: 1048576,
        repl_backlog_first_byte_offset: 0,
        repl_backlog_histlen: 0,
      };
    }
    case 'cpu': {
      const u = process.cpuUsage();
      return {
        used_cpu_sys: cpuTime(u.system),
        used_cpu_user: cpuTime(u.user),
        used_cpu_sys_children: '0.000000',
        used_cpu_user_children: '0.000000',
        used_cpu_sys_main_thread: cpuTime(u.system),
        used_cpu_user_main_thread: cpuTime(u.user),
      };
    }
    case 'modules':
    case 'latencystats':
      return [];
    case 'cluster':
      return { cluster_enabled: 0 };
    case 'commandstats': {
      const lines: string[] = [];
      const add = (cmd: Command) => {
        if (cmd.calls || cmd.failedCalls || cmd.rejectedCalls) {
          const per = cmd.calls ? cmd.usec / cmd.calls : 0;
          lines.push(
            `cmdstat_${cmd.fullName}:calls=${cmd.calls},usec=${cmd.usec},usec_per_call=${fixed2(per)},rejected_calls=${cmd.rejectedCalls},failed_calls=${cmd.failedCalls}`,
          );
        }
        if (cmd.sub) for (const sc of cmd.sub.values()) add(sc);
      };
      for (const cmd of server.commands.all.values()) add(cmd);
      return lines;
    }
    case 'errorstats': {
      const lines: string[] = [];
      for (const [code, n] of stats.errors) lines.push(`errorstat_${code}:count=${n}`);
      return lines;
    }
    case 'keyspace': {
      const lines: string[] = [];
      for (const db of ks.dbs) {
        const keys = db.dict.size;
        const expires = db.expires.size;
        if (keys === 0 && expires === 0) continue;
        lines.push(`db${db.id}:keys=${keys},expires=${expires},avg_ttl=${avgTtl(db.expires, db.avgTtl, now)}`);
      }
      return lines;
    }
  }
}

/** Redis keeps a running estimate from the expiry cycle; without one, sample a few TTLs. */
function avgTtl(expires: KeyTable<number>, kept: number, now: number): number {
  if (kept > 0) return Math.round(kept);
  if (expires.size === 0) return 0;
  let sum = 0;
  let n = 0;
  for (const when of expires.values()) {
    if (when > now) {
      sum += when - now;
      n++;
    }
    if (n >= 64) break;
  }
  return n ? Math.round(sum / n) : 0;
}

function renderSection(server: Server, s: Section): string {
  let body = sectionFields(server, s);
  const providers = (server.ext.infoProviders as Map<string, InfoProvider[]> | undefined)?.get(s);
  if (providers && !Array.isArray(body)) {
    body = { ...body };
    for (const p of providers) Object.assign(body, p(server));
  } else if (providers) {
    // line sections (latencystats...): providers return lines
    for (const p of providers) body = (body as string[]).concat(p(server) as string[]);
  }
  let out = '# ' + TITLES[s] + '\r\n';
  if (Array.isArray(body)) {
    for (const l of body) out += l + '\r\n';
  } else {
    for (const k of Object.keys(body)) out += k + ':' + body[k] + '\r\n';
  }
  return out;
}

/** The INFO text for the given arguments (no arguments: the default sections). */
export function genInfo(server: Server, args: string[]): string {
  const want = new Set<Section>();
  if (args.length === 0) for (const s of DEFAULT_SECTIONS) want.add(s);
  for (const a of args) {
    const n = a.toLowerCase();
    if (n === 'all' || n === 'everything') for (const s of SECTIONS) want.add(s);
    else if (n === 'default') for (const s of DEFAULT_SECTIONS) want.add(s);
    else if ((SECTIONS as readonly string[]).includes(n)) want.add(n as Section);
  }
  let out = '';
  let n = 0;
  for (const s of SECTIONS) {
    if (!want.has(s)) continue;
    if (n++) out += '\r\n';
    out += renderSection(server, s);
  }
  return out;
}

function info(c: Client, argv: string[]): void {
  c.verbatim(genInfo(c.server, argv.slice(1)));
}

// ---------------------------------------------------------------------------
// TIME, LASTSAVE, ROLE

function time(c: Client): void {
  const t = performance.timeOrigin + performance.now();
  const sec = Math.floor(t / 1000);
  const usec = Math.floor((t - sec * 1000) * 1000);
  c.array(2);
  c.bulk(String(sec));
  c.bulk(String(Math.min(999999, Math.max(0, usec))));
}

function role(c: Client): void {
  const custom = c.server.ext.roleReply as ((c: Client) => void) | undefined;
  if (custom) return custom(c);
  c.array(3);
  c.bulk('master');
  c.int(0);
  c.array(0);
}

// ---------------------------------------------------------------------------
// SHUTDOWN

function shutdown(c: Client, argv: string[]): void {
  let nosave = false;
  let save = false;
  let now = false;
  let force = false;
  let abort = false;
  for (let i = 1; i < argv.length; i++) {
    const o = argv[i].toLowerCase();
    if (o === 'nosave') nosave = true;
    else if (o === 'save') save = true;
    else if (o === 'now') now = true;
    else if (o === 'force') force = true;
    else if (o === 'abort') abort = true;
    else return c.error(ERR.syntax);
  }
  if ((abort && (nosave || save || now || force)) || (nosave && save)) return c.error(ERR.syntax);
  if (abort) return c.error('ERR No shutdown in progress.');
  if (!now && (c.flags & CLIENT.MULTI || c.ext.denyBlocking === true)) {
    return c.error("ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client");
  }
  const server = c.server;
  // stop reading this client's pipeline while the server goes down
  c.flags |= CLIENT.CLOSE_ASAP;
  server
    .shutdown({ nosave, save, force })
    .then((err) => {
      if (err === null || !server.clients.has(c.id)) return;
      server.logger.warning(`Errors trying to shut down the server: ${err}`);
      c.flags &= ~CLIENT.CLOSE_ASAP;
      c.error('ERR Errors trying to SHUTDOWN. Check logs.');
      c.flush();
    })
    .catch((e: unknown) => server.logger.warning(`SHUTDOWN failed: ${(e as Error).message}`));
}

// ---------------------------------------------------------------------------
// MONITOR

/**
 * The arguments as MONITOR and SLOWLOG may show them: passwords of AUTH,
 * HELLO ... AUTH, MIGRATE ... AUTH/AUTH2, ACL SETUSER rules and CONFIG SET of
 * sensitive parameters replaced by "(redacted)", as the
 * Redis 7.0 commands redact their own argv.
 */
/** Redis's SENSITIVE_CONFIG parameters (the registry marks them): CONFIG SET hides their values. */
const SENSITIVE_CONFIGS = new Set(PARAMS.filter((d) => d.sensitive).map((d) => d.name));

export function redactArgv(cmd: Command, argv: string[]): string[] {
  const name = cmd.fullName;
  if (name === 'auth') {
    const out = argv.slice();
    for (let i = 1; i < out.length; i++) out[i] = '(redacted)';
    return out;
  }
  if (name === 'hello') {
    let out: string[] | null = null;
    for (let j = 2; j < argv.length; j++) {
      const more = argv.length - 1 - j;
      const opt = argv[j].toLowerCase();
      if (opt === 'auth' && more >= 2) {
        out ??= argv.slice();
        out[j + 1] = '(redacted)';
        out[j + 2] = '(redacted)';
        j += 2;
      } else if (opt === 'setname' && more >= 1) {
        j++;
      } else break;
    }
    return out ?? argv;
  }
  if (name === 'acl|setuser') {
    // Redis 7.0 redacts the user name and every rule (a rule may hold a password)
    const out = argv.slice();
    for (let i = 2; i < out.length; i++) out[i] = '(redacted)';
    return out;
  }
  if (name === 'config|set') {
    let out: string[] | null = null;
    for (let j = 2; j + 1 < argv.length; j += 2) {
      if (SENSITIVE_CONFIGS.has(argv[j].toLowerCase())) {
        out ??= argv.slice();
        out[j + 1] = '(redacted)';
      }
    }
    return out ?? argv;
  }
  if (name === 'migrate') {
    let out: string[] | null = null;
    for (let j = 6; j < argv.length; j++) {
      const more = argv.length - 1 - j;
      const opt = argv[j].toLowerCase();
      if (opt === 'auth' && more >= 1) {
        out ??= argv.slice();
        out[j + 1] = '(redacted)';
        j++;
      } else if (opt === 'auth2' && more >= 2) {
        out ??= argv.slice();
        out[j + 1] = '(redacted)';
        out[j + 2] = '(redacted)';
        j += 2;
      } else if (opt === 'keys') break;
    }
    return out ?? argv;
  }
  return argv;
}

function monitor(c: Client): void {
  if (c.flags & CLIENT.MULTI || c.ext.denyBlocking === true) {
    return c.error("ERR MONITOR isn't allowed for DENY BLOCKING client");
  }
  // already a replica or a monitor: ignored, no reply
  if (c.flags & (CLIENT.MONITOR | CLIENT.REPLICA)) return;
  c.flags |= CLIENT.MONITOR;
  c.server.monitors.add(c);
  c.server.hooks.afterCall.setActive(c.server.ext.monitorFeed as MonitorFeed, true);
  c.ok();
}

type MonitorFeed = Server['hooks']['afterCall'][number];

function installMonitor(server: Server): void {
  const pending = new Set<Client>();
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    for (const m of pending) if (server.clients.has(m.id)) m.flush();
    pending.clear();
  };
  // off while nobody monitors (MONITOR turns it on)
  const feed: MonitorFeed = (c, cmd, argv) => {
    if (server.monitors.size === 0) {
      server.hooks.afterCall.setActive(feed, false);
      return;
    }
    if (cmd.flags & (CMD.SKIP_MONITOR | CMD.ADMIN)) return;
    const t = performance.timeOrigin + performance.now();
    const sec = Math.floor(t / 1000);
    const usec = Math.min(999999, Math.max(0, Math.floor((t - sec * 1000) * 1000)));
    let where: string;
    if (c.socket === null) where = 'lua';
    else if (c.flags & CLIENT.UNIX) where = 'unix:' + server.config.str('unixsocket');
    else where = c.raddr;
    let line = '+' + sec + '.' + String(usec).padStart(6, '0') + ' [' + c.db.id + ' ' + where + ']';
    const shown = redactArgv(cmd, argv);
    for (let i = 0; i < shown.length; i++) line += ' ' + quoteArg(shown[i]);
    line += '\r\n';
    for (const m of server.monitors) {
      m.out += line;
      if (m !== c) pending.add(m);
    }
    if (pending.size && !scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  server.ext.monitorFeed = feed;
  server.hooks.afterCall.push(feed);
  server.hooks.afterCall.setActive(feed, false);
}

// ---------------------------------------------------------------------------
// LATENCY

const LATENCY_TS_LEN = 160;
interface LatencySeries {
  time: Float64Array;
  latency: Float64Array;
  idx: number;
  max: number;
}
function latencyEvents(server: Server): Map<string, LatencySeries> {
  let m = server.ext.latencyEvents as Map<string, LatencySeries> | undefined;
  if (!m) server.ext.latencyEvents = m = new Map();
  return m;
}

/** latencyAddSample: one sample per second per event, keeping the worst. */
export function latencyAddSample(server: Server, event: string, ms: number): void {
  const m = latencyEvents(server);
  let ts = m.get(event);
  if (!ts) {
    ts = { time: new Float64Array(LATENCY_TS_LEN), latency: new Float64Array(LATENCY_TS_LEN), idx: 0, max: 0 };
    m.set(event, ts);
  }
  const now = Math.floor(Date.now() / 1000);
  if (ms > ts.max) ts.max = ms;
  const prev = (ts.idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
  if (ts.time[prev] === now) {
    if (ms > ts.latency[prev]) ts.latency[prev] = ms;
    return;
  }
  ts.time[ts.idx] = now;
  ts.latency[ts.idx] = ms;
  ts.idx = (ts.idx + 1) % LATENCY_TS_LEN;
}

function latencyThreshold(server: Server): number {
  return server.config.def('latency-monitor-threshold') ? server.config.num('latency-monitor-threshold') : 0;
}

/** latencyAddSampleIfNeeded: records when latency-monitor-threshold is set and reached. */
export function latencyAddSampleIfNeeded(server: Server, event: string, ms: number): void {
  const th = latencyThreshold(server);
  if (th > 0 && ms >= th) latencyAddSample(server, event, ms);
}

function installLatency(server: Server): void {
  let threshold = latencyThreshold(server);
  const sample: MonitorFeed = (c, cmd, _argv, usec) => {
    const ms = Math.floor(usec / 1000);
    if (ms >= threshold && !(c.flags & CLIENT.BLOCKED)) latencyAddSample(server, cmd.flags & CMD.FAST ? 'fast-command' : 'command', ms);
  };
  server.hooks.afterCall.push(sample);
  // not called at all while the threshold is 0 (off, the default)
  server.hooks.afterCall.setActive(sample, threshold !== 0);
  if (server.config.def('latency-monitor-threshold')) {
    server.config.onChange('latency-monitor-threshold', () => {
      threshold = latencyThreshold(server);
      server.hooks.afterCall.setActive(sample, threshold !== 0);
    });
  }
}

function samplesOf(ts: LatencySeries): { time: number; latency: number }[] {
  const out: { time: number; latency: number }[] = [];
  for (let j = 0; j < LATENCY_TS_LEN; j++) {
    const i = (ts.idx + j) % LATENCY_TS_LEN;
    if (ts.time[i] === 0) continue;
    out.push({ time: ts.time[i], latency: ts.latency[i] });
  }
  return out;
}

function latencyLatest(c: Client): void {
  const m = latencyEvents(c.server);
  c.array(m.size);
  for (const [event, ts] of m) {
    const last = (ts.idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
    c.array(4);
    c.bulk(event);
    c.int(ts.time[last]);
    c.int(ts.latency[last]);
    c.int(ts.max);
  }
}

function latencyHistory(c: Client, argv: string[]): void {
  const ts = latencyEvents(c.server).get(argv[2]);
  if (!ts) return c.array(0);
  const s = samplesOf(ts);
  c.array(s.length);
  for (const x of s) {
    c.array(2);
    c.int(x.time);
    c.int(x.latency);
  }
}

function latencyReset(c: Client, argv: string[]): void {
  const m = latencyEvents(c.server);
  if (argv.length === 2) {
    const n = m.size;
    m.clear();
    return c.int(n);
  }
  let n = 0;
  for (let i = 2; i < argv.length; i++) if (m.delete(argv[i])) n++;
  c.int(n);
}

// sparkline.c, as LATENCY GRAPH draws it
function sparkline(samples: { value: number; label: string }[], columns: number, rows: number): string {
  const charset = '_o#';
  const clen = 3;
  if (samples.length === 0) return '';
  let min = samples[0].value;
  let max = samples[0].value;
  for (const s of samples) {
    if (s.value < min) min = s.value;
    if (s.value > max) max = s.value;
  }
  let out = '';
  const labels = samples.some((s) => s.label !== '');
  for (let off = 0; off < samples.length; off += columns) {
    const len = Math.min(columns, samples.length - off);
    if (off !== 0) out += '\n';
    let relmax = max - min;
    if (relmax === 0) relmax = 1;
    const steps = clen * rows;
    let row = 0;
    for (let loop = true; loop; ) {
      loop = false;
      const chars: string[] = new Array(len).fill(' ');
      for (let j = 0; j < len; j++) {
        const s = samples[off + j];
        let step = Math.trunc(((s.value - min) * steps) / relmax);
        if (step < 0) step = 0;
        if (step >= steps) step = steps - 1;
        if (row < rows) {
          const idx = step - (rows - row - 1) * clen;
          loop = true;
          if (idx >= 0 && idx < clen) chars[j] = charset[idx];
          else if (idx >= clen) chars[j] = '|';
        } else {
          if (labels && row - rows < 1) {
            loop = true;
            break;
          }
          const lc = row - rows - 1;
          if (s.label.length > lc) {
            loop = true;
            chars[j] = s.label[lc];
          }
        }
      }
      if (loop) {
        row++;
        out += chars.join('') + '\n';
      }
    }
  }
  return out;
}

function latencyGraph(c: Client, argv: string[]): void {
  const event = argv[2];
  const ts = latencyEvents(c.server).get(event);
  if (!ts) return c.error(`ERR No samples available for event '${event}'`);
  const nowSec = Math.floor(Date.now() / 1000);
  const samples = samplesOf(ts);
  let min = 0;
  let max = 0;
  const seq: { value: number; label: string }[] = [];
  samples.forEach((s, i) => {
    if (i === 0) min = max = s.latency;
    else {
      if (s.latency > max) max = s.latency;
      if (s.latency < min) min = s.latency;
    }
    const el = nowSec - s.time;
    const label = el < 60 ? `${el}s` : el < 3600 ? `${Math.floor(el / 60)}m` : el < 86400 ? `${Math.floor(el / 3600)}h` : `${Math.floor(el / 86400)}d`;
    seq.push({ value: s.latency, label });
  });
  let g = `${event} - high ${max} ms, low ${min} ms (all time high ${ts.max} ms)\n`;
  g += '-'.repeat(80) + '\n';
  g += sparkline(seq, 80, 4);
  c.verbatim(g);
}

function latencyDoctor(c: Client): void {
  const server = c.server;
  const m = latencyEvents(server);
  let r: string;
  if (latencyThreshold(server) === 0 && m.size === 0) {
    r =
      'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n';
  } else if (m.size === 0) {
    r =
      'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n';
  } else {
    r = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
    let i = 0;
    const nowSec = Math.floor(Date.now() / 1000);
    for (const [event, ts] of m) {
      const s = samplesOf(ts);
      if (s.length === 0) continue;
      const avg = s.reduce((a, x) => a + x.latency, 0) / s.length;
      const mad = s.reduce((a, x) => a + Math.abs(x.latency - avg), 0) / s.length;
      const period = Math.max(1, nowSec - s[0].time);
      r += `${++i}. ${event}: ${s.length} latency spikes (average ${Math.floor(avg)}ms, mean deviation ${Math.floor(mad)}ms, period ${(period / s.length).toFixed(2)} sec). Worst all time event ${ts.max}ms.\n`;
    }
    r +=
      '\nI have a few advices for you:\n\n' +
      '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n' +
      '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
  }
  c.verbatim(r);
}

const LATENCY_HELP = [
  'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
  'HELP',
  '    Prints this help.',
];

// ---------------------------------------------------------------------------

export function install(server: Server): void {
  memState(server);
  installMonitor(server);
  installLatency(server);
}

export const commands: Family = {
  info,
  time,
  lastsave: (c) => c.int(c.server.lastSave),
  role,
  shutdown,
  monitor,
  'latency|latest': latencyLatest,
  'latency|history': latencyHistory,
  'latency|reset': latencyReset,
  'latency|graph': latencyGraph,
  'latency|doctor': latencyDoctor,
  'latency|help': (c) => replyHelp(c, LATENCY_HELP),
};
