// Certificate login (tls-auth-clients-user): a client whose certificate the
// handshake verified is logged in as the ACL user its certificate names, as
// Valkey does for CN and SAN URI. Only a verified certificate counts, and only
// an existing, enabled user; otherwise the client stays as it was (AUTH still
// works) and the refusal is logged and counted.

import { securityEvent } from '../security/events.js';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';

export type CertUserField = 'off' | 'cn' | 'san-uri' | 'san-dns';

/** subjectaltname as Node prints it: `DNS:a, URI:b, IP Address:c`; values may be quoted when they hold a comma. */
export function sanEntries(san: string | undefined, kind: 'URI' | 'DNS'): string[] {
  if (!san) return [];
  const out: string[] = [];
  const re = /(DNS|URI|IP Address|email|DirName|othername|Registered ID):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (let m = re.exec(san); m !== null && m[0] !== ''; m = re.exec(san)) {
    if (m[1] !== kind) continue;
    let v = m[2];
    if (v.startsWith('"')) v = JSON.parse(v) as string;
    out.push(v);
  }
  return out;
}

/** The user names a certificate offers under the configured field, in certificate order. */
export function certUserNames(cert: PeerCertificate, field: CertUserField): string[] {
  switch (field) {
    case 'cn': {
      const cn = cert.subject?.CN;
      if (cn === undefined) return [];
      // several CNs: the first, as Valkey's X509_NAME_get_index_by_NID(..., -1) lookup takes
      return Array.isArray(cn) ? [cn[0]] : [cn];
    }
    case 'san-uri':
      return sanEntries(cert.subjectaltname, 'URI');
    case 'san-dns':
      return sanEntries(cert.subjectaltname, 'DNS');
    default:
      return [];
  }
}

/** Called once per TLS connection after the handshake, before the client's first command. */
export function certificateLogin(server: Server, c: Client, sock: TLSSocket, stats: { deniedCert: number }): void {
  const field = server.config.str('tls-auth-clients-user') as CertUserField;
  if (field === 'off' || !sock.authorized) return;
  const cert = sock.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return;
  const names = certUserNames(cert, field);
  // Node's certificate strings are UTF-8 decoded; user names are bytes (latin1) everywhere else
  const candidates = names.map((n) => Buffer.from(n, 'utf8').toString('latin1'));
  for (const name of candidates) {
    const u = server.users.users.get(name);
    if (u !== undefined && u.enabled) {
      c.setAuthenticated(u);
      server.logger.verbose(`TLS certificate login: client id=${c.id} addr=${c.raddr} as user '${name}' (${field})`);
      securityEvent(server, 'auth', { user: name, addr: c.raddr, method: 'tls-certificate' });
      return;
    }
  }
  stats.deniedCert++;
  const shown = candidates.length ? candidates.map((n) => `'${n}'`).join(', ') : 'no ' + field.toUpperCase() + ' field';
  server.logger.warning(`Security: TLS certificate of client id=${c.id} addr=${c.raddr} names ${shown}: no such enabled user; not logged in`);
  securityEvent(server, 'auth-failed', { user: candidates[0] ?? '', addr: c.raddr, method: 'tls-certificate', reason: 'no such enabled user' });
}
