// FAILOVER (Redis 7.0 replication.c): a primary pauses writes, waits until a
// replica (the one named, or any) has acknowledged everything, then becomes
// a replica of it with `PSYNC <replid> <offset> FAILOVER`, which makes the
// target promote itself and answer +CONTINUE. TIMEOUT gives up (or, with
// FORCE, fails over anyway); ABORT goes back to being the primary.

import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { repl, type ReplState, type ReplicaLink } from './primary.js';

export type FailoverState = 'no-failover' | 'waiting-for-sync' | 'failover-in-progress';

export interface Failover {
  state: FailoverState;
  host: string | null;
  port: number;
  endTime: number;
  force: boolean;
  /** server.pause as it was before the failover paused writes. */
  pauseBefore: Server['pause'];
}

export function failoverOf(server: Server): Failover {
  let f = server.ext.failover as Failover | undefined;
  if (!f) server.ext.failover = f = { state: 'no-failover', host: null, port: 0, endTime: 0, force: false, pauseBefore: null };
  return f;
}

/** findReplica: by the announced address (REPLCONF ip-address) or the peer's, and the listening port. */
export function findReplica(st: ReplState, host: string, port: number): ReplicaLink | undefined {
  return st.replicas.find((l) => ((l.c.ext.replIp as string | undefined) ?? l.ip).toLowerCase() === host.toLowerCase() && l.port === port);
}

export interface FailoverHooks {
  /** Becomes a replica of host:port, sending PSYNC ... FAILOVER. */
  demote(server: Server, host: string, port: number): void;
  /** Back to primary (abort while in progress). */
  promote(server: Server): void;
}

/** Set by the replication commands module (which owns demote/promote), for the replica link's use. */
export const failoverHooks: { current: FailoverHooks | null } = { current: null };

export function clearFailover(server: Server): void {
  const f = failoverOf(server);
  if (f.state !== 'no-failover') server.pause = f.pauseBefore;
  f.state = 'no-failover';
  f.host = null;
  f.port = 0;
  f.endTime = 0;
  f.force = false;
  f.pauseBefore = null;
}

export function abortFailover(server: Server, hooks: FailoverHooks, why: string): void {
  const f = failoverOf(server);
  if (f.state === 'no-failover') return;
  server.logger.notice(f.host ? `FAILOVER to ${f.host}:${f.port} aborted: ${why}` : `FAILOVER to any replica aborted: ${why}`);
  if (f.state === 'failover-in-progress') hooks.promote(server);
  clearFailover(server);
}

/** FAILOVER [TO host port [FORCE]] [TIMEOUT ms] | FAILOVER ABORT */
export function failoverCommand(c: Client, argv: string[], hooks: FailoverHooks): void {
  const server = c.server;
  const f = failoverOf(server);
  const st = repl(server);
  if (argv.length === 2 && argv[1].toLowerCase() === 'abort') {
    if (f.state === 'no-failover') return c.error('ERR No failover in progress.');
    abortFailover(server, hooks, 'Failover manually aborted');
    return c.ok();
  }
  let timeout = 0;
  let force = false;
  let host: string | null = null;
  let port = 0;
  for (let j = 1; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    if (opt === 'timeout' && j + 1 < argv.length && timeout === 0) {
      const n = Number(argv[j + 1]);
      if (!/^-?\d+$/.test(argv[j + 1]) || !Number.isSafeInteger(n)) return c.error('ERR value is not an integer or out of range');
      if (n <= 0) return c.error('ERR FAILOVER timeout must be greater than 0');
      timeout = n;
      j++;
    } else if (opt === 'to' && j + 2 < argv.length && host === null) {
      const n = Number(argv[j + 2]);
      if (!/^-?\d+$/.test(argv[j + 2]) || !Number.isSafeInteger(n)) return c.error('ERR value is not an integer or out of range');
      host = argv[j + 1];
      port = n;
      j += 2;
    } else if (opt === 'force' && !force) {
      force = true;
    } else return c.error('ERR syntax error');
  }
  if (f.state !== 'no-failover') return c.error('ERR FAILOVER already in progress.');
  if (st.role === 'slave') return c.error('ERR FAILOVER is not valid when server is a replica.');
  if (st.replicas.length === 0) return c.error('ERR FAILOVER requires connected replicas.');
  if (force && (!timeout || host === null)) return c.error('ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
  if (host !== null) {
    const r = findReplica(st, host, port);
    if (r === undefined) return c.error('ERR FAILOVER target HOST and PORT is not a replica.');
    if (r.state !== 'online') return c.error('ERR FAILOVER target replica is not online.');
    f.host = host;
    f.port = port;
    server.logger.notice(`FAILOVER requested to ${host}:${port}.`);
  } else server.logger.notice('FAILOVER requested to any replica.');
  f.endTime = timeout ? Date.now() + timeout : 0;
  f.force = force;
  f.state = 'waiting-for-sync';
  // writes wait (as CLIENT PAUSE WRITE) until the replica has everything
  f.pauseBefore = server.pause;
  server.pause = { until: Number.POSITIVE_INFINITY, all: false };
  c.ok();
}

/** updateFailoverStatus, from the cron. */
export function updateFailover(server: Server, hooks: FailoverHooks, now: number): void {
  const f = failoverOf(server);
  if (f.state !== 'waiting-for-sync') return;
  const st = repl(server);
  if (f.endTime && f.endTime <= now) {
    if (f.force) {
      server.logger.notice(`FAILOVER to ${f.host}:${f.port} time out exceeded, failing over.`);
      f.state = 'failover-in-progress';
      hooks.demote(server, f.host!, f.port);
    } else abortFailover(server, hooks, 'Replica never caught up before timeout');
    return;
  }
  let r: ReplicaLink | undefined;
  if (f.host !== null) r = findReplica(st, f.host, f.port);
  else {
    r = st.replicas.find((l) => l.ackOff === st.offset);
    if (r) {
      f.host = (r.c.ext.replIp as string | undefined) ?? r.ip;
      f.port = r.port;
    }
  }
  if (r && r.ackOff === st.offset) {
    f.state = 'failover-in-progress';
    server.logger.notice(`Failover target ${f.host}:${f.port} is synced, failing over.`);
    hooks.demote(server, f.host!, f.port);
  }
}
