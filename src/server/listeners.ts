// TCP, TLS and unix-socket listeners: bind (several addresses, '-' optional,
// IPv6), port, tls-port, tcp-backlog, unixsocket(+perm applied before
// accepting), maxclients and protected mode at accept time. TLS sockets join
// the same accept path once their handshake is done (src/tls/manager.ts).
//
// TCP and TLS sockets are bound and put in listening state synchronously
// (libuv's TCP handle, as net.Server would create it), so CONFIG SET port,
// bind and tls-port know at once whether the new listeners exist, and can
// refuse and roll back with Redis's error, as redis-server's synchronous
// listen does. Node's own listen() reports a busy port only on a later tick.

import { securityEvent } from '../security/events.js';
import net from 'node:net';
import { chmodSync, unlinkSync, existsSync, statSync } from 'node:fs';
import type { Server } from './server.js';
import { attachConnection } from './connection.js';
import type { Client } from './client.js';
import { TlsManager } from '../tls/manager.js';
import { getSystemErrorName } from 'node:util';
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';

const PROTECTED_MODE_MSG =
  '-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. ' +
  'In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: ' +
  "1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. " +
  "2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. " +
  "3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. " +
  '4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n';

export function isLoopback(addr: string | undefined): boolean {
  if (!addr) return false;
  if (addr.startsWith('::ffff:')) addr = addr.slice(7);
  return addr.startsWith('127.') || addr === '::1';
}

interface TcpHandle {
  bind(addr: string, port: number): number;
  bind6(addr: string, port: number, flags: number): number;
  listen(backlog: number): number;
  close(): void;
}
const tcpWrap = (process as unknown as { binding(n: string): { TCP: new (kind: number) => TcpHandle; constants: { SERVER: number } } }).binding('tcp_wrap');
const UV_TCP_IPV6ONLY = 1;

/** A bound TCP or TLS listener. */
interface Bound {
  srv: net.Server;
  host: string;
  port: number;
}

type Kind = 'tcp' | 'tls';

/** Thrown when a required address cannot be bound. */
class BindError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export const PORT_FAILED = 'Unable to listen on this port. Check server logs.';
export const BIND_FAILED = 'Failed to bind to specified addresses.';

export class Listeners {
  private unixServer: net.Server | null = null;
  private readonly bound: Record<Kind, Bound[]> = { tcp: [], tls: [] };
  tcpPort = 0;
  tlsPort = 0;
  unixPath = '';
  /** Embedding: listen on a kernel-chosen port even though port 0 means "no TCP" in redis.conf. */
  ephemeral = false;
  readonly tls: TlsManager;
  /** Hostnames of `bind` resolved at startup (runtime changes take addresses only, being synchronous). */
  private readonly resolved = new Map<string, string>([['localhost', '127.0.0.1']]);

  constructor(private readonly server: Server) {
    this.tls = new TlsManager(server);
    this.tls.onPortChange = (port) => this.changePort('tls', port);
    const cfg = server.config;
    cfg.onApply('port', (v) => this.changePort('tcp', Number(v)));
    cfg.onApply('bind', () => this.changeBind());
  }

  async start(): Promise<void> {
    const cfg = this.server.config;
    const port = cfg.num('port');
    const backlog = cfg.num('tcp-backlog');
    try {
      this.tls.init();
    } catch (e) {
      throw new Error(`Failed to configure TLS: ${(e as Error).message}`);
    }
    for (const spec of this.bindSpecs()) {
      const host = spec.host;
      if (host !== '' && isIP(host) === 0 && !this.resolved.has(host)) {
        try {
          this.resolved.set(host, (await lookup(host)).address);
        } catch (e) {
          if (!spec.optional) throw new Error(`Warning: Could not create server TCP listening socket ${host}:${port}: ${(e as Error).message}`);
        }
      }
    }
    // the unix socket first: a client that saw the TCP port open finds it there too
    const unix = cfg.str('unixsocket');
    if (unix) {
      if (existsSync(unix) && statSync(unix).isSocket()) unlinkSync(unix);
      const perm = parseInt(cfg.str('unixsocketperm'), 8) || 0o700;
      // the socket is created owner-only, then opened up to unixsocketperm: nobody else can connect in between
      const old = process.umask(0o177);
      try {
        this.unixServer = await this.listen({ path: unix, backlog }, true);
      } finally {
        process.umask(old);
      }
      chmodSync(unix, perm);
      this.unixPath = unix;
      this.server.logger.notice(`The server is now ready to accept connections at ${unix}`);
    }
    if (port !== 0 || this.ephemeral) this.bound.tcp = this.bindAll(port, 'tcp', this.bindSpecs(), []);
    this.tcpPort = this.portOf('tcp');
    if (cfg.num('tls-port') !== 0) this.bound.tls = this.bindAll(cfg.num('tls-port'), 'tls', this.bindSpecs(), []);
    this.tlsPort = this.portOf('tls');
    if (this.tcpPort !== 0) this.server.logger.notice(`Ready to accept connections tcp on port ${this.tcpPort}`);
    if (this.tlsPort !== 0) this.server.logger.notice(`Ready to accept connections tls on port ${this.tlsPort}`);
  }

