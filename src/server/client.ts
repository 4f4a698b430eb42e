// One connection's state. Everything a command needs to know about who is
// calling (user, db, protocol, transaction, subscriptions, blocking state)
// lives here; the socket side is driven by connection.ts.

import type { Socket } from 'node:net';
import { ReplyWriter } from '../protocol/reply.js';
import { RespParser } from '../protocol/parser.js';
import type { Db } from '../store/db.js';
import type { Server } from './server.js';
import type { Command } from '../commands/table.js';
import type { User } from '../security/users.js';

export const CLIENT = {
  CLOSE_AFTER_REPLY: 1 << 0,
  CLOSE_ASAP: 1 << 1,
  MULTI: 1 << 2,
  DIRTY_EXEC: 1 << 3, // a queued command was rejected: EXEC aborts
  DIRTY_CAS: 1 << 4, // a WATCHed key changed: EXEC returns nil
  MONITOR: 1 << 5,
  BLOCKED: 1 << 6,
  PUBSUB: 1 << 7,
  NO_EVICT: 1 << 8,
  NO_TOUCH: 1 << 9,
  UNIX: 1 << 10,
  MASTER: 1 << 11,
  REPLICA: 1 << 12,
  TRACKING: 1 << 13,
  READONLY: 1 << 14,
  PROTECTED: 1 << 15,
  PENDING_WRITE: 1 << 16, // replies queued for the end-of-loop write pass
} as const;

export type ReplyMode = 'on' | 'off' | 'skip';

export interface QueuedCommand {
  cmd: Command;
  argv: string[];
}

export class Client extends ReplyWriter {
  readonly id: number;
  flags = 0;
  db: Db;
  name = '';
  libName = '';
  libVer = '';
  user: User;
  authenticated: boolean;
  readonly parser: RespParser;
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  /** Last command executed, for CLIENT LIST cmd=. */
  lastCmd = 'NULL';
  /** The command being executed now (MULTI/EXEC, slowlog). */
  cmd: Command | null = null;
  argv: string[] = [];
  replyMode: ReplyMode = 'on';
  /** A parsed command held back by CLIENT PAUSE WRITE; runs first when the pause ends. */
  postponed: string[] | null = null;
  multiQueue: QueuedCommand[] | null = null;
  watched: Map<Db, Set<string>> | null = null;
  channels: Set<string> | null = null;
  patterns: Set<string> | null = null;
  shardChannels: Set<string> | null = null;
  /** Set while blocked (BLPOP & co); owned by the blocking module. */
  blocked: unknown = null;
  /**
   * Query-buffer bytes when the current batch of commands began: what Redis
   * shows as qbuf for the client running CLIENT LIST/INFO (its buffer is only
   * trimmed after the batch). -1 until the first read.
   */
  qbufBatch = -1;
  /**
   * Redis's reply buffer as CLIENT LIST shows it (rbs, rbp): its size,
   * resized by the cron from the peak seen since the last reset
   * (commands/client.ts). Redoubt builds replies as strings; these model
   * the numbers monitoring tools read.
   */
  rbs = 16384;
  rbp = 0;
  rbpResetAt = Date.now();
  /** Input read in the current event-loop turn (connection.ts fairness). */
  turnInput = 0;
  inputTurn = -1;
  /** Paused until the next turn runs the rest of its query buffer (connection.ts yieldTurn). */
  yielding = false;
  /** Output bytes waiting on a slow socket (client-output-buffer-limit). */
  pendingBytes = 0;
  /** Replies may bypass the socket's Writable (direct-write.ts): a plain TCP or unix socket. */
  direct = false;
  /** Bytes of a direct write the kernel has not taken yet (0 when none is in flight). */
  directPending = 0;
  readonly raddr: string;
  readonly laddr: string;
  readonly fd: number;
  /** Extra per-feature state without widening this class for each feature. */
  ext: Record<string, unknown> = {};

  constructor(
    readonly server: Server,
    readonly socket: Socket | null,
    id: number,
    isUnix: boolean,
  ) {
    super();
    this.id = id;
    this.db = server.keyspace.dbs[0];
    this.user = server.users.defaultUser;
    this.authenticated = !server.users.authRequired();
    this.parser = new RespParser({
      maxBulkLen: server.config.num('proto-max-bulk-len'),
      unauthenticated: !this.authenticated,
    });
    if (isUnix) this.flags |= CLIENT.UNIX;
    if (socket) {
      this.raddr = isUnix ? (server.config.str('unixsocket') + ':0') : fmtAddr(socket.remoteAddress, socket.remotePort);
      this.laddr = isUnix ? (server.config.str('unixsocket') + ':0') : fmtAddr(socket.localAddress, socket.localPort);
      this.fd = ((socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1) as number;
    } else {
      this.raddr = '';
      this.laddr = '';
      this.fd = -1;
    }
  }

  get inMulti(): boolean {
    return (this.flags & CLIENT.MULTI) !== 0;
  }

  /** Subscriptions count for RESP2's subscribed mode. */
  subscriptionCount(): number {
    return (this.channels?.size ?? 0) + (this.patterns?.size ?? 0) + (this.shardChannels?.size ?? 0);
  }

  /** Pushes emitted by this client's own command while its replies are off, appended after it runs. */
  pushed = '';

  /**
   * Pub/Sub messages, subscription confirmations and invalidations reach
   * the client whatever CLIENT REPLY says (Redis's CLIENT_PUSHING).
   */
  emitPush(s: string): void {
    if (this.cmd !== null && this.replyMode !== 'on') this.pushed += s;
    else this.out += s;
  }

  setAuthenticated(user: User): void {
    this.user = user;
    this.authenticated = true;
    this.parser.limits.unauthenticated = false;
  }

  override error(msg: string): void {
    this.server.stats.countError(msg);
    super.error(msg);
  }

  /** Reply bytes not yet taken by the kernel: built (out) and queued on the socket. */
  outputBytes(): number {
    return this.chunkBytes + this.out.length + this.socketPending();
  }

  /** Reply bytes handed to the socket and not yet taken by the kernel (CLIENT LIST omem). */
  socketPending(): number {
    return this.socket !== null ? this.socket.writableLength + this.directPending : 0;
  }

  /** Output is waiting for the socket to drain ('drain', or a direct write's completion, resumes the client). */
  awaitingDrain(): boolean {
    return this.directPending !== 0 || (this.socket !== null && this.socket.writableNeedDrain);
  }

  /** Write `out` to the socket now (used outside the read loop: pub/sub, unblock). */
  flush(): void {
    this.server.flushClient(this);
  }

  close(): void {
    this.server.freeClient(this);
  }
}

function fmtAddr(ip: string | undefined, port: number | undefined): string {
  if (!ip) return '?:0';
  if (ip.startsWith('::ffff:') && ip.includes('.')) ip = ip.slice(7);
  return ip + ':' + (port ?? 0);
}
