// Client-side caching (Redis's tracking.c): the keys each tracking client
// has read, invalidation messages when they change (RESP3 pushes, or
// __redis__:invalidate messages to a RESP2 redirect client in Pub/Sub mode),
// broadcasting mode with prefixes, OPTIN/OPTOUT/NOLOOP, flush invalidations
// and the tracking-table-max-keys bound.

import { CMD, getKeys, type Command } from '../commands/table.js';
import { CLIENT, type Client } from './client.js';
import type { Server } from './server.js';
import type { Db } from '../store/db.js';
import { resetHooks } from '../commands/connection.js';

export interface TrackingState {
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING yes/no given for the next command. */
  caching: boolean;
  brokenRedir: boolean;
  prefixes: Set<string>;
}

interface Bcast {
  clients: Set<Client>;
  /** Keys changed since the last broadcast, with the clients that changed them (NOLOOP). */
  keys: Map<string, Set<Client | null>>;
}

const CHANNEL = '__redis__:invalidate';

export class Tracking {
  /** key -> ids of the clients that read it */
  readonly table = new Map<string, Set<number>>();
  totalItems = 0;
  readonly prefixes = new Map<string, Bcast>();
  clients = 0;
  /** Invalidations for the client whose command is running: sent after its reply. */
  private pending: { c: Client; key: string | null }[] = [];
  private broadcastScheduled = false;

  constructor(private readonly server: Server) {}

  /** Set by the installer: turns the per-command hook on (a client started tracking). */
  onActive: () => void = () => {};

  /** No tracking client and no invalidation waiting: the per-command hook has nothing to do. */
  idle(): boolean {
    return this.clients === 0 && this.pending.length === 0;
  }

  static of(c: Client): TrackingState | undefined {
    return c.ext.tracking as TrackingState | undefined;
  }

  enable(c: Client, redirect: number, opts: Omit<TrackingState, 'redirect' | 'caching' | 'brokenRedir' | 'prefixes'>, prefixes: string[]): void {
    let st = Tracking.of(c);
    if (!(c.flags & CLIENT.TRACKING)) this.clients++;
    c.flags |= CLIENT.TRACKING;
    this.onActive();
    if (!st) c.ext.tracking = st = { redirect: 0, bcast: false, optin: false, optout: false, noloop: false, caching: false, brokenRedir: false, prefixes: new Set() };
    st.redirect = redirect;
    st.brokenRedir = false;
    st.bcast = opts.bcast;
    st.optin = opts.optin;
    st.optout = opts.optout;
    st.noloop = opts.noloop;
    if (opts.bcast) {
      if (prefixes.length === 0) prefixes = [''];
      for (const p of prefixes) {
        if (st.prefixes.has(p)) continue;
        st.prefixes.add(p);
        let b = this.prefixes.get(p);
        if (!b) this.prefixes.set(p, (b = { clients: new Set(), keys: new Map() }));
        b.clients.add(c);
      }
    }
  }

  disable(c: Client): void {
    const st = Tracking.of(c);
    if (!(c.flags & CLIENT.TRACKING)) return;
    if (st) {
      for (const p of st.prefixes) {
        const b = this.prefixes.get(p);
        if (!b) continue;
        b.clients.delete(c);
        if (b.clients.size === 0) this.prefixes.delete(p);
      }
      delete c.ext.tracking;
    }
    c.flags &= ~CLIENT.TRACKING;
    this.clients--;
  }

  /** Prefix overlap check for BCAST (checkPrefixCollisionsOrReply); the error text or null. */
  prefixCollision(c: Client, prefixes: string[]): string | null {
    const own = Tracking.of(c)?.prefixes ?? new Set<string>();
    for (let i = 0; i < prefixes.length; i++) {
      const p = prefixes[i];
      for (const q of own) {
        if (p.startsWith(q) || q.startsWith(p)) {
          return `ERR Prefix '${p}' overlaps with an existing prefix '${q}'. Prefixes for a single client must not overlap.`;
        }
      }
      for (let j = i + 1; j < prefixes.length; j++) {
        const q = prefixes[j];
        if (p.startsWith(q) || q.startsWith(p)) {
          return `ERR Prefix '${p}' overlaps with another provided prefix '${q}'. Prefixes for a single client must not overlap.`;
        }
      }
    }
    return null;
  }

  /** trackingRememberKeys, after a read-only command of a tracking client. */
  remember(c: Client, cmd: Command, argv: string[]): void {
    const st = Tracking.of(c)!;
    if ((st.optin && !st.caching) || (st.optout && st.caching)) return;
    const keys = getKeys(cmd, argv);
    if (keys === null) return;
    for (const k of keys) {
      const key = argv[k.pos];
      let ids = this.table.get(key);
      if (!ids) this.table.set(key, (ids = new Set()));
      if (!ids.has(c.id)) {
        ids.add(c.id);
        this.totalItems++;
      }
    }
  }

  /** trackingInvalidateKey */
  invalidate(key: string): void {
    const current = this.server.current;
    if (this.prefixes.size !== 0) this.rememberForBroadcast(key, current);
    const ids = this.table.get(key);
    if (ids === undefined) return;
    for (const id of ids) {
      const target = this.server.clients.get(id);
      if (!target || !(target.flags & CLIENT.TRACKING)) continue;
      const st = Tracking.of(target)!;
      if (st.bcast) continue;
      if (st.noloop && target === current) continue;
      if (target === current) this.pending.push({ c: target, key });
      else this.send(target, key);
    }
    this.totalItems -= ids.size;
    this.table.delete(key);
  }

