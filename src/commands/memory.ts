// MEMORY USAGE/STATS/DOCTOR/MALLOC-STATS/PURGE/HELP and the memory fields of
// INFO, from the accounting in store/memory.ts (Redis object.c memoryCommand).
// Installs maxmemory enforcement (server/evict.ts).

import os from 'node:os';
import v8 from 'node:v8';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Family } from './table.js';
import { ERR } from './errors.js';
import { replyHelp } from './command.js';
import { addInfoProvider, bytesToHuman } from './server-cmds.js';
import { installEviction, evictor } from '../server/evict.js';
import { installOutputLimits } from '../server/output-limits.js';
import { installClientEviction } from '../server/client-eviction.js';
import { valueBytes, keyBytes, TABLE_SLOT, EXPIRE_ENTRY } from '../store/memory.js';
import { lfuDecr } from '../store/db.js';
import { parseI64 } from '../util/numbers.js';

/** Redis's OBJ_COMPUTE_SIZE_DEF_SAMPLES */
const DEF_SAMPLES = 5;

function memoryUsage(c: Client, argv: string[]): void {
  let samples = DEF_SAMPLES;
  for (let j = 3; j < argv.length; j++) {
    if (argv[j].toLowerCase() === 'samples' && j + 1 < argv.length) {
      const n = parseI64(argv[j + 1]);
      if (n === null) return c.error(ERR.notInt);
      if (n < 0n) return c.error(ERR.syntax);
      samples = n === 0n || n > 1_000_000_000n ? 0 : Number(n);
      j++;
    } else return c.error(ERR.syntax);
  }
  // like Redis, a plain dict lookup: no expiry, no access-time update
  const v = c.db.dict.get(argv[2]);
  if (v === undefined) return c.nil();
  c.int(valueBytes(v, samples) + keyBytes(argv[2]) + TABLE_SLOT);
}

interface Breakdown {
  used: number;
  startup: number;
  peak: number;
  clients: number;
  overhead: number;
  dataset: number;
  keys: number;
  dbs: { id: number; main: number; expires: number }[];
}

function breakdown(server: Server): Breakdown {
  const ev = evictor(server);
  const used = ev.used();
  const dbs: Breakdown['dbs'] = [];
  let tables = 0;
  let keys = 0;
  for (const db of server.keyspace.dbs) {
    keys += db.size;
    if (db.size === 0 && db.expires.size === 0) continue;
    const main = TABLE_SLOT * db.dict.capacity;
    const expires = Math.round(EXPIRE_ENTRY * db.expires.size);
    tables += main + expires;
    dbs.push({ id: db.id, main, expires });
  }
  const overhead = ev.startup + ev.clientsMem + tables;
  return { used, startup: ev.startup, peak: ev.peak, clients: ev.clientsMem, overhead, dataset: Math.max(0, used - overhead), keys, dbs };
}

const DOUBLES = new Set(['dataset.percentage', 'peak.percentage', 'allocator-fragmentation.ratio', 'allocator.rss-ratio', 'rss-overhead.ratio', 'fragmentation']);

function memoryStats(c: Client): void {
  const b = breakdown(c.server);
  const mu = process.memoryUsage();
  const pairs: [string, number | string | [string, number][]][] = [
    ['peak.allocated', b.peak],
    ['total.allocated', b.used],
    ['startup.allocated', b.startup],
    ['replication.backlog', 0],
    ['clients.slaves', 0],
    ['clients.normal', b.clients],
    ['cluster.links', 0],
    ['aof.buffer', 0],
    ['lua.caches', 0],
    ['functions.caches', 0],
  ];
  for (const d of b.dbs) {
    pairs.push([
      'db.' + d.id,
      [
        ['overhead.hashtable.main', d.main],
        ['overhead.hashtable.expires', d.expires],
      ],
    ]);
  }
  const netUsed = b.used - b.startup;
  pairs.push(
    ['overhead.total', b.overhead],
    ['keys.count', b.keys],
    ['keys.bytes-per-key', b.keys ? Math.floor(netUsed / b.keys) : 0],
    ['dataset.bytes', b.dataset],
    ['dataset.percentage', netUsed > 0 ? (b.dataset * 100) / netUsed : 0],
    ['peak.percentage', b.peak ? (b.used * 100) / b.peak : 0],
    ['allocator.allocated', mu.heapUsed + mu.external],
    ['allocator.active', mu.heapTotal + mu.external],
    ['allocator.resident', mu.rss],
    ['allocator-fragmentation.ratio', mu.heapTotal / mu.heapUsed],
    ['allocator-fragmentation.bytes', mu.heapTotal - mu.heapUsed],
    ['allocator.rss-ratio', mu.rss / (mu.heapTotal + mu.external)],
    ['allocator.rss-bytes', mu.rss - mu.heapTotal - mu.external],
    ['rss-overhead.ratio', 1],
    ['rss-overhead.bytes', 0],
    ['fragmentation', mu.rss / b.used],
    ['fragmentation.bytes', mu.rss - b.used],
  );
  c.map(pairs.length);
  for (const [k, v] of pairs) {
    c.bulk(k);
    if (Array.isArray(v)) {
      c.map(v.length);
      for (const [k2, n] of v) {
        c.bulk(k2);
        c.int(n);
      }
    } else if (DOUBLES.has(k)) c.double(v as number);
    else c.int(v as number);
  }
}

