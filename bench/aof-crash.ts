// Crash trials beyond the suite's 20: TRIALS (default 100) SIGKILLs under
// write load with appendfsync always (must lose nothing) and everysec (loss
// reported). Run: node dist/bench/aof-crash.js

import { crashTrial } from '../test/helpers/crash.js';

const TRIALS = Number(process.env.TRIALS ?? 100);
for (const fsync of ['always', 'everysec']) {
  let acked = 0;
  let lost = 0;
  let worst = 0;
  for (let t = 0; t < TRIALS; t++) {
    const r = await crashTrial(['--appendonly', 'yes', '--appendfsync', fsync], 100 + Math.floor(Math.random() * 900));
    acked += r.acked;
    lost += r.lost;
    worst = Math.max(worst, r.lost);
  }
  console.log(`appendfsync ${fsync}: ${TRIALS} SIGKILLs, ${acked} acknowledged writes, ${lost} lost (worst trial ${worst})`);
}
