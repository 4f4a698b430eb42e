// maxmemory-clients (Redis 7.0 client eviction): when the memory of all
// normal and pub/sub clients together (query buffer + output not yet taken
// by the kernel) passes the limit, the clients using the most are closed
// first until the total is back under it. CLIENT NO-EVICT exempts a client;
// masters and replicas are never evicted. Checked at the cron's rate (hz):
// a buffer grows at most one tick's worth past the limit.

import type { Server } from './server.js';
import { CLIENT, type Client } from './client.js';
import { clientInfoString } from '../commands/client.js';

export function clientMemory(c: Client): number {
  return c.outputBytes() + c.parser.pending();
}

export interface ClientEviction {
  evicted: number;
}

/** The limit in bytes, 0 when off (a percentage applies to maxmemory, as in Redis). */
function limitOf(server: Server): number {
  const v = server.config.num('maxmemory-clients');
  if (v >= 0) return v;
  const maxmemory = server.config.num('maxmemory');
  return maxmemory > 0 ? Math.floor((maxmemory * -v) / 100) : 0;
}

export function installClientEviction(server: Server): ClientEviction {
  const state: ClientEviction = { evicted: 0 };
  server.hooks.cron.push(() => {
    const limit = limitOf(server);
    if (limit === 0) return;
    let total = 0;
    const candidates: [number, Client][] = [];
    for (const c of server.clients.values()) {
      if (c.flags & (CLIENT.MASTER | CLIENT.REPLICA | CLIENT.CLOSE_ASAP)) continue;
      const m = clientMemory(c);
      total += m;
      if (!(c.flags & CLIENT.NO_EVICT) && m > 0) candidates.push([m, c]);
    }
    if (total <= limit) return;
    candidates.sort((a, b) => b[0] - a[0]);
    for (const [m, c] of candidates) {
      if (total <= limit) break;
      server.logger.verbose(`Evicting client: ${clientInfoString(c)}`);
      state.evicted++;
      total -= m;
      c.takeOutput();
      c.socket?.destroy();
      server.freeClient(c);
    }
  });
  server.hooks.resetStat.push(() => (state.evicted = 0));
  return state;
}
