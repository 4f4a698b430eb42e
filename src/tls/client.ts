// TLS for Redoubt's own outgoing connections (a replica to its primary):
// the client certificate is tls-client-cert-file/-key-file, or the server's
// pair when those are unset (as Redis), the primary is verified against the
// configured CAs, and the protocol and cipher policy is the server's.

import tls from 'node:tls';
import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import type { Server } from '../server/server.js';

/** Opens a TLS connection with the server's configured identity and trust, or explains why it cannot. */
export function tlsConnect(server: Server, host: string, port: number): tls.TLSSocket | string {
  const ctx = server.listeners.tls.ctx;
  if (ctx === null) return 'tls-replication is set but TLS is not configured (tls-cert-file, tls-key-file and tls-ca-cert-file are needed)';
  const cfg = server.config;
  // net.connect's localAddress reaches the socket tls.connect opens
  const o: tls.ConnectionOptions & { localAddress?: string } = { ...ctx.options, host, port, localAddress: sourceAddress(server) };
  const ccert = cfg.str('tls-client-cert-file');
  if (ccert !== '') {
    try {
      o.cert = readFileSync(ccert);
      o.key = readFileSync(cfg.str('tls-client-key-file'));
      o.passphrase = cfg.str('tls-client-key-file-pass') || undefined;
    } catch (e) {
      return `can't read the TLS client certificate: ${(e as Error).message}`;
    }
  }
  // the chain is verified against our CAs; like Redis, no host name check
  o.rejectUnauthorized = true;
  o.checkServerIdentity = () => undefined;
  if (!/^[\d.:]+$/.test(host)) o.servername = host;
  return tls.connect(o);
}

/** bind-source-addr: the local address of the replication link (Redis binds it, best effort, before connecting). */
export function sourceAddress(server: Server): string | undefined {
  const a = server.config.str('bind-source-addr');
  return isIP(a) !== 0 ? a : undefined;
}
