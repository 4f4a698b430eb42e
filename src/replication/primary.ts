// The primary side of Redis 7.0's replication (replication.c): the stream
// offset and ids, the backlog, replicas attached by PSYNC/SYNC, full
// synchronisation by an RDB serialised from a Snapshot between event-loop
// turns (diskless: the EOF-marker form to replicas that announced capa eof,
// the sized `$len` form, held in memory, to the others), partial resync
// from the backlog, ACK bookkeeping for WAIT and min-replicas-to-write.
//
// The replication state (ids, offset, backlog) is shared with the replica
// side: a replica's offset is the primary's stream it has applied, and its
// backlog holds that stream, so after a promotion its own replicas resume.

import type { Server } from '../server/server.js';
import { CLIENT, type Client } from '../server/client.js';
import { Backlog } from './backlog.js';
import { Snapshot } from '../persistence/snapshot.js';
import { RdbWriter } from '../persistence/rdb/writer.js';
import { snapshotOptions, saveState, type BackgroundSave } from '../persistence/rdb-file.js';
import { bufferLimits } from '../config/params.js';

export type LinkState = 'wait_bgsave' | 'send_bulk' | 'online';

export interface ReplicaLink {
  c: Client;
  state: LinkState;
  ip: string;
  port: number;
  capaEof: boolean;
  /** Old SYNC: no +FULLRESYNC line, sized payload. */
  oldSync: boolean;
  ackOff: number;
  ackTime: number;
  /** The stream produced while the RDB is being sent (goes out after it). */
  pending: string[] | null;
  /**
   * After an EOF-marker payload the stream waits for the replica's first
   * ACK (Redis's repl_start_cmd_stream_on_ack): a replica looks for the mark
   * at the end of what it read, so bytes right behind it would hide it.
   */
  streamOnAck: boolean;
  /** Since when the output is over the soft limit (0: it is not). */
  softSince: number;
  /** Over its output limit: dropped, fed nothing more. */
  closing: boolean;
  waitingSince: number;
}

export interface ReplState {
  role: 'master' | 'slave';
  ids: { id: string; id2: string };
  offset: number;
  secondOffset: number;
  backlog: Backlog | null;
  lastSeldb: number;
  replicas: ReplicaLink[];
  sync: SyncJob | null;
  lastPing: number;
  /** Clients blocked in WAIT. */
  waiters: Set<Client>;
  getackQueued: boolean;
  /** Set by the replica side: the link to our primary, if any. */
  link: unknown;
  /** When the last replica left (repl-backlog-ttl). */
  noReplicasSince: number | null;
}

const ZERO_ID = '0'.repeat(40);

