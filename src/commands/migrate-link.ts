// MIGRATE's connections to target instances and the one exchange MIGRATE
// makes on them: write a pipeline (AUTH, SELECT, RESTORE...) and read one
// reply line per command, as Redis's connSyncWrite/connSyncReadLine do. The
// timeout is an inactivity timeout, like Redis's per-operation ones: it is
// armed again whenever the socket makes progress.
//
// Connections are cached per target for 10 s (Redis's migrate_cached_sockets,
// at most 64). Unlike Redis, the cache key includes a digest of the AUTH/AUTH2
// credentials the connection was used with: a MIGRATE without AUTH never
// rides on a connection another client authenticated.

import net from 'node:net';
import { createHash } from 'node:crypto';

export const CACHE_ITEMS = 64;
export const CACHE_TTL_MS = 10_000;
/** Redis writes the pipeline in 64 KB chunks, each with its own timeout. */
const WRITE_CHUNK = 64 * 1024;

export interface Link {
  readonly name: string;
  readonly socket: net.Socket;
  /** The db the target has selected for us, null when unknown (Redis's last_dbid -1). */
  lastDbid: string | null;
  lastUse: number;
  busy: boolean;
  dead: boolean;
  buf: string;
  /** Set during an exchange. */
  wake: ((failed: boolean) => void) | null;
}

/** How an exchange went wrong: during the write or the read, by timeout or socket error. */
export interface IoFail {
  write: boolean;
  timeout: boolean;
}

export interface Exchange {
  lines: string[];
  fail: IoFail | null;
}

export function cacheName(host: string, port: string, username: string | null, password: string | null): string {
  const base = host + ':' + port;
  if (password === null) return base;
  const h = createHash('sha256').update(username ?? '', 'latin1').update('\0').update(password, 'latin1');
  return base + '#' + h.digest('hex').slice(0, 32);
}

/**
 * The port Redis connects to: atoi() of the argument, printed back with %d
 * for getaddrinfo, which refuses a negative one and keeps the low 16 bits of
 * a larger one. -1: refused before any connection attempt.
 */
export function portOf(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (m === null) return 0;
  let n = Number(m[1]);
  if (!Number.isSafeInteger(n)) n = 0;
  return n < 0 ? -1 : n & 0xffff;
}

/**
 * Errors Redis 7.0 meets in connect() itself (name resolution, no route):
 * those answer "connecting". A refused or timed-out connect shows up in
 * Redis only at the first write (its blocking connect does not look at the
 * socket's error), so it is reported as a write failure.
 */
const SYNC_CONNECT_ERRORS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ENETUNREACH', 'EADDRNOTAVAIL', 'EINVAL', 'EAFNOSUPPORT']);

/** null link: failed; fail null then means "connecting", else the write failure to report. */
export type Opened = (l: Link | null, fail: IoFail | null) => void;

export function openLink(name: string, host: string, port: number, timeoutMs: number, cb: Opened): void {
  if (port < 0) return void setImmediate(() => cb(null, null));
  if (port === 0) return void setImmediate(() => cb(null, { write: true, timeout: false }));
  let done = false;
  let socket: net.Socket;
  try {
    socket = net.connect({ host, port });
  } catch {
    setImmediate(() => cb(null, null));
    return;
  }
  const timer = setTimeout(() => finish({ write: true, timeout: true }), timeoutMs);
  const link: Link = { name, socket, lastDbid: null, lastUse: Date.now(), busy: true, dead: false, buf: '', wake: null };
  function finish(fail: IoFail | null | 'connecting'): void {
    if (done) return;
    done = true;
    clearTimeout(timer);
    if (fail !== null) {
      link.dead = true;
      socket.destroy();
      return cb(null, fail === 'connecting' ? null : fail);
    }
    cb(link, null);
  }
  socket.setNoDelay(true);
  socket.on('data', (d: Buffer) => {
    link.buf += d.toString('latin1');
    if (link.wake) link.wake(false);
    else if (!link.busy) socket.destroy(); // unsolicited bytes: this connection is out of step
  });
  const lost = (e?: unknown) => {
    link.dead = true;
    if (!done) {
      const code = (e as NodeJS.ErrnoException | undefined)?.code ?? '';
      return finish(SYNC_CONNECT_ERRORS.has(code) ? 'connecting' : { write: true, timeout: false });
    }
    if (link.wake) link.wake(true);
  };
  socket.on('error', lost);
  socket.on('close', () => lost());
  socket.once('connect', () => finish(null));
}

