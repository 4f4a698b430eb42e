// Pub/Sub state: channel, pattern and shard-channel subscriptions, message
// delivery to subscribers, keyspace notifications (notify.c) and the pubsub
// class of client-output-buffer-limit.
//
// Delivery appends the encoded message to each subscriber's `out` and
// schedules one flush per subscriber at the end of the current event-loop
// task (a microtask), so a pipeline of PUBLISHes reaches a subscriber in one
// socket write. The publisher's own reply goes out with its batch as usual.

import { compileGlob, matchCompiled } from '../util/glob.js';
import { parseMemory } from '../config/registry.js';
import { CLIENT, type Client } from './client.js';
import type { Server } from './server.js';
import type { Db } from '../store/db.js';
import { NOTIFY } from '../store/types.js';
import { parseNotifyFlags } from './notify.js';

type Glob = ReturnType<typeof compileGlob>;

interface PatternSubs {
  glob: Glob;
  clients: Set<Client>;
}

interface ObufLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}

/** Redis's default for the pubsub class: 32mb hard, 8mb for 60 s soft. */
const DEFAULT_PUBSUB_LIMIT: ObufLimit = { hard: 32 * 1024 * 1024, soft: 8 * 1024 * 1024, softSeconds: 60 };

const CRLF = '\r\n';

function bulk(s: string): string {
  return '$' + s.length + CRLF + s + CRLF;
}

export class PubSub {
  /** channel -> subscribers, in subscription order */
  readonly channels = new Map<string, Set<Client>>();
  /** pattern -> compiled glob and subscribers */
  readonly patterns = new Map<string, PatternSubs>();
  /** shard channel -> subscribers (SSUBSCRIBE; no cluster, so one shard) */
  readonly shardChannels = new Map<string, Set<Client>>();
  /** notify-keyspace-events as flag bits */
  notifyFlags = 0;
  private limit: ObufLimit = DEFAULT_PUBSUB_LIMIT;
  private toFlush: Client[] = [];
  private flushScheduled = false;

  constructor(private readonly server: Server) {
    const cfg = server.config;
    this.setNotify(cfg.str('notify-keyspace-events'));
    cfg.onChange('notify-keyspace-events', (v) => this.setNotify(v));
    if (cfg.def('client-output-buffer-limit')) {
      this.limit = parseObufLimit(cfg.str('client-output-buffer-limit')) ?? DEFAULT_PUBSUB_LIMIT;
      cfg.onChange('client-output-buffer-limit', (v) => (this.limit = parseObufLimit(v) ?? this.limit));
    }
    server.keyspace.observe({
      keyEvent: (db, type, event, key) => this.keyEvent(db, type, event, key),
    });
    server.hooks.clientFreed.push((c) => this.unsubscribeAll(c));
  }

  private setNotify(v: string): void {
    const f = parseNotifyFlags(v);
    this.notifyFlags = f < 0 ? 0 : f;
    const KE = NOTIFY.KEYSPACE | NOTIFY.KEYEVENT;
    // nothing is published unless K or E is set: then only the classes matter
    this.server.keyspace.notifyMask = this.notifyFlags & KE ? this.notifyFlags & ~KE : 0;
  }

  // ---- subscriptions (each returns true when the subscription changed) ----

  subscribe(c: Client, ch: string): boolean {
    const own = c.channels ?? (c.channels = new Set());
    if (own.has(ch)) return false;
    own.add(ch);
    const subs = this.channels.get(ch);
    if (subs) subs.add(c);
    else this.channels.set(ch, new Set([c]));
    return true;
  }

  unsubscribe(c: Client, ch: string): boolean {
    if (c.channels === null || !c.channels.delete(ch)) return false;
    const subs = this.channels.get(ch);
    if (subs) {
      subs.delete(c);
      if (subs.size === 0) this.channels.delete(ch);
    }
    return true;
  }

  psubscribe(c: Client, pat: string): boolean {
    const own = c.patterns ?? (c.patterns = new Set());
    if (own.has(pat)) return false;
    own.add(pat);
    const ps = this.patterns.get(pat);
    if (ps) ps.clients.add(c);
    else this.patterns.set(pat, { glob: compileGlob(pat), clients: new Set([c]) });
    return true;
  }

  punsubscribe(c: Client, pat: string): boolean {
    if (c.patterns === null || !c.patterns.delete(pat)) return false;
    const ps = this.patterns.get(pat);
    if (ps) {
      ps.clients.delete(c);
      if (ps.clients.size === 0) this.patterns.delete(pat);
    }
    return true;
  }

  ssubscribe(c: Client, ch: string): boolean {
    const own = c.shardChannels ?? (c.shardChannels = new Set());
    if (own.has(ch)) return false;
    own.add(ch);
    const subs = this.shardChannels.get(ch);
    if (subs) subs.add(c);
    else this.shardChannels.set(ch, new Set([c]));
    return true;
  }

  sunsubscribe(c: Client, ch: string): boolean {
    if (c.shardChannels === null || !c.shardChannels.delete(ch)) return false;
    const subs = this.shardChannels.get(ch);
    if (subs) {
      subs.delete(c);
      if (subs.size === 0) this.shardChannels.delete(ch);
    }
    return true;
  }

  /** Drops every subscription without replying (disconnect, RESET). */
  unsubscribeAll(c: Client): void {
    if (c.channels) for (const ch of [...c.channels]) this.unsubscribe(c, ch);
    if (c.patterns) for (const p of [...c.patterns]) this.punsubscribe(c, p);
    if (c.shardChannels) for (const ch of [...c.shardChannels]) this.sunsubscribe(c, ch);
    c.flags &= ~CLIENT.PUBSUB;
  }

