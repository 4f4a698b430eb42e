// The server: configuration, keyspace, command table, users and clients, and
// the hooks (authorize, precheck, afterCall, propagate) through which
// features observe the command flow without editing the dispatch path.

import { Config } from '../config/registry.js';
import { PARAMS } from '../config/params.js';
import { bindServerConfig } from '../config/bind.js';
import { Keyspace } from '../store/db.js';
import { CommandTable, type Command } from '../commands/table.js';
import { FAMILIES, type FamilyModule } from '../commands/index.js';
import { Users } from '../security/users.js';
import { loadUsersAtStartup } from '../security/acl.js';
import { Logger } from './log.js';
import { Stats } from './stats.js';
import { CLIENT, Client } from './client.js';
import { Listeners } from './listeners.js';
import { startCron, type Cron } from './cron.js';
import { installHeapGuard } from './heap-guard.js';
import { setDoubleFormatter } from '../protocol/reply.js';
import { formatDouble } from '../util/numbers.js';
import { HookList, composeChecks, composeNotify } from './hook-list.js';
import { writeDirect } from './direct-write.js';
import { drained } from './connection.js';

/** Stop reading from a client whose unread replies exceed this; resume on drain. */
const OUTPUT_HIGH_WATER = 64 * 1024 * 1024;

setDoubleFormatter(formatDouble);

export const VERSION = '7.0.15';
export const REDOUBT_VERSION = '0.1.0';

/** Feature hooks; each is a list so several features can observe the same point. */
export interface ServerHooks {
  /** Returns an error reply (NOPERM...) to refuse the command. */
  authorize: HookList<CheckHook>;
  /** Other refusals before execution (OOM, loading, readonly replica...). */
  precheck: HookList<CheckHook>;
  /** After every executed command (slowlog, MONITOR, keyspace hit stats). */
  afterCall: HookList<AfterCallHook>;
  /** Writes to propagate to AOF/replicas: db index and argv. */
  propagate: ((db: number, argv: string[]) => void)[];
  /** A client is going away (unsubscribe, unblock, unwatch...). */
  clientFreed: ((c: Client) => void)[];
  /** Cron tick (hz). */
  cron: ((now: number) => void)[];
  /** Before shutdown (persistence later). */
  shutdown: ((nosave: boolean, save: boolean) => string | null)[];
  /** CONFIG RESETSTAT: features reset the statistics they keep. */
  resetStat: (() => void)[];
  /** Before the listeners open (loading the dataset); a throw aborts the start. */
  startup: (() => void)[];
  /** Before replies go to a socket (the AOF is written, and fsync'd with appendfsync always, first). */
  beforeReply: (() => void)[];
}

type CheckHook = (c: Client, cmd: Command, argv: string[]) => string | null;
type AfterCallHook = (c: Client, cmd: Command, argv: string[], usec: number, dirty: boolean) => void;

export interface ServerOptions {
  config?: Config;
  /** Log to stdout in Redis's format (the CLI sets this; embedding defaults to silent). */
  log?: boolean;
}

export class Server {
  readonly config: Config;
  readonly keyspace: Keyspace;
  readonly commands: CommandTable;
  readonly users = new Users();
  readonly logger = new Logger();
  readonly stats = new Stats();
  readonly clients = new Map<number, Client>();
  readonly monitors = new Set<Client>();
  readonly hooks: ServerHooks = { authorize: new HookList(), precheck: new HookList(), afterCall: new HookList(), propagate: [], clientFreed: [], cron: [], shutdown: [], resetStat: [], startup: [], beforeReply: [] };
  readonly listeners: Listeners;
  /** Per-feature shared state (pubsub registry, watched keys, blocking queues...). */
  readonly ext: Record<string, unknown> = {};
  readonly runId = [...crypto.getRandomValues(new Uint8Array(20))].map((b) => b.toString(16).padStart(2, '0')).join('');
  private nextClientId = 1;
  private cron: Cron | null = null;
  private closing = false;
  /** The client whose command is executing (Redis's server.current_client), null between commands. */
  current: Client | null = null;
  /** Commands are processed only when not paused; see CLIENT PAUSE. */
  pause: { until: number; all: boolean } | null = null;
  /** DEBUG SET-ACTIVE-EXPIRE 0 turns the cron's expiry cycle off (lazy expiry still works). */
  activeExpireEnabled = true;
  /** DEBUG PAUSE-CRON: the cron skips its work (Redis's server.pause_cron). */
  cronPaused = false;
  lastSave = Math.floor(Date.now() / 1000);
  configFile: string | null = null;
  executable = process.argv[1] ?? '';

