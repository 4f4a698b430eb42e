// maxmemory enforcement, as Redis's evict.c: before each command, while the
// estimated memory is over `maxmemory`, keys chosen by `maxmemory-policy` are
// deleted; under `noeviction` (or with nothing left to evict) commands that
// may grow memory are refused with -OOM.
//
// LRU, LFU and volatile-ttl pick through an eviction pool of 16 candidates
// kept sorted by idle score across calls: each round samples
// `maxmemory-samples` keys per database and the best candidate seen so far
// goes first. One cycle is bounded by `maxmemory-eviction-tenacity`; when it
// runs out of time the rest continues from a timer (Redis's evictionTimeProc).

import type { Server } from './server.js';
import type { Client } from './client.js';
import { CLIENT } from './client.js';
import { CMD, type Command } from '../commands/table.js';
import { type Db, lfu, lfuDecr, lruClock, LRU_CLOCK_MAX } from '../store/db.js';
import { NOTIFY } from '../store/types.js';
import { latencyAddSampleIfNeeded } from '../commands/server-cmds.js';

export const OOM_ERR = "OOM command not allowed when used memory > 'maxmemory'.";

const EVPOOL_SIZE = 16;

interface Candidate {
  idle: number;
  key: string;
  db: number;
}

type Policy = 'noeviction' | 'allkeys-lru' | 'volatile-lru' | 'allkeys-lfu' | 'volatile-lfu' | 'allkeys-random' | 'volatile-random' | 'volatile-ttl';

export const enum EvictResult {
  OK,
  RUNNING,
  FAIL,
}

export class Evictor {
  private pool: Candidate[] = [];
  private nextDb = 0;
  private timer: NodeJS.Timeout | null = null;
  policy: Policy = 'noeviction';
  maxmemory = 0;
  /** Sum of client buffers, refreshed by the cron (walking every client per command costs too much). */
  clientsMem = 0;
  /** used_memory at startup: the V8 heap of an empty server (code, command table, config). */
  startup = 0;
  peak = 0;
  /** Total µs spent over maxmemory (INFO total_eviction_exceeded_time) and since when (ms), 0 when not. */
  exceededSince = 0;
  exceededTotalMs = 0;

  constructor(private readonly server: Server) {}

  /** INFO used_memory: startup heap + the keyspace estimate + client buffers. */
  used(): number {
    const u = this.startup + this.server.keyspace.memory() + this.clientsMem;
    if (u > this.peak) this.peak = u;
    return u;
  }

  /** isSafeToPerformEvictions: not on a replica that ignores maxmemory, not while writes are paused. */
  private safe(): boolean {
    const s = this.server;
    if (s.keyspace.isReplica && s.config.bool('replica-ignore-maxmemory')) return false;
    if (s.pause !== null && Date.now() < s.pause.until) return false;
    return true;
  }

  /** evictionTimeLimitUs */
  private timeLimitUs(): number {
    const t = this.server.config.num('maxmemory-eviction-tenacity');
    if (t <= 10) return 50 * t;
    if (t < 100) return Math.floor(500 * Math.pow(1.15, t - 10));
    return Infinity;
  }

  perform(): EvictResult {
    if (this.maxmemory === 0 || !this.safe()) return EvictResult.OK;
    if (this.timer !== null) return EvictResult.RUNNING;
    const limit = this.maxmemory;
    let used = this.used();
    if (used <= limit) {
      this.noteExceeded(false);
      return EvictResult.OK;
    }
    this.noteExceeded(true);
    if (this.policy === 'noeviction') return EvictResult.FAIL;
    const server = this.server;
    const ks = server.keyspace;
    const start = performance.now();
    const budgetMs = this.timeLimitUs() / 1000;
    let freedKeys = 0;
    while (used > limit) {
      const best = this.pick();
      if (best === null) return EvictResult.FAIL;
      const db = ks.dbs[best.db];
      const t0 = performance.now();
      db.remove(best.key);
      latencyAddSampleIfNeeded(server, 'eviction-del', Math.floor(performance.now() - t0));
      ks.stats.evictedKeys++;
      server.propagate(db.id, ['DEL', best.key]);
      db.notify(NOTIFY.EVICTED, 'evicted', best.key);
      used = this.used();
      // eviction of a few keys at a time: then check the clock
      if (++freedKeys % 16 === 0 && performance.now() - start > budgetMs) {
        if (used > limit) {
          this.startTimer();
          latencyAddSampleIfNeeded(server, 'eviction-cycle', Math.floor(performance.now() - start));
          return EvictResult.RUNNING;
        }
      }
    }
    latencyAddSampleIfNeeded(server, 'eviction-cycle', Math.floor(performance.now() - start));
    return EvictResult.OK;
  }

  private noteExceeded(over: boolean): void {
    if (over && this.exceededSince === 0) this.exceededSince = Date.now();
    else if (!over && this.exceededSince !== 0) {
      this.exceededTotalMs += Date.now() - this.exceededSince;
      this.exceededSince = 0;
    }
  }

