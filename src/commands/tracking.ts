// CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO (client-side caching);
// the tracking table itself lives in server/tracking.ts.

import type { Family } from './table.js';
import type { Server } from '../server/server.js';
import { CLIENT, type Client } from '../server/client.js';
import { ERR } from './errors.js';
import { parseI64 } from '../util/numbers.js';
import { Tracking, tracking } from '../server/tracking.js';
import { addInfoProvider } from './server-cmds.js';

function clientTracking(c: Client, argv: string[]): void {
  let redir = 0;
  let bcast = false;
  let optin = false;
  let optout = false;
  let noloop = false;
  const prefixes: string[] = [];
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const more = argv.length - 1 - j;
    if (opt === 'redirect' && more) {
      j++;
      if (redir !== 0) return c.error('ERR A client can only redirect to a single other client');
      const n = parseI64(argv[j]);
      if (n === null) return c.error(ERR.notInt);
      if (!c.server.clients.has(Number(n))) return c.error('ERR The client ID you want redirect to does not exist');
      redir = Number(n);
    } else if (opt === 'bcast') bcast = true;
    else if (opt === 'optin') optin = true;
    else if (opt === 'optout') optout = true;
    else if (opt === 'noloop') noloop = true;
    else if (opt === 'prefix' && more) prefixes.push(argv[++j]);
    else return c.error(ERR.syntax);
  }
  const t = tracking(c.server);
  const mode = argv[2].toLowerCase();
  if (mode === 'on') {
    if (!bcast && prefixes.length) return c.error('ERR PREFIX option requires BCAST mode to be enabled');
    const st = Tracking.of(c);
    if (c.flags & CLIENT.TRACKING && st && st.bcast !== bcast) {
      return c.error("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
    }
    if (bcast && (optin || optout)) return c.error('ERR OPTIN and OPTOUT are not compatible with BCAST');
    if (optin && optout) return c.error("ERR You can't specify both OPTIN mode and OPTOUT mode");
    if (c.flags & CLIENT.TRACKING && st && ((optin && st.optout) || (optout && st.optin))) {
      return c.error("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
    }
    if (bcast) {
      const err = t.prefixCollision(c, prefixes);
      if (err !== null) return c.error(err);
    }
    t.enable(c, redir, { bcast, optin, optout, noloop }, prefixes);
  } else if (mode === 'off') {
    t.disable(c);
  } else return c.error(ERR.syntax);
  c.ok();
}

function clientCaching(c: Client, argv: string[]): void {
  const st = Tracking.of(c);
  if (!(c.flags & CLIENT.TRACKING) || !st) {
    return c.error('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
  }
  const opt = argv[2].toLowerCase();
  if (opt === 'yes') {
    if (!st.optin) return c.error('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
  } else if (opt === 'no') {
    if (!st.optout) return c.error('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
  } else return c.error(ERR.syntax);
  st.caching = true;
  c.ok();
}

function trackingInfo(c: Client): void {
  const st = Tracking.of(c);
  const on = (c.flags & CLIENT.TRACKING) !== 0 && st !== undefined;
  const flags = [on ? 'on' : 'off'];
  if (on) {
    if (st.bcast) flags.push('bcast');
    if (st.optin) flags.push('optin', ...(st.caching ? ['caching-yes'] : []));
    if (st.optout) flags.push('optout', ...(st.caching ? ['caching-no'] : []));
    if (st.noloop) flags.push('noloop');
    if (st.brokenRedir) flags.push('broken_redirect');
  }
  c.map(3);
  c.bulk('flags');
  c.set(flags.length);
  for (const f of flags) c.bulk(f);
  c.bulk('redirect');
  c.int(on ? st.redirect : -1);
  c.bulk('prefixes');
  c.bulks(on ? [...st.prefixes].sort() : []);
}

export function install(server: Server): void {
  const t = tracking(server);
  addInfoProvider(server, 'clients', () => ({ tracking_clients: t.clients }));
  addInfoProvider(server, 'stats', () => ({ tracking_total_keys: t.table.size, tracking_total_items: t.totalItems, tracking_total_prefixes: t.prefixes.size }));
}

export const commands: Family = {
  'client|tracking': clientTracking,
  'client|caching': clientCaching,
  'client|getredir': (c) => c.int(c.flags & CLIENT.TRACKING ? (Tracking.of(c)?.redirect ?? 0) : -1),
  'client|trackinginfo': trackingInfo,
};