/** The per-server cache of target connections. */
export class LinkCache {
  readonly links = new Map<string, Link>();

  get size(): number {
    return this.links.size;
  }

  /** A cached idle connection to the target, or a new one (null: could not connect in time). */
  acquire(name: string, host: string, port: number, timeoutMs: number, cb: Opened): void {
    const cached = this.links.get(name);
    if (cached !== undefined && !cached.busy && !cached.dead) {
      cached.busy = true;
      cached.lastUse = Date.now();
      cached.socket.ref();
      return cb(cached, null);
    }
    openLink(name, host, port, timeoutMs, (l, fail) => {
      if (l !== null && !this.links.has(name)) {
        if (this.links.size >= CACHE_ITEMS) this.dropOne();
        if (this.links.size < CACHE_ITEMS) this.links.set(name, l);
        l.socket.once('close', () => {
          if (this.links.get(name) === l) this.links.delete(name);
        });
      }
      cb(l, fail);
    });
  }

  /** Done with a healthy connection: it stays cached, unless another one holds its place. */
  release(l: Link): void {
    l.busy = false;
    l.wake = null;
    l.lastUse = Date.now();
    if (l.dead || this.links.get(l.name) !== l || l.buf.length !== 0) return this.close(l);
    l.socket.unref();
  }

  /** Closes a connection after an error (migrateCloseSocket). */
  close(l: Link): void {
    l.dead = true;
    l.wake = null;
    if (this.links.get(l.name) === l) this.links.delete(l.name);
    l.socket.destroy();
  }

  /** Room for a new connection: an idle one goes, picked at random as Redis does. */
  private dropOne(): void {
    const idle = [...this.links.values()].filter((l) => !l.busy);
    if (idle.length === 0) return;
    this.close(idle[Math.floor(Math.random() * idle.length)]);
  }

  /** migrateCloseTimedoutSockets, from the cron. */
  expire(now: number): void {
    for (const l of [...this.links.values()]) if (!l.busy && now - l.lastUse > CACHE_TTL_MS) this.close(l);
  }

  closeAll(): void {
    for (const l of [...this.links.values()]) this.close(l);
  }
}

/**
 * Writes `parts` and reads `expected` reply lines (without their CRLF). A
 * failure keeps the lines read so far.
 */
export function exchange(l: Link, parts: string[], expected: number, timeoutMs: number, cb: (r: Exchange) => void): void {
  const lines: string[] = [];
  let writing = true;
  let settled = false;
  let timer: NodeJS.Timeout | null = null;
  const settle = (fail: IoFail | null) => {
    if (settled) return;
    settled = true;
    if (timer) clearTimeout(timer);
    l.wake = null;
    cb({ lines, fail });
  };
  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => settle({ write: writing, timeout: true }), timeoutMs);
  };
  const take = () => {
    while (lines.length < expected) {
      const nl = l.buf.indexOf('\n');
      if (nl === -1) break;
      const end = nl > 0 && l.buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      lines.push(l.buf.slice(0, end));
      l.buf = l.buf.slice(nl + 1);
    }
    if (!writing && lines.length >= expected) settle(null);
  };
  l.wake = (failed) => {
    if (failed) return settle({ write: writing, timeout: false });
    if (!writing) arm();
    take();
  };
  if (l.dead) return settle({ write: true, timeout: false });
  // writes of at most WRITE_CHUNK bytes (small parts joined), each one progress for the timer
  const slices: string[] = [];
  let cur = '';
  for (const p of parts) {
    if (cur.length + p.length <= WRITE_CHUNK) {
      cur += p;
      continue;
    }
    if (cur.length) slices.push(cur);
    cur = '';
    if (p.length <= WRITE_CHUNK) cur = p;
    else for (let o = 0; o < p.length; o += WRITE_CHUNK) slices.push(p.slice(o, o + WRITE_CHUNK));
  }
  if (cur.length) slices.push(cur);
  let left = slices.length;
  arm();
  const wrote = (err?: Error | null) => {
    if (settled) return;
    if (err) return settle({ write: true, timeout: false });
    arm();
    if (--left === 0) {
      writing = false;
      take();
    }
  };
  if (left === 0) {
    writing = false;
    return take();
  }
  l.socket.cork();
  for (const s of slices) l.socket.write(s, 'latin1', wrote);
  l.socket.uncork();
}
