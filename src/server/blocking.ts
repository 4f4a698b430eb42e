// Clients parked on keys (BLPOP, BLMOVE, BZPOPMIN, BLMPOP, ...). A blocked
// client stops processing its input; it is served in FIFO order per key when
// the key becomes ready (a list/zset is created: Db.add reports keyReady),
// times out with its own timer, or is released by CLIENT UNBLOCK / disconnect.
//
// As in Redis, keys are served after the command that readied them has run
// to completion (after EXEC for a transaction), so a waiter never sees a
// half-applied transaction, and the command's own propagation comes first.
// A released client's reply goes out, and its pipelined input runs, once the
// current command batch is done (Redis does both in beforeSleep).

import { CLIENT, type Client } from './client.js';
import type { Server } from './server.js';
import type { Db } from '../store/db.js';
import { processInput } from './connection.js';
import { parseLongDouble } from '../util/numbers.js';

export interface BlockSpec {
  db: Db;
  keys: string[];
  /** Absolute unix ms, 0 = forever. */
  deadline: number;
  /**
   * Called (synchronously, with c as the executing client and c.db set to
   * spec.db) when `key` may be ready. Writes the reply and returns true if
   * it dealt with the client (served, or answered with an error such as
   * WRONGTYPE); false leaves it blocked.
   */
  tryServe: (c: Client, key: string) => boolean;
  /** Writes the timeout reply (null array for most commands). */
  onTimeout: (c: Client) => void;
}

interface BlockedState {
  spec: BlockSpec;
  timer: NodeJS.Timeout | null;
}