  /** FLUSHALL/FLUSHDB: every tracking client is told to drop everything (a null invalidation). */
  flushed(): void {
    for (const c of this.server.clients.values()) {
      if (!(c.flags & CLIENT.TRACKING)) continue;
      if (c === this.server.current) this.pending.push({ c, key: null });
      else this.send(c, null);
    }
    this.table.clear();
    this.totalItems = 0;
  }

  /** After a command: the invalidations its own client must see after the reply. */
  afterCommand(c: Client): void {
    if (this.pending.length === 0 || c.flags & CLIENT.MULTI) return;
    const p = this.pending;
    this.pending = [];
    for (const x of p) this.send(x.c, x.key, x.c !== c);
  }

  /** sendTrackingMessage: `keys` null is the flush message. */
  private send(c: Client, key: string | string[] | null, queue = true): void {
    const st = Tracking.of(c);
    if (!st) return;
    let to = c;
    let redirected = false;
    if (st.redirect !== 0) {
      const r = this.server.clients.get(st.redirect);
      if (!r) {
        st.brokenRedir = true;
        if (c.resp === 3) {
          c.push(2);
          c.bulk('tracking-redir-broken');
          c.int(st.redirect);
          if (queue) this.server.queueWrite(c);
        }
        return;
      }
      to = r;
      redirected = true;
    }
    if (to.resp === 3) {
      to.push(2);
      to.bulk('invalidate');
    } else if (redirected && to.flags & CLIENT.PUBSUB) {
      to.raw(`*3\r\n$7\r\nmessage\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n`);
    } else return;
    if (key === null) to.raw(to.resp === 3 ? '_\r\n' : '$-1\r\n');
    else to.bulks(typeof key === 'string' ? [key] : key);
    if (queue || to !== c) this.server.queueWrite(to);
  }

  private rememberForBroadcast(key: string, by: Client | null): void {
    for (const [p, b] of this.prefixes) {
      if (!key.startsWith(p)) continue;
      let who = b.keys.get(key);
      if (!who) b.keys.set(key, (who = new Set()));
      who.add(by);
    }
    if (!this.broadcastScheduled) {
      this.broadcastScheduled = true;
      setImmediate(this.broadcast);
    }
  }

  /** trackingBroadcastInvalidationMessages: once per event-loop turn, one message per prefix and client. */
  private readonly broadcast = (): void => {
    this.broadcastScheduled = false;
    // prefixes in Redis's rax order (bytes ascending)
    const order = [...this.prefixes.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    for (const p of order) {
      const b = this.prefixes.get(p)!;
      if (b.keys.size === 0) continue;
      for (const c of b.clients) {
        if (!this.server.clients.has(c.id)) continue;
        const noloop = Tracking.of(c)?.noloop;
        const keys: string[] = [];
        for (const [k, who] of b.keys) {
          // with NOLOOP, a key only this client changed is not sent back to it
          if (noloop && who.size === 1 && who.has(c)) continue;
          keys.push(k);
        }
        if (keys.length) this.send(c, keys);
      }
      b.keys.clear();
    }
  };

  /** tracking-table-max-keys: evict the oldest keys with an invalidation (trackingLimitUsedSlots). */
  limit(max: number): void {
    if (max === 0 || this.table.size <= max) return;
    let budget = 100;
    for (const key of this.table.keys()) {
      if (this.table.size <= max || budget-- === 0) break;
      this.invalidate(key);
    }
  }
}

export function tracking(server: Server): Tracking {
  let t = server.ext.tracking as Tracking | undefined;
  if (!t) {
    server.ext.tracking = t = new Tracking(server);
    const tr = t;
    server.keyspace.observe({
      keyModified: (_db: Db, key: string) => {
        if (tr.clients !== 0) tr.invalidate(key);
      },
      flushed: () => {
        if (tr.clients !== 0 || tr.table.size !== 0) tr.flushed();
      },
    });
    // off while no client tracks and no invalidation waits (enable turns it on)
    const hook = (c: Client, cmd: Command, argv: string[]): void => {
      if (c.flags & CLIENT.TRACKING) {
        const st = Tracking.of(c)!;
        if (cmd.flags & CMD.READONLY && !st.bcast) tr.remember(c, cmd, argv);
        // CLIENT CACHING applies to the next command only
        if (!(c.flags & CLIENT.MULTI) && (cmd.parent ?? cmd).fullName !== 'client') st.caching = false;
      }
      tr.afterCommand(c);
      if (tr.idle()) server.hooks.afterCall.setActive(hook, false);
    };
    server.hooks.afterCall.push(hook);
    server.hooks.afterCall.setActive(hook, false);
    tr.onActive = () => server.hooks.afterCall.setActive(hook, true);
    server.hooks.clientFreed.push((c) => tr.disable(c));
    server.hooks.cron.push(() => tr.limit(server.config.num('tracking-table-max-keys')));
    resetHooks.push((c) => tr.disable(c));
  }
  return t;
}
