// The replica side of Redis 7.0's replication (replication.c
// connectWithMaster, syncWithMaster, readSyncBulkPayload): the handshake
// (PING, AUTH, REPLCONF listening-port / capa eof psync2, PSYNC), the RDB
// payload in both forms ($EOF:<mark> and $<len>), loaded between event-loop
// turns while the old dataset keeps being served and swapped in only once
// the whole payload decoded (a truncated or corrupt payload changes
// nothing), then the command stream applied in order by a MASTER client,
// with REPLCONF ACK every second, repl-timeout and reconnection by PSYNC
// with the cached replid/offset (+CONTINUE).
//
// `openSocket` is the one place the link's socket is made: with
// tls-replication yes it is a TLS connection (tls/client.ts).

import net from 'node:net';
import { TLSSocket } from 'node:tls';
import { tlsConnect, sourceAddress } from '../tls/client.js';
import type { Server } from '../server/server.js';
import { CLIENT, type Client } from '../server/client.js';
import { User } from '../security/users.js';
import { processCommand, callClock } from '../server/dispatch.js';
import { ProtocolError } from '../protocol/parser.js';
import { decodeRdbSteps, type LoadResult } from '../persistence/rdb/decode.js';
import { applyLoaded, rdbLoadOptions } from '../persistence/rdb-file.js';
import { Backlog } from './backlog.js';
import { abortFailover, clearFailover, failoverHooks } from './failover.js';
import { repl, respCommand, feedRaw, type ReplState } from './primary.js';

export type LinkPhase = 'connect' | 'connecting' | 'handshake' | 'sync' | 'connected';

type Step = 'pong' | 'auth' | 'port' | 'ip' | 'capa' | 'psync' | 'payload-header' | 'payload' | 'loading' | 'stream';

/** Reconnection delay after a failure; doubles after failed authentications (to 30 s). */
const RETRY_MS = 1000;
const MAX_RETRY_MS = 30000;
/** A payload line longer than this is garbage. */
const MAX_LINE = 64 * 1024;

let superUser: User | null = null;
function masterUser(): User {
  if (superUser === null) {
    superUser = new User('default', 0);
    superUser.unrestricted = true;
  }
  return superUser;
}

export class MasterLink {
  phase: LinkPhase = 'connect';
  private step: Step = 'pong';
  private socket: net.Socket | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private timer: NodeJS.Timeout | null = null;
  private authFailures = 0;
  private closed = false;
  lastIo = Date.now();
  downSince = Date.now();
  /** FAILOVER: this link is the old primary handing over (PSYNC ... FAILOVER). */
  failover = false;
  /** The master client applying the stream (online phase). */
  mc: Client | null = null;
  /**
   * The database the stream had selected when the link broke: a partial
   * resync continues the stream without a SELECT (Redis keeps its cached
   * master client, db included).
   */
  private streamDb = 0;
  /** Payload transfer: EOF mark or byte count. */
  private eofMark: string | null = null;
  private payloadLen = -1;
  private payload: Buffer[] = [];
  private payloadRead = 0;
  private fullOffset = 0;
  private fullId = '';
  /** Bytes given to the master client's parser / bytes it consumed. */
  private pushed = 0;
  private consumed = 0;
  private raw = '';
  private loading = false;

  constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
  ) {}

  private get st(): ReplState {
    return repl(this.server);
  }

  get syncInProgress(): boolean {
    return this.step === 'payload-header' || this.step === 'payload' || this.step === 'loading';
  }
  get syncTotal(): number {
    return this.payloadLen;
  }
  get syncRead(): number {
    return this.payloadRead;
  }

  start(delay = 0): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  private openSocket(): net.Socket | null {
    if (this.server.config.bool('tls-replication')) {
      const s = tlsConnect(this.server, this.host, this.port);
      if (typeof s === 'string') {
        this.server.logger.warning(`${s}; not connecting to MASTER`);
        return null;
      }
      return s;
    }
    return net.connect({ host: this.host, port: this.port, localAddress: sourceAddress(this.server) });
  }

  private connect(): void {
    const server = this.server;
    this.phase = 'connecting';
    server.logger.notice(`Connecting to MASTER ${this.host}:${this.port}`);
    const s = this.openSocket();
    if (s === null) {
      this.phase = 'connect';
      return this.start(MAX_RETRY_MS);
    }
    this.socket = s;
    this.buf = Buffer.alloc(0);
    this.lastIo = Date.now();
    s.setNoDelay(true);
    // over TLS the handshake with the primary comes first
    s.on(s instanceof TLSSocket ? 'secureConnect' : 'connect', () => {
      server.logger.notice('MASTER <-> REPLICA sync started');
      this.phase = 'handshake';
      this.step = 'pong';
      this.send(['PING']);
    });
    s.on('data', (d: Buffer) => this.onData(s, d));
    s.on('error', (e) => {
      if (this.socket === s) server.logger.warning(`Error condition on socket for SYNC: ${e.message}`);
    });
    s.on('close', () => {
      if (this.socket !== s) return;
      if (this.phase !== 'connected') {
        const what = this.step === 'payload' ? 'I/O error trying to sync with MASTER: connection lost (the payload was incomplete; the current dataset is kept)' : 'Master closed the connection during the replication handshake';
        server.logger.warning(this.phase === 'connecting' ? `Error condition on socket for SYNC: connection refused or closed` : what);
      }
      // a working link that broke is retried at once: the backlog may not hold a second's writes
      this.lost(this.phase === 'connected' ? 0 : RETRY_MS);
    });
  }

  private send(argv: string[]): void {
    this.socket?.write(respCommand(argv), 'latin1');
  }

  /** Drops the connection and retries later (the cached replid/offset make it a PSYNC). */
  private lost(retry: number): void {
    const s = this.socket;
    this.socket = null;
    if (s !== null && !s.destroyed) s.destroy();
    const wasConnected = this.phase === 'connected';
    this.phase = 'connect';
    this.step = 'pong';
    this.payload = [];
    this.loading = false;
    if (this.mc !== null) {
      const mc = this.mc;
      this.streamDb = mc.db.id;
      this.mc = null;
      mc.close();
    }
    if (wasConnected) {
      this.downSince = Date.now();
      this.server.logger.notice('Connection with master lost.');
      this.server.logger.notice('Caching the disconnected master state.');
    }
    this.start(retry);
  }

  /** REPLICAOF another / NO ONE: stop for good. */
  stop(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    s?.destroy();
    if (this.mc !== null) {
      const mc = this.mc;
      this.mc = null;
      mc.close();
    }
    this.phase = 'connect';
  }

  /** The master client was freed (CLIENT KILL TYPE master...): reconnect. */
  masterClientFreed(c: Client): void {
    if (c !== this.mc) return;
    this.streamDb = c.db.id;
    this.mc = null;
    if (this.phase === 'connected') this.lost(0);
  }

  private fail(msg: string, retry = RETRY_MS): void {
    this.server.logger.warning(msg);
    this.lost(retry);
  }

  private onData(s: net.Socket, d: Buffer): void {
    if (this.socket !== s) return;
    this.lastIo = Date.now();
    this.server.stats.netInputBytes += d.length;
    if (this.step === 'stream') return this.feedStream(d);
    if (this.step === 'payload') return this.readPayload(d);
    if (this.step === 'loading') {
      this.raw += d.latin1Slice();
      return;
    }
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    this.handshake();
  }

  /** One reply line, or null when incomplete. */
  private line(): string | null {
    const i = this.buf.indexOf(10);
    if (i < 0) {
      if (this.buf.length > MAX_LINE) this.fail('Protocol error from MASTER: reply line too long');
      return null;
    }
    const l = this.buf.latin1Slice(0, i > 0 && this.buf[i - 1] === 13 ? i - 1 : i);
    this.buf = this.buf.subarray(i + 1);
    return l;
  }

  private handshake(): void {
    for (;;) {
      if (this.socket === null) return;
      const l = this.line();
      if (l === null) return;
      // the primary sends newlines to keep the link alive while it prepares the RDB
      if (l === '') continue;
      if (!this.onLine(l)) return;
      if (this.step === 'payload') {
        const rest = this.buf;
        this.buf = Buffer.alloc(0);
        if (rest.length) this.readPayload(rest);
        return;
      }
    }
  }

  /** Handles one handshake reply; false to stop reading lines. */
  private onLine(l: string): boolean {
    const cfg = this.server.config;
    const log = this.server.logger;
    switch (this.step) {
      case 'pong':
        // a primary that requires AUTH answers PING with an error: that is fine
        if (l[0] === '-' && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(l)) {
          this.fail(`Error reply to PING from master: '${l.slice(0, 200)}'`);
          return false;
        }
        log.notice('Master replied to PING, replication can continue...');
        if (cfg.str('masterauth') !== '') {
          const user = cfg.str('masteruser');
          this.step = 'auth';
          this.send(user !== '' ? ['AUTH', user, cfg.str('masterauth')] : ['AUTH', cfg.str('masterauth')]);
          return true;
        }
        return this.sendPort();
      case 'auth':
        if (l[0] === '-') {
          this.authFailures++;
          const retry = Math.min(MAX_RETRY_MS, RETRY_MS * 2 ** Math.min(5, this.authFailures));
          this.fail(`Unable to AUTH to MASTER: ${l.slice(0, 200)} (retrying in ${retry / 1000} s)`, retry);
          return false;
        }
        this.authFailures = 0;
        return this.sendPort();
      case 'port': {
        if (l[0] === '-') log.notice(`(Non critical) Master does not understand REPLCONF listening-port: ${l.slice(0, 200)}`);
        const ip = cfg.str('replica-announce-ip');
        if (ip !== '') {
          this.step = 'ip';
          this.send(['REPLCONF', 'ip-address', ip]);
          return true;
        }
        return this.sendCapa();
      }
      case 'ip':
        if (l[0] === '-') log.notice(`(Non critical) Master does not understand REPLCONF ip-address: ${l.slice(0, 200)}`);
        return this.sendCapa();
      case 'capa': {
        if (l[0] === '-') log.notice(`(Non critical) Master does not understand REPLCONF capa: ${l.slice(0, 200)}`);
        this.step = 'psync';
        const st = this.st;
        const cached = st.backlog !== null || st.offset > 0;
        if (cached) log.notice(`Trying a partial resynchronization (request ${st.ids.id}:${st.offset + 1}).`);
        const psync = ['PSYNC', cached ? st.ids.id : '?', cached ? String(st.offset + 1) : '-1'];
        if (this.failover) psync.push('FAILOVER');
        this.send(psync);
        this.phase = 'sync';
        return true;
      }
      case 'psync':
        return this.onPsyncReply(l);
      case 'payload-header':
        return this.onPayloadHeader(l);
    }
    return false;
  }

  private sendCapa(): boolean {
    this.step = 'capa';
    this.send(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
    return true;
  }

  private sendPort(): boolean {
    this.step = 'port';
    const announce = this.server.config.num('replica-announce-port');
    this.send(['REPLCONF', 'listening-port', String(announce || this.server.port)]);
    return true;
  }

  private onPsyncReply(l: string): boolean {
    const log = this.server.logger;
    const st = this.st;
    if (this.failover) {
      this.failover = false;
      if (l.startsWith('+FULLRESYNC') || l.startsWith('+CONTINUE')) clearFailover(this.server);
      else {
        // the target refused: we are the primary again
        const server = this.server;
        setImmediate(() => {
          if (failoverHooks.current) abortFailover(server, failoverHooks.current, 'Failover target rejected psync request');
        });
        return false;
      }
    }
    if (l.startsWith('+FULLRESYNC')) {
      const m = /^\+FULLRESYNC ([0-9a-f]{40}) (\d+)$/i.exec(l);
      if (m === null) {
        this.fail(`Protocol error from MASTER: bad FULLRESYNC reply '${l.slice(0, 200)}'`);
        return false;
      }
      this.fullId = m[1];
      this.fullOffset = Number(m[2]);
      log.notice(`Full resync from master: ${this.fullId}:${this.fullOffset}`);
      this.step = 'payload-header';
      return true;
    }
    if (l.startsWith('+CONTINUE')) {
      const id = l.slice(10).trim();
      if (id !== '' && id !== st.ids.id) {
        if (!/^[0-9a-f]{40}$/i.test(id)) {
          this.fail(`Protocol error from MASTER: bad CONTINUE reply '${l.slice(0, 200)}'`);
          return false;
        }
        // the primary changed id (a promotion): the old one stays valid up to here
        st.ids.id2 = st.ids.id;
        st.secondOffset = st.offset + 1;
        st.ids.id = id;
        log.notice(`Master replication ID changed to ${id}`);
        this.dropSubReplicas();
      }
      log.notice('Successful partial resynchronization with master.');
      log.notice('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
      if (st.backlog === null) st.backlog = new Backlog(this.server.config.num('repl-backlog-size'), st.offset);
      const rest = this.buf;
      this.buf = Buffer.alloc(0);
      this.goOnline(rest, this.streamDb);
      return false;
    }
    if (/^-(NOMASTERLINK|LOADING)/.test(l)) {
      log.notice(`Master is currently unable to PSYNC but should be in the future: ${l.slice(0, 200)}`);
      this.lost(RETRY_MS);
      return false;
    }
    this.fail(`Unexpected reply to PSYNC from master: ${l.slice(0, 200)}`);
    return false;
  }

  private onPayloadHeader(l: string): boolean {
    if (l[0] === '-') {
      this.fail(`MASTER aborted replication with an error: ${l.slice(1, 200)}`);
      return false;
    }
    if (l[0] !== '$') {
      this.fail(`Bad protocol from MASTER, the first byte is not '$' (we received '${l.slice(0, 200)}'), are you sure the host and port are right?`);
      return false;
    }
    this.payload = [];
    this.payloadRead = 0;
    if (l.startsWith('$EOF:')) {
      const mark = l.slice(5);
      if (mark.length !== 40) {
        this.fail(`Bad protocol from MASTER: EOF mark of ${mark.length} bytes`);
        return false;
      }
      this.eofMark = mark;
      this.payloadLen = -1;
      this.server.logger.notice('MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk');
    } else {
      const n = Number(l.slice(1));
      if (!Number.isSafeInteger(n) || n < 0) {
        this.fail(`Bad protocol from MASTER: bad payload length '${l.slice(0, 200)}'`);
        return false;
      }
      this.eofMark = null;
      this.payloadLen = n;
      this.server.logger.notice(`MASTER <-> REPLICA sync: receiving ${n} bytes from master to memory`);
    }
    this.step = 'payload';
    return true;
  }

  private readPayload(d: Buffer): void {
    if (this.eofMark === null) {
      const need = this.payloadLen - this.payloadRead;
      const take = Math.min(need, d.length);
      this.payload.push(d.subarray(0, take));
      this.payloadRead += take;
      if (this.payloadRead < this.payloadLen) return;
      this.load(Buffer.concat(this.payload), d.subarray(take));
      return;
    }
    this.payload.push(d);
    this.payloadRead += d.length;
    // the mark can straddle reads: look in the tail only
    if (this.payloadRead < 40) return;
    let all = this.payload.length === 1 ? this.payload[0] : Buffer.concat(this.payload);
    this.payload = [all];
    const at = all.indexOf(this.eofMark, Math.max(0, all.length - d.length - 40), 'latin1');
    if (at < 0) return;
    const rest = all.subarray(at + 40);
    all = all.subarray(0, at);
    this.load(all, rest);
  }

  /** Decodes the payload between turns; the keyspace changes only once it all decoded. */
  private load(rdb: Buffer, rest: Buffer): void {
    const server = this.server;
    const s = this.socket;
    this.step = 'loading';
    this.loading = true;
    this.payload = [];
    this.raw = rest.latin1Slice();
    server.logger.notice(`MASTER <-> REPLICA sync: Loading DB in memory (${rdb.length} bytes)`);
    const opts = rdbLoadOptions(server);
    opts.dropExpired = false;
    const g = decodeRdbSteps(rdb, opts);
    const tick = (): void => {
      if (this.socket !== s || !this.loading) return;
      const end = performance.now() + 20;
      let res: LoadResult | null = null;
      try {
        for (;;) {
          const x = g.next();
          if (x.done) {
            res = x.value;
            break;
          }
          if (performance.now() >= end) break;
        }
      } catch (e) {
        this.fail(`Failed trying to load the MASTER synchronization DB from socket: ${(e as Error).message}. The current dataset is kept.`);
        return;
      }
      if (res === null) return void setImmediate(tick);
      this.loading = false;
      this.installDataset(res);
    };
    setImmediate(tick);
  }

  private installDataset(res: LoadResult): void {
    const server = this.server;
    const st = this.st;
    server.logger.notice('MASTER <-> REPLICA sync: Flushing old data');
    for (const db of server.keyspace.dbs) db.clear();
    applyLoaded(server, res);
    st.ids.id = this.fullId;
    st.ids.id2 = '0'.repeat(40);
    st.secondOffset = -1;
    st.offset = this.fullOffset;
    st.backlog = new Backlog(server.config.num('repl-backlog-size'), st.offset);
    // our own replicas hold another dataset now
    this.dropSubReplicas();
    server.logger.notice('MASTER <-> REPLICA sync: Finished with success');
    const rest = Buffer.from(this.raw, 'latin1');
    this.raw = '';
    // the primary starts the stream after an RDB with a SELECT
    this.goOnline(rest, 0);
  }

  private dropSubReplicas(): void {
    for (const l of [...this.st.replicas]) l.c.close();
  }

  private goOnline(rest: Buffer, db: number): void {
    const server = this.server;
    const mc = server.createClient(null, false);
    mc.flags |= CLIENT.MASTER;
    mc.db = server.keyspace.dbs[db] ?? server.keyspace.dbs[0];
    mc.setAuthenticated(masterUser());
    mc.parser.limits.maxBulkLen = Number.MAX_SAFE_INTEGER;
    mc.name = '';
    this.mc = mc;
    this.pushed = 0;
    this.consumed = 0;
    this.raw = '';
    this.phase = 'connected';
    this.step = 'stream';
    this.sendAck();
    if (rest.length) this.feedStream(rest);
  }

  /** Applies complete commands in order; each advances the offset by its bytes. */
  private feedStream(d: Buffer): void {
    const mc = this.mc;
    if (mc === null) return;
    const server = this.server;
    const st = this.st;
    this.raw += d.latin1Slice();
    this.pushed += d.length;
    mc.parser.push(d);
    mc.lastInteraction = Date.now();
    callClock.t = performance.now();
    for (;;) {
      if (this.mc !== mc) return;
      const argv = mc.parser.next();
      if (argv === null) break;
      if (argv instanceof ProtocolError) {
        this.fail(`Protocol error in the replication stream from MASTER: ${argv.message}`);
        return;
      }
      const now = this.pushed - mc.parser.pending();
      const n = now - this.consumed;
      this.consumed = now;
      const bytes = this.raw.slice(0, n);
      this.raw = this.raw.slice(n);
      if (argv.length === 0) {
        feedRaw(server, st, bytes);
        continue;
      }
      const ks = server.keyspace;
      ks.applyingMaster = true;
      try {
        processCommand(server, mc, argv);
      } finally {
        ks.applyingMaster = false;
      }
      mc.out = '';
      // applied: the stream goes on to our own replicas and backlog as received
      feedRaw(server, st, bytes);
    }
  }

  sendAck(): void {
    if (this.phase !== 'connected' || this.socket === null) return;
    this.send(['REPLCONF', 'ACK', String(this.st.offset)]);
  }

  /** Every cron tick: ACK once a second, the read timeout. */
  cron(now: number): void {
    const timeout = this.server.config.num('repl-timeout') * 1000;
    if (this.phase === 'connect') return;
    if (now - this.lastIo > timeout) {
      const what = this.phase === 'connected' ? 'MASTER timeout: no data nor PING received...' : this.phase === 'sync' ? 'Timeout receiving bulk data from MASTER... If the problem persists try to set the \'repl-timeout\' parameter in redis.conf to a larger value.' : 'Timeout connecting to the MASTER...';
      this.fail(what);
      return;
    }
    if (now - this.lastAck >= 1000) {
      this.lastAck = now;
      this.sendAck();
    }
  }
  private lastAck = 0;
}
