// Micro-benchmark of the sorted-set core (src/store/ds/skiplist.ts), not part
// of the tests. For 100k and 1M members prints:
//   build      inserts/s while growing an empty set to N (random scores)
//   insert@N   inserts/s of fresh members into a set already holding N
//   update     score changes/s of existing members (ZADD of an existing member)
//   rank       ZRANK-style lookups/s of random existing members
//   byRank     entries/s looked up at random ranks
//   range      ZRANGE start start+9 calls/s at random ranks (10 entries each)
//   rangeScore ZRANGEBYSCORE calls/s over random score windows (~10 entries)
//   remove     removals/s of random existing members
//
//   npx tsc -p tsconfig.json && node dist/bench/micro-zset.js [sizes...]
//   ZSET_IMPL=/path/to/skiplist.js node dist/bench/micro-zset.js   # compare another build

import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type ZEntry = [string, number];
interface SortedSetLike {
  readonly size: number;
  add(member: string, score: number): boolean;
  remove(member: string): boolean;
  rank(member: string): number;
  byRank(i: number): ZEntry | undefined;
  rangeByRank(start: number, stop: number, reverse?: boolean): ZEntry[];
  rangeByScore(min: number, max: number, minEx?: boolean, maxEx?: boolean, reverse?: boolean, offset?: number, limit?: number): ZEntry[];
}

const here = dirname(fileURLToPath(import.meta.url));
const implPath = process.env.ZSET_IMPL ?? join(here, '..', 'src', 'store', 'ds', 'skiplist.js');
const { SortedSet } = (await import(pathToFileURL(implPath).href)) as { SortedSet: new () => SortedSetLike };

// deterministic PRNG (xorshift32) so runs are comparable
let seed = 0x9e3779b9;
function rnd(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
}

// Rates use the process's CPU time (user+system), not wall time: on a shared,
// loaded machine time slices given to other processes would otherwise count.
// BENCH_WALL=1 uses wall time instead.
const WALL = process.env.BENCH_WALL === '1';
function rate(n: number, fn: () => void): number {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  fn();
  const c1 = process.cpuUsage(c0);
  const dt = WALL ? Number(process.hrtime.bigint() - t0) / 1e9 : (c1.user + c1.system) / 1e6;
  return n / dt;
}

const fmt = (x: number): string => (x >= 1e6 ? (x / 1e6).toFixed(2) + 'M' : (x / 1e3).toFixed(0) + 'k').padStart(8);

function run(N: number): void {
  const SCORE_RANGE = 1e9;
  const members = new Array<string>(N);
  const scores = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    members[i] = 'member:' + i + ':' + Math.floor(rnd() * 1e6);
    scores[i] = Math.floor(rnd() * SCORE_RANGE);
  }
  const EXTRA = Math.min(N, 200_000);
  const extra = new Array<string>(EXTRA);
  const extraScores = new Float64Array(EXTRA);
  for (let i = 0; i < EXTRA; i++) {
    extra[i] = 'extra:' + i;
    extraScores[i] = Math.floor(rnd() * SCORE_RANGE);
  }
  const Q = 200_000;
  const probes = new Array<string>(Q);
  const probeRanks = new Int32Array(Q);
  const newScores = new Float64Array(Q);
  for (let i = 0; i < Q; i++) {
    probes[i] = members[Math.floor(rnd() * N)];
    probeRanks[i] = Math.floor(rnd() * N);
    newScores[i] = Math.floor(rnd() * SCORE_RANGE);
  }

  const z = new SortedSet();
  const build = rate(N, () => {
    for (let i = 0; i < N; i++) z.add(members[i], scores[i]);
  });
  const insertAtN = rate(EXTRA, () => {
    for (let i = 0; i < EXTRA; i++) z.add(extra[i], extraScores[i]);
  });
  let sink = 0;
  const rank = rate(Q, () => {
    for (let i = 0; i < Q; i++) sink += z.rank(probes[i]);
  });
  const byRank = rate(Q, () => {
    for (let i = 0; i < Q; i++) sink += (z.byRank(probeRanks[i]) as ZEntry)[1];
  });
  const range = rate(Q, () => {
    for (let i = 0; i < Q; i++) sink += z.rangeByRank(probeRanks[i], probeRanks[i] + 9).length;
  });
  const width = (SCORE_RANGE / z.size) * 10;
  const rangeScore = rate(Q, () => {
    for (let i = 0; i < Q; i++) sink += z.rangeByScore(newScores[i], newScores[i] + width).length;
  });
  const update = rate(Q, () => {
    for (let i = 0; i < Q; i++) z.add(probes[i], newScores[i]);
  });
  const remove = rate(EXTRA, () => {
    for (let i = 0; i < EXTRA; i++) z.remove(extra[i]);
  });
  if (sink === 0.5) console.log(sink);
  const label = N >= 1e6 ? N / 1e6 + 'M' : N / 1e3 + 'k';
  console.log(
    `${label.padStart(5)}: build ${fmt(build)}/s  insert@N ${fmt(insertAtN)}/s  update ${fmt(update)}/s  ` +
      `rank ${fmt(rank)}/s  byRank ${fmt(byRank)}/s  range(10) ${fmt(range)}/s  rangeScore(~10) ${fmt(rangeScore)}/s  ` +
      `remove ${fmt(remove)}/s`,
  );
}

const sizes = process.argv.slice(2).map(Number);
console.log(`SortedSet micro-benchmark (${implPath}), per ${WALL ? 'wall' : 'CPU'} second`);
for (const n of sizes.length ? sizes : [100_000, 1_000_000]) run(n);
