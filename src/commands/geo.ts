// GEO commands (Redis 7.0 geo.c, geohash.c, geohash_helper.c). A geo set is
// a sorted set whose scores are 52-bit interleaved geohashes; searches walk
// the same nine geohash boxes Redis walks, in the same order, so unsorted
// results come back in Redis's order too.

import type { Family, Handler } from './table.js';
import type { Client } from '../server/client.js';
import { NOTIFY } from '../store/types.js';
import { ZSetValue } from '../store/zset.js';
import { ERR } from './errors.js';
import { parseDouble, parseLong, formatLongDouble } from '../util/numbers.js';
import { commands as zsetCommands } from './zsets.js';
import { pqsort } from '../util/pqsort.js';

const LON_MIN = -180;
const LON_MAX = 180;
const LAT_MIN = -85.05112878;
const LAT_MAX = 85.05112878;
const STEP_MAX = 26;
const D_R = Math.PI / 180.0;
const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const TWO32 = 4294967296;

// ---------------------------------------------------------------- geohash bits

/** The low 16 bits of v spread to the even bit positions of a 32-bit word. */
function spread16(v: number): number {
  v &= 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v >>> 0;
}

/** The even bits of a 32-bit word gathered into 16 bits. */
function squash(v: number): number {
  v &= 0x55555555;
  v = (v | (v >>> 1)) & 0x33333333;
  v = (v | (v >>> 2)) & 0x0f0f0f0f;
  v = (v | (v >>> 4)) & 0x00ff00ff;
  v = (v | (v >>> 8)) & 0x0000ffff;
  return v;
}

/** interleave64: latitude bits at even positions, longitude bits at odd ones. */
function interleave(lat: number, lon: number): number {
  const lo = (spread16(lat) | (spread16(lon) << 1)) >>> 0;
  const hi = (spread16(lat >>> 16) | (spread16(lon >>> 16) << 1)) >>> 0;
  return hi * TWO32 + lo;
}

/** deinterleave64 of a 64-bit value given as two 32-bit halves: [lat, lon]. */
function deinterleave(hi: number, lo: number): [number, number] {
  const lat = (squash(lo) | (squash(hi) << 16)) >>> 0;
  const lon = (squash(lo >>> 1) | (squash(hi >>> 1) << 16)) >>> 0;
  return [lat, lon];
}

interface Range {
  min: number;
  max: number;
}
const LON_RANGE: Range = { min: LON_MIN, max: LON_MAX };
const LAT_RANGE: Range = { min: LAT_MIN, max: LAT_MAX };

/** A geohash of `step` bits per coordinate (2*step bits in all, at most 52). */
interface GeoHash {
  bits: number;
  step: number;
}

function encode(lonR: Range, latR: Range, lon: number, lat: number, step: number): GeoHash | null {
  if (lon > LON_MAX || lon < LON_MIN || lat > LAT_MAX || lat < LAT_MIN) return null;
  if (lat < latR.min || lat > latR.max || lon < lonR.min || lon > lonR.max) return null;
  const latOff = ((lat - latR.min) / (latR.max - latR.min)) * 2 ** step;
  const lonOff = ((lon - lonR.min) / (lonR.max - lonR.min)) * 2 ** step;
  return { bits: interleave(Math.trunc(latOff), Math.trunc(lonOff)), step };
}

interface Area {
  lonMin: number;
  lonMax: number;
  latMin: number;
  latMax: number;
}

function decodeArea(h: GeoHash): Area {
  const hi = Math.floor(h.bits / TWO32);
  const [ilat, ilon] = deinterleave(hi >>> 0, (h.bits - hi * TWO32) >>> 0);
  const latScale = LAT_MAX - LAT_MIN;
  const lonScale = LON_MAX - LON_MIN;
  const div = 2 ** h.step;
  return {
    latMin: LAT_MIN + ((ilat * 1.0) / div) * latScale,
    latMax: LAT_MIN + (((ilat + 1) * 1.0) / div) * latScale,
    lonMin: LON_MIN + ((ilon * 1.0) / div) * lonScale,
    lonMax: LON_MIN + (((ilon + 1) * 1.0) / div) * lonScale,
  };
}