  /** The `bind` directive's addresses. An empty list listens on no TCP address at all, as in Redis 7. */
  private bindSpecs(): { host: string; optional: boolean }[] {
    return this.server.config
      .str('bind')
      .split(/\s+/)
      .filter(Boolean)
      .map((spec) => {
        const optional = spec.startsWith('-');
        let host = optional ? spec.slice(1) : spec;
        if (host === '*') host = '0.0.0.0';
        else if (host === '::*') host = '::';
        return { host, optional };
      });
  }

  private portOf(kind: Kind): number {
    const b = this.bound[kind];
    return b.length === 0 ? 0 : b[0].port;
  }

  /**
   * Listens on `port` at every bind address, synchronously; `reuse` are listeners that
   * already serve some of them and are kept as they are. Throws BindError, after
   * closing whatever it opened, when a required address fails.
   */
  private bindAll(port: number, kind: Kind, specs: { host: string; optional: boolean }[], reuse: Bound[]): Bound[] {
    const backlog = this.server.config.num('tcp-backlog');
    const out: Bound[] = [];
    let actualPort = port;
    try {
      for (const { host, optional } of specs) {
        const kept = reuse.find((b) => b.host === host && b.port === port && port !== 0);
        if (kept) {
          out.push(kept);
          continue;
        }
        const addr = isIP(host) === 0 ? this.resolved.get(host) : host;
        const code = addr === undefined ? 'EADDRNOTAVAIL' : null;
        const r = code === null ? bindHandle(addr!, actualPort, backlog) : code;
        if (typeof r === 'string') {
          if (optional && (r === 'EADDRNOTAVAIL' || r === 'EAFNOSUPPORT' || r === 'EPROTONOSUPPORT')) {
            this.server.logger.verbose(`Skipping optional bind ${host}: ${r}`);
            continue;
          }
          if (host === '::' && (r === 'EAFNOSUPPORT' || r === 'EADDRNOTAVAIL')) continue;
          const msg = `Warning: Could not create server ${kind.toUpperCase()} listening socket ${host}:${actualPort}: bind: ${describe(r)}`;
          throw new BindError(msg, r);
        }
        const srv = this.serve(r, kind);
        actualPort = (srv.address() as net.AddressInfo).port;
        out.push({ srv, host, port: actualPort });
      }
      if (out.length === 0 && specs.length > 0) throw new BindError(`Failed listening on port ${port} (${kind}), aborting.`, 'EADDRNOTAVAIL');
    } catch (e) {
      for (const b of out) if (!reuse.includes(b)) b.srv.close();
      throw e;
    }
    return out;
  }

  /** A net/tls server around a listening handle. */
  private serve(handle: TcpHandle, kind: Kind): net.Server {
    let srv: net.Server;
    if (kind === 'tls') {
      srv = this.tls.createServer((sock) => this.accept(sock, false));
      // sockets still in their handshake, so that close() need not wait for them
      srv.on('connection', (raw: net.Socket) => {
        this.sockets.add(raw);
        raw.once('close', () => this.sockets.delete(raw));
      });
    } else srv = net.createServer({ noDelay: true, pauseOnConnect: false }, (sock) => this.accept(sock, false));
    srv.on('error', (e) => this.server.logger.warning(`Listener error: ${e.message}`));
    srv.listen({ handle });
    return srv;
  }

  /**
   * CONFIG SET port / tls-port: the new listeners open before the old ones close, so
   * clients always find one; 0 closes them. Returns Redis's error text on failure,
   * with the old listeners untouched.
   */
  private changePort(kind: Kind, port: number): string | null {
    if (kind === 'tcp' && port === 0 && this.ephemeral) return null;
    const old = this.bound[kind];
    if (port === this.portOf(kind) && (port === 0) === (old.length === 0)) return null;
    let fresh: Bound[] = [];
    if (port !== 0) {
      try {
        fresh = this.bindAll(port, kind, this.bindSpecs(), []);
      } catch (e) {
        this.server.logger.warning((e as Error).message);
        return PORT_FAILED;
      }
    }
    this.bound[kind] = fresh;
    for (const b of old) b.srv.close();
    this.setPort(kind);
    return null;
  }

