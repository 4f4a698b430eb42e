// Builds and validates the server's TLS context from the tls-* directives,
// with Redis's semantics (tls.c tlsConfigure): the same required files, the
// same protocol names, TLSv1.2+TLSv1.3 when tls-protocols is unset, OpenSSL
// cipher syntax. Each file is checked on its own first so that a failure names
// the directive at fault; Node's createSecureContext then builds the context.

import tls from 'node:tls';
import { constants as C, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/registry.js';
import { strerror } from '../config/params.js';

export class TlsConfigError extends Error {
  constructor(
    readonly directive: string,
    message: string,
  ) {
    super(`${directive}: ${message}`);
  }
}

export interface CertInfo {
  subject: string;
  issuer: string;
  validFrom: Date;
  validTo: Date;
  fingerprint256: string;
}

/** Everything a TLS listener needs, built and validated from the configuration at one moment. */
export interface TlsContext {
  /** Options for tls.createServer / Server.setSecureContext (already proven to build). */
  options: tls.SecureContextOptions;
  /** tls-auth-clients: yes (certificate required), optional (verified when presented), no. */
  authClients: 'yes' | 'optional' | 'no';
  sessionCaching: boolean;
  sessionCacheSize: number;
  /** The server certificate (first of tls-cert-file). */
  cert: CertInfo;
  /** Trusted CA certificates loaded from tls-ca-cert-file and tls-ca-cert-dir. */
  caCount: number;
  /** Protocol names enabled, lowest first (INFO). */
  protocols: string[];
  /** Files the context was built from (the reload watch compares their contents; a path ending in / is a directory's listing). */
  files: string[];
}

const PROTOS = ['tlsv1', 'tlsv1.1', 'tlsv1.2', 'tlsv1.3'] as const;
const PROTO_NAMES = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
const NO_PROTO = [C.SSL_OP_NO_TLSv1, C.SSL_OP_NO_TLSv1_1, C.SSL_OP_NO_TLSv1_2, C.SSL_OP_NO_TLSv1_3];

const [DEFAULT_SUITES, DEFAULT_CIPHER_LIST] = splitCiphers(tls.DEFAULT_CIPHERS);

function splitCiphers(s: string): [string, string] {
  const parts = s.split(':').filter(Boolean);
  return [parts.filter((p) => p.startsWith('TLS_')).join(':'), parts.filter((p) => !p.startsWith('TLS_')).join(':')];
}

/** tls-protocols as Redis parses it: space separated, case-insensitive; "" means TLSv1.2 and TLSv1.3. */
export function parseProtocols(v: string): boolean[] | null {
  const on = [false, false, false, false];
  const tokens = v.split(' ').filter(Boolean);
  if (tokens.length === 0) return [false, false, true, true];
  for (const t of tokens) {
    const i = (PROTOS as readonly string[]).indexOf(t.toLowerCase());
    if (i === -1) return null;
    on[i] = true;
  }
  return on;
}

/** Does the configuration ask for a TLS context at all (Redis: tls-port, tls-replication or tls-cluster)? */
export function tlsWanted(cfg: Config): boolean {
  return cfg.num('tls-port') !== 0 || cfg.bool('tls-replication') || cfg.bool('tls-cluster');
}

function readFile(directive: string, path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new TlsConfigError(directive, `Failed to load ${what}: ${path}: ${strerror(e)}`);
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function certsIn(directive: string, path: string, pem: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERT) ?? [];
  return blocks.map((b) => {
    try {
      return new X509Certificate(b);
    } catch (e) {
      throw new TlsConfigError(directive, `Invalid certificate in ${path}: ${(e as Error).message}`);
    }
  });
}

function info(x: X509Certificate): CertInfo {
  return { subject: x.subject.replace(/\n/g, ', '), issuer: x.issuer.replace(/\n/g, ', '), validFrom: new Date(x.validFrom), validTo: new Date(x.validTo), fingerprint256: x.fingerprint256 };
}

/** A certificate file and its private key, checked to belong together. */
function loadPair(certDir: string, keyDir: string, passDir: string, certPath: string, keyPath: string, pass: string): { cert: Buffer; key: Buffer; first: X509Certificate } {
  const cert = readFile(certDir, certPath, 'certificate');
  const certs = certsIn(certDir, certPath, cert.toString('latin1'));
  if (certs.length === 0) throw new TlsConfigError(certDir, `Failed to load certificate: ${certPath}: no PEM certificate found`);
  const key = readFile(keyDir, keyPath, 'private key');
  let k: KeyObject;
  try {
    k = createPrivateKey({ key, format: 'pem', passphrase: pass === '' ? undefined : pass });
  } catch (e) {
    const m = (e as Error).message;
    if (/bad decrypt|passphrase|interrupted or cancelled/i.test(m)) {
      throw new TlsConfigError(passDir, `Failed to load private key: ${keyPath}: ${pass === '' ? 'the key is encrypted and no passphrase is set' : 'wrong passphrase'}`);
    }
    throw new TlsConfigError(keyDir, `Failed to load private key: ${keyPath}: ${m}`);
  }
  if (!certs[0].checkPrivateKey(k)) throw new TlsConfigError(keyDir, `Private key ${keyPath} does not match the certificate ${certPath}`);
  return { cert, key, first: certs[0] };
}

/** Every certificate of a CA directory (c_rehash links, .pem, .crt: any regular file holding PEM certificates). */
function loadCaDir(dir: string): { pem: string[]; files: string[] } {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new TlsConfigError('tls-ca-cert-dir', `Failed to load CA certificate(s) directory: ${dir}: ${strerror(e)}`);
  }
  const pem: string[] = [];
  const files: string[] = [];
  for (const n of names.sort()) {
    const p = join(dir, n);
    try {
      if (!statSync(p).isFile()) continue;
    } catch {
      continue;
    }
    const text = readFileSync(p, 'latin1');
    for (const x of certsIn('tls-ca-cert-dir', p, text)) pem.push(x.toString());
    files.push(p);
  }
  return { pem, files };
}

