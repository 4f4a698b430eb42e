// TCP and unix-socket listeners: bind (several addresses, '-' optional,
// IPv6), port, tcp-backlog, unixsocket(+perm applied before accepting),
// maxclients and protected mode at accept time.

import { securityEvent } from '../security/events.js';
import net from 'node:net';
import { chmodSync, unlinkSync, existsSync, statSync } from 'node:fs';
import type { Server } from './server.js';
import { attachConnection } from './connection.js';

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
  unixPath = '';
  /** Embedding: listen on a kernel-chosen port even though port 0 means "no TCP" in redis.conf. */
  ephemeral = false;

  constructor(private readonly server: Server) {}

  async start(): Promise<void> {
    const cfg = this.server.config;
    const port = cfg.num('port');
    const backlog = cfg.num('tcp-backlog');
    if (port !== 0 || this.ephemeral) {
      const binds = cfg.str('bind').split(/\s+/).filter(Boolean);
      let bound = 0;
      let actualPort = port;
      for (const spec of binds.length ? binds : ['*']) {
        const optional = spec.startsWith('-');
        let host = optional ? spec.slice(1) : spec;
        if (host === '*') host = '0.0.0.0';
        else if (host === '::*') host = '::';
        try {
          const srv = await this.listen({ host, port: actualPort, backlog, ipv6Only: host.includes(':') }, false);
          actualPort = (srv.address() as net.AddressInfo).port;
          bound++;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (optional && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT' || code === 'EPROTONOSUPPORT')) {
            this.server.logger.verbose(`Skipping optional bind ${host}: ${code}`);
            continue;
          }
          if (host === '::' && (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL')) continue;
          throw new Error(`Warning: Could not create server TCP listening socket ${host}:${port}: ${(e as Error).message}`);
        }
      }
      if (bound === 0) throw new Error('Failed listening on port ' + port + ' (tcp), aborting.');
      this.tcpPort = actualPort;
    }
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
  }

  private listen(opts: net.ListenOptions, isUnix: boolean): Promise<net.Server> {
    const srv = net.createServer({ noDelay: true, pauseOnConnect: false }, (sock) => this.accept(sock, isUnix));
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

  private accept(sock: net.Socket, isUnix: boolean): void {
    this.sockets.add(sock);
    sock.once('close', () => this.sockets.delete(sock));
    const server = this.server;
    const cfg = server.config;
    if (server.clients.size >= cfg.num('maxclients')) {
      server.stats.rejectedConnections++;
      sock.end('-ERR max number of clients reached\r\n');
      return;
    }
    if (!isUnix && cfg.bool('protected-mode') && server.users.defaultUser.nopass && !isLoopback(sock.remoteAddress)) {
      server.stats.rejectedConnections++;
      server.logger.warning(`Denied connection from ${sock.remoteAddress}: protected mode`);
      securityEvent(server, 'protected-mode-denied', { addr: `${sock.remoteAddress}:${sock.remotePort}` });
      sock.end(PROTECTED_MODE_MSG);
      return;
    }
    attachConnection(server, sock, isUnix);
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