export function randomId(): string {
  return [...crypto.getRandomValues(new Uint8Array(20))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function repl(server: Server): ReplState {
  let st = server.ext.repl as ReplState | undefined;
  if (st === undefined) {
    // server-cmds keeps the ids in ext.replIds (DEBUG CHANGE-REPL-ID): share the object
    let ids = server.ext.replIds as { id: string; id2: string } | undefined;
    if (!ids) server.ext.replIds = ids = { id: randomId(), id2: ZERO_ID };
    st = {
      role: 'master',
      ids,
      offset: 0,
      secondOffset: -1,
      backlog: null,
      lastSeldb: -1,
      replicas: [],
      sync: null,
      lastPing: Date.now(),
      waiters: new Set(),
      getackQueued: false,
      link: null,
      noReplicasSince: null,
    };
    server.ext.repl = st;
  }
  return st;
}

export function respCommand(argv: string[]): string {
  let s = '*' + argv.length + '\r\n';
  for (const a of argv) s += '$' + a.length + '\r\n' + a + '\r\n';
  return s;
}

/** Appends bytes to the stream: backlog, offset, every attached replica. */
export function feedRaw(server: Server, st: ReplState, s: string): void {
  if (st.backlog === null) return;
  st.backlog.append(s);
  st.offset += s.length;
  for (const l of st.replicas) {
    if (l.closing) continue;
    if (l.pending !== null) l.pending.push(s);
    else if (l.state === 'online') {
      l.c.out += s;
      server.queueWrite(l.c);
    }
    if (overLimit(server, l)) closeOverLimit(server, l);
  }
}

/**
 * client-output-buffer-limit, replica class: stream bytes not yet taken by
 * the replica's socket over the hard limit, or over the soft one for longer
 * than its seconds.
 */
function overLimit(server: Server, l: ReplicaLink): boolean {
  let lim = server.ext.replicaObufLimit as { v: string; hard: number; soft: number; secs: number } | undefined;
  const v = server.config.str('client-output-buffer-limit');
  if (lim === undefined || lim.v !== v) {
    const x = bufferLimits(v).slave;
    server.ext.replicaObufLimit = lim = { v, hard: Number(x.hard), soft: Number(x.soft), secs: x.seconds };
  }
  if (lim.hard === 0 && lim.soft === 0) return false;
  const c = l.c;
  let used = c.out.length + (c.socket !== null ? c.socket.writableLength : 0);
  if (l.pending !== null) for (const p of l.pending) used += p.length;
  if (lim.hard > 0 && used >= lim.hard) return true;
  if (lim.soft > 0 && used >= lim.soft) {
    const now = Date.now();
    if (l.softSince === 0) l.softSince = now;
    else if (now - l.softSince > lim.secs * 1000) return true;
  } else l.softSince = 0;
  return false;
}

function closeOverLimit(server: Server, l: ReplicaLink): void {
  const c = l.c;
  if (c.flags & CLIENT.CLOSE_ASAP) return;
  c.flags |= CLIENT.CLOSE_ASAP;
  c.out = '';
  l.pending = null;
  l.closing = true;
  server.stats.clientOutputBufferLimitDisconnections++;
  server.logger.warning(`Client id=${c.id} addr=${c.raddr} laddr=${c.laddr} name=${c.name} scheduled to be closed ASAP for overcoming of output buffer limits.`);
  setImmediate(() => {
    c.socket?.destroy();
    c.close();
  });
}

/** server.hooks.propagate: a write of this server's own clients. */
export function feedCommand(server: Server, db: number, argv: string[]): void {
  const st = repl(server);
  if (st.backlog === null) return;
  // a replica proxies its primary's bytes verbatim (see replica.ts) instead
  const cur = server.current;
  if (cur !== null && cur.flags & CLIENT.MASTER) return;
  let s = '';
  if (db !== st.lastSeldb) {
    s = respCommand(['SELECT', String(db)]);
    st.lastSeldb = db;
  }
  feedRaw(server, st, s + respCommand(argv));
  if (cur !== null) cur.ext.woff = st.offset;
}

export function createBacklog(server: Server, st: ReplState): void {
  if (st.backlog === null) st.backlog = new Backlog(server.config.num('repl-backlog-size'), st.offset);
}

function linkName(l: ReplicaLink): string {
  return `${l.ip}:${l.port}`;
}

/** PSYNC / SYNC. */
export function psync(c: Client, argv: string[], old: boolean): void {
  const server = c.server;
  const st = repl(server);
  if (c.flags & CLIENT.REPLICA) return;
  const ip = c.raddr.slice(0, c.raddr.lastIndexOf(':'));
  const port = Number(c.ext.replPort ?? 0);
  const capa = (c.ext.replCapa as Set<string> | undefined) ?? new Set<string>();
  const link: ReplicaLink = {
    c,
    state: 'wait_bgsave',
    ip,
    port,
    capaEof: capa.has('eof') && !old,
    oldSync: old,
    ackOff: 0,
    ackTime: Date.now(),
    pending: null,
    streamOnAck: false,
    softSince: 0,
    closing: false,
    waitingSince: Date.now(),
  };
  if (!old) {
    const id = argv[1];
    const off = Number(argv[2]);
    const b = st.backlog;
    const idOk = id === st.ids.id || (id === st.ids.id2 && off <= st.secondOffset);
    if (idOk && b !== null && Number.isSafeInteger(off) && b.covers(off)) {
      c.flags |= CLIENT.REPLICA;
      link.state = 'online';
      st.replicas.push(link);
      const bytes = b.from(off);
      c.raw(capa.has('psync2') ? `+CONTINUE ${st.ids.id}\r\n` : '+CONTINUE\r\n');
      c.out += bytes;
      server.logger.notice(`Replica ${linkName(link)} asks for synchronization`);
      server.logger.notice(
        `Partial resynchronization request from ${linkName(link)} accepted. Sending ${bytes.length} bytes of backlog starting from offset ${off}.`,
      );
      return;
    }
    server.logger.notice(`Replica ${linkName(link)} asks for synchronization`);
    if (id !== '?') {
      if (!idOk) {
        server.logger.notice(
          `Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${id}', my replication IDs are '${st.ids.id}' and '${st.ids.id2}')`,
        );
      } else {
        server.logger.notice(
          `Unable to partial resync with replica ${linkName(link)} for lack of backlog (Replica request was: ${off}).`,
        );
      }
    } else server.logger.notice(`Full resync requested by replica ${linkName(link)}`);
  }
  c.flags |= CLIENT.REPLICA;
  createBacklog(server, st);
  st.replicas.push(link);
  maybeStartSync(server);
}

export function removeReplica(server: Server, c: Client): void {
  const st = repl(server);
  const i = st.replicas.findIndex((l) => l.c === c);
  if (i < 0) return;
  const l = st.replicas[i];
  st.replicas.splice(i, 1);
  server.logger.notice(`Connection with replica ${linkName(l)} lost.`);
  st.waiters.delete(c);
  if (st.sync !== null) st.sync.drop(l);
}

/** Starts the RDB for the replicas waiting for one, when nothing else walks the keyspace. */
export function maybeStartSync(server: Server): void {
  const st = repl(server);
  if (st.sync !== null) return;
  const waiting = st.replicas.filter((l) => l.state === 'wait_bgsave');
  if (waiting.length === 0) return;
  const cfg = server.config;
  const diskless = cfg.bool('repl-diskless-sync');
  if (diskless) {
    const delay = cfg.num('repl-diskless-sync-delay') * 1000;
    const max = cfg.num('repl-diskless-sync-max-replicas');
    const oldest = Math.min(...waiting.map((l) => l.waitingSince));
    if (Date.now() - oldest < delay && !(max > 0 && waiting.length >= max)) return;
  }
  // one walk of the keyspace at a time (BGSAVE and AOF rewrites hold the copy-on-write hook)
  const aof = server.ext.aof as { rewrite: unknown } | undefined;
  if (saveState(server).bg !== null || (aof !== undefined && aof.rewrite !== null)) return;
  st.sync = new SyncJob(server, st, waiting, diskless);
}

/** Send time per event-loop turn, as BGSAVE's. */
const SLICE_MS = 5;
/** Stop serialising while a replica's socket holds this much unsent. */
const SOCKET_HIGH_WATER = 8 * 1024 * 1024;

/**
 * One RDB for a group of replicas. It occupies the persistence module's
 * "background save" slot while it runs (as Redis's diskless child is an RDB
 * child): BGSAVE answers "already in progress", INFO shows it, FLUSHALL and
 * SHUTDOWN abort it.
 */
export class SyncJob {
  private readonly snap: Snapshot;
  private readonly eofLinks: ReplicaLink[] = [];
  private readonly sizedLinks: ReplicaLink[] = [];
  private readonly sized: Buffer[] = [];
  private readonly mark: string;
  private aborted = false;
  readonly startedAt = Date.now();
  /** Longest serialisation step, ms (the event-loop stall a full sync causes). */
  maxStepMs = 0;

  constructor(
    private readonly server: Server,
    private readonly st: ReplState,
    links: ReplicaLink[],
    diskless: boolean,
  ) {
    this.mark = randomId();
    const opts = snapshotOptions(server);
    opts.aux.push(['repl-stream-db', '0'], ['repl-id', st.ids.id], ['repl-offset', String(st.offset)]);
    const w = new RdbWriter((chunk) => this.out(chunk), server.config.bool('rdbchecksum'));
    this.snap = new Snapshot(server.keyspace, w, opts);
    // what follows the RDB starts with a SELECT
    st.lastSeldb = -1;
    for (const l of links) {
      l.state = 'send_bulk';
      l.pending = [];
      if (!l.oldSync) l.c.raw(`+FULLRESYNC ${st.ids.id} ${st.offset}\r\n`);
      if (diskless && l.capaEof) {
        this.eofLinks.push(l);
        l.c.raw(`$EOF:${this.mark}\r\n`);
      } else this.sizedLinks.push(l);
      server.flushClient(l.c);
      server.logger.notice(
        `Starting BGSAVE for SYNC with target: ${diskless && l.capaEof ? 'replicas sockets' : 'memory (sized transfer)'}`,
      );
    }
    const ps = saveState(server);
    ps.bg = this as unknown as BackgroundSave;
    this.snap.attach();
    setImmediate(this.tick);
  }

  get keysProcessed(): number {
    return this.snap.keysWritten;
  }
  get keysTotal(): number {
    return this.snap.keysTotal;
  }
  get cowKeys(): number {
    return this.snap.cowKeys;
  }

  private out(chunk: Buffer): void {
    for (const l of this.eofLinks) l.c.socket?.write(chunk);
    if (this.sizedLinks.length !== 0) this.sized.push(chunk);
  }

  private readonly tick = (): void => {
    if (this.aborted) return;
    if (this.eofLinks.length === 0 && this.sizedLinks.length === 0) return this.finish(false, 'no replica left');
    for (const l of this.eofLinks) {
      const s = l.c.socket;
      if (s !== null && s.writableLength > SOCKET_HIGH_WATER) {
        s.once('drain', () => setImmediate(this.tick));
        return;
      }
    }
    let done: boolean;
    // rdb-key-save-delay (µs per key, for tests) slows the transfer as it slows Redis's child
    const delay = this.server.config.num('rdb-key-save-delay');
    const t0 = performance.now();
    try {
      done = this.snap.step(SLICE_MS, delay > 0 ? 1 : Infinity);
    } catch (e) {
      return this.finish(false, (e as Error).message);
    }
    const dt = performance.now() - t0;
    if (dt > this.maxStepMs) this.maxStepMs = dt;
    if (!done) {
      if (delay > 0) setTimeout(this.tick, Math.max(1, Math.round(delay / 1000)));
      else setImmediate(this.tick);
      return;
    }
    this.snap.w.drain();
    this.finish(true, '');
  };

  private finish(ok: boolean, why: string): void {
    this.aborted = true;
    this.snap.detach();
    const ps = saveState(this.server);
    if (ps.bg === (this as unknown as BackgroundSave)) ps.bg = null;
    this.st.sync = null;
    const server = this.server;
    if (!ok) {
      server.logger.warning(`Replication RDB transfer failed: ${why}`);
      for (const l of [...this.eofLinks, ...this.sizedLinks]) l.c.close();
    } else {
      const total = this.sized.reduce((n, b) => n + b.length, 0);
      for (const l of this.eofLinks) this.online(l, this.mark, true);
      if (this.sizedLinks.length !== 0) {
        const body = Buffer.concat(this.sized).latin1Slice();
        for (const l of this.sizedLinks) this.online(l, `$${total}\r\n` + body, false);
      }
      server.logger.notice('Background RDB transfer terminated with success');
      server.logger.verbose(`Replication RDB: ${this.snap.keysWritten} keys in ${Date.now() - this.startedAt} ms, longest event-loop step ${this.maxStepMs.toFixed(1)} ms`);
    }
    // replicas that asked meanwhile
    setImmediate(() => maybeStartSync(server));
  }

  private online(l: ReplicaLink, before: string, onAck: boolean): void {
    const server = this.server;
    l.state = 'online';
    l.ackTime = Date.now();
    l.c.out += before;
    if (onAck) l.streamOnAck = true;
    else startStream(server, l);
    server.flushClient(l.c);
    server.logger.notice(`Synchronization with replica ${linkName(l)} succeeded`);
  }

  drop(l: ReplicaLink): void {
    for (const a of [this.eofLinks, this.sizedLinks]) {
      const i = a.indexOf(l);
      if (i >= 0) a.splice(i, 1);
    }
  }

  /** FLUSHALL, SHUTDOWN (the persistence module's abort of a background save). */
  abort(): void {
    if (this.aborted) return;
    this.finish(false, 'aborted');
  }
}

/** Sends what was produced during the RDB transfer; the link is live from now on. */
export function startStream(server: Server, l: ReplicaLink): void {
  l.streamOnAck = false;
  if (l.pending === null) return;
  l.c.out += l.pending.join('');
  l.pending = null;
  server.queueWrite(l.c);
}

/** Replicas whose last ACK is recent enough (min-replicas-max-lag). */
export function goodReplicas(server: Server, st: ReplState): number {
  const maxLag = server.config.num('min-replicas-max-lag') * 1000;
  const now = Date.now();
  let n = 0;
  for (const l of st.replicas) if (l.state === 'online' && now - l.ackTime <= maxLag) n++;
  return n;
}

export function ackedReplicas(st: ReplState, offset: number): number {
  let n = 0;
  for (const l of st.replicas) if (l.state === 'online' && l.ackOff >= offset) n++;
  return n;
}

/** REPLCONF GETACK to every replica, once per event-loop turn while clients WAIT. */
export function requestAcks(server: Server, st: ReplState): void {
  if (st.getackQueued) return;
  st.getackQueued = true;
  setImmediate(() => {
    st.getackQueued = false;
    if (st.waiters.size !== 0) feedRaw(server, st, respCommand(['REPLCONF', 'GETACK', '*']));
  });
}

/** The primary side's cron: pings, pre-sync newlines, replica timeouts, delayed syncs. */
export function primaryCron(server: Server, now: number): void {
  const st = repl(server);
  if (st.replicas.length === 0) {
    // repl-backlog-ttl: a primary without replicas for that long frees its backlog and
    // takes a new id, so no replica can resume against the history it no longer has
    const ttl = server.config.num('repl-backlog-ttl') * 1000;
    if (st.backlog === null || st.role !== 'master' || ttl === 0) return;
    st.noReplicasSince ??= now;
    if (now - st.noReplicasSince < ttl) return;
    st.backlog = null;
    st.ids.id = randomId();
    st.ids.id2 = ZERO_ID;
    st.secondOffset = -1;
    st.noReplicasSince = null;
    server.logger.notice(`Replication backlog freed after ${ttl / 1000} seconds without connected replicas.`);
    return;
  }
  st.noReplicasSince = null;
  const cfg = server.config;
  if (st.role === 'master' && now - st.lastPing >= cfg.num('repl-ping-replica-period') * 1000) {
    st.lastPing = now;
    feedRaw(server, st, respCommand(['PING']));
  }
  const timeout = cfg.num('repl-timeout') * 1000;
  for (const l of [...st.replicas]) {
    if (l.state === 'wait_bgsave') {
      // keeps the replica's read timeout from firing while the RDB has not started
      if (now - l.ackTime >= 1000) {
        l.ackTime = now;
        l.c.socket?.write('\n');
      }
    } else if (l.state === 'online' && now - l.ackTime > timeout) {
      server.logger.warning(`Disconnecting timedout replica (streaming sync): ${linkName(l)}`);
      l.c.close();
    }
  }
  maybeStartSync(server);
}
