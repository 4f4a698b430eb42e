// Real TLS handshakes against the target: old protocol versions, weak
// ciphers, no client certificate. Each probe opens its own connection and
// sends at most a PING. null means this client could not even offer what the
// probe needs (OpenSSL without the suite), so the rule falls back to config.

import tls from 'node:tls';
import type { TlsProbe } from './facts.js';

export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

const CLIENT_SIDE = /NO_PROTOCOLS_AVAILABLE|NO_CIPHER_MATCH|No cipher match|UNSUPPORTED_PROTOCOL.*client|ERR_TLS_INVALID_PROTOCOL/i;

/** Handshake (and, with `ping`, one PING): true when the server let the session run. */
function attempt(host: string, port: number, opts: tls.ConnectionOptions, ping: boolean, timeoutMs: number): Promise<boolean | null> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: boolean | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock?.destroy();
      resolve(v);
    };
    let sock: tls.TLSSocket | undefined;
    const timer = setTimeout(() => finish(false), timeoutMs);
    try {
      sock = tls.connect({ host, port, rejectUnauthorized: false, ...opts });
    } catch (e) {
      finish(CLIENT_SIDE.test(String((e as Error).message)) ? null : false);
      return;
    }
    sock.once('secureConnect', () => {
      if (!ping) return finish(true);
      sock!.write('*1\r\n$4\r\nPING\r\n');
    });
    // any reply (PONG, -NOAUTH) means the session works; a closed socket means refused
    sock.on('data', () => finish(true));
    sock.once('error', (e: NodeJS.ErrnoException) => finish(CLIENT_SIDE.test(`${e.code} ${e.message}`) && !sock!.remoteAddress ? null : false));
    sock.once('close', () => finish(false));
  });
}

export async function probeTls(host: string, port: number, m: TlsMaterial, timeoutMs = 3000): Promise<TlsProbe> {
  const mine = { ca: m.ca, cert: m.cert, key: m.key };
  const oldProtocolAccepted = await attempt(host, port, { ...mine, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }, false, timeoutMs);
  const weakCipherAccepted = await attempt(host, port, { ...mine, maxVersion: 'TLSv1.2', ciphers: 'RC4:3DES:DES:NULL:EXPORT:aNULL:MD5:@SECLEVEL=0' }, false, timeoutMs);
  const noClientCertAccepted = await attempt(host, port, { ca: m.ca }, true, timeoutMs);
  const certNotAfter = await new Promise<number | null>((resolve) => {
    const s = tls.connect({ host, port, rejectUnauthorized: false, ...mine }, () => {
      const c = s.getPeerCertificate();
      s.destroy();
      resolve(c && c.valid_to ? Date.parse(c.valid_to) : null);
    });
    s.once('error', () => resolve(null));
    setTimeout(() => {
      s.destroy();
      resolve(null);
    }, timeoutMs);
  });
  return { oldProtocolAccepted, weakCipherAccepted, noClientCertAccepted, certNotAfter };
}