  // ---- publishing ----

  /** PUBLISH: returns the number of deliveries (a client matching two patterns counts twice). */
  publish(channel: string, message: string): number {
    let n = 0;
    const subs = this.channels.get(channel);
    if (subs !== undefined) {
      const body = '$7\r\nmessage\r\n' + bulk(channel) + bulk(message);
      for (const d of subs) {
        this.deliver(d, (d.resp === 3 ? '>3\r\n' : '*3\r\n') + body);
        n++;
      }
    }
    if (this.patterns.size !== 0) {
      let tail: string | null = null;
      for (const [pat, ps] of this.patterns) {
        if (!matchCompiled(ps.glob, channel)) continue;
        if (tail === null) tail = bulk(channel) + bulk(message);
        const body = '$8\r\npmessage\r\n' + bulk(pat) + tail;
        for (const d of ps.clients) {
          this.deliver(d, (d.resp === 3 ? '>4\r\n' : '*4\r\n') + body);
          n++;
        }
      }
    }
    return n;
  }

  /** SPUBLISH */
  spublish(channel: string, message: string): number {
    const subs = this.shardChannels.get(channel);
    if (subs === undefined) return 0;
    const body = '$8\r\nsmessage\r\n' + bulk(channel) + bulk(message);
    let n = 0;
    for (const d of subs) {
      this.deliver(d, (d.resp === 3 ? '>3\r\n' : '*3\r\n') + body);
      n++;
    }
    return n;
  }

  private deliver(d: Client, msg: string): void {
    if (d.flags & CLIENT.CLOSE_ASAP) return;
    // messages are pushes: CLIENT REPLY OFF/SKIP does not hold them back (Redis's CLIENT_PUSHING)
    d.emitPush(msg);
    if (this.overLimit(d)) return;
    if (d.socket === null) return;
    this.toFlush.push(d);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushAll);
    }
  }

  private readonly flushAll = (): void => {
    this.flushScheduled = false;
    const list = this.toFlush;
    this.toFlush = [];
    const server = this.server;
    for (let i = 0; i < list.length; i++) {
      const d = list[i];
      if (!server.clients.has(d.id)) continue;
      if (d.flags & CLIENT.CLOSE_ASAP) {
        d.out = '';
        server.freeClient(d);
      } else if (d.out.length !== 0) {
        server.flushClient(d);
      }
    }
  };

  /**
   * client-output-buffer-limit, pubsub class: output waiting for the socket
   * over the hard limit, or over the soft limit for longer than its
   * seconds, closes the subscriber (asynchronously, after this command).
   */
  private overLimit(d: Client): boolean {
    const lim = this.limit;
    if (lim.hard === 0 && lim.soft === 0) return false;
    const used = d.out.length + (d.socket !== null ? d.socket.writableLength : 0);
    let close = lim.hard > 0 && used >= lim.hard;
    if (!close && lim.soft > 0) {
      if (used >= lim.soft) {
        const now = Date.now();
        const since = d.ext.obufSoftSince as number | undefined;
        if (since === undefined) d.ext.obufSoftSince = now;
        else if (now - since > lim.softSeconds * 1000) close = true;
      } else if (d.ext.obufSoftSince !== undefined) {
        d.ext.obufSoftSince = undefined;
      }
    }
    if (!close) return false;
    d.flags |= CLIENT.CLOSE_ASAP;
    d.out = '';
    this.server.stats.clientOutputBufferLimitDisconnections++;
    this.server.logger.warning(`Client id=${d.id} addr=${d.raddr} name=${d.name} scheduled to be closed ASAP for overcoming of output buffer limits.`);
    this.toFlush.push(d);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushAll);
    }
    return true;
  }

  // ---- keyspace notifications ----

  /** notifyKeyspaceEvent(): only called for classes enabled in notify-keyspace-events (Keyspace.notifyMask). */
  keyEvent(db: Db, type: number, event: string, key: string): void {
    const flags = this.notifyFlags;
    if ((flags & type) === 0) return;
    if (flags & NOTIFY.KEYSPACE) this.publish('__keyspace@' + db.id + '__:' + key, event);
    if (flags & NOTIFY.KEYEVENT) this.publish('__keyevent@' + db.id + '__:' + event, key);
  }

  // ---- introspection ----

  /** Channel names (PUBSUB CHANNELS / SHARDCHANNELS) matching an optional glob. */
  static list(map: Map<string, unknown>, pattern: string | null): string[] {
    const out: string[] = [];
    if (pattern === null) {
      for (const k of map.keys()) out.push(k);
      return out;
    }
    const g = compileGlob(pattern);
    for (const k of map.keys()) if (matchCompiled(g, k)) out.push(k);
    return out;
  }
}

/** Parses "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60" and returns the pubsub class. */
export function parseObufLimit(v: string): ObufLimit | null {
  const t = v.trim().split(/\s+/);
  for (let i = 0; i + 3 < t.length; i += 4) {
    if (t[i].toLowerCase() !== 'pubsub') continue;
    const hard = parseMemory(t[i + 1]);
    const soft = parseMemory(t[i + 2]);
    const secs = Number(t[i + 3]);
    if (hard === null || soft === null || !Number.isFinite(secs)) return null;
    return { hard, soft, softSeconds: secs };
  }
  return null;
}

export function pubsub(server: Server): PubSub {
  let p = server.ext.pubsub as PubSub | undefined;
  if (!p) server.ext.pubsub = p = new PubSub(server);
  return p;
}