/** decodeGeohash: a score to the centre of its step-26 box, clamped to the limits. */
function decodeScore(score: number): [number, number] {
  // (uint64_t) of the double, then the two halves
  let hi: number;
  let lo: number;
  if (score >= 0 && score < 2 ** 53) {
    const b = Math.trunc(score);
    hi = Math.floor(b / TWO32);
    lo = b - hi * TWO32;
  } else {
    // x86-64 (uint64_t)d: 2^64 and above give 0, below -2^63 give 2^63, else wraps
    const t = Number.isFinite(score) ? Math.trunc(score) : score > 0 ? 2 ** 64 : -(2 ** 64);
    const b = t >= 2 ** 64 ? 0n : t < -(2 ** 63) ? 2n ** 63n : BigInt.asUintN(64, BigInt(t));
    hi = Number(b >> 32n);
    lo = Number(b & 0xffffffffn);
  }
  const [ilat, ilon] = deinterleave(hi >>> 0, lo >>> 0);
  const div = 2 ** STEP_MAX;
  const latMin = LAT_MIN + (ilat / div) * (LAT_MAX - LAT_MIN);
  const latMax = LAT_MIN + ((ilat + 1) / div) * (LAT_MAX - LAT_MIN);
  const lonMin = LON_MIN + (ilon / div) * (LON_MAX - LON_MIN);
  const lonMax = LON_MIN + ((ilon + 1) / div) * (LON_MAX - LON_MIN);
  let x = (lonMin + lonMax) / 2;
  if (x > LON_MAX) x = LON_MAX;
  if (x < LON_MIN) x = LON_MIN;
  let y = (latMin + latMax) / 2;
  if (y > LAT_MAX) y = LAT_MAX;
  if (y < LAT_MIN) y = LAT_MIN;
  return [x, y];
}

/** geohashAlign52Bits */
function align52(h: GeoHash): number {
  return h.bits * 2 ** (52 - h.step * 2);
}

const EVEN = 0x5555555555555555n;
const ODD = 0xaaaaaaaaaaaaaaaan;

/** geohash_move_x / geohash_move_y on 64-bit words (wrapping, then masked). */
function move(h: GeoHash, dx: number, dy: number): GeoHash {
  let bits = BigInt(h.bits);
  const sh = BigInt(64 - h.step * 2);
  if (dx !== 0) {
    let x = bits & ODD;
    const y = bits & EVEN;
    const zz = EVEN >> sh;
    if (dx > 0) x = x + (zz + 1n);
    else x = (x | zz) - (zz + 1n);
    x &= ODD >> sh;
    bits = x | y;
  }
  if (dy !== 0) {
    const x = bits & ODD;
    let y = bits & EVEN;
    const zz = ODD >> sh;
    if (dy > 0) y = y + (zz + 1n);
    else y = (y | zz) - (zz + 1n);
    y &= EVEN >> sh;
    bits = x | y;
  }
  return { bits: Number(BigInt.asUintN(64, bits)), step: h.step };
}

// ---------------------------------------------------------------- distances

function degRad(a: number): number {
  return a * D_R;
}
function radDeg(a: number): number {
  return a / D_R;
}

function latDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2) - degRad(lat1));
}

/** geohashGetDistance: haversine. */
function distance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const lon1r = degRad(lon1);
  const lon2r = degRad(lon2);
  const v = Math.sin((lon2r - lon1r) / 2);
  if (v === 0.0) return latDistance(lat1, lat2);
  const lat1r = degRad(lat1);
  const lat2r = degRad(lat2);
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

// ---------------------------------------------------------------- search areas

interface Shape {
  circle: boolean;
  lon: number;
  lat: number;
  conversion: number;
  radius: number;
  width: number;
  height: number;
}

function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

/** geohashBoundingBox: [minLon, minLat, maxLon, maxLat]. */
function boundingBox(s: Shape): [number, number, number, number] {
  const height = s.conversion * (s.circle ? s.radius : s.height / 2);
  const width = s.conversion * (s.circle ? s.radius : s.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const lonDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(s.lat + latDelta)));
  const lonDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(s.lat - latDelta)));
  const south = s.lat < 0;
  return [south ? s.lon - lonDeltaBottom : s.lon - lonDeltaTop, s.lat - latDelta, south ? s.lon + lonDeltaBottom : s.lon + lonDeltaTop, s.lat + latDelta];
}

