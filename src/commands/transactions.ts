// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH (Redis 7.0 multi.c).
//
// Dispatch queues commands while CLIENT.MULTI is set and flags DIRTY_EXEC
// when one is rejected. EXEC runs the queue through dispatch's call() with
// MULTI still set (blocking commands answer at once, blocked clients are
// served after EXEC) and c.ext.denyBlocking set (SSUBSCRIBE refuses, as in
// Redis).
//
// WATCH: an index db -> key -> (client -> expired-at-WATCH flag), so a write
// touches only the watchers of that key, and nothing at all while nobody
// watches. A watched key is invalidated by any write (Db reports
// keyModified), by its expiry (deletion reports keyModified; EXEC also
// fails if a key that was alive at WATCH time has logically expired), by
// FLUSHDB/FLUSHALL when it existed, and by SWAPDB when it exists in either
// database. A key that was already expired when WATCHed does not fail EXEC
// when it is merely deleted (Redis 7.0 wk->expired). One deliberate
// difference: where Redis's touchWatchedKey() `break`s out of the watcher
// list on such a watcher while the key exists (skipping the watchers after
// it), we skip only that watcher.
//
// Propagation: once the first write inside EXEC is propagated, 'MULTI' is
// propagated before it; the EXEC command itself is then propagated by
// dispatch (the keyspace is dirty), closing the block. A transaction without
// writes propagates nothing.

import type { Family } from './table.js';
import { CLIENT, type Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Db } from '../store/db.js';
import type { Value } from '../store/types.js';
import type { KeyTable } from '../store/keytable.js';
import { call, execAbort } from '../server/dispatch.js';
import { resetHooks } from './connection.js';

/** client -> true when the key was already logically expired at WATCH time */
type Watchers = Map<Client, boolean>;

function expiredIn(expires: KeyTable<number>, key: string, now: number): boolean {
  const when = expires.get(key);
  return when !== undefined && when <= now;
}

export class Watches {
  private readonly index = new Map<Db, Map<string, Watchers>>();
  /** (client, db, key) entries; 0 makes every keyspace hook a no-op. */
  count = 0;

  constructor(server: Server) {
    server.keyspace.observe({
      keyModified: (db, key) => {
        if (this.count !== 0) this.touch(db, key);
      },
      flushing: (db) => {
        if (this.count === 0) return;
        if (db !== null) this.touchAllInDb(db, db.dict, null, null);
        else for (const d of server.keyspace.dbs) this.touchAllInDb(d, d.dict, null, null);
      },
      // observed after the swap: a's old contents are now in b and vice versa
      swapped: (a, b) => {
        if (this.count === 0) return;
        this.touchAllInDb(a, b.dict, a.dict, a.expires);
        this.touchAllInDb(b, a.dict, b.dict, b.expires);
      },
    });
    server.hooks.clientFreed.push((c) => {
      this.unwatchAll(c);
      c.multiQueue = null;
    });
  }

  watch(c: Client, db: Db, key: string): void {
    let mine = c.watched;
    if (mine === null) c.watched = mine = new Map();
    let keys = mine.get(db);
    if (keys === undefined) mine.set(db, (keys = new Set()));
    if (keys.has(key)) return;
    keys.add(key);
    let m = this.index.get(db);
    if (m === undefined) this.index.set(db, (m = new Map()));
    let w = m.get(key);
    if (w === undefined) m.set(key, (w = new Map()));
    w.set(c, db.dict.has(key) && expiredIn(db.expires, key, Date.now()));
    this.count++;
  }

  unwatchAll(c: Client): void {
    const mine = c.watched;
    if (mine === null) return;
    c.watched = null;
    for (const [db, keys] of mine) {
      const m = this.index.get(db);
      if (m === undefined) continue;
      for (const key of keys) {
        const w = m.get(key);
        if (w === undefined || !w.delete(c)) continue;
        this.count--;
        if (w.size === 0) m.delete(key);
      }
      if (m.size === 0) this.index.delete(db);
    }
  }

  /** touchWatchedKey() */
  private touch(db: Db, key: string): void {
    const w = this.index.get(db)?.get(key);
    if (w === undefined) return;
    for (const [c, expired] of w) {
      if (expired) {
        // deleting a key that was already expired at WATCH time is no logical change
        if (!db.dict.has(key)) w.set(c, false);
        continue;
      }
      c.flags |= CLIENT.DIRTY_CAS;
      // no point watching anything else: EXEC will fail anyway
      this.unwatchAll(c);
    }
  }

  /**
   * touchAllWatchedKeysInDb(): `db` is being emptied (its keys are `emptied`)
   * and, for SWAPDB, receives `replaced` (with its expires).
   */
  private touchAllInDb(db: Db, emptied: KeyTable<Value>, replaced: KeyTable<Value> | null, replacedExpires: KeyTable<number> | null): void {
    const m = this.index.get(db);
    if (m === undefined) return;
    const now = Date.now();
    for (const [key, w] of m) {
      const inEmptied = emptied.has(key);
      const inReplaced = replaced !== null && replaced.has(key);
      if (!inEmptied && !inReplaced) continue;
      for (const [c, expired] of w) {
        if (expired) {
          if (!inReplaced) {
            w.set(c, false); // the expired key is now deleted: no logical change
            continue;
          } else if (expiredIn(replacedExpires!, key, now)) {
            continue; // still (another) expired key
          }
        } else if (!inEmptied && expiredIn(replacedExpires!, key, now)) {
          w.set(c, true); // a missing key replaced by an expired one
          continue;
        }
        c.flags |= CLIENT.DIRTY_CAS;
      }
    }
  }

