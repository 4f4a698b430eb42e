// Clients parked on keys (BLPOP, BLMOVE, BZPOPMIN, BLMPOP, ...). A blocked
// client stops processing its input; it is served in FIFO order per key when
// the key becomes ready (a list/zset is created: Db.add reports keyReady),
// times out with its own timer, or is released by CLIENT UNBLOCK / disconnect.

import { CLIENT, type Client } from './client.js';
import type { Server } from './server.js';
import type { Db } from '../store/db.js';
import { processInput } from './connection.js';

export interface BlockSpec {
  db: Db;
  keys: string[];
  /** Absolute unix ms, 0 = forever. */
  deadline: number;
  /**
   * Called (synchronously, with c as the executing client) when `key` may
   * be ready. Writes the reply and returns true if it served the client.
   */
  tryServe: (c: Client, key: string) => boolean;
  /** Writes the timeout reply (null array for most commands). */
  onTimeout: (c: Client) => void;
}

interface BlockedState {
  spec: BlockSpec;
  timer: NodeJS.Timeout | null;
}

export class Blocking {
  /** db -> key -> clients in arrival order */
  private readonly waiting = new Map<Db, Map<string, Client[]>>();
  private ready: { db: Db; key: string }[] = [];
  private readySet = new Set<string>();
  private serving = false;
  count = 0;

  constructor(private readonly server: Server) {
    server.keyspace.observe({
      keyReady: (db, key) => this.signal(db, key),
      swapped: (a, b) => {
        for (const db of [a, b]) for (const key of this.waiting.get(db)?.keys() ?? []) this.signal(db, key);
      },
    });
    // inside EXEC the transaction runs to the end before anyone else is served
    server.hooks.afterCall.push((c) => {
      if (!(c.flags & CLIENT.MULTI)) this.serveReady();
    });
    server.hooks.clientFreed.push((c) => this.unblock(c, null));
  }

  isBlocked(c: Client): boolean {
    return (c.flags & CLIENT.BLOCKED) !== 0;
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
    if (spec.deadline > 0) {
      st.timer = setTimeout(() => this.unblock(c, 'timeout'), Math.max(0, spec.deadline - Date.now()));
    }
  }

  /**
   * Releases a blocked client. reason: 'timeout' writes the timeout reply,
   * 'error' writes -UNBLOCKED, null just forgets it (disconnect or served).
   */
  unblock(c: Client, reason: 'timeout' | 'error' | null): void {
    if (!(c.flags & CLIENT.BLOCKED)) return;
    const st = c.blocked as BlockedState;
    if (st.timer) clearTimeout(st.timer);
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
    }
    if (reason === null) return;
    if (reason === 'timeout') st.spec.onTimeout(c);
    else c.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    this.resume(c);
  }

  /** After a client is released its queued input runs and its replies are sent. */
  private resume(c: Client): void {
    if (!this.server.clients.has(c.id)) return;
    if (c.socket && c.socket.isPaused()) c.socket.resume();
    processInput(this.server, c);
  }

  private signal(db: Db, key: string): void {
    const m = this.waiting.get(db);
    if (!m || !m.has(key)) return;
    const id = db.id + '\u0000' + key;
    if (this.readySet.has(id)) return;
    this.readySet.add(id);
    this.ready.push({ db, key });
  }

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
            const savedDb = c.db;
            c.db = st.spec.db;
            let served = false;
            try {
              served = st.spec.tryServe(c, key);
            } finally {
              c.db = savedDb;
            }
            if (!served) break; // key is empty or gone again: later clients wait too
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

/** Parses a blocking timeout in seconds (float) to an absolute deadline, 0 = forever. Error text or number. */
export function parseTimeout(s: string): number | string {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return 'ERR timeout is not a float or out of range';
  const secs = Number(s);
  if (!Number.isFinite(secs)) return 'ERR timeout is not a float or out of range';
  if (secs < 0) return 'ERR timeout is negative';
  if (secs === 0) return 0;
  return Date.now() + Math.max(1, Math.round(secs * 1000));
}