/**
 * Builds the TLS context the configuration describes, or throws a TlsConfigError naming
 * the directive at fault.
 */
export function buildTlsContext(cfg: Config): TlsContext {
  const certFile = cfg.str('tls-cert-file');
  const keyFile = cfg.str('tls-key-file');
  if (certFile === '') throw new TlsConfigError('tls-cert-file', 'No tls-cert-file configured!');
  if (keyFile === '') throw new TlsConfigError('tls-key-file', 'No tls-key-file configured!');
  const authClients = cfg.str('tls-auth-clients') as TlsContext['authClients'];
  const caFile = cfg.str('tls-ca-cert-file');
  const caDir = cfg.str('tls-ca-cert-dir');
  if (caFile === '' && caDir === '' && (authClients !== 'no' || cfg.bool('tls-replication') || cfg.bool('tls-cluster'))) {
    throw new TlsConfigError(
      'tls-ca-cert-file',
      'Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!',
    );
  }
  const files: string[] = [certFile, keyFile];
  const pair = loadPair('tls-cert-file', 'tls-key-file', 'tls-key-file-pass', certFile, keyFile, cfg.str('tls-key-file-pass'));

  // the client side (replication, cluster) is validated now so that a bad file fails at startup too
  const ccert = cfg.str('tls-client-cert-file');
  const ckey = cfg.str('tls-client-key-file');
  if (ccert !== '' || ckey !== '') {
    if (ccert === '') throw new TlsConfigError('tls-client-cert-file', 'tls-client-key-file is set but tls-client-cert-file is not');
    if (ckey === '') throw new TlsConfigError('tls-client-key-file', 'tls-client-cert-file is set but tls-client-key-file is not');
    loadPair('tls-client-cert-file', 'tls-client-key-file', 'tls-client-key-file-pass', ccert, ckey, cfg.str('tls-client-key-file-pass'));
    files.push(ccert, ckey);
  }

  const ca: string[] = [];
  if (caFile !== '') {
    const pem = readFile('tls-ca-cert-file', caFile, 'CA certificate(s) file').toString('latin1');
    const certs = certsIn('tls-ca-cert-file', caFile, pem);
    if (certs.length === 0) throw new TlsConfigError('tls-ca-cert-file', `Failed to load CA certificate(s) file: ${caFile}: no PEM certificate found`);
    for (const x of certs) ca.push(x.toString());
    files.push(caFile);
  }
  if (caDir !== '') {
    const d = loadCaDir(caDir);
    if (d.pem.length === 0 && caFile === '') throw new TlsConfigError('tls-ca-cert-dir', `Failed to load CA certificate(s) directory: ${caDir}: no PEM certificate found`);
    ca.push(...d.pem);
    // the directory itself (trailing slash): the file watch then sees certificates added or removed
    files.push(...d.files, join(caDir, '/'));
  }

  const protos = parseProtocols(cfg.str('tls-protocols'));
  if (protos === null) {
    throw new TlsConfigError('tls-protocols', "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
  }
  const lo = protos.indexOf(true);
  const hi = protos.lastIndexOf(true);
  // OpenSSL takes a range plus exclusions, as Redis sets SSL_OP_NO_* for each protocol left out
  let secureOptions = C.SSL_OP_NO_SSLv2 | C.SSL_OP_NO_SSLv3 | C.SSL_OP_NO_COMPRESSION;
  for (let i = lo; i <= hi; i++) if (!protos[i]) secureOptions |= NO_PROTO[i];

  // Node takes one list and routes TLS_* names to TLSv1.3: each directive keeps the other's default
  const cipherList = splitCiphers(cfg.str('tls-ciphers'))[1];
  const suites = cfg.str('tls-ciphersuites');
  if (cfg.str('tls-ciphers') !== '') {
    if (cipherList === '') throw new TlsConfigError('tls-ciphers', `Failed to configure ciphers: ${cfg.str('tls-ciphers')}`);
    tryContext('tls-ciphers', { ciphers: cipherList }, 'Failed to configure ciphers');
  }
  if (suites !== '') {
    if (suites.split(':').some((s) => s !== '' && !s.startsWith('TLS_'))) throw new TlsConfigError('tls-ciphersuites', `Failed to configure ciphersuites: ${suites}`);
    tryContext('tls-ciphersuites', { ciphers: suites }, 'Failed to configure ciphersuites');
  }
  const ciphers = (suites !== '' ? suites : DEFAULT_SUITES) + ':' + (cipherList !== '' ? cipherList : DEFAULT_CIPHER_LIST);

  let dhparam: Buffer | undefined;
  const dhFile = cfg.str('tls-dh-params-file');
  if (dhFile !== '') {
    dhparam = readFile('tls-dh-params-file', dhFile, 'DH params file');
    const bits = dhPrimeBits(dhparam.toString('latin1'));
    if (bits === null) throw new TlsConfigError('tls-dh-params-file', `Failed to load DH params file: ${dhFile}: no PEM DH parameters found`);
    if (bits < 1024) throw new TlsConfigError('tls-dh-params-file', `Failed to load DH params file: ${dhFile}: ${bits}-bit prime is too small`);
    tryContext('tls-dh-params-file', { dhparam }, `Failed to load DH params file: ${dhFile}`);
    files.push(dhFile);
  }

  const sessionCaching = cfg.bool('tls-session-caching');
  if (!sessionCaching) secureOptions |= C.SSL_OP_NO_TICKET;
  const options: tls.SecureContextOptions = {
    cert: pair.cert,
    key: pair.key,
    passphrase: cfg.str('tls-key-file-pass') || undefined,
    // never undefined: Node would then trust its bundled public roots for client certificates
    ca: ca.length ? ca : [],
    ciphers,
    honorCipherOrder: cfg.bool('tls-prefer-server-ciphers'),
    minVersion: PROTO_NAMES[lo],
    maxVersion: PROTO_NAMES[hi],
    secureOptions,
    dhparam,
    sessionTimeout: cfg.num('tls-session-cache-timeout'),
    sessionIdContext: 'redis',
  };
  tryContext('tls-cert-file', options, 'Failed to configure TLS');
  return {
    options,
    authClients,
    sessionCaching,
    sessionCacheSize: cfg.num('tls-session-cache-size'),
    cert: info(pair.first),
    caCount: ca.length,
    protocols: PROTO_NAMES.filter((_, i) => protos[i]),
    files,
  };
}

/**
 * Bit length of the prime in PEM DH parameters (PKCS#3 or X9.42), null when the text
 * holds none. Node silently ignores DH parameters it cannot read, so they are read here.
 */
export function dhPrimeBits(pem: string): number | null {
  const m = /-----BEGIN (?:X9\.42 )?DH PARAMETERS-----([\s\S]+?)-----END (?:X9\.42 )?DH PARAMETERS-----/.exec(pem);
  if (!m) return null;
  const der = Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
  // SEQUENCE { INTEGER p, INTEGER g, ... }
  let pos = 0;
  const len = (): number | null => {
    if (pos >= der.length) return null;
    let l = der[pos++];
    if (l & 0x80) {
      const n = l & 0x7f;
      if (n === 0 || n > 4 || pos + n > der.length) return null;
      l = 0;
      for (let i = 0; i < n; i++) l = l * 256 + der[pos++];
    }
    return l;
  };
  if (der[pos++] !== 0x30 || len() === null || der[pos++] !== 0x02) return null;
  let l = len();
  if (l === null || l === 0 || pos + l > der.length) return null;
  while (l > 1 && der[pos] === 0) {
    pos++;
    l--;
  }
  return (l - 1) * 8 + (32 - Math.clz32(der[pos]));
}

function tryContext(directive: string, opts: tls.SecureContextOptions, what: string): void {
  try {
    tls.createSecureContext(opts);
  } catch (e) {
    throw new TlsConfigError(directive, `${what}: ${(e as Error).message}`);
  }
}