  /** isWatchedKeyExpired(): a key alive at WATCH time has logically expired since. */
  watchedKeyExpired(c: Client): boolean {
    const mine = c.watched;
    if (mine === null) return false;
    const now = Date.now();
    for (const [db, keys] of mine) {
      if (db.expires.size === 0) continue;
      const m = this.index.get(db);
      for (const key of keys) {
        if (m?.get(key)?.get(c) === true) continue;
        if (expiredIn(db.expires, key, now)) return true;
      }
    }
    return false;
  }
}

export function watches(server: Server): Watches {
  let w = server.ext.watches as Watches | undefined;
  if (!w) server.ext.watches = w = new Watches(server);
  return w;
}

/** discardTransaction(): forget the queue, the flags and the watched keys. */
export function discardTransaction(c: Client): void {
  c.multiQueue = null;
  c.flags &= ~(CLIENT.MULTI | CLIENT.DIRTY_CAS | CLIENT.DIRTY_EXEC);
  watches(c.server).unwatchAll(c);
}

function multi(c: Client): void {
  if (c.flags & CLIENT.MULTI) return c.error('ERR MULTI calls can not be nested');
  c.flags |= CLIENT.MULTI;
  c.multiQueue = [];
  c.ok();
}

function discard(c: Client): void {
  if (!(c.flags & CLIENT.MULTI)) return c.error('ERR DISCARD without MULTI');
  discardTransaction(c);
  c.ok();
}

/** Redis's reasons for refusing a queued command whose ACL changed before EXEC. */
function execNoPerm(denied: string): string {
  let reason = 'no permission';
  if (denied.startsWith('NOPERM')) {
    if (/\bkeys?\b/.test(denied)) reason = 'no permission to touch the specified keys';
    else if (/\bchannels?\b/.test(denied)) reason = 'no permission to access one of the channels used as arguments';
    else reason = 'no permission to execute the command or subcommand';
  }
  return `NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: ${reason}`;
}

function exec(c: Client): void {
  if (!(c.flags & CLIENT.MULTI)) return c.error('ERR EXEC without MULTI');
  const server = c.server;
  const w = watches(server);
  if (w.watchedKeyExpired(c)) c.flags |= CLIENT.DIRTY_CAS;
  if (c.flags & (CLIENT.DIRTY_CAS | CLIENT.DIRTY_EXEC)) {
    if (c.flags & CLIENT.DIRTY_EXEC) c.error('EXECABORT Transaction discarded because of previous errors.');
    else c.nilArray();
    discardTransaction(c);
    return;
  }
  const queue = c.multiQueue ?? [];
  w.unwatchAll(c); // unwatch as soon as possible: our own writes need not be tracked
  const origArgv = c.argv;
  const origCmd = c.cmd;
  const prevDeny = c.ext.denyBlocking;
  c.ext.denyBlocking = true;
  const ks = server.keyspace;
  const dirty = ks.dirty;
  const hooks = server.hooks;
  const realPropagate = hooks.propagate;
  let wrapped = false;
  if (realPropagate.length !== 0) {
    hooks.propagate = [
      (db, argv) => {
        if (!wrapped) {
          wrapped = true;
          for (let i = 0; i < realPropagate.length; i++) realPropagate[i](db, ['MULTI']);
        }
        for (let i = 0; i < realPropagate.length; i++) realPropagate[i](db, argv);
      },
    ];
  }
  c.array(queue.length);
  try {
    for (let i = 0; i < queue.length; i++) {
      const q = queue[i];
      // ACL rules are checked again: they may have changed since queueing
      const denied = server.authorize(c, q.cmd, q.argv);
      if (denied !== null) {
        c.error(execNoPerm(denied));
        continue;
      }
      call(server, c, q.cmd, q.argv);
    }
  } finally {
    hooks.propagate = realPropagate;
    if (prevDeny === undefined) delete c.ext.denyBlocking;
    else c.ext.denyBlocking = prevDeny;
    c.argv = origArgv;
    c.cmd = origCmd;
    discardTransaction(c);
  }
  // MULTI went out: make sure dispatch propagates this EXEC to close it
  if (wrapped && ks.dirty === dirty) ks.dirty++;
}

function watch(c: Client, argv: string[]): void {
  if (c.flags & CLIENT.MULTI) return c.error('ERR WATCH inside MULTI is not allowed');
  // no point in watching if the client is already dirty
  if (!(c.flags & CLIENT.DIRTY_CAS)) {
    const w = watches(c.server);
    for (let i = 1; i < argv.length; i++) w.watch(c, c.db, argv[i]);
  }
  c.ok();
}

function unwatch(c: Client): void {
  watches(c.server).unwatchAll(c);
  c.flags &= ~CLIENT.DIRTY_CAS;
  c.ok();
}

export const commands: Family = {
  multi,
  exec,
  discard,
  watch,
  unwatch,
};

// RESET discards the transaction and the watched keys
resetHooks.push((c) => discardTransaction(c));

// EXEC refused by dispatch (arity, ACL, OOM...): execCommandAbort()
execAbort.fn = (c, msg) => {
  discardTransaction(c);
  c.error('EXECABORT Transaction discarded because of: ' + (msg.startsWith('ERR ') ? msg.slice(4) : msg));
};

export function install(server: Server): void {
  watches(server);
}
