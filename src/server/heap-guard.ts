// The process must never die of V8 heap exhaustion (that loses every key).
// Whatever maxmemory says, when the heap in use comes close to V8's limit,
// commands that may grow memory (denyoom) are refused with -OOM while reads
// and deletes go on; the refusal lifts once the collector has freed room.

import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CMD } from '../commands/table.js';
import type { Server } from './server.js';
import { callClock } from './dispatch.js';

/**
 * Room kept free below the limit. V8 gives up when the committed old
 * generation reaches its limit, which fragmentation and garbage can make
 * happen with far less in use: measured with a 192 MB old space, it died at
 * 150 MB in use and 200 MB committed. So committed size is watched, with
 * a fifth of the limit (at least 64 MB) to spare.
 */
export function heapHeadroom(limit: number): number {
  return Math.max(64 * 1024 * 1024, limit * 0.2);
}

export const OOM_HEAP = 'OOM command not allowed when used memory is close to the server\'s heap limit.';

/**
 * A full collection on demand: while writes are refused little is
 * allocated, so V8 may not collect what DEL and FLUSH freed for a long time.
 */
function gcFunction(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
}

export function installHeapGuard(server: Server): void {
  const gc = gcFunction();
  let lastGc = 0;
  const limit = getHeapStatistics().heap_size_limit;
  const high = limit - heapHeadroom(limit);
  // lift the refusal a little lower than it was set, so it does not flap
  const low = high - Math.min(32 * 1024 * 1024, limit * 0.05);
  let near = false;
  let lastCheck = 0;
  /** Past this, every write reads the heap (a pipeline can add a lot within a millisecond). */
  const eager = high * 0.8;
  let lastUsed = 0;
  const check = (fromCron = false): void => {
    let used = getHeapStatistics().total_heap_size;
    if (near && fromCron && gc !== null && Date.now() - lastGc > 1000) {
      lastGc = Date.now();
      gc();
      used = getHeapStatistics().total_heap_size;
    }
    lastUsed = used;
    if (!near && used > high) {
      near = true;
      server.logger.warning(
        `Heap committed ${(used / 1048576).toFixed(0)} MB is close to the heap limit of ${(limit / 1048576).toFixed(0)} MB: refusing writes that grow memory (-OOM) until memory is freed. Set maxmemory and an eviction policy, or start Redoubt with a larger heap (bin/redoubt-server sizes it from the machine's memory).`,
      );
    } else if (near && used < low) {
      near = false;
      server.logger.notice('Heap in use is below the limit again: writes are accepted.');
    }
  };
  server.hooks.cron.push(() => check(true));
  server.hooks.precheck.push((_c, cmd) => {
    if (!(cmd.flags & CMD.DENYOOM)) return null;
    // far from the limit, at most one heap reading per millisecond of command time
    const t = callClock.t;
    if (lastUsed > eager || t - lastCheck >= 1) {
      lastCheck = t;
      check();
    }
    return near ? OOM_HEAP : null;
  });
}