  constructor(opts: ServerOptions = {}) {
    this.config = opts.config ?? new Config(PARAMS);
    this.logger.silent = !opts.log;
    this.keyspace = new Keyspace(this.config.num('databases'));
    const families: FamilyModule[] = FAMILIES;
    this.commands = new CommandTable(families.map((f) => f.commands));
    for (const f of families) f.install?.(this);
    this.listeners = new Listeners(this);
    this.bindConfig();
  }

  private bindConfig(): void {
    const cfg = this.config;
    this.users.setRequirePass(cfg.str('requirepass'));
    cfg.onChange('requirepass', (v) => this.users.setRequirePass(v));
    loadUsersAtStartup(this);
    this.logger.level = cfg.str('loglevel') as Logger['level'];
    cfg.onChange('loglevel', (v) => (this.logger.level = v as Logger['level']));
    this.logger.file = cfg.str('logfile');
    bindServerConfig(this);
  }

  async start(): Promise<void> {
    this.logger.notice('Server initialized');
    for (const h of this.hooks.startup) h();
    await this.listeners.start();
    installHeapGuard(this);
    this.cron = startCron(this);
    this.logger.notice('Ready to accept connections');
  }

  get port(): number {
    return this.listeners.tcpPort;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.cron?.stop();
    for (const c of [...this.clients.values()]) this.freeClient(c);
    await this.listeners.close();
  }

  createClient(socket: import('node:net').Socket | null, isUnix: boolean): Client {
    const c = new Client(this, socket, this.nextClientId++, isUnix);
    this.clients.set(c.id, c);
    this.stats.numConnections++;
    return c;
  }

  freeClient(c: Client): void {
    if (!this.clients.delete(c.id)) return;
    this.monitors.delete(c);
    for (const h of this.hooks.clientFreed) h(c);
    if (c.socket && !c.socket.destroyed) {
      if (c.pendingOut() !== 0) {
        for (const h of this.hooks.beforeReply) h();
        const parts = c.takeOutput();
        for (let i = 0; i < parts.length - 1; i++) c.socket.write(parts[i], 'latin1');
        c.socket.end(parts[parts.length - 1], 'latin1');
      } else c.socket.destroy();
    }
  }

  private pendingWrites: Client[] = [];
  private writeScheduled = false;

  /**
   * Queues c's replies for the write pass that runs once the event loop has
   * handled every readable socket of this turn (Redis writes in beforeSleep
   * the same way). Writing right after each read doubled the kernel time per
   * request at pipeline 16: every write then woke a sleeping peer.
   */
  queueWrite(c: Client): void {
    if (c.flags & CLIENT.PENDING_WRITE) return;
    c.flags |= CLIENT.PENDING_WRITE;
    this.pendingWrites.push(c);
    if (!this.writeScheduled) {
      this.writeScheduled = true;
      setImmediate(this.writePending);
    }
  }