  /**
   * CONFIG SET bind: listeners on an address that stays are kept; a new address that
   * overlaps one being dropped (a wildcard and a specific address on one port) can only
   * bind once the old one is closed, so those are closed first and reopened on failure.
   */
  private changeBind(): string | null {
    const cfg = this.server.config;
    const specs = this.bindSpecs();
    const ports: Record<Kind, number> = { tcp: this.tcpPort === 0 && !this.ephemeral ? cfg.num('port') : this.tcpPort, tls: cfg.num('tls-port') };
    const next: Partial<Record<Kind, Bound[]>> = {};
    const closedEarly: Bound[] = [];
    const undo = (): void => {
      for (const k of ['tcp', 'tls'] as Kind[]) for (const b of next[k] ?? []) if (!this.bound[k].includes(b)) b.srv.close();
      for (const b of closedEarly) {
        const kind: Kind = this.bound.tls.includes(b) ? 'tls' : 'tcp';
        const r = bindHandle(this.resolved.get(b.host) ?? b.host, b.port, cfg.num('tcp-backlog'));
        if (typeof r === 'string') {
          this.server.logger.warning(`Could not reopen listening socket ${b.host}:${b.port}: ${describe(r)}`);
          this.bound[kind] = this.bound[kind].filter((x) => x !== b);
        } else {
          const i = this.bound[kind].indexOf(b);
          this.bound[kind][i] = { ...b, srv: this.serve(r, kind) };
        }
      }
    };
    for (const kind of ['tcp', 'tls'] as Kind[]) {
      const port = ports[kind];
      if (port === 0 && !(kind === 'tcp' && this.ephemeral)) continue;
      const old = this.bound[kind];
      try {
        next[kind] = this.bindAll(port, kind, specs, old);
      } catch (e) {
        if (!(e instanceof BindError) || e.code !== 'EADDRINUSE' || old.length === 0) {
          this.server.logger.warning((e as Error).message);
          undo();
          return BIND_FAILED;
        }
        // our own listeners hold the port: close the ones that go, then try again
        const keep = old.filter((b) => specs.some((s) => s.host === b.host));
        for (const b of old) {
          if (keep.includes(b)) continue;
          b.srv.close();
          closedEarly.push(b);
        }
        try {
          next[kind] = this.bindAll(port, kind, specs, keep);
        } catch (e2) {
          this.server.logger.warning((e2 as Error).message);
          undo();
          return BIND_FAILED;
        }
      }
    }
    for (const kind of ['tcp', 'tls'] as Kind[]) {
      const fresh = next[kind];
      if (fresh === undefined) continue;
      for (const b of this.bound[kind]) if (!fresh.includes(b) && !closedEarly.includes(b)) b.srv.close();
      this.bound[kind] = fresh;
      this.setPort(kind);
    }
    return null;
  }

  private setPort(kind: Kind): void {
    const port = this.portOf(kind);
    if (kind === 'tcp') this.tcpPort = port;
    else this.tlsPort = port;
    if (port !== 0) this.server.logger.notice(`Ready to accept connections ${kind} on port ${port}`);
  }

  private listen(opts: net.ListenOptions, isUnix: boolean): Promise<net.Server> {
    const srv = net.createServer({ noDelay: true, pauseOnConnect: false }, (sock) => this.accept(sock, isUnix));
    return new Promise((resolve, reject) => {
      const onErr = (e: Error) => reject(e);
      srv.once('error', onErr);
      srv.listen(opts, () => {
        srv.off('error', onErr);
        srv.on('error', (e) => this.server.logger.warning(`Listener error: ${e.message}`));
        resolve(srv);
      });
    });
  }

  /** Every accepted socket, so close() does not wait on a peer that never hangs up. */
  private readonly sockets = new Set<net.Socket>();

  private accept(sock: net.Socket, isUnix: boolean): Client | null {
    this.sockets.add(sock);
    sock.once('close', () => this.sockets.delete(sock));
    const server = this.server;
    const cfg = server.config;
    if (server.clients.size >= cfg.num('maxclients')) {
      server.stats.rejectedConnections++;
      sock.end('-ERR max number of clients reached\r\n');
      return null;
    }
    if (!isUnix && cfg.bool('protected-mode') && server.users.defaultUser.nopass && !isLoopback(sock.remoteAddress)) {
      server.stats.rejectedConnections++;
      server.logger.warning(`Denied connection from ${sock.remoteAddress}: protected mode`);
      securityEvent(server, 'protected-mode-denied', { addr: `${sock.remoteAddress}:${sock.remotePort}` });
      sock.end(PROTECTED_MODE_MSG);
      return null;
    }
    return attachConnection(server, sock, isUnix);
  }

  async close(): Promise<void> {
    const servers = [...this.bound.tcp, ...this.bound.tls].map((b) => b.srv);
    if (this.unixServer) servers.push(this.unixServer);
    this.bound.tcp = [];
    this.bound.tls = [];
    this.unixServer = null;
    const closed = Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    // replies already queued get a moment to drain, then every connection goes
    await new Promise((r) => setTimeout(r, 50));
    for (const sock of this.sockets) sock.destroy();
    await closed;
    if (this.unixPath) {
      try {
        unlinkSync(this.unixPath);
      } catch {
        /* already gone */
      }
    }
  }
}

/** Binds and listens on addr:port now; the handle, or the errno name. IPv6 addresses are v6-only (v4 has its own entry). */
function bindHandle(addr: string, port: number, backlog: number): TcpHandle | string {
  const h = new tcpWrap.TCP(tcpWrap.constants.SERVER);
  let err = addr.includes(':') ? h.bind6(addr, port, UV_TCP_IPV6ONLY) : h.bind(addr, port);
  if (err === 0) err = h.listen(backlog);
  if (err === 0) return h;
  h.close();
  return getSystemErrorName(err);
}

const ERRNO_TEXT: Record<string, string> = {
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EACCES: 'Permission denied',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EINVAL: 'Invalid argument',
};

function describe(code: string): string {
  return ERRNO_TEXT[code] ?? code;
}
