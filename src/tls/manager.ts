// The server's TLS state: the context in force, the TLS listeners' sockets
// through the handshake, client-certificate policy, CONFIG SET of tls-*
// (a new context for new connections; a bad value is refused and the old
// context stays), the file watch, and INFO fields. Connections that finish
// the handshake go to the same accept path as plaintext ones.

import tls from 'node:tls';
import type net from 'node:net';
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { addInfoProvider } from '../commands/server-cmds.js';
import { buildTlsContext, tlsWanted, TlsConfigError, type TlsContext } from './context.js';
import { SessionCache } from './session-cache.js';
import { certificateLogin } from './identity.js';
import { FileWatch } from './reload.js';

/** Directives whose change needs a new context (Redis's applyTlsCfg list). */
const CONTEXT_PARAMS = [
  'tls-cert-file',
  'tls-key-file',
  'tls-key-file-pass',
  'tls-client-cert-file',
  'tls-client-key-file',
  'tls-client-key-file-pass',
  'tls-dh-params-file',
  'tls-ca-cert-file',
  'tls-ca-cert-dir',
  'tls-auth-clients',
  'tls-protocols',
  'tls-ciphers',
  'tls-ciphersuites',
  'tls-prefer-server-ciphers',
  'tls-session-caching',
  'tls-session-cache-size',
  'tls-session-cache-timeout',
  'tls-replication',
  'tls-cluster',
  'tls-port',
];

const DAY = 86_400_000;
export const UPDATE_FAILED = 'Unable to update TLS configuration. Check server logs.';

export class TlsManager {
  ctx: TlsContext | null = null;
  private readonly servers = new Set<tls.Server>();
  private readonly sessions = new SessionCache();
  readonly stats = { handshakeFailures: 0, deniedCert: 0, reloads: 0 };
  readonly watch: FileWatch;
  /** Set by the listeners: opens or closes TLS listening sockets when tls-port changes at runtime. */
  onPortChange: ((port: number) => string | null) | null = null;

  constructor(private readonly server: Server) {
    const cfg = server.config;
    this.watch = new FileWatch(server, this);
    const apply = (): string | null => this.applyConfig();
    for (const p of CONTEXT_PARAMS) cfg.onApply(p, apply);
    server.hooks.cron.push((now) => this.watch.tick(now));
    server.hooks.resetStat.push(() => {
      this.stats.handshakeFailures = 0;
      this.stats.deniedCert = 0;
    });
    addInfoProvider(server, 'server', () => (this.ctx === null ? {} : this.serverInfo()));
    addInfoProvider(server, 'stats', (): Record<string, number> =>
      this.ctx === null ? {} : { tls_handshake_failures: this.stats.handshakeFailures, tls_cert_reloads: this.stats.reloads, acl_access_denied_tls_cert: this.stats.deniedCert },
    );
  }

  /** At startup: builds the context the configuration asks for; throws with the directive at fault. */
  init(): void {
    if (!tlsWanted(this.server.config)) return;
    this.use(buildTlsContext(this.server.config));
    this.watch.reset();
  }

  /** Puts a validated context in force for every new handshake. */
  use(ctx: TlsContext): void {
    this.ctx = ctx;
    // a session made under the old context (CAs, policy) must not resume under the new one
    this.sessions.clear();
    for (const srv of this.servers) this.configureServer(srv, ctx);
    this.warnExpiry(ctx);
  }

  private configureServer(srv: tls.Server, ctx: TlsContext): void {
    srv.setSecureContext(ctx.options);
    // read by Node for each new connection; `optional` is checked after the handshake (verifyOptional)
    (srv as unknown as { requestCert: boolean }).requestCert = ctx.authClients !== 'no';
    (srv as unknown as { rejectUnauthorized: boolean }).rejectUnauthorized = ctx.authClients === 'yes';
  }

  warnExpiry(ctx: TlsContext, now = Date.now()): void {
    const left = ctx.cert.validTo.getTime() - now;
    if (left <= 0) this.server.logger.warning(`TLS certificate (tls-cert-file) EXPIRED on ${ctx.cert.validTo.toISOString()}: clients will refuse it`);
    else if (left < 30 * DAY) this.server.logger.warning(`TLS certificate (tls-cert-file) expires in ${Math.floor(left / DAY)} days, on ${ctx.cert.validTo.toISOString()}`);
  }

  /** CONFIG SET of any tls-* directive: all new values are stored already; refuse to keep the old ones. */
  private applyConfig(): string | null {
    const cfg = this.server.config;
    if (!tlsWanted(cfg)) {
      this.onPortChange?.(0);
      this.ctx = null;
      return null;
    }
    let ctx: TlsContext;
    try {
      ctx = buildTlsContext(cfg);
    } catch (e) {
      const msg = e instanceof TlsConfigError ? e.message : (e as Error).message;
      this.server.logger.warning(`Failed to update TLS configuration: ${msg}`);
      return UPDATE_FAILED;
    }
    this.use(ctx);
    this.watch.reset();
    return this.onPortChange?.(cfg.num('tls-port')) ?? null;
  }

