// Per-command latency histograms (Redis 7.0 latency-tracking): LATENCY
// HISTOGRAM and INFO latencystats. Durations are recorded in nanoseconds in
// an HDR histogram of 2 significant digits (256 sub-buckets), as Redis's
// hdr_histogram records them, so percentiles print the same bucket bounds
// (a 2 µs call reads p50=2.007).

import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Command, Family } from './table.js';
import { addInfoProvider } from './server-cmds.js';

const SUB = 256;
const HALF = 128;

/** Index of v's bucket; buckets below 256 are exact, then 128 per power of two. */
function bucketOf(v: number): number {
  if (v < SUB) return v;
  const m = Math.floor(Math.log2(v)) - 7;
  return SUB + (m - 1) * HALF + (Math.floor(v / 2 ** m) - HALF);
}
function lowestOf(idx: number): number {
  if (idx < SUB) return idx;
  const m = Math.floor((idx - SUB) / HALF) + 1;
  return (HALF + ((idx - SUB) % HALF)) * 2 ** m;
}
function highestOf(idx: number): number {
  if (idx < SUB) return idx;
  const m = Math.floor((idx - SUB) / HALF) + 1;
  return lowestOf(idx) + 2 ** m - 1;
}

/** Durations are whole µs: the buckets of the first 1024 µs, precomputed (no log2 per call). */
const FAST_NS = 1024 * 1000;
const FAST = new Int16Array(1024);
for (let us = 1; us < 1024; us++) FAST[us] = bucketOf(us * 1000);

/** Buckets up to 2^47 ns (39 hours); longer durations count in the last one. */
const NB = SUB + 40 * HALF;

export class Histogram {
  counts = new Uint32Array(NB);
  total = 0;

  record(ns: number): void {
    const i = ns < SUB ? (ns < 1 ? 1 : ns) : ns < FAST_NS ? FAST[(ns / 1000) | 0] : bucketOf(ns);
    this.counts[i < NB ? i : NB - 1]++;
    this.total++;
  }

  /** hdr_value_at_percentile */
  valueAt(p: number): number {
    const want = Math.max(1, Math.floor(((p < 100 ? p : 100) / 100) * this.total + 0.5));
    let acc = 0;
    let idx = 0;
    for (let i = 0; i < NB; i++) {
      if (this.counts[i] === 0) continue;
      acc += this.counts[i];
      idx = i;
      if (acc >= want) break;
    }
    return p === 0 ? lowestOf(idx) : highestOf(idx);
  }

  /** hdr_iter_log from 1024 ns, doubling: [µs, cumulative count] where the count grew. */
  cdf(): [number, number][] {
    const out: [number, number][] = [];
    let k = 0;
    let acc = 0;
    let prev = 0;
    for (let level = 1024; acc < this.total; level *= 2) {
      const top = highestOf(bucketOf(level));
      const last = Math.min(NB - 1, bucketOf(top));
      while (k <= last) acc += this.counts[k++];
      if (acc > prev) out.push([Math.floor(top / 1000), acc]);
      prev = acc;
    }
    return out;
  }
}

/** Histograms indexed by Command.id (a Map lookup per call cost measurable throughput). */
function histograms(server: Server): (Histogram | undefined)[] {
  return server.ext.latencyHistograms as (Histogram | undefined)[];
}

function commandOf(server: Server, h: (Histogram | undefined)[]): Command[] {
  const out: Command[] = [];
  for (const cmd of server.commands.all.values()) {
    if (h[cmd.id] !== undefined) out.push(cmd);
    if (cmd.sub) for (const sc of cmd.sub.values()) if (h[sc.id] !== undefined) out.push(sc);
  }
  return out;
}

/** "%f" then trimDoubleString: 50 -> "50", 99.9 -> "99.9". */
function fmtPercentile(p: number): string {
  return p.toFixed(6).replace(/\.?0+$/, '');
}

function fillCommandCdf(c: Client, h: Histogram): void {
  c.map(2);
  c.bulk('calls');
  c.int(h.total);
  c.bulk('histogram_usec');
  const cdf = h.cdf();
  c.map(cdf.length);
  for (const [us, n] of cdf) {
    c.int(us);
    c.int(n);
  }
}

function latencyHistogram(c: Client, argv: string[]): void {
  const hs = histograms(c.server);
  const chosen: Command[] = [];
  if (argv.length === 2) {
    chosen.push(...commandOf(c.server, hs));
  } else {
    for (let i = 2; i < argv.length; i++) {
      const cmd = c.server.commands.lookup(argv[i]) ?? c.server.commands.lookup(argv[i].toLowerCase());
      if (cmd === undefined) continue;
      if (cmd.sub !== null) {
        for (const sc of cmd.sub.values()) if (hs[sc.id] !== undefined && !chosen.includes(sc)) chosen.push(sc);
      } else if (hs[cmd.id] !== undefined && !chosen.includes(cmd)) chosen.push(cmd);
    }
  }
  c.map(chosen.length);
  for (const cmd of chosen) {
    c.bulk(cmd.fullName);
    fillCommandCdf(c, hs[cmd.id]!);
  }
}

export function install(server: Server): void {
  let hs: (Histogram | undefined)[] = [];
  server.ext.latencyHistograms = hs;
  const cfg = server.config;
  const record = (c: Client, cmd: Command, _argv: string[], usec: number): void => {
    if (c.blocked !== null) return;
    let h = hs[cmd.id];
    if (h === undefined) hs[cmd.id] = h = new Histogram();
    h.record(usec * 1000);
  };
  server.hooks.afterCall.push(record);
  // not called at all with latency-tracking no
  server.hooks.afterCall.setActive(record, cfg.bool('latency-tracking'));
  cfg.onChange('latency-tracking', () => server.hooks.afterCall.setActive(record, cfg.bool('latency-tracking')));
  server.hooks.resetStat.push(() => {
    hs = [];
    server.ext.latencyHistograms = hs;
  });
  addInfoProvider(server, 'latencystats', () => {
    const ps = cfg
      .str('latency-tracking-info-percentiles')
      .split(' ')
      .filter((x) => x !== '')
      .map(Number);
    const lines: string[] = [];
    for (const cmd of commandOf(server, hs)) {
      const h = hs[cmd.id]!;
      const parts = ps.map((p) => `p${fmtPercentile(p)}=${(h.valueAt(p) / 1000).toFixed(3)}`);
      lines.push(`latency_percentiles_usec_${cmd.fullName}:${parts.join(',')}`);
    }
    return lines;
  });
}

export const commands: Family = {
  'latency|histogram': latencyHistogram,
};