  private startTimer(): void {
    const run = () => {
      this.timer = null;
      if (this.perform() === EvictResult.RUNNING && this.timer === null) this.startTimer();
    };
    this.timer = setTimeout(run, 0);
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The next key to evict under the policy, or null when there is none. */
  private pick(): Candidate | null {
    const dbs = this.server.keyspace.dbs;
    const p = this.policy;
    const allkeys = p.startsWith('allkeys');
    if (p.endsWith('random')) {
      for (let i = 0; i < dbs.length; i++) {
        const db = dbs[(this.nextDb = (this.nextDb + 1) % dbs.length)];
        const key = allkeys ? db.dict.randomKey() : db.expires.randomKey();
        if (key !== undefined) return { idle: 0, key, db: db.id };
      }
      return null;
    }
    for (;;) {
      let total = 0;
      for (const db of dbs) {
        const size = allkeys ? db.dict.size : db.expires.size;
        if (size === 0) continue;
        this.populate(db, allkeys);
        total += size;
      }
      if (total === 0) return null;
      // the best candidate is at the end; skip ones deleted since they were pooled
      while (this.pool.length > 0) {
        const c = this.pool.pop()!;
        const db = dbs[c.db];
        if (allkeys ? db.dict.has(c.key) : db.expires.has(c.key)) return c;
      }
    }
  }

  /** evictionPoolPopulate: samples keys of one database into the pool, which stays sorted by idle score. */
  private populate(db: Db, allkeys: boolean): void {
    const n = this.server.config.num('maxmemory-samples');
    const p = this.policy;
    const pool = this.pool;
    for (let s = 0; s < n; s++) {
      const key = allkeys ? db.dict.randomKey() : db.expires.randomKey();
      if (key === undefined) return;
      let idle: number;
      if (p === 'volatile-ttl') {
        idle = Number.MAX_SAFE_INTEGER - (db.expires.get(key) ?? 0);
      } else {
        const field = db.lruOf(key);
        if (field < 0) continue;
        if (p.endsWith('lfu')) idle = 255 - lfuDecr(field);
        else {
          const now = lruClock();
          idle = now >= field ? now - field : now + (LRU_CLOCK_MAX - field);
        }
      }
      let dup = false;
      for (let k = 0; k < pool.length; k++) {
        if (pool[k].db === db.id && pool[k].key === key) {
          dup = true;
          break;
        }
      }
      if (dup) continue;
      let k = 0;
      while (k < pool.length && pool[k].idle < idle) k++;
      if (k === 0 && pool.length === EVPOOL_SIZE) continue; // worse than every pooled candidate
      pool.splice(k, 0, { idle, key, db: db.id });
      if (pool.length > EVPOOL_SIZE) pool.shift();
    }
  }

  /** Drops every pooled candidate (a FLUSHALL, a policy change). */
  clearPool(): void {
    this.pool.length = 0;
  }
}

export function evictor(server: Server): Evictor {
  return server.ext.evictor as Evictor;
}

/** processCommand's maxmemory check. */
function oomCheck(server: Server, ev: Evictor, c: Client, cmd: Command): string | null {
  if (ev.maxmemory === 0) return null;
  // a master's stream is never refused, as in Redis
  if (c.flags & CLIENT.MASTER) return null;
  const oom = ev.perform() === EvictResult.FAIL;
  if (!oom) return null;
  let reject = (cmd.flags & CMD.DENYOOM) !== 0;
  const name = cmd.fullName;
  if (name === 'exec' && c.multiQueue !== null) {
    for (const q of c.multiQueue) if (q.cmd.flags & CMD.DENYOOM) reject = true;
  }
  // queuing inside MULTI may use unbounded memory: refused too, except the commands that end it
  if (c.flags & CLIENT.MULTI && name !== 'exec' && name !== 'discard' && name !== 'quit' && name !== 'reset') reject = true;
  return reject ? OOM_ERR : null;
}

export function installEviction(server: Server): Evictor {
  const ev = new Evictor(server);
  server.ext.evictor = ev;
  const cfg = server.config;
  const apply = () => {
    ev.maxmemory = cfg.num('maxmemory');
    const p = cfg.str('maxmemory-policy') as Policy;
    if (p !== ev.policy) ev.clearPool();
    ev.policy = p;
    lfu.on = p.endsWith('lfu');
    lfu.logFactor = cfg.num('lfu-log-factor');
    lfu.decayTime = cfg.num('lfu-decay-time');
  };
  apply();
  for (const name of ['maxmemory', 'maxmemory-policy', 'lfu-log-factor', 'lfu-decay-time']) cfg.onChange(name, apply);
  cfg.onChange('maxmemory', () => {
    // Redis evicts at once when the limit is lowered below the usage
    if (ev.maxmemory > 0 && ev.used() > ev.maxmemory) {
      server.logger.warning('WARNING: the new maxmemory value set via CONFIG SET is smaller than the current memory usage. This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.');
      ev.perform();
    }
  });
  // the check is on the command path only while a limit is set
  const hook = (c: Client, cmd: Command) => oomCheck(server, ev, c, cmd);
  const arm = () => {
    const i = server.hooks.precheck.indexOf(hook);
    if (ev.maxmemory > 0 && i < 0) server.hooks.precheck.push(hook);
    else if (ev.maxmemory === 0 && i >= 0) server.hooks.precheck.splice(i, 1);
  };
  arm();
  cfg.onChange('maxmemory', arm);
  server.keyspace.observe({ flushed: () => ev.clearPool(), swapped: () => ev.clearPool() });
  server.hooks.cron.push(() => {
    let m = 0;
    for (const c of server.clients.values()) m += c.outputBytes() + c.parser.pending();
    ev.clientsMem = m;
    ev.used();
  });
  ev.startup = process.memoryUsage().heapUsed;
  ev.peak = ev.startup;
  return ev;
}