  private readonly writePending = (): void => {
    this.writeScheduled = false;
    const list = this.pendingWrites;
    this.pendingWrites = [];
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      c.flags &= ~CLIENT.PENDING_WRITE;
      if (!this.clients.has(c.id)) continue;
      this.writeNow(c);
    }
  };

  /** Writes c's replies now and stops reading from it while its unread replies pile up ('drain' resumes it). */
  writeNow(c: Client): void {
    this.flushClient(c);
    const s = c.socket;
    if (s !== null && !s.destroyed && c.socketPending() > OUTPUT_HIGH_WATER && !s.isPaused()) s.pause();
  }

  /** A direct write completed: what the socket's 'drain' does. */
  private readonly directDone = (c: Client): void => drained(this, c);

  /** True when c's output not yet taken by the kernel is past the high-water mark (stop running its commands). */
  outputHigh(c: Client): boolean {
    return c.outputBytes() > OUTPUT_HIGH_WATER;
  }

  /** client-output-buffer-limit (server/output-limits.ts); true when it closed the client. */
  outputLimit: ((c: Client) => boolean) | null = null;

  /** Sends what is queued in c.out (and earlier chunks) now. */
  flushClient(c: Client): void {
    const s = c.socket;
    if (s === null) return;
    if (c.chunks === null) {
      if (c.out.length === 0) return;
      const br = this.hooks.beforeReply;
      for (let i = 0; i < br.length; i++) br[i]();
      const out = c.out;
      c.out = '';
      this.stats.netOutputBytes += out.length;
      if (s.destroyed || !s.writable) return;
      // replicas stay on socket.write: the full-sync stream paces itself on the Writable's length and 'drain'
      if (!c.direct || c.flags & CLIENT.REPLICA || !writeDirect(c, s, out, this.directDone)) s.write(out, 'latin1');
    } else {
      const br = this.hooks.beforeReply;
      for (let i = 0; i < br.length; i++) br[i]();
      this.stats.netOutputBytes += c.pendingOut();
      const parts = c.takeOutput();
      if (s.destroyed || !s.writable) return;
      // one writev for the whole list
      s.cork();
      for (let i = 0; i < parts.length; i++) s.write(parts[i], 'latin1');
      s.uncork();
    }
    if (c.flags & CLIENT.CLOSE_AFTER_REPLY) this.freeClient(c);
    else if (this.outputLimit !== null && this.outputLimit(c)) return;
  }

  // The hook lists called through one composed function each (hook-list.ts), rebuilt when a list changes.
  private authorizeFn: CheckHook = composeChecks([]);
  private authorizeVer = -1;
  private precheckFn: CheckHook = composeChecks([]);
  private precheckVer = -1;
  private afterCallFn: AfterCallHook = composeNotify([]);
  private afterCallVer = -1;

  authorize(c: Client, cmd: Command, argv: string[]): string | null {
    const l = this.hooks.authorize;
    if (l.version !== this.authorizeVer) {
      this.authorizeVer = l.version;
      this.authorizeFn = composeChecks(l);
    }
    return this.authorizeFn(c, cmd, argv);
  }

  precheck(c: Client, cmd: Command, argv: string[]): string | null {
    const l = this.hooks.precheck;
    if (l.version !== this.precheckVer) {
      this.precheckVer = l.version;
      this.precheckFn = composeChecks(l);
    }
    return this.precheckFn(c, cmd, argv);
  }

  /**
   * `argv` is what the client sent (MONITOR, SLOWLOG show it); `c.argv` may
   * have been rewritten by the handler for propagation (EXPIRE -> PEXPIREAT).
   */
  afterCall(c: Client, cmd: Command, argv: string[], usec: number, dirty: boolean): void {
    // propagate first: serving blocked clients (an afterCall hook) propagates
    // their pops, which must come after the push that woke them
    if (dirty) this.propagate(c.db.id, c.argv);
    const l = this.hooks.afterCall;
    if (l.version !== this.afterCallVer) {
      this.afterCallVer = l.version;
      this.afterCallFn = composeNotify(l);
    }
    this.afterCallFn(c, cmd, argv, usec, dirty);
  }

  propagate(db: number, argv: string[]): void {
    const a = this.hooks.propagate;
    for (let i = 0; i < a.length; i++) a[i](db, argv);
  }

  /** SHUTDOWN and signals. Returns an error text when refused. */
  async shutdown(opts: { nosave?: boolean; save?: boolean; force?: boolean } = {}): Promise<string | null> {
    this.logger.warning('User requested shutdown...');
    for (const h of this.hooks.shutdown) {
      const err = h(!!opts.nosave, !!opts.save);
      if (err && !opts.force) return err;
    }
    await this.close();
    this.logger.warning('Redoubt is now ready to exit, bye bye...');
    this.onExit?.();
    return null;
  }
  /** Set by the CLI: exit the process once shut down. */
  onExit: (() => void) | null = null;
}