/** geohashCalculateAreasByShapeWGS84: the centre box then N, S, E, W, NE, NW, SE, SW (null = skipped). */
function searchAreas(s: Shape): (GeoHash | null)[] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(s);
  let radiusMeters = s.circle ? s.radius : Math.sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2));
  radiusMeters *= s.conversion;
  let steps = estimateSteps(radiusMeters, s.lat);
  const around = (step: number): { hash: GeoHash; n: GeoHash[]; area: Area } => {
    const hash = encode(LON_RANGE, LAT_RANGE, s.lon, s.lat, step) as GeoHash;
    // north, south, east, west, north_east, north_west, south_east, south_west
    const n = [move(hash, 0, 1), move(hash, 0, -1), move(hash, 1, 0), move(hash, -1, 0), move(hash, 1, 1), move(hash, -1, 1), move(hash, 1, -1), move(hash, -1, -1)];
    return { hash, n, area: decodeArea(hash) };
  };
  let r = around(steps);
  const north = decodeArea(r.n[0]);
  const south = decodeArea(r.n[1]);
  const east = decodeArea(r.n[2]);
  const west = decodeArea(r.n[3]);
  const decrease = north.latMax < maxLat || south.latMin > minLat || east.lonMax < maxLon || west.lonMin > minLon;
  if (steps > 1 && decrease) {
    steps--;
    r = around(steps);
  }
  const n: (GeoHash | null)[] = r.n.slice();
  if (steps >= 2) {
    const a = r.area;
    if (a.latMin < minLat) n[1] = n[7] = n[6] = null; // south, south_west, south_east
    if (a.latMax > maxLat) n[0] = n[4] = n[5] = null; // north, north_east, north_west
    if (a.lonMin < minLon) n[3] = n[7] = n[5] = null; // west, south_west, north_west
    if (a.lonMax > maxLon) n[2] = n[6] = n[4] = null; // east, south_east, north_east
  }
  return [r.hash, ...n];
}

interface Point {
  member: string;
  score: number;
  lon: number;
  lat: number;
  dist: number;
}

/** geoWithinShape: the point and its distance from the centre, or null when outside. */
function withinShape(s: Shape, score: number): Point | null {
  const [x, y] = decodeScore(score);
  let d: number;
  if (s.circle) {
    d = distance(s.lon, s.lat, x, y);
    if (d > s.radius * s.conversion) return null;
  } else {
    const w = s.width * s.conversion;
    const h = s.height * s.conversion;
    if (latDistance(y, s.lat) > h / 2) return null;
    if (distance(x, y, s.lon, y) > w / 2) return null;
    d = distance(s.lon, s.lat, x, y);
  }
  return { member: '', score, lon: x, lat: y, dist: d };
}

/** membersOfAllNeighbors: each box as a score range [min, max), skipping a repeat of the last box walked. */
function membersInShape(z: ZSetValue, s: Shape, limit: number): Point[] {
  const boxes = searchAreas(s);
  const out: Point[] = [];
  let last = 0;
  for (let i = 0; i < boxes.length; i++) {
    const b = boxes[i];
    if (b === null) continue;
    const lb = boxes[last];
    if (last && lb !== null && b.bits === lb.bits && b.step === lb.step) continue;
    if (out.length && limit && out.length >= limit) break;
    const min = align52(b);
    const max = align52({ bits: b.bits + 1, step: b.step });
    for (const [m, sc] of z.zs.rangeByScore(min, max, false, true)) {
      const p = withinShape(s, sc);
      if (p !== null) {
        p.member = m;
        out.push(p);
      }
      if (out.length && limit && out.length >= limit) break;
    }
    last = i;
  }
  return out;
}

// ---------------------------------------------------------------- argument helpers

/** C's %f: six decimals (used in the invalid pair error). */
function fmtF(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Math.abs(d) >= 1e21) return BigInt(d).toString() + '.000000';
  return (Object.is(d, -0) ? '-' : '') + d.toFixed(6);
}

/** extractLongLatOrReply */
function lonLatArg(c: Client, a: string, b: string): [number, number] | null {
  const x = parseDouble(a);
  if (x === null) {
    c.error(ERR.notFloat);
    return null;
  }
  const y = parseDouble(b);
  if (y === null) {
    c.error(ERR.notFloat);
    return null;
  }
  if (x < LON_MIN || x > LON_MAX || y < LAT_MIN || y > LAT_MAX) {
    c.error(`ERR invalid longitude,latitude pair ${fmtF(x)},${fmtF(y)}`);
    return null;
  }
  return [x, y];
}

