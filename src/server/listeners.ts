// TCP, TLS and unix-socket listeners: bind (several addresses, '-' optional,
// IPv6), port, tls-port, tcp-backlog, unixsocket(+perm applied before
// accepting), maxclients and protected mode at accept time. TLS sockets join
// the same accept path once their handshake is done (src/tls/manager.ts).

import { securityEvent } from '../security/events.js';
import net from 'node:net';
import { chmodSync, unlinkSync, existsSync, statSync } from 'node:fs';
import type { Server } from './server.js';
import { attachConnection } from './connection.js';
import type { Client } from './client.js';
import { TlsManager } from '../tls/manager.js';

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

export class Listeners {
  private servers: net.Server[] = [];
  tcpPort = 0;
  tlsPort = 0;
  unixPath = '';
  /** Embedding: listen on a kernel-chosen port even though port 0 means "no TCP" in redis.conf. */
  ephemeral = false;
  readonly tls: TlsManager;
  private tlsServers: net.Server[] = [];

  constructor(private readonly server: Server) {
    this.tls = new TlsManager(server);
    this.tls.onPortChange = (port) => void this.changeTlsPort(port);
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
    if (port !== 0 || this.ephemeral) this.tcpPort = await this.bindAll(port, 'tcp');
    if (cfg.num('tls-port') !== 0) this.tlsPort = await this.bindAll(cfg.num('tls-port'), 'tls');
    const unix = cfg.str('unixsocket');
    if (unix) {
      if (existsSync(unix) && statSync(unix).isSocket()) unlinkSync(unix);
      const perm = parseInt(cfg.str('unixsocketperm'), 8) || 0o700;
      // the socket is created owner-only, then opened up to unixsocketperm: nobody else can connect in between
      const old = process.umask(0o177);
      try {
        await this.listen({ path: unix, backlog }, true);
      } finally {
        process.umask(old);
      }
      chmodSync(unix, perm);
      this.unixPath = unix;
      this.server.logger.notice(`The server is now ready to accept connections at ${unix}`);
    }
    if (this.tcpPort !== 0) this.server.logger.notice(`Ready to accept connections tcp on port ${this.tcpPort}`);
    if (this.tlsPort !== 0) this.server.logger.notice(`Ready to accept connections tls on port ${this.tlsPort}`);
  }

  /** Listens on `port` at every bind address; returns the port (the kernel's choice for 0). */
  private async bindAll(port: number, kind: 'tcp' | 'tls'): Promise<number> {
    const cfg = this.server.config;
    const backlog = cfg.num('tcp-backlog');
    const binds = cfg.str('bind').split(/\s+/).filter(Boolean);
    let bound = 0;
    let actualPort = port;
    for (const spec of binds.length ? binds : ['*']) {
      const optional = spec.startsWith('-');
      let host = optional ? spec.slice(1) : spec;
      if (host === '*') host = '0.0.0.0';
      else if (host === '::*') host = '::';
      try {
        const srv = await this.listen({ host, port: actualPort, backlog, ipv6Only: host.includes(':') }, false, kind === 'tls');
        actualPort = (srv.address() as net.AddressInfo).port;
        bound++;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (optional && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT' || code === 'EPROTONOSUPPORT')) {
          this.server.logger.verbose(`Skipping optional bind ${host}: ${code}`);
          continue;
        }
        if (host === '::' && (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL')) continue;
        throw new Error(`Warning: Could not create server ${kind.toUpperCase()} listening socket ${host}:${port}: ${(e as Error).message}`);
      }
    }
    if (bound === 0) throw new Error(`Failed listening on port ${port} (${kind}), aborting.`);
    return actualPort;
  }

  /** CONFIG SET tls-port (Redis 7 changes it at runtime); 0 closes the TLS listeners. */
  private async changeTlsPort(port: number): Promise<void> {
    if (port === this.tlsPort && (port === 0 || this.tlsServers.length > 0)) return;
    const old = this.tlsServers;
    this.tlsServers = [];
    this.servers = this.servers.filter((s) => !old.includes(s));
    for (const s of old) s.close();
    this.tlsPort = 0;
    if (port === 0) return;
    try {
      this.tlsPort = await this.bindAll(port, 'tls');
      this.server.logger.notice(`Ready to accept connections tls on port ${this.tlsPort}`);
    } catch (e) {
      this.server.logger.warning((e as Error).message);
    }
  }

  private listen(opts: net.ListenOptions, isUnix: boolean, isTls = false): Promise<net.Server> {
    let srv: net.Server;
    if (isTls) {
      srv = this.tls.createServer((sock) => this.accept(sock, false));
      // sockets still in their handshake, so that close() need not wait for them
      srv.on('connection', (raw: net.Socket) => {
        this.sockets.add(raw);
        raw.once('close', () => this.sockets.delete(raw));
      });
      this.tlsServers.push(srv);
    } else srv = net.createServer({ noDelay: true, pauseOnConnect: false }, (sock) => this.accept(sock, isUnix));
    return new Promise((resolve, reject) => {
      const onErr = (e: Error) => reject(e);
      srv.once('error', onErr);
      srv.listen(opts, () => {
        srv.off('error', onErr);
        srv.on('error', (e) => this.server.logger.warning(`Listener error: ${e.message}`));
        this.servers.push(srv);
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
    const servers = this.servers;
    this.servers = [];
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
