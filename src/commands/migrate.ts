// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
//   [AUTH password] [AUTH2 username password] [KEYS key ...]
// (Redis 7.0 cluster.c migrateCommand, outside cluster mode): the values are
// serialized as DUMP payloads and sent as one pipeline of AUTH, SELECT (when
// the cached connection has another db selected) and RESTORE key ttl payload
// [REPLACE]; each +OK from the target deletes the source key (unless COPY),
// and the deletions propagate as one DEL.
//
// Redis blocks the whole server for the transfer. Handlers here cannot wait
// on a socket, so the client is parked (as WAIT parks it) and answered when
// the target has replied or the timeout hit; everyone else keeps being
// served. The payloads are taken when the command runs. A key that is
// written, deleted or flushed while its transfer is in flight is not deleted
// when the target acknowledges it: the newer value stays here (the target
// keeps the older copy), as if COPY had been given for that key.
//
// Inside MULTI/EXEC (where a client cannot be parked) the exchange runs to
// completion before EXEC goes on, as in Redis: a helper process
// (migrate-sync.ts) does the socket work on a fresh connection while the
// server waits for it.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Family, KeyRef } from './table.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Db } from '../store/db.js';
import { NOTIFY } from '../store/types.js';
import { ERR } from './errors.js';
import { parseI64 } from '../util/numbers.js';
import { serialize } from './dump.js';
import { blocking } from '../server/blocking.js';
import { LinkCache, portOf, cacheName, exchange, type Exchange, type IoFail, type Link } from './migrate-link.js';

const KEY_FLAGS = ['RW', 'access', 'delete'];
const NO_KEYS: KeyRef[] = [];
const MAX_TIMER_MS = 2 ** 31 - 1;

const IOERR_CONNECT = 'IOERR error or timeout connecting to the client';
const ioerr = (write: boolean) => `IOERR error or timeout ${write ? 'writing' : 'reading'} to target instance`;

/** migrateGetKeys: the key argument, or everything after KEYS. */
function migrateGetKeys(argv: string[]): KeyRef[] {
  let first = 3;
  let num = 1;
  for (let i = 6; i < argv.length; i++) {
    const a = argv[i].toLowerCase();
    if (a === 'keys') {
      if (argv[3].length > 0) return NO_KEYS;
      first = i + 1;
      num = argv.length - first;
      break;
    }
    if (a === 'auth') i += 1;
    else if (a === 'auth2') i += 2;
  }
  const out: KeyRef[] = [];
  for (let i = 0; i < num; i++) out.push({ pos: first + i, flags: KEY_FLAGS });
  return out;
}

interface Item {
  key: string;
  payload: string;
  /** Absolute unix ms, -1 for none. */
  expireAt: number;
}

interface State {
  cache: LinkCache;
  /** Transfers in flight, for the keyspace observer. */
  jobs: Set<Job>;
}

function state(server: Server): State {
  let s = server.ext.migrate as State | undefined;
  if (!s) server.ext.migrate = s = { cache: new LinkCache(), jobs: new Set() };
  return s;
}

/** INFO stats migrate_cached_sockets. */
export function migrateCachedSockets(server: Server): number {
  return (server.ext.migrate as State | undefined)?.cache.size ?? 0;
}

/** One attempt's request: what was sent and how many reply lines it asks for. */
interface Request {
  parts: string[];
  auth: boolean;
  select: boolean;
  sent: string[];
}

const EMPTY_REQUEST: Request = { parts: [], auth: false, select: false, sent: [] };

/** What an attempt came to. */
type Verdict = { retry: true } | { retry: false; reply: string | null; acked: string[]; closeLink: boolean; newDbid: string | null };

function bulk(s: string): string {
  return '$' + s.length + '\r\n' + s + '\r\n';
}

class Job {
  readonly touched = new Set<string>();
  mayRetry = true;
  /** The client was told the outcome some other way (CLIENT UNBLOCK): no deletion then. */
  abandoned = false;
  parkedAs: unknown = null;

