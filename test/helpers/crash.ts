// One crash trial: write under load with acknowledgements recorded, SIGKILL
// the server at a random moment, restart it on the same directory and count
// the acknowledged writes that are missing.

import { startRedoubt, type Running } from './servers.js';
import { RawClient, plain } from './resp-client.js';

const CLOSED = Symbol('closed');

export interface CrashResult {
  acked: number;
  lost: number;
  /** Writes found although their reply never arrived (fine: sent, not acknowledged). */
  extra: number;
}

export async function crashTrial(args: string[], killAfterMs: number, dir?: string): Promise<CrashResult> {
  const srv: Running = await startRedoubt(['--save', '', ...(dir ? ['--dir', dir] : []), ...args]);
  const c = await RawClient.connect(srv.port);
  let acked = 0;
  let next = 0;
  let dead = false;
  const exited = new Promise<void>((r) => srv.proc.once('exit', () => r()));
  const killer = new Promise<void>((r) =>
    setTimeout(() => {
      srv.proc.kill('SIGKILL');
      r();
    }, killAfterMs),
  );
  const writer = (async () => {
    while (!dead) {
      const batch = 8;
      for (let k = 0; k < batch; k++) {
        const i = next + k;
        c.send(['RPUSH', 'log', String(i)]);
      }
      next += batch;
      for (let k = 0; k < batch; k++) {
        const r = await Promise.race([c.read(10000).catch(() => CLOSED), c.waitClose(10000).then(() => CLOSED)]);
        if (r === CLOSED) {
          dead = true;
          break;
        }
        if (typeof r !== 'number') throw new Error('unexpected reply ' + String(r));
        acked++;
      }
    }
  })();
  await killer;
  await exited;
  dead = true;
  c.close();
  await writer;
  const again = await startRedoubt(['--save', '', '--dir', srv.dir, ...args]);
  try {
    const d = await RawClient.connect(again.port);
    const list = plain(await d.call('LRANGE', 'log', 0, -1)) as string[];
    d.close();
    let lost = 0;
    for (let i = 0; i < acked; i++) if (list[i] !== String(i)) lost++;
    // the list must be an unbroken prefix 0..n-1: nothing reordered or duplicated
    for (let i = 0; i < list.length; i++) if (list[i] !== String(i)) throw new Error(`log[${i}] = ${list[i]}`);
    return { acked, lost, extra: Math.max(0, list.length - acked) };
  } finally {
    await again.stop();
  }
}