/** setTimeout's largest delay; longer timeouts re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Blocking {
  /** db -> key -> clients in arrival order */
  private readonly waiting = new Map<Db, Map<string, Client[]>>();
  private ready: { db: Db; key: string }[] = [];
  private readySet = new Set<string>();
  private serving = false;
  private resumeQueue: Client[] = [];
  private resumeScheduled = false;
  /** Clients blocked right now (INFO blocked_clients). */
  count = 0;

  constructor(private readonly server: Server) {
    server.keyspace.observe({
      keyReady: (db, key) => this.signal(db, key),
      swapped: (a, b) => {
        for (const db of [a, b]) for (const key of this.waiting.get(db)?.keys() ?? []) this.signal(db, key);
      },
    });
    // inside MULTI/EXEC the transaction runs to the end before anyone is served;
    // off while no key is ready (signal turns it on)
    server.hooks.afterCall.push(this.afterCall);
    server.hooks.afterCall.setActive(this.afterCall, false);
    server.hooks.clientFreed.push((c) => this.unblock(c, null));
  }

  isBlocked(c: Client): boolean {
    return (c.flags & CLIENT.BLOCKED) !== 0;
  }

  /**
   * Blocking commands must not block inside MULTI/EXEC (nor, later, scripts):
   * they answer as if the timeout had expired.
   */
  mayBlock(c: Client): boolean {
    return !(c.flags & CLIENT.MULTI) && c.ext.denyBlocking !== true;
  }

  /** Keys some client is blocked on in `db` (for tests and DEBUG). */
  waitersOn(db: Db, key: string): number {
    return this.waiting.get(db)?.get(key)?.length ?? 0;
  }

  block(c: Client, spec: BlockSpec): void {
    const st: BlockedState = { spec, timer: null };
    c.blocked = st;
    c.flags |= CLIENT.BLOCKED;
    this.count++;
    let m = this.waiting.get(spec.db);
    if (!m) this.waiting.set(spec.db, (m = new Map()));
    for (const k of new Set(spec.keys)) {
      const q = m.get(k);
      if (q) q.push(c);
      else m.set(k, [c]);
    }
    if (spec.deadline > 0) this.arm(c, st);
  }

  private arm(c: Client, st: BlockedState): void {
    const left = st.spec.deadline - Date.now();
    if (left <= 0) {
      st.timer = setTimeout(() => this.unblock(c, 'timeout'), 0);
      return;
    }
    st.timer = setTimeout(() => {
      st.timer = null;
      if (c.blocked !== st) return;
      if (Date.now() >= st.spec.deadline) this.unblock(c, 'timeout');
      else this.arm(c, st);
    }, Math.min(left, MAX_TIMER_MS));
  }

  /**
   * Releases a blocked client. reason: 'timeout' writes the timeout reply,
   * 'error' writes -UNBLOCKED, null just forgets it (disconnect or served).
   * Returns false when the client was not blocked.
   */
  unblock(c: Client, reason: 'timeout' | 'error' | null): boolean {
    if (!(c.flags & CLIENT.BLOCKED)) return false;
    const st = c.blocked as BlockedState;
    if (st.timer) clearTimeout(st.timer);
    st.timer = null;
    c.flags &= ~CLIENT.BLOCKED;
    c.blocked = null;
    this.count--;
    const m = this.waiting.get(st.spec.db);
    if (m) {
      for (const k of st.spec.keys) {
        const q = m.get(k);
        if (!q) continue;
        const i = q.indexOf(c);
        if (i !== -1) q.splice(i, 1);
        if (q.length === 0) m.delete(k);
      }
      if (m.size === 0) this.waiting.delete(st.spec.db);
    }
    if (reason === null) return true;
    if (reason === 'timeout') st.spec.onTimeout(c);
    else c.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    this.resume(c);
    return true;
  }

  /** Sends a released client's reply and runs its queued input, after the current batch. */
  private resume(c: Client): void {
    this.resumeQueue.push(c);
    if (this.resumeScheduled) return;
    this.resumeScheduled = true;
    queueMicrotask(() => {
      this.resumeScheduled = false;
      const q = this.resumeQueue;
      this.resumeQueue = [];
      for (const x of q) {
        if (!this.server.clients.has(x.id) || x.flags & CLIENT.BLOCKED) continue;
        if (x.socket && x.socket.isPaused()) x.socket.resume();
        processInput(this.server, x);
      }
    });
  }

  private signal(db: Db, key: string): void {
    const m = this.waiting.get(db);
    if (!m || !m.has(key)) return;
    const id = db.id + '\u0000' + key;
    if (this.readySet.has(id)) return;
    this.readySet.add(id);
    this.ready.push({ db, key });
    this.server.hooks.afterCall.setActive(this.afterCall, true);
  }

  private readonly afterCall = (c: Client): void => {
    if (!(c.flags & CLIENT.MULTI)) this.serveReady();
    if (this.ready.length === 0) this.server.hooks.afterCall.setActive(this.afterCall, false);
  };

  /** Serves clients blocked on keys that became ready during the last command. */
  serveReady(): void {
    if (this.ready.length === 0 || this.serving) return;
    this.serving = true;
    try {
      while (this.ready.length) {
        const batch = this.ready;
        this.ready = [];
        this.readySet.clear();
        for (const { db, key } of batch) {
          const q = this.waiting.get(db)?.get(key);
          if (!q) continue;
          for (const c of [...q]) {
            if (!(c.flags & CLIENT.BLOCKED)) continue;
            const st = c.blocked as BlockedState;
            if (st.spec.db !== db) continue;
            const savedDb = c.db;
            c.db = db;
            let served = false;
            try {
              served = st.spec.tryServe(c, key);
            } finally {
              c.db = savedDb;
            }
            if (!served) {
              // gone or empty again: everyone behind keeps waiting too.
              // Present but not for this waiter (a zset waiter on a list key): next.
              if (db.peek(key) === undefined) break;
              continue;
            }
            this.unblock(c, null);
            this.resume(c);
          }
        }
      }
    } finally {
      this.serving = false;
    }
  }
}

export function blocking(server: Server): Blocking {
  let b = server.ext.blocking as Blocking | undefined;
  if (!b) server.ext.blocking = b = new Blocking(server);
  return b;
}

const TIMEOUT_NOT_FLOAT = 'ERR timeout is not a float or out of range';
const TIMEOUT_NEGATIVE = 'ERR timeout is negative';

/**
 * Parses a blocking timeout in seconds to an absolute deadline in unix ms,
 * 0 = forever, or returns the error text. Redis 7.0 reads a long double,
 * multiplies by 1000 and truncates to long long: sub-millisecond timeouts
 * mean forever, and values too large for a long long (inf included) come out
 * negative on x86.
 */
export function parseTimeout(s: string): number | string {
  const v = parseLongDouble(s);
  if (v === null) return TIMEOUT_NOT_FLOAT;
  const ms = v * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) >= 2 ** 63) return TIMEOUT_NEGATIVE;
  const t = Math.trunc(ms);
  if (t < 0) return TIMEOUT_NEGATIVE;
  if (t === 0) return 0;
  return Date.now() + t;
}