/** getMemoryDoctorReport, with the checks that mean something for a V8 heap. */
function memoryDoctor(c: Client): void {
  const server = c.server;
  const b = breakdown(server);
  const mu = process.memoryUsage();
  // Redis's threshold is 5 MB of used memory; ours starts with the V8 heap of an empty server
  if (b.used - b.startup < 1024 * 1024 * 5) {
    return c.verbatim(
      "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.",
    );
  }
  const issues: string[] = [];
  if (b.peak / b.used > 1.5) {
    issues.push(
      ' * Peak memory: In the past this instance used more than 150% the memory that is currently using. The V8 heap releases memory after a peak only gradually, so you can expect to see a big fragmentation ratio; this is harmless and is only due to the memory peak. You may try MEMORY PURGE to run a garbage collection (when Node was started with --expose-gc).',
    );
  }
  if (mu.rss / b.used > 1.4 && mu.rss > 10 * 1024 * 1024) {
    issues.push(
      ` * High process RSS overhead: This instance has RSS memory overhead is greater than 1.4 (this means that the Resident Set Size of the Redoubt process is much larger than the memory the data needs: ${bytesToHuman(mu.rss)} for ${bytesToHuman(b.used)}). Garbage not yet collected and memory the V8 heap keeps after a peak count here.`,
    );
  }
  let clients = 0;
  for (const cl of server.clients.values()) if (cl.socket) clients++;
  if (clients > 0 && b.clients / clients > 1024 * 200) {
    issues.push(
      ' * Big client buffers: The clients output buffers are in general very big, that may indicate a problem. Check CLIENT LIST for clients with a large omem (clients that pipeline many commands without reading the replies, or slow pub/sub subscribers) and client-output-buffer-limit.',
    );
  }
  const maxmemory = server.config.num('maxmemory');
  if (maxmemory === 0 && os.totalmem() > 0 && b.used > os.totalmem() / 2) {
    issues.push(' * No maxmemory: This instance uses more than half of the system memory and has no maxmemory limit. Set maxmemory and a maxmemory-policy.');
  }
  if (issues.length === 0) {
    return c.verbatim("Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.");
  }
  c.verbatim('Sam, I detected a few issues in this Redis instance memory implants:\n\n' + issues.join('\n\n') + "\n\nI'm here to keep you safe, Sam. I want to help you.\n");
}

function mallocStats(c: Client): void {
  let s = 'Allocator: V8 heap (Node ' + process.version + ')\n';
  for (const sp of v8.getHeapSpaceStatistics()) {
    s += `${sp.space_name}: size=${sp.space_size} used=${sp.space_used_size} available=${sp.space_available_size} physical=${sp.physical_space_size}\n`;
  }
  const mu = process.memoryUsage();
  s += `external=${mu.external} array_buffers=${mu.arrayBuffers} rss=${mu.rss}\n`;
  c.verbatim(s);
}

function memoryPurge(c: Client): void {
  // the allocator's closest analogue of purging dirty pages: a full garbage collection, when exposed
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc === 'function') gc();
  c.ok();
}

const HELP = [
  'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
  'HELP',
  '    Prints this help.',
];

function fixed2(d: number): string {
  return Number.isFinite(d) ? d.toFixed(2) : '0.00';
}

export function install(server: Server): void {
  const ev = installEviction(server);
  // client buffers count in used_memory; their limits live beside it
  installOutputLimits(server);
  const clientEviction = installClientEviction(server);
  server.ext.lfuFreq = (db: { lruOf(k: string): number }, key: string) => lfuDecr(db.lruOf(key));
  addInfoProvider(server, 'memory', () => {
    const b = breakdown(server);
    const mu = process.memoryUsage();
    const used = b.used;
    const netUsed = used - b.startup;
    return {
      used_memory: used,
      used_memory_human: bytesToHuman(used),
      used_memory_peak: b.peak,
      used_memory_peak_human: bytesToHuman(b.peak),
      used_memory_peak_perc: fixed2((used * 100) / b.peak) + '%',
      used_memory_overhead: b.overhead,
      used_memory_startup: b.startup,
      used_memory_dataset: b.dataset,
      used_memory_dataset_perc: fixed2(netUsed > 0 ? (b.dataset * 100) / netUsed : 0) + '%',
      allocator_allocated: mu.heapUsed + mu.external,
      allocator_active: mu.heapTotal + mu.external,
      allocator_resident: mu.rss,
      mem_fragmentation_ratio: fixed2(mu.rss / used),
      mem_fragmentation_bytes: mu.rss - used,
      mem_clients_normal: b.clients,
      mem_allocator: 'v8',
    };
  });
  addInfoProvider(server, 'stats', () => {
    const now = Date.now();
    const current = ev.exceededSince ? now - ev.exceededSince : 0;
    return {
      evicted_keys: server.keyspace.stats.evictedKeys,
      evicted_clients: clientEviction.evicted,
      total_eviction_exceeded_time: ev.exceededTotalMs + current,
      current_eviction_exceeded_time: current,
    };
  });
  server.hooks.resetStat.push(() => {
    server.keyspace.stats.evictedKeys = 0;
    ev.exceededTotalMs = 0;
    ev.peak = ev.used();
  });
  server.hooks.shutdown.push(() => {
    ev.stop();
    return null;
  });
}

export const commands: Family = {
  'memory|usage': memoryUsage,
  'memory|stats': memoryStats,
  'memory|doctor': memoryDoctor,
  'memory|malloc-stats': mallocStats,
  'memory|purge': memoryPurge,
  'memory|help': (c) => replyHelp(c, HELP),
};
