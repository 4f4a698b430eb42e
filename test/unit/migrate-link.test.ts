// MIGRATE's port parsing (Redis's atoi + getaddrinfo) and its per-credentials cache names.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { portOf, cacheName } from '../../src/commands/migrate-link.js';

test('portOf reads the port as Redis does: atoi, then getaddrinfo keeps the low 16 bits and refuses negatives', () => {
  assert.equal(portOf('6379'), 6379);
  assert.equal(portOf(' 6379'), 6379);
  assert.equal(portOf('+6379'), 6379);
  assert.equal(portOf('6379junk'), 6379);
  assert.equal(portOf('junk'), 0);
  assert.equal(portOf(''), 0);
  assert.equal(portOf('65536'), 0);
  assert.equal(portOf('70000'), 70000 & 0xffff);
  assert.equal(portOf('-1'), -1);
  assert.equal(portOf('99999999999999999999999'), 0);
});

test('cache names: one per target and credentials, passwords never in clear', () => {
  assert.equal(cacheName('h', '1', null, null), 'h:1');
  const a = cacheName('h', '1', null, 'secret');
  const b = cacheName('h', '1', 'default', 'secret');
  const c = cacheName('h', '1', null, 'other');
  assert.notEqual(a, 'h:1');
  assert.notEqual(a, b);
  assert.notEqual(a, c);
  assert.equal(a, cacheName('h', '1', null, 'secret'));
  for (const n of [a, b, c]) assert.ok(!n.includes('secret') && !n.includes('other'), n);
});
