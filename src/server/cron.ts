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

export function startCron(server: Server): Cron {
  let tick = 0;
  let timer: NodeJS.Timeout;
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
      activeExpireCycle(server, now, ((25 + 2 * effort) * 10_000) / server.config.num('hz'));
    }
    // Redis's activerehashing: a resize in progress also advances when nobody writes
    if (server.config.bool('activerehashing')) {
      for (const db of server.keyspace.dbs) if (db.dict.resizing) db.dict.rehashFor(1);
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
  return { stop: () => clearTimeout(timer) };
}

/**
 * Redis's slow expire cycle (expire.c): per database, scan a few buckets of the
 * expires table, delete what is due, and go on while more than the acceptable
 * share of the sample was stale, within a time budget (µs) that
 * active-expire-effort raises. The cursor persists, so every volatile key is
 * met in turn however many there are, and no call does more than its budget.
 */
export function activeExpireCycle(server: Server, now: number, budgetUs: number): void {
  const ks = server.keyspace;
  if (ks.isReplica) return;
  const effort = server.config.num('active-expire-effort') - 1;
  const keysPerLoop = ACTIVE_EXPIRE_KEYS_PER_LOOP + (ACTIVE_EXPIRE_KEYS_PER_LOOP / 4) * effort;
  const acceptableStale = ACTIVE_EXPIRE_ACCEPTABLE_STALE - effort;
  const deadline = performance.now() + budgetUs / 1000;
  const keys: string[] = [];
  for (const db of ks.dbs) {
    const exp = db.expires;
    if (exp.size === 0) continue;
    let ttlSum = 0;
    let ttlSamples = 0;
    for (let iteration = 0; ; iteration++) {
      let sampled = 0;
      let expired = 0;
      keys.length = 0;
      db.expireCursor = exp.scan(db.expireCursor, Math.min(keysPerLoop, exp.size), keys);
      for (const key of keys) {
        const when = exp.get(key);
        if (when === undefined) continue;
        sampled++;
        if (when <= now) {
          db.deleteExpired(key);
          expired++;
        } else {
          ttlSum += when - now;
          ttlSamples++;
        }
      }
      if (exp.size === 0 || sampled === 0) break;
      if (expired * 100 <= sampled * acceptableStale) break;
      if ((iteration & 15) === 15 && performance.now() > deadline) break;
    }
    if (ttlSamples > 0) {
      // Redis's running average: 2% the new estimate, 98% the old one
      const avg = ttlSum / ttlSamples;
      db.avgTtl = db.avgTtl === 0 ? avg : (db.avgTtl / 50) * 49 + avg / 50;
    }
    if (performance.now() > deadline) return;
  }
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
