// Periodic work at `hz`: active expiry, idle client timeouts, metrics.

import type { Server } from './server.js';
import { CLIENT } from './client.js';
import { processInput } from './connection.js';
import { updateLruClock } from '../store/db.js';

export interface Cron {
  stop(): void;
}

const ACTIVE_EXPIRE_KEYS_PER_LOOP = 20;
const ACTIVE_EXPIRE_ACCEPTABLE_STALE = 10; // percent
const FAST_DURATION_US = 1000;
const FAST_INTERVAL_MS = 2;

export function startCron(server: Server): Cron {
  let tick = 0;
  let timer: NodeJS.Timeout;
  // Redis's fast cycle (beforeSleep): while the slow one cannot keep up, 1 ms of
  // expiry every 2 ms between ticks, so a mass expiry is not bounded by 25% of the CPU.
  // The 2 ms run from the start of the previous fast cycle, as Redis counts them
  // (from its end, the cycle got 1 ms in 3: a mass expiry took 1.5x as long).
  let fastTimer: NodeJS.Timeout | null = null;
  const fast = () => {
    fastTimer = null;
    if (!server.activeExpireEnabled || server.cronPaused) return;
    const start = performance.now();
    const effort = server.config.num('active-expire-effort') - 1;
    const capped = activeExpireCycle(server, Date.now(), FAST_DURATION_US + (FAST_DURATION_US / 4) * effort);
    if (behind(server, capped, effort)) fastTimer = setTimeout(fast, Math.max(0, FAST_INTERVAL_MS - (performance.now() - start)));
  };
  const run = () => {
    if (server.cronPaused) {
      timer = setTimeout(run, Math.max(1, Math.round(1000 / server.config.num('hz'))));
      return;
    }
    const now = Date.now();
    updateLruClock(now);
    tick++;
    if (server.activeExpireEnabled) {
      // Redis's slow cycle: up to 25% of the time between ticks (+2% per effort step)
      const effort = server.config.num('active-expire-effort') - 1;
      const capped = activeExpireCycle(server, now, ((25 + 2 * effort) * 10_000) / server.config.num('hz'));
      if (fastTimer === null && behind(server, capped, effort)) fastTimer = setTimeout(fast, FAST_INTERVAL_MS);
    }
    // Redis's activerehashing: a resize in progress also advances when nobody writes
    if (server.config.bool('activerehashing')) {
      for (const db of server.keyspace.dbs) {
        if (db.dict.resizing) db.dict.rehashFor(1);
        if (db.expires.resizing) db.expires.rehashFor(1);
      }
    }
    const hz = server.config.num('hz');
    if (tick % Math.max(1, hz) === 0) {
      clientsTimeouts(server, now);
      server.stats.sample();
    }
    if (server.pause && now >= server.pause.until) {
      server.pause = null;
      for (const c of server.clients.values()) processInput(server, c);
    }
    for (const h of server.hooks.cron) h(now);
    timer = setTimeout(run, Math.max(1, Math.round(1000 / hz)));
  };
  timer = setTimeout(run, 100);
  return {
    stop: () => {
      clearTimeout(timer);
      if (fastTimer !== null) clearTimeout(fastTimer);
    },
  };
}

/** Should a fast cycle follow: the last cycle ran out of time, or many sampled keys were stale (and some keys still have a TTL)? */
function behind(server: Server, capped: boolean, effort: number): boolean {
  if (capped) return true;
  if (server.keyspace.stats.expiredStalePerc <= ACTIVE_EXPIRE_ACCEPTABLE_STALE - effort) return false;
  return server.keyspace.dbs.some((db) => db.expires.size !== 0);
}

/**
 * Redis's slow expire cycle (expire.c): per database, scan a few buckets of the
 * expires table, delete what is due, and go on while more than the acceptable
 * share of the sample was stale, within a time budget (µs) that
 * active-expire-effort raises. The cursor persists, so every volatile key is
 * met in turn however many there are, and no call does more than its budget.
 * True when the budget ran out before the stale share fell (Redis's timelimit_exit).
 */
export function activeExpireCycle(server: Server, now: number, budgetUs: number): boolean {
  const ks = server.keyspace;
  if (ks.isReplica) return false;
  const effort = server.config.num('active-expire-effort') - 1;
  const keysPerLoop = ACTIVE_EXPIRE_KEYS_PER_LOOP + (ACTIVE_EXPIRE_KEYS_PER_LOOP / 4) * effort;
  const acceptableStale = ACTIVE_EXPIRE_ACCEPTABLE_STALE - effort;
  const deadline = performance.now() + budgetUs / 1000;
  const keys: string[] = [];
  const whens: number[] = [];
  let totalSampled = 0;
  let totalExpired = 0;
  let capped = false;
  for (const db of ks.dbs) {
    const exp = db.expires;
    if (exp.size === 0) continue;
    let ttlSum = 0;
    let ttlSamples = 0;
    for (let iteration = 0; ; iteration++) {
      let sampled = 0;
      let expired = 0;
      keys.length = 0;
      whens.length = 0;
      db.expireCursor = exp.scan(db.expireCursor, Math.min(keysPerLoop, exp.size), keys, whens);
      for (let j = 0; j < keys.length; j++) {
        const key = keys[j];
        const when = whens[j];
        sampled++;
        if (when <= now) {
          db.deleteExpired(key);
          expired++;
        } else {
          ttlSum += when - now;
          ttlSamples++;
        }
      }
      totalSampled += sampled;
      totalExpired += expired;
      if (exp.size === 0) break;
      // an empty stretch of buckets samples nothing: go on, as Redis's loop does, within the time limit
      if (sampled > 0 && expired * 100 <= sampled * acceptableStale) break;
      if ((iteration & 15) === 15 && performance.now() > deadline) {
        capped = true;
        break;
      }
    }
    if (ttlSamples > 0) {
      // Redis's running average: 2% the new estimate, 98% the old one
      const avg = ttlSum / ttlSamples;
      db.avgTtl = db.avgTtl === 0 ? avg : (db.avgTtl / 50) * 49 + avg / 50;
    }
    if (capped || performance.now() > deadline) {
      capped = true;
      break;
    }
  }
  // INFO stats: the stale share as Redis's running average (5% the new sample), and the cap count
  const st = ks.stats;
  if (totalSampled > 0) st.expiredStalePerc = ((totalExpired / totalSampled) * 100 * 0.05) + st.expiredStalePerc * 0.95;
  if (capped) st.expiredTimeCapReached++;
  return capped;
}

function clientsTimeouts(server: Server, now: number): void {
  const timeout = server.config.num('timeout');
  if (timeout <= 0) return;
  for (const c of server.clients.values()) {
    if (c.flags & (CLIENT.MASTER | CLIENT.REPLICA | CLIENT.BLOCKED | CLIENT.PUBSUB)) continue;
    if (now - c.lastInteraction > timeout * 1000) {
      server.logger.verbose('Closing idle client');
      server.freeClient(c);
    }
  }
}
