// Pure TLS helpers: tls-protocols parsing (Redis's names), SAN parsing for
// certificate login, DH parameter reading.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseProtocols, dhPrimeBits } from '../../src/tls/context.js';
import { sanEntries, certUserNames } from '../../src/tls/identity.js';
import type { PeerCertificate } from 'node:tls';

test('tls-protocols: Redis names, case-insensitive; empty means TLSv1.2 and TLSv1.3', () => {
  assert.deepEqual(parseProtocols(''), [false, false, true, true]);
  assert.deepEqual(parseProtocols('TLSv1.2 TLSv1.3'), [false, false, true, true]);
  assert.deepEqual(parseProtocols('tlsv1 TLSV1.3'), [true, false, false, true]);
  assert.deepEqual(parseProtocols('TLSv1.1'), [false, true, false, false]);
  assert.equal(parseProtocols('TLSv1.2 SSLv3'), null);
  assert.equal(parseProtocols('TLSv1.4'), null);
  assert.equal(parseProtocols('TLSv1.2,TLSv1.3'), null);
});

test('SAN entries as Node prints them, quoted values with commas included', () => {
  const san = 'DNS:a.example, URI:urn:x:user:one, IP Address:127.0.0.1, URI:"urn:x:a,b", DNS:b.example';
  assert.deepEqual(sanEntries(san, 'URI'), ['urn:x:user:one', 'urn:x:a,b']);
  assert.deepEqual(sanEntries(san, 'DNS'), ['a.example', 'b.example']);
  assert.deepEqual(sanEntries(undefined, 'DNS'), []);
  assert.deepEqual(sanEntries('email:x@y', 'URI'), []);
});

test('certificate user names per tls-auth-clients-user field', () => {
  const cert = { subject: { CN: 'app_service' }, subjectaltname: 'URI:urn:u, DNS:d.example' } as unknown as PeerCertificate;
  assert.deepEqual(certUserNames(cert, 'cn'), ['app_service']);
  assert.deepEqual(certUserNames(cert, 'san-uri'), ['urn:u']);
  assert.deepEqual(certUserNames(cert, 'san-dns'), ['d.example']);
  assert.deepEqual(certUserNames(cert, 'off'), []);
  // several CNs: the first, as Valkey takes it
  assert.deepEqual(certUserNames({ subject: { CN: ['a', 'b'] } } as unknown as PeerCertificate, 'cn'), ['a']);
  assert.deepEqual(certUserNames({ subject: {} } as unknown as PeerCertificate, 'cn'), []);
});

test('DH parameters: PKCS#3 and X9.42 read, anything else refused', () => {
  const ff = execFileSync('openssl', ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'dh_param:ffdhe2048']).toString();
  assert.equal(dhPrimeBits(ff), 2048);
  assert.equal(dhPrimeBits('garbage'), null);
  assert.equal(dhPrimeBits('-----BEGIN DH PARAMETERS-----\nAAAA\n-----END DH PARAMETERS-----\n'), null);
});
