// Model-based property tests for SORT and GEO: fast-check generates random
// sequences of writes (lists, geo sets, weight strings and hashes) and
// SORT/GEO queries with every option; the reference redis-server is the
// model and every reply must be identical. Left out: orders that are a hash
// table's (a zset sorted ALPHA BY a pattern keeps ties in dict order), and
// STOREDIST scores (last-bit differences of the trig functions). ~10 s.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { serverPair } from '../helpers/pair.js';
import { plain } from '../helpers/resp-client.js';

const pair = serverPair();

const elem = fc.constantFrom('1', '2', '3', '10', '-4', '2.5', 'a', 'b', 'B', '', ' 7', '1e2', 'x1');
const weight = fc.constantFrom('1', '2', '0', '-3', '7.5', 'z', 'a', '', '1e400', '  4');
const member = fc.constantFrom('m1', 'm2', 'm3', 'm4', 'm5', 'm6');
const lon = fc.oneof(fc.double({ min: -180, max: 180, noNaN: true }).map((d) => d.toFixed(5)), fc.constantFrom('180', '-180', '179.99', '-179.99', '0', '200'));
const lat = fc.oneof(fc.double({ min: -85.05, max: 85.05, noNaN: true }).map((d) => d.toFixed(5)), fc.constantFrom('85.05112878', '-85.05112878', '0', '85.1'));
const dist = fc.constantFrom('0', '1', '50', '500', '2000', '8000', '20000', '-1', 'x');
const unit = fc.constantFrom('m', 'km', 'mi', 'ft', 'KM', 'yd');

const write = fc.oneof(
  fc.tuple(fc.constantFrom('l1', 'l2'), fc.array(elem, { minLength: 1, maxLength: 6 })).map(([k, es]) => ['RPUSH', k, ...es]),
  fc.tuple(elem, weight).map(([e, w]) => ['SET', `w_${e}`, w]),
  fc.tuple(elem, weight).map(([e, w]) => ['HSET', `h_${e}`, 'f', w]),
  fc.tuple(fc.constantFrom('', 'NX', 'XX', 'CH'), lon, lat, member).map(([o, x, y, m]) => (o ? ['GEOADD', 'g', o, x, y, m] : ['GEOADD', 'g', x, y, m])),
  fc.tuple(fc.constantFrom(-1, 0, 1, 5), fc.constantFrom('1', '5.5', '3')).map(([s, sc]) => ['ZADD', 'z', sc, `e${s}`]),
);

const sortOpt = fc.oneof(
  fc.constantFrom(['ASC'], ['DESC'], ['ALPHA'], ['BY', 'nosort'], ['BY', 'w_*'], ['BY', 'h_*->f'], ['GET', '#'], ['GET', 'w_*'], ['GET', 'h_*->f'], ['STORE', 'dst']),
  fc.tuple(fc.integer({ min: -1, max: 8 }), fc.integer({ min: -1, max: 8 })).map(([a, b]) => ['LIMIT', String(a), String(b)]),
);
const sortCmd = fc
  .tuple(fc.constantFrom('SORT', 'SORT_RO'), fc.constantFrom('l1', 'l2', 'z', 'w_1', 'nokey'), fc.array(sortOpt, { maxLength: 4 }))
  .filter(([, k, opts]) => !(k === 'z' && opts.some((o) => o[0] === 'ALPHA') && opts.some((o) => o[0] === 'BY' && o[1] !== 'nosort')))
  .map(([c, k, opts]) => [c, k, ...opts.flat()]);

const geoOpt = fc.constantFrom(['WITHDIST'], ['WITHCOORD'], ['WITHHASH'], ['ASC'], ['DESC'], ['COUNT', '2'], ['COUNT', '1', 'ANY'], ['COUNT', '0'], ['STORE', 'gd'], ['ANY']);
const geoCmd = fc.oneof(
  fc.tuple(lon, lat, dist, unit, fc.array(geoOpt, { maxLength: 3 })).map(([x, y, d, u, o]) => ['GEORADIUS', 'g', x, y, d, u, ...o.flat()]),
  fc.tuple(member, dist, unit, fc.array(geoOpt, { maxLength: 3 })).map(([m, d, u, o]) => ['GEORADIUSBYMEMBER', 'g', m, d, u, ...o.flat()]),
  fc
    .tuple(fc.boolean(), member, lon, lat, fc.boolean(), dist, dist, unit, fc.array(geoOpt, { maxLength: 3 }))
    .map(([fm, m, x, y, br, d1, d2, u, o]) => [
      'GEOSEARCH',
      'g',
      ...(fm ? ['FROMMEMBER', m] : ['FROMLONLAT', x, y]),
      ...(br ? ['BYRADIUS', d1, u] : ['BYBOX', d1, d2, u]),
      ...o.flat().filter((t) => t !== 'STORE' && t !== 'gd'),
    ]),
  fc.tuple(lon, lat, dist, unit).map(([x, y, d, u]) => ['GEOSEARCHSTORE', 'gs', 'g', 'FROMLONLAT', x, y, 'BYRADIUS', d, u]),
  fc.tuple(member, member, fc.constantFrom([], ['km'], ['mi'], ['x'])).map(([a, b, u]) => ['GEODIST', 'g', a, b, ...u]),
  fc.tuple(member, member).map(([a, b]) => ['GEOPOS', 'g', a, b]),
  fc.tuple(member, member).map(([a, b]) => ['GEOHASH', 'g', a, b]),
  fc.constant(['ZRANGE', 'gd', '0', '-1', 'WITHSCORES']),
  fc.constant(['ZRANGE', 'gs', '0', '-1', 'WITHSCORES']),
);

async function runSeq(cmds: string[][]): Promise<void> {
  for (const cl of [pair.a, pair.b]) {
    await cl.call('RESET');
    await cl.call('FLUSHALL');
  }
  for (const argv of cmds) {
    const [ra, rb] = await Promise.all([pair.a.call(...argv), pair.b.call(...argv)]);
    assert.deepEqual(plain(ra), plain(rb), `${JSON.stringify(argv)} in ${JSON.stringify(cmds)}`);
  }
}

for (const [name, arb] of [
  ['SORT', fc.oneof(write, sortCmd, sortCmd)],
  ['GEO', fc.oneof(write, geoCmd, geoCmd)],
] as const) {
  test(`random ${name} sequences match redis-server`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arb as fc.Arbitrary<string[]>, { minLength: 1, maxLength: 30 }), (cmds) => runSeq(cmds)),
      { numRuns: 200, interruptAfterTimeLimit: 5000 },
    );
  });
}
