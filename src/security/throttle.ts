// Brute-force throttling (Redoubt, beyond Redis): an address that fails
// AUTH/HELLO `auth-max-failures` times within `auth-failure-window` seconds
// is refused for `auth-lockout-time` seconds without its passwords being
// checked. Other addresses and connections already authenticated are not
// affected, and the table is bounded so a flood of addresses cannot grow it.

import type { Server } from '../server/server.js';
import { CLIENT, type Client } from '../server/client.js';
import { securityEvent } from './events.js';

const MAX_TRACKED = 10000;

interface Entry {
  failures: number;
  windowStart: number;
  lockedUntil: number;
}

export class AuthThrottle {
  private readonly table = new Map<string, Entry>();
  lockouts = 0;
  refused = 0;

  constructor(private readonly server: Server) {}

  /** The source address a lock applies to; null when exempt (unix socket, loopback unless configured). */
  private source(c: Client): string | null {
    const cfg = this.server.config;
    if (cfg.num('auth-max-failures') === 0 || c.socket === null || c.flags & CLIENT.UNIX) return null;
    const i = c.raddr.lastIndexOf(':');
    const ip = i === -1 ? c.raddr : c.raddr.slice(0, i);
    if (!cfg.bool('auth-throttle-loopback') && (ip.startsWith('127.') || ip === '::1')) return null;
    return ip;
  }

  /** True when the client's address is locked out: the caller refuses without checking the password. */
  locked(c: Client): boolean {
    const ip = this.source(c);
    if (ip === null) return false;
    const e = this.table.get(ip);
    if (e === undefined || e.lockedUntil <= Date.now()) return false;
    this.refused++;
    return true;
  }

  failed(c: Client, user: string): void {
    const ip = this.source(c);
    if (ip === null) return;
    const cfg = this.server.config;
    const now = Date.now();
    let e = this.table.get(ip);
    if (e === undefined) {
      this.makeRoom(now);
      e = { failures: 0, windowStart: now, lockedUntil: 0 };
      this.table.set(ip, e);
    }
    if (now - e.windowStart > cfg.num('auth-failure-window') * 1000) {
      e.failures = 0;
      e.windowStart = now;
    }
    e.failures++;
    if (e.failures >= cfg.num('auth-max-failures')) {
      const secs = cfg.num('auth-lockout-time');
      e.lockedUntil = now + secs * 1000;
      e.failures = 0;
      e.windowStart = now;
      this.lockouts++;
      this.server.logger.warning(`Too many failed authentications from ${ip} (last user '${user}'): refusing that address for ${secs} seconds`);
      securityEvent(this.server, 'lockout', { addr: ip, user, seconds: secs });
    }
  }

  /** Drops expired entries, then the oldest ones, to stay under MAX_TRACKED. */
  private makeRoom(now: number): void {
    if (this.table.size < MAX_TRACKED) return;
    const window = this.server.config.num('auth-failure-window') * 1000;
    for (const [ip, e] of this.table) {
      if (e.lockedUntil <= now && now - e.windowStart > window) this.table.delete(ip);
    }
    for (const ip of this.table.keys()) {
      if (this.table.size < MAX_TRACKED) break;
      this.table.delete(ip);
    }
  }

  get lockedAddresses(): number {
    const now = Date.now();
    let n = 0;
    for (const e of this.table.values()) if (e.lockedUntil > now) n++;
    return n;
  }

  get tracked(): number {
    return this.table.size;
  }
}

export function authThrottle(server: Server): AuthThrottle {
  let t = server.ext.authThrottle as AuthThrottle | undefined;
  if (!t) server.ext.authThrottle = t = new AuthThrottle(server);
  return t;
}