  constructor(
    readonly c: Client,
    readonly db: Db,
    readonly host: string,
    readonly port: string,
    readonly dbid: string,
    readonly timeout: number,
    readonly copy: boolean,
    readonly replace: boolean,
    readonly username: string | null,
    readonly password: string | null,
    readonly items: Item[],
  ) {}

  private keySet: Set<string> | null = null;
  has(key: string): boolean {
    this.keySet ??= new Set(this.items.map((it) => it.key));
    return this.keySet.has(key);
  }

  request(lastDbid: string | null): Request {
    const parts: string[] = [];
    const auth = this.password !== null;
    if (auth) {
      let s = (this.username !== null ? '*3\r\n' : '*2\r\n') + bulk('AUTH');
      if (this.username !== null) s += bulk(this.username);
      parts.push(s + bulk(this.password!));
    }
    const select = lastDbid !== this.dbid;
    if (select) parts.push('*2\r\n' + bulk('SELECT') + bulk(this.dbid));
    const sent: string[] = [];
    const now = Date.now();
    for (const it of this.items) {
      let ttl = 0;
      if (it.expireAt !== -1) {
        ttl = it.expireAt - now;
        if (ttl < 0) continue;
        if (ttl < 1) ttl = 1;
      }
      sent.push(it.key);
      parts.push((this.replace ? '*5\r\n' : '*4\r\n') + bulk('RESTORE') + bulk(it.key) + bulk(String(ttl)) + '$' + it.payload.length + '\r\n');
      parts.push(it.payload);
      parts.push(this.replace ? '\r\n' + bulk('REPLACE') : '\r\n');
    }
    return { parts, auth, select, sent };
  }

  /** The reply-reading half of migrateCommand, on the lines one attempt got back. */
  judge(req: Request, r: Exchange): Verdict {
    const head = (req.auth ? 1 : 0) + (req.select ? 1 : 0);
    const socketErr = (write: boolean, timeout: boolean): Verdict => {
      if (!timeout && this.mayRetry) {
        this.mayRetry = false;
        return { retry: true };
      }
      return { retry: false, reply: ioerr(write), acked: [], closeLink: true, newDbid: null };
    };
    // Redis reads nothing back before the whole pipeline is written
    if (r.fail !== null && (r.fail.write || r.lines.length < head)) return socketErr(r.fail.write, r.fail.timeout);
    const authLine = req.auth ? r.lines[0] : '';
    const selLine = req.select ? r.lines[req.auth ? 1 : 0] : '';
    const restores = r.lines.slice(head);
    let reply: string | null = null;
    const acked: string[] = [];
    for (let j = 0; j < restores.length; j++) {
      const line = restores[j];
      if ((req.auth && authLine[0] === '-') || (req.select && selLine[0] === '-') || line[0] === '-') {
        if (reply === null) {
          const e = req.auth && authLine[0] === '-' ? authLine : req.select && selLine[0] === '-' ? selLine : line;
          reply = 'ERR Target instance replied with error: ' + e.slice(1);
        }
      } else if (!this.copy) acked.push(req.sent[j]);
    }
    if (reply === null && r.fail !== null && restores.length === 0 && this.mayRetry && !r.fail.timeout) {
      this.mayRetry = false;
      return { retry: true };
    }
    if (reply === null && r.fail !== null) return { retry: false, reply: ioerr(false), acked, closeLink: true, newDbid: null };
    // on a target error the selected db is no longer known (last_dbid = -1)
    return { retry: false, reply, acked, closeLink: r.fail !== null, newDbid: reply === null ? this.dbid : null };
  }

  /** Deletes the acknowledged keys (those not changed meanwhile): the DEL to propagate, or null. */
  applyDeletes(acked: string[]): string[] | null {
    if (this.abandoned || acked.length === 0) return null;
    const server = this.c.server;
    const del = ['DEL'];
    for (const k of acked) {
      if (this.touched.has(k)) continue;
      if (!this.db.delete(k)) continue;
      this.db.notify(NOTIFY.GENERIC, 'del', k);
      del.push(k);
    }
    if (del.length === 1) return null;
    server.keyspace.dirty += del.length - 1;
    return del;
  }
}

