// client-output-buffer-limit for the normal and replica classes (the pubsub
// class is enforced where messages are delivered, server/pubsub.ts): output
// not yet taken by the kernel over the hard limit, or over the soft limit for
// longer than its seconds, closes the client and logs it, as Redis's
// closeClientOnOutputBufferLimitReached; and a client that has not
// authenticated may leave at most 1 KB unread (Redis's fix for
// CVE-2025-21605). Checked after every write and once
// a second by the cron (a soft limit can expire while nothing is written).

import type { Server } from './server.js';
import { CLIENT, type Client } from './client.js';
import { bufferLimits } from '../config/params.js';
import { clientInfoString } from '../commands/client.js';

/** Output an unauthenticated client may leave unread (beyond what the kernel took) before it is closed. */
export const PREAUTH_OUTPUT_LIMIT = 1024;

interface Limit {
  hard: number;
  soft: number;
  seconds: number;
}

export function installOutputLimits(server: Server): void {
  const cfg = server.config;
  let normal: Limit = { hard: 0, soft: 0, seconds: 0 };
  let replica: Limit = normal;
  const apply = () => {
    const l = bufferLimits(cfg.str('client-output-buffer-limit'));
    const conv = (x: { hard: bigint; soft: bigint; seconds: number }): Limit => ({ hard: Number(x.hard), soft: Number(x.soft), seconds: x.seconds });
    normal = conv(l.normal);
    replica = conv(l.slave);
  };
  apply();
  cfg.onChange('client-output-buffer-limit', apply);

  const check = (c: Client): boolean => {
    // masters have no limit; subscribers are the pubsub class
    if (c.flags & (CLIENT.MASTER | CLIENT.PUBSUB | CLIENT.CLOSE_ASAP)) return false;
    const lim = c.flags & CLIENT.REPLICA && !(c.flags & CLIENT.MONITOR) ? replica : normal;
    // CVE-2025-21605: a client that has not authenticated cannot make the server hold its error replies
    const preauth = !c.authenticated;
    if (lim.hard === 0 && lim.soft === 0 && !preauth) return false;
    const used = c.outputBytes();
    let close = (lim.hard > 0 && used >= lim.hard) || (preauth && used > PREAUTH_OUTPUT_LIMIT);
    if (!close && lim.soft > 0) {
      if (used >= lim.soft) {
        const now = Date.now();
        const since = c.ext.obufSoftSince as number | undefined;
        if (since === undefined) c.ext.obufSoftSince = now;
        else if (now - since > lim.seconds * 1000) close = true;
      } else if (c.ext.obufSoftSince !== undefined) c.ext.obufSoftSince = undefined;
    }
    if (!close) return false;
    server.logger.warning(`Client ${clientInfoString(c)} scheduled to be closed ASAP for overcoming of output buffer limits.`);
    server.stats.clientOutputBufferLimitDisconnections++;
    c.flags |= CLIENT.CLOSE_ASAP;
    c.takeOutput();
    // asynchronously, as Redis: the command that overflowed finishes first
    setImmediate(() => {
      c.socket?.destroy();
      server.freeClient(c);
    });
    return true;
  };
  server.outputLimit = check;
  let last = 0;
  server.hooks.cron.push((now) => {
    if (now - last < 1000) return;
    last = now;
    for (const c of server.clients.values()) if (c.outputBytes() !== 0) check(c);
  });
}