/** extractUnitOrReply: meters per unit, or -1 after replying. */
function unitArg(c: Client, u: string): number {
  switch (u.toLowerCase()) {
    case 'm':
      return 1;
    case 'km':
      return 1000;
    case 'ft':
      return 0.3048;
    case 'mi':
      return 1609.34;
  }
  c.error('ERR unsupported unit provided. please use M, KM, FT, MI');
  return -1;
}

function numArg(c: Client, s: string, msg: string): number | null {
  const v = parseDouble(s);
  if (v === null) c.error(msg);
  return v;
}

/** addReplyDoubleDistance: "%.4f". */
function replyDistance(c: Client, d: number): void {
  c.bulk(d.toFixed(4));
}

/** addReplyHumanLongDouble */
function replyCoord(c: Client, d: number): void {
  const s = formatLongDouble(d);
  if (c.resp === 3) c.raw(',' + s + '\r\n');
  else c.bulk(s);
}

function zsetOrError(c: Client, key: string): ZSetValue | undefined | null {
  const o = c.db.read(key);
  if (o === undefined) return undefined;
  if (typeof o === 'string' || o.type !== 'zset') {
    c.error(ERR.wrongType);
    return null;
  }
  return o as ZSetValue;
}

// ---------------------------------------------------------------- commands

function geoadd(c: Client, argv: string[]): void {
  let nx = false;
  let xx = false;
  let longidx = 2;
  while (longidx < argv.length) {
    const o = argv[longidx].toLowerCase();
    if (o === 'nx') nx = true;
    else if (o === 'xx') xx = true;
    else if (o !== 'ch') break;
    longidx++;
  }
  if ((argv.length - longidx) % 3 || (xx && nx)) return c.error(ERR.syntax);
  const zargv = ['zadd', ...argv.slice(1, longidx)];
  for (let i = longidx; i < argv.length; i += 3) {
    const xy = lonLatArg(c, argv[i], argv[i + 1]);
    if (xy === null) return;
    const h = encode(LON_RANGE, LAT_RANGE, xy[0], xy[1], STEP_MAX) as GeoHash;
    zargv.push(String(align52(h)), argv[i + 2]);
  }
  // Redis rewrites the call into ZADD and runs it (and propagates it so)
  c.argv = zargv;
  (zsetCommands.zadd as Handler)(c, zargv);
}

function geohash(c: Client, argv: string[]): void {
  const z = zsetOrError(c, argv[1]);
  if (z === null) return;
  const alphabet = '0123456789bcdefghjkmnpqrstuvwxyz';
  c.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = z?.zs.score(argv[j]);
    if (score === undefined) {
      c.nil();
      continue;
    }
    const [x, y] = decodeScore(score);
    // re-encoded over the standard latitude range -90..90
    const h = encode({ min: -180, max: 180 }, { min: -90, max: 90 }, x, y, 26);
    const bits = h === null ? 0 : h.bits;
    let s = '';
    for (let i = 0; i < 11; i++) {
      const idx = i === 10 ? 0 : Math.floor(bits / 2 ** (52 - (i + 1) * 5)) & 0x1f;
      s += alphabet[idx];
    }
    c.bulk(s);
  }
}

function geopos(c: Client, argv: string[]): void {
  const z = zsetOrError(c, argv[1]);
  if (z === null) return;
  c.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = z?.zs.score(argv[j]);
    if (score === undefined) {
      c.nilArray();
      continue;
    }
    const [x, y] = decodeScore(score);
    c.array(2);
    replyCoord(c, x);
    replyCoord(c, y);
  }
}

function geodist(c: Client, argv: string[]): void {
  let toMeter = 1;
  if (argv.length === 5) {
    toMeter = unitArg(c, argv[4]);
    if (toMeter < 0) return;
  } else if (argv.length > 5) return c.error(ERR.syntax);
  const z = zsetOrError(c, argv[1]);
  if (z === null) return;
  if (z === undefined) return c.nil();
  const s1 = z.zs.score(argv[2]);
  const s2 = z.zs.score(argv[3]);
  if (s1 === undefined || s2 === undefined) return c.nil();
  const [x1, y1] = decodeScore(s1);
  const [x2, y2] = decodeScore(s2);
  replyDistance(c, distance(x1, y1, x2, y2) / toMeter);
}