  /** A TLS listener; `accept` is the plaintext accept path, given the socket once its handshake is done. */
  createServer(accept: (sock: net.Socket) => Client | null): tls.Server {
    const ctx = this.ctx!;
    // Connections still in their handshake, by peer address. Node drops a refused client
    // certificate (tls-auth-clients yes) without any event, so a failure is counted as a
    // connection that closed before it was handed over. Each has a timer for
    // tls-handshake-timeout (read per connection, so CONFIG SET applies).
    const handshaking = new Map<string, NodeJS.Timeout>();
    // TCP_NODELAY from accept on, so that handshake flights are not held back by Nagle either
    const srv = tls.createServer({ ...ctx.options, noDelay: true }, (sock) => {
      const peer = sock.remoteAddress + ':' + sock.remotePort;
      clearTimeout(handshaking.get(peer));
      handshaking.delete(peer);
      if (!this.verifyOptional(sock)) return;
      const c = accept(sock);
      if (c !== null) certificateLogin(this.server, c, sock, this.stats);
    });
    this.configureServer(srv, ctx);
    srv.on('connection', (raw: net.Socket) => {
      const peer = raw.remoteAddress + ':' + raw.remotePort;
      const timer = setTimeout(() => {
        this.server.logger.verbose(`TLS handshake timed out (addr=${peer})`);
        raw.destroy();
      }, this.server.config.num('tls-handshake-timeout'));
      handshaking.set(peer, timer);
      raw.once('close', () => {
        clearTimeout(timer);
        if (handshaking.get(peer) === timer) {
          handshaking.delete(peer);
          this.stats.handshakeFailures++;
        }
      });
    });
    srv.on('tlsClientError', (err, sock) => {
      this.server.logger.verbose(`Error accepting a client connection: ${err.message} (addr=${sock.remoteAddress}:${sock.remotePort})`);
      sock.destroy();
    });
    srv.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
      const c = this.ctx;
      if (c !== null && c.sessionCaching) this.sessions.set(id, data, c.sessionCacheSize, this.server.config.num('tls-session-cache-timeout'));
      done();
    });
    srv.on('resumeSession', (id: Buffer, done: (err: Error | null, data: Buffer | null) => void) => {
      done(null, this.ctx?.sessionCaching ? this.sessions.get(id) : null);
    });
    srv.once('close', () => this.servers.delete(srv));
    this.servers.add(srv);
    return srv;
  }

  /**
   * tls-auth-clients optional: no certificate is fine, but one that was presented must
   * verify (OpenSSL's SSL_VERIFY_PEER without FAIL_IF_NO_PEER_CERT, as Redis sets it).
   */
  private verifyOptional(sock: tls.TLSSocket): boolean {
    if (sock.authorized || this.ctx?.authClients !== 'optional') return true;
    const cert = sock.getPeerCertificate();
    if (!cert || Object.keys(cert).length === 0) return true;
    this.stats.handshakeFailures++;
    this.server.logger.verbose(`Error accepting a client connection: ${sock.authorizationError} (addr=${sock.remoteAddress}:${sock.remotePort})`);
    sock.destroy();
    return false;
  }

  private serverInfo(): Record<string, string | number> {
    const ctx = this.ctx!;
    const byProto = new Map<string, number>();
    const byCipher = new Map<string, number>();
    let n = 0;
    for (const c of this.server.clients.values()) {
      const s = c.socket;
      if (!(s instanceof tls.TLSSocket)) continue;
      n++;
      const p = s.getProtocol() ?? 'unknown';
      byProto.set(p, (byProto.get(p) ?? 0) + 1);
      const ci = s.getCipher()?.standardName ?? 'unknown';
      byCipher.set(ci, (byCipher.get(ci) ?? 0) + 1);
    }
    const fmt = (m: Map<string, number>) => [...m].map(([k, v]) => `${k}=${v}`).join(',');
    return {
      tls_port: this.server.config.num('tls-port'),
      tls_protocols: ctx.protocols.join(','),
      tls_cert_not_after: Math.floor(ctx.cert.validTo.getTime() / 1000),
      tls_cert_expires_in_days: Math.floor((ctx.cert.validTo.getTime() - Date.now()) / DAY),
      tls_ca_certs: ctx.caCount,
      tls_connected_clients: n,
      tls_clients_by_protocol: fmt(byProto),
      tls_clients_by_cipher: fmt(byCipher),
    };
  }
}