// ---------------------------------------------------------------------------
// the parked (normal) path: cached connections, answered later

function runAsync(job: Job): void {
  const server = job.c.server;
  const st = state(server);
  st.jobs.add(job);
  const b = blocking(server);
  const c = job.c;
  let answer: string | null | undefined;
  // CLIENT REPLY OFF/SKIP apply to the reply written later too (SKIP is over by then)
  const silent = c.replyMode !== 'on';
  b.block(c, {
    db: c.db,
    keys: [],
    deadline: 0,
    tryServe: () => false,
    onTimeout: (x) => {
      if (silent) {
        if (answer === undefined) job.abandoned = true;
        return;
      }
      if (answer === undefined) {
        // CLIENT UNBLOCK before the target answered: the client hears of a
        // timeout, so the keys stay here whatever the target does
        job.abandoned = true;
        return x.error(ioerr(false));
      }
      if (answer === null) x.ok();
      else x.error(answer);
    },
  });
  job.parkedAs = c.blocked;
  const cmd = c.cmd;
  const done = (reply: string | null) => {
    st.jobs.delete(job);
    answer = reply;
    if (reply !== null && cmd !== null) cmd.failedCalls++;
    if (c.blocked === job.parkedAs && server.clients.has(c.id)) b.unblock(c, 'timeout');
  };
  // a client released meanwhile (CLIENT UNBLOCK) was told something else; one that left was not
  const released = () => server.clients.has(c.id) && c.blocked !== job.parkedAs;
  const name = cacheName(job.host, job.port, job.username, job.password);
  const attempt = () => {
    st.cache.acquire(name, job.host, portOf(job.port), job.timeout, (link: Link | null, fail: IoFail | null) => {
      if (link === null) {
        if (fail === null) return done(IOERR_CONNECT);
        const v = job.judge(EMPTY_REQUEST, { lines: [], fail });
        return v.retry ? attempt() : done(v.reply);
      }
      const req = job.request(link.lastDbid);
      const expected = (req.auth ? 1 : 0) + (req.select ? 1 : 0) + req.sent.length;
      exchange(link, req.parts, expected, job.timeout, (r) => {
        const v = job.judge(req, r);
        if (v.retry) {
          st.cache.close(link);
          return attempt();
        }
        if (v.closeLink) st.cache.close(link);
        else {
          link.lastDbid = v.newDbid;
          st.cache.release(link);
        }
        const finish = () => {
          // CLIENT PAUSE (and FAILOVER) promise no writes: the deletions wait for the pause to end
          const p = server.pause;
          if (p !== null && Date.now() < p.until) return void setTimeout(finish, Math.min(50, p.until - Date.now()));
          if (released()) job.abandoned = true;
          // outside any command call: propagated here, not by dispatch
          const del = job.applyDeletes(v.acked);
          if (del !== null) server.propagate(job.db.id, del);
          done(v.reply);
        };
        finish();
      });
    });
  };
  attempt();
}

// ---------------------------------------------------------------------------
// inside MULTI/EXEC: the server waits, as Redis's does

const SYNC_HELPER = fileURLToPath(new URL('./migrate-sync.js', import.meta.url));

/** One attempt through the helper process: null when it could not connect. */
function exchangeSync(job: Job, req: Request, expected: number): Exchange | null {
  const head = JSON.stringify({ host: job.host, port: portOf(job.port), timeout: job.timeout, expected });
  const input = Buffer.from(head + '\n' + req.parts.join(''), 'latin1');
  // the helper's own timeouts end it; this bound only guards against a stuck helper
  const bound = Math.min(job.timeout * (expected + 4) + 10_000, MAX_TIMER_MS);
  const r = spawnSync(process.execPath, [SYNC_HELPER], { input, timeout: bound, maxBuffer: 1 << 26, stdio: ['pipe', 'pipe', 'ignore'] });
  if (r.status !== 0 || r.stdout === null) return { lines: [], fail: { write: false, timeout: true } };
  try {
    const out = JSON.parse(r.stdout.toString('utf8')) as { connected: boolean } & Exchange;
    return out.connected || out.fail !== null ? { lines: out.lines, fail: out.fail } : null;
  } catch {
    return { lines: [], fail: { write: false, timeout: true } };
  }
}

