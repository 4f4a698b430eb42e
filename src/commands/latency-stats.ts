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

export class Histogram {
  counts = new Map<number, number>();
  total = 0;

  record(ns: number): void {
    const i = bucketOf(ns < 1 ? 1 : ns);
    this.counts.set(i, (this.counts.get(i) ?? 0) + 1);
    this.total++;
  }

  private sorted(): [number, number][] {
    return [...this.counts].sort((a, b) => a[0] - b[0]);
  }

  /** hdr_value_at_percentile */
  valueAt(p: number): number {
    const want = Math.max(1, Math.floor(((p < 100 ? p : 100) / 100) * this.total + 0.5));
    let acc = 0;
    let idx = 0;
    for (const [i, n] of this.sorted()) {
      acc += n;
      idx = i;
      if (acc >= want) break;
    }
    return p === 0 ? lowestOf(idx) : highestOf(idx);
  }

  /** hdr_iter_log from 1024 ns, doubling: [µs, cumulative count] where the count grew. */
  cdf(): [number, number][] {
    const out: [number, number][] = [];
    const b = this.sorted();
    let k = 0;
    let acc = 0;
    let prev = 0;
    for (let level = 1024; acc < this.total; level *= 2) {
      const top = highestOf(bucketOf(level));
      while (k < b.length && b[k][0] <= bucketOf(top)) acc += b[k++][1];
      if (acc > prev) out.push([Math.floor(top / 1000), acc]);
      prev = acc;
    }
    return out;
  }
}

function histograms(server: Server): Map<Command, Histogram> {
  return server.ext.latencyHistograms as Map<Command, Histogram>;
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
    for (const cmd of hs.keys()) chosen.push(cmd);
  } else {
    for (let i = 2; i < argv.length; i++) {
      const cmd = c.server.commands.lookup(argv[i]) ?? c.server.commands.lookup(argv[i].toLowerCase());
      if (cmd === undefined) continue;
      if (cmd.sub !== null) {
        for (const sc of cmd.sub.values()) if (hs.has(sc) && !chosen.includes(sc)) chosen.push(sc);
      } else if (hs.has(cmd) && !chosen.includes(cmd)) chosen.push(cmd);
    }
  }
  c.map(chosen.length);
  for (const cmd of chosen) {
    c.bulk(cmd.fullName);
    fillCommandCdf(c, hs.get(cmd)!);
  }
}

export function install(server: Server): void {
  const hs = new Map<Command, Histogram>();
  server.ext.latencyHistograms = hs;
  const cfg = server.config;
  let on = cfg.bool('latency-tracking');
  cfg.onChange('latency-tracking', () => (on = cfg.bool('latency-tracking')));
  server.hooks.afterCall.push((c, cmd, _argv, usec) => {
    if (!on || c.blocked !== null) return;
    let h = hs.get(cmd);
    if (h === undefined) hs.set(cmd, (h = new Histogram()));
    h.record(usec * 1000);
  });
  server.hooks.resetStat.push(() => hs.clear());
  addInfoProvider(server, 'latencystats', () => {
    const ps = cfg
      .str('latency-tracking-info-percentiles')
      .split(' ')
      .filter((x) => x !== '')
      .map(Number);
    const lines: string[] = [];
    for (const [cmd, h] of hs) {
      const parts = ps.map((p) => `p${fmtPercentile(p)}=${(h.valueAt(p) / 1000).toFixed(3)}`);
      lines.push(`latency_percentiles_usec_${cmd.fullName}:${parts.join(',')}`);
    }
    return lines;
  });
}

export const commands: Family = {
  'latency|histogram': latencyHistogram,
};
