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
    const now = Date.now();
    updateLruClock(now);
    tick++;
    if (server.activeExpireEnabled) {
      // Redis's slow cycle: up to 25% of the time between ticks (+2% per effort step)
      const effort = server.config.num('active-expire-effort') - 1;
      activeExpireCycle(server, now, ((25 + 2 * effort) * 10_000) / server.config.num('hz'), effort);
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

/** Samples keys with a TTL per database, repeating while many were stale, within a time budget (µs). */
export function activeExpireCycle(server: Server, now: number, budgetUs: number, effort = 0): void {
  const perLoop = ACTIVE_EXPIRE_KEYS_PER_LOOP + (ACTIVE_EXPIRE_KEYS_PER_LOOP / 4) * effort;
  const stale = ACTIVE_EXPIRE_ACCEPTABLE_STALE - effort;
  const ks = server.keyspace;
  if (ks.isReplica) return;
  const deadline = performance.now() + budgetUs / 1000;
  for (const db of ks.dbs) {
    if (db.expires.size === 0) continue;
    for (;;) {
      let sampled = 0;
      let expired = 0;
      if (db.expireCursor === null) db.expireCursor = db.expires.entries();
      while (sampled < perLoop) {
        const r = db.expireCursor.next();
        if (r.done) {
          db.expireCursor = null;
          break;
        }
        sampled++;
        const [key, when] = r.value;
        if (when <= now) {
          db.deleteExpired(key);
          expired++;
        }
      }
      if (db.expireCursor === null || sampled === 0) break;
      if (expired * 100 < sampled * stale) break;
      if (performance.now() > deadline) return;
    }
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
