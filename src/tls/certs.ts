// Certificate issuing for `redoubt certs`: a CA, a server certificate with
// SANs, client certificates whose CN is an ACL user name (and optionally a
// SAN URI). Keys come from Node's WebCrypto; @peculiar/x509 encodes and signs
// the certificates. RSA by default, so that cipher lists limited to
// ECDHE-RSA-* (the seed's tls-ciphers) work for TLS 1.2.

import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto, createPrivateKey, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';

const subtle = webcrypto.subtle as unknown as SubtleCrypto;
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export type KeyType = 'rsa' | 'ec';

export interface KeyOptions {
  keyType?: KeyType;
  /** RSA modulus size (default 3072). */
  bits?: number;
}

export interface IssueOptions extends KeyOptions {
  /** Validity in days from now (default 365); ignored when notAfter is given. */
  days?: number;
  notBefore?: Date;
  notAfter?: Date;
  /** Client certificates: DNS names for the SAN (tls-auth-clients-user san-dns). */
  sanDns?: string[];
}

export interface Issued {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  certPem: string;
  keyPem: string;
}

function algorithms(type: KeyType, bits = 3072): { gen: RsaHashedKeyGenParams | EcKeyGenParams; sign: Algorithm | EcdsaParams; imp: RsaHashedImportParams | EcKeyImportParams } {
  if (type === 'ec') {
    return { gen: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams, imp: { name: 'ECDSA', namedCurve: 'P-256' } };
  }
  const rsa = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  return { gen: { ...rsa, modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]) }, sign: rsa, imp: rsa };
}

async function newKeys(o: KeyOptions): Promise<CryptoKeyPair> {
  const a = algorithms(o.keyType ?? 'rsa', o.bits);
  return (await subtle.generateKey(a.gen, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  const der = Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

/** A positive 128-bit serial (RFC 5280: at most 20 octets, positive). */
function serial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f;
  b[0] |= 0x01;
  return b.toString('hex');
}

function validity(o: IssueOptions): { notBefore: Date; notAfter: Date } {
  // a minute of slack for clocks that are a little behind
  const notBefore = o.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = o.notAfter ?? new Date(Date.now() + (o.days ?? 365) * 86_400_000);
  return { notBefore, notAfter };
}

async function finish(cert: x509.X509Certificate, keys: CryptoKeyPair): Promise<Issued> {
  return { cert, keys, certPem: cert.toString('pem') + '\n', keyPem: await keyPem(keys) };
}

export async function createCa(name: string, o: IssueOptions = {}): Promise<Issued> {
  const keys = await newKeys(o);
  const a = algorithms(o.keyType ?? 'rsa', o.bits);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: [{ CN: [name] }],
    ...validity({ days: 3650, ...o }),
    keys,
    signingAlgorithm: a.sign,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return finish(cert, keys);
}

/** Loads an existing CA (certificate and unencrypted PKCS#1/PKCS#8/SEC1 key, e.g. the seed's openssl ones) to sign with. */
export async function loadCa(certPem: string, keyPemText: string): Promise<Issued> {
  const cert = new x509.X509Certificate(certPem);
  const ko = createPrivateKey(keyPemText);
  const type: KeyType = ko.asymmetricKeyType === 'ec' ? 'ec' : 'rsa';
  const a = algorithms(type);
  const privateKey = (await subtle.importKey('pkcs8', ko.export({ type: 'pkcs8', format: 'der' }), a.imp, true, ['sign'])) as CryptoKey;
  const publicKey = await cert.publicKey.export(a.imp as Algorithm, ['verify'], webcrypto as unknown as Crypto);
  return { cert, keys: { privateKey, publicKey }, certPem, keyPem: keyPemText };
}

async function issue(ca: Issued, subject: x509.JsonName, ext: x509.Extension[], o: IssueOptions): Promise<Issued> {
  const keys = await newKeys(o);
  const caType: KeyType = ca.keys.privateKey.algorithm.name === 'ECDSA' ? 'ec' : 'rsa';
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.cert.subjectName,
    ...validity(o),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: algorithms(caType).sign,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      ...ext,
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  return finish(cert, keys);
}

/** Server certificate: CN is the first name, every name a SAN (IP addresses as IP SANs). */
export async function createServerCert(ca: Issued, names: string[], o: IssueOptions = {}): Promise<Issued> {
  const sans: x509.JsonGeneralName[] = names.map((n) => ({ type: isIP(n) ? 'ip' : 'dns', value: n }));
  const usage = (o.keyType ?? 'rsa') === 'rsa' ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment : x509.KeyUsageFlags.digitalSignature;
  return issue(
    ca,
    [{ CN: [names[0] ?? 'localhost'] }],
    [new x509.KeyUsagesExtension(usage, true), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]), new x509.SubjectAlternativeNameExtension(sans)],
    o,
  );
}

/** Client certificate for an ACL user: CN = user name, optional SAN URI (tls-auth-clients-user san-uri). */
export async function createClientCert(ca: Issued, user: string, uri?: string, o: IssueOptions = {}): Promise<Issued> {
  const ext: x509.Extension[] = [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])];
  const sans: x509.JsonGeneralName[] = (o.sanDns ?? []).map((value) => ({ type: 'dns', value }));
  if (uri !== undefined) sans.push({ type: 'url', value: uri });
  if (sans.length) ext.push(new x509.SubjectAlternativeNameExtension(sans));
  return issue(ca, [{ CN: [user] }], ext, o);
}