function runSync(job: Job): void {
  for (;;) {
    const req = job.request(null);
    const expected = (req.auth ? 1 : 0) + (req.select ? 1 : 0) + req.sent.length;
    const r = exchangeSync(job, req, expected);
    if (r === null) return job.c.error(IOERR_CONNECT);
    const v = job.judge(req, r);
    if (v.retry) continue;
    // inside EXEC, dispatch propagates the command as rewritten (Redis's DEL)
    const del = job.applyDeletes(v.acked);
    if (del !== null) job.c.argv = del;
    if (v.reply === null) job.c.ok();
    else job.c.error(v.reply);
    return;
  }
}

// ---------------------------------------------------------------------------

function migrate(c: Client, argv: string[]): void {
  let copy = false;
  let replace = false;
  let username: string | null = null;
  let password: string | null = null;
  let first = 3;
  let num = 1;
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j].toLowerCase();
    if (opt === 'copy') copy = true;
    else if (opt === 'replace') replace = true;
    else if (opt === 'auth') {
      if (!more) return c.error(ERR.syntax);
      password = argv[++j];
    } else if (opt === 'auth2') {
      if (more < 2) return c.error(ERR.syntax);
      username = argv[++j];
      password = argv[++j];
    } else if (opt === 'keys') {
      if (argv[3].length !== 0) return c.error('ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');
      first = j + 1;
      num = argv.length - j - 1;
      break;
    } else return c.error(ERR.syntax);
  }
  const t = parseI64(argv[5]);
  if (t === null) return c.error(ERR.notInt);
  const dbid = parseI64(argv[4]);
  if (dbid === null) return c.error(ERR.notInt);
  const timeout = t <= 0n ? 1000 : t > BigInt(MAX_TIMER_MS) ? MAX_TIMER_MS : Number(t);
  const db = c.db;
  const items: Item[] = [];
  for (let j = 0; j < num; j++) {
    const key = argv[first + j];
    const v = db.read(key);
    if (v === undefined) continue;
    items.push({ key, payload: serialize(c, v), expireAt: db.getExpire(key) ?? -1 });
  }
  if (items.length === 0) return c.simple('NOKEY');
  const job = new Job(c, db, argv[1], argv[2], String(dbid), timeout, copy, replace, username, password, items);
  if (blocking(c.server).mayBlock(c)) runAsync(job);
  else runSync(job);
}

function install(server: Server): void {
  const st = state(server);
  const touch = (db: Db | null, key: string | null) => {
    for (const job of st.jobs) {
      if (db !== null && job.db !== db) continue;
      if (key === null) for (const it of job.items) job.touched.add(it.key);
      else if (job.has(key)) job.touched.add(key);
    }
  };
  server.keyspace.observe({
    keyModified: (db, key) => {
      if (st.jobs.size !== 0) touch(db, key);
    },
    flushing: (db) => {
      if (st.jobs.size !== 0) touch(db, null);
    },
    swapped: (a, b) => {
      if (st.jobs.size === 0) return;
      touch(a, null);
      touch(b, null);
    },
  });
  let last = 0;
  server.hooks.cron.push((now) => {
    if (now - last < 1000) return;
    last = now;
    st.cache.expire(now);
  });
  server.hooks.shutdown.push(() => {
    st.cache.closeAll();
    return null;
  });
}

export { install };

export const commands: Family = {
  migrate: { handler: migrate, getKeys: migrateGetKeys },
};