const RADIUS_COORDS = 1;
const RADIUS_MEMBER = 2;
const RADIUS_NOSTORE = 4;
const GEOSEARCH = 8;
const GEOSEARCHSTORE = 16;
const SORT_NONE = 0;
const SORT_ASC = 1;
const SORT_DESC = 2;

/** georadiusGeneric: GEORADIUS*, GEOSEARCH and GEOSEARCHSTORE. */
function georadiusGeneric(c: Client, argv: string[], srcIdx: number, flags: number): void {
  let storekey: string | null = null;
  let storedist = false;
  const zobj = zsetOrError(c, argv[srcIdx]);
  if (zobj === null) return;
  const shape: Shape = { circle: true, lon: 0, lat: 0, conversion: 0, radius: 0, width: 0, height: 0 };
  const distArgs = (i: number): boolean => {
    const r = numArg(c, argv[i], 'ERR need numeric radius');
    if (r === null) return false;
    if (r < 0) {
      c.error('ERR radius cannot be negative');
      return false;
    }
    const conv = unitArg(c, argv[i + 1]);
    if (conv < 0) return false;
    shape.radius = r;
    shape.conversion = conv;
    return true;
  };
  let base: number;
  if (flags & RADIUS_COORDS) {
    base = 6;
    const xy = lonLatArg(c, argv[2], argv[3]);
    if (xy === null) return;
    [shape.lon, shape.lat] = xy;
    if (!distArgs(4)) return;
  } else if (flags & RADIUS_MEMBER && zobj === undefined) {
    base = 5; // no key: parse the options anyway, the reply depends on STORE
  } else if (flags & RADIUS_MEMBER) {
    base = 5;
    const sc = (zobj as ZSetValue).zs.score(argv[2]);
    if (sc === undefined) return c.error('ERR could not decode requested zset member');
    [shape.lon, shape.lat] = decodeScore(sc);
    if (!distArgs(3)) return;
  } else {
    base = 2;
    if (flags & GEOSEARCHSTORE) {
      base = 3;
      storekey = argv[1];
    }
  }

  let withdist = false;
  let withhash = false;
  let withcoords = false;
  let frommember = false;
  let fromloc = false;
  let byradius = false;
  let bybox = false;
  let sort = SORT_NONE;
  let any = false;
  let count = 0;
  const remaining = argv.length - base;
  for (let i = 0; i < remaining; i++) {
    const arg = argv[base + i].toLowerCase();
    if (arg === 'withdist') withdist = true;
    else if (arg === 'withhash') withhash = true;
    else if (arg === 'withcoord') withcoords = true;
    else if (arg === 'any') any = true;
    else if (arg === 'asc') sort = SORT_ASC;
    else if (arg === 'desc') sort = SORT_DESC;
    else if (arg === 'count' && i + 1 < remaining) {
      const n = parseLong(argv[base + i + 1]);
      if (n === null) return c.error(ERR.notInt);
      if (n <= 0) return c.error('ERR COUNT must be > 0');
      count = n;
      i++;
    } else if ((arg === 'store' || arg === 'storedist') && i + 1 < remaining && !(flags & RADIUS_NOSTORE) && !(flags & GEOSEARCH)) {
      storekey = argv[base + i + 1];
      storedist = arg === 'storedist';
      i++;
    } else if (arg === 'storedist' && flags & GEOSEARCH && flags & GEOSEARCHSTORE) {
      storedist = true;
    } else if (arg === 'frommember' && i + 1 < remaining && flags & GEOSEARCH && !fromloc) {
      if (zobj !== undefined) {
        const sc = zobj.zs.score(argv[base + i + 1]);
        if (sc === undefined) return c.error('ERR could not decode requested zset member');
        [shape.lon, shape.lat] = decodeScore(sc);
      }
      frommember = true;
      i++;
    } else if (arg === 'fromlonlat' && i + 2 < remaining && flags & GEOSEARCH && !frommember) {
      const xy = lonLatArg(c, argv[base + i + 1], argv[base + i + 2]);
      if (xy === null) return;
      [shape.lon, shape.lat] = xy;
      fromloc = true;
      i += 2;
    } else if (arg === 'byradius' && i + 2 < remaining && flags & GEOSEARCH && !bybox) {
      if (!distArgs(base + i + 1)) return;
      shape.circle = true;
      byradius = true;
      i += 2;
    } else if (arg === 'bybox' && i + 3 < remaining && flags & GEOSEARCH && !byradius) {
      const w = numArg(c, argv[base + i + 1], 'ERR need numeric width');
      if (w === null) return;
      const h = numArg(c, argv[base + i + 2], 'ERR need numeric height');
      if (h === null) return;
      if (h < 0 || w < 0) return c.error('ERR height or width cannot be negative');
      const conv = unitArg(c, argv[base + i + 3]);
      if (conv < 0) return;
      shape.width = w;
      shape.height = h;
      shape.conversion = conv;
      shape.circle = false;
      bybox = true;
      i += 3;
    } else return c.error(ERR.syntax);
  }

  if (storekey !== null && (withdist || withhash || withcoords)) {
    return c.error(`ERR ${flags & GEOSEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
  }
  if (flags & GEOSEARCH && !(frommember || fromloc)) return c.error(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${argv[0]}`);
  if (flags & GEOSEARCH && !(byradius || bybox)) return c.error(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${argv[0]}`);
  if (any && !count) return c.error('ERR the ANY argument requires COUNT argument');

  const db = c.db;
  if (zobj === undefined) {
    if (storekey !== null) {
      if (db.delete(storekey)) {
        db.notify(NOTIFY.GENERIC, 'del', storekey);
        c.server.keyspace.dirty++;
      }
      c.int(0);
    } else c.array(0);
    return;
  }
  if (count !== 0 && sort === SORT_NONE && !any) sort = SORT_ASC;

  const ga = membersInShape(zobj, shape, any ? count : 0);
  if (ga.length === 0 && storekey === null) return c.array(0);
  const returned = count === 0 || ga.length < count ? ga.length : count;
  if (sort !== SORT_NONE) {
    const asc = (a: Point, b: Point): number => (a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1);
    const cmp = sort === SORT_ASC ? asc : (a: Point, b: Point): number => -asc(a, b);
    // glibc's qsort is a stable merge sort, like Array.prototype.sort
    if (returned === ga.length) ga.sort(cmp);
    else pqsort(ga, cmp, 0, returned - 1);
  }

  if (storekey === null) {
    const opts = (withdist ? 1 : 0) + (withcoords ? 1 : 0) + (withhash ? 1 : 0);
    c.array(returned);
    for (let i = 0; i < returned; i++) {
      const gp = ga[i];
      if (opts) c.array(opts + 1);
      c.bulk(gp.member);
      if (withdist) replyDistance(c, gp.dist / shape.conversion);
      if (withhash) c.int(Math.trunc(gp.score));
      if (withcoords) {
        c.array(2);
        replyCoord(c, gp.lon);
        replyCoord(c, gp.lat);
      }
    }
    return;
  }
  if (returned) {
    const cfg = c.server.config;
    const z = new ZSetValue(false);
    let maxelelen = 0;
    const lim = { entries: cfg.num('zset-max-listpack-entries'), value: cfg.num('zset-max-listpack-value') };
    for (let i = 0; i < returned; i++) {
      const gp = ga[i];
      if (gp.member.length > maxelelen) maxelelen = gp.member.length;
      z.zs.add(gp.member, storedist ? gp.dist / shape.conversion : gp.score);
    }
    z.convertToListpackIfNeeded(maxelelen, lim);
    db.set(storekey, z);
    db.notify(NOTIFY.ZSET, flags & GEOSEARCH ? 'geosearchstore' : 'georadiusstore', storekey);
    c.server.keyspace.dirty += returned;
  } else if (db.delete(storekey)) {
    db.notify(NOTIFY.GENERIC, 'del', storekey);
    c.server.keyspace.dirty++;
  }
  c.int(returned);
}

export const commands: Family = {
  geoadd,
  geohash,
  geopos,
  geodist,
  georadius: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_COORDS),
  georadiusbymember: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_MEMBER),
  georadius_ro: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_COORDS | RADIUS_NOSTORE),
  georadiusbymember_ro: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_MEMBER | RADIUS_NOSTORE),
  geosearch: (c, argv) => georadiusGeneric(c, argv, 1, GEOSEARCH),
  geosearchstore: (c, argv) => georadiusGeneric(c, argv, 2, GEOSEARCH | GEOSEARCHSTORE),
};
