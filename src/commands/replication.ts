// Replication commands and their server wiring (Redis 7.0 replication.c
// replicaofCommand, replconfCommand, syncCommand, waitCommand, roleCommand,
// INFO replication, min-replicas-to-write, replica-read-only,
// replica-serve-stale-data). The protocol lives in src/replication/.

import { TLSSocket } from 'node:tls';
import type { Client } from '../server/client.js';
import { CLIENT } from '../server/client.js';
import type { Server } from '../server/server.js';
import { CMD, type Family } from './table.js';
import { ERR } from './errors.js';
import { blocking } from '../server/blocking.js';
import { parseI64 } from '../util/numbers.js';
import {
  repl,
  psync,
  feedCommand,
  removeReplica,
  primaryCron,
  goodReplicas,
  ackedReplicas,
  requestAcks,
  startStream,
  randomId,
  type ReplState,
} from '../replication/primary.js';
import { MasterLink } from '../replication/replica.js';
import { failoverCommand, failoverHooks, failoverOf, updateFailover, type FailoverHooks } from '../replication/failover.js';

function linkOf(st: ReplState): MasterLink | null {
  return st.link as MasterLink | null;
}

/** Becomes a replica of host:port (REPLICAOF, the replicaof directive). */
export function becomeReplica(server: Server, host: string, port: number, failover = false): void {
  const st = repl(server);
  linkOf(st)?.stop();
  // sub-replicas resync against the dataset we are about to get
  for (const l of [...st.replicas]) l.c.close();
  st.role = 'slave';
  server.keyspace.isReplica = true;
  server.logger.role = 'S';
  // CONFIG GET / CONFIG REWRITE show the current primary, as Redis's do
  server.config.setRaw('replicaof', `${host} ${port}`);
  const link = new MasterLink(server, host, port);
  link.failover = failover;
  st.link = link;
  link.start(0);
}

/** REPLICAOF NO ONE: keeps the data; the old id stays valid (replid2) so replicas resume. */
export function promote(server: Server): void {
  const st = repl(server);
  linkOf(st)?.stop();
  st.link = null;
  st.role = 'master';
  server.keyspace.isReplica = false;
  server.logger.role = 'M';
  server.config.setRaw('replicaof', '');
  st.ids.id2 = st.ids.id;
  st.secondOffset = st.offset + 1;
  st.ids.id = randomId();
  st.lastSeldb = -1;
  // replicas reconnect and PSYNC with the old id: +CONTINUE with the new one
  for (const l of [...st.replicas]) l.c.close();
}

function replicaof(c: Client, argv: string[]): void {
  const server = c.server;
  const st = repl(server);
  if (argv[1].toLowerCase() === 'no' && argv[2].toLowerCase() === 'one') {
    if (st.role === 'slave') {
      promote(server);
      server.logger.notice(`MASTER MODE enabled (user request from 'id=${c.id} addr=${c.raddr} laddr=${c.laddr} user=${c.user.name}')`);
    }
    return c.ok();
  }
  if (c.flags & CLIENT.REPLICA) return c.error('ERR Command is not valid when client is a replica.');
  const p = parseI64(argv[2]);
  if (p === null || p < 0n || p > 65535n) return c.error('ERR Invalid master port');
  const port = Number(p);
  const link = linkOf(st);
  if (st.role === 'slave' && link !== null && link.host === argv[1] && link.port === port) {
    server.logger.notice('REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.');
    return c.simple('OK Already connected to specified master');
  }
  becomeReplica(server, argv[1], port);
  server.logger.notice(`REPLICAOF ${argv[1]}:${port} enabled (user request from 'id=${c.id} addr=${c.raddr} laddr=${c.laddr} user=${c.user.name}')`);
  c.ok();
}

function replconf(c: Client, argv: string[]): void {
  if (argv.length % 2 === 0) return c.error(ERR.syntax);
  const server = c.server;
  const st = repl(server);
  for (let i = 1; i < argv.length; i += 2) {
    const opt = argv[i].toLowerCase();
    const val = argv[i + 1];
    if (opt === 'listening-port') {
      const p = parseI64(val);
      if (p === null) return c.error(ERR.notInt);
      c.ext.replPort = Number(p);
    } else if (opt === 'ip-address') {
      c.ext.replIp = val;
    } else if (opt === 'capa') {
      const capa = (c.ext.replCapa as Set<string> | undefined) ?? new Set<string>();
      capa.add(val.toLowerCase());
      c.ext.replCapa = capa;
    } else if (opt === 'ack') {
      // only from replicas, and never answered
      if (!(c.flags & CLIENT.REPLICA)) return;
      const off = Number(val);
      const l = st.replicas.find((x) => x.c === c);
      if (l !== undefined && Number.isSafeInteger(off)) {
        if (off > l.ackOff) l.ackOff = off;
        l.ackTime = Date.now();
        if (l.streamOnAck) startStream(server, l);
        if (st.waiters.size !== 0) wakeWaiters(server, st);
      }
      return;
    } else if (opt === 'getack') {
      if (c.flags & CLIENT.MASTER) linkOf(st)?.sendAck();
      return;
    } else if (opt === 'rdb-only' || opt === 'rdb-filter-only') {
      // accepted (redis-cli --rdb); the whole dataset is sent either way
    } else {
      return c.error(`ERR Unrecognized REPLCONF option: ${argv[i]}`);
    }
  }
  c.ok();
}

function psyncCmd(c: Client, argv: string[]): void {
  syncCommon(c, argv, false);
}
function syncCmd(c: Client, argv: string[]): void {
  syncCommon(c, argv, true);
}
function syncCommon(c: Client, argv: string[], old: boolean): void {
  if (c.flags & CLIENT.REPLICA) return;
  const st = repl(c.server);
  // PSYNC <replid> <offset> FAILOVER from our primary: it hands over, we become the primary
  if (!old && argv.length > 3 && argv[3].toLowerCase() === 'failover') {
    if (argv[1] !== st.ids.id) return c.error('ERR PSYNC FAILOVER replid must match my replid.');
    promote(c.server);
    c.server.logger.notice(`Failover request received for replid ${argv[1]}, accepting connection from id=${c.id} addr=${c.raddr}`);
  }
  if (failoverOf(c.server).state !== 'no-failover') return c.error("NOMASTERLINK Can't SYNC while failing over");
  // with tls-replication yes, replication traffic is encrypted: no replica on the plaintext port
  if (c.server.config.bool('tls-replication') && c.socket !== null && !(c.socket instanceof TLSSocket)) {
    c.server.logger.warning(`Refusing a replica on the plaintext port (tls-replication yes): id=${c.id} addr=${c.raddr}`);
    return c.error('ERR replication is over TLS on this server (tls-replication yes): connect to the TLS port');
  }
  if (st.role === 'slave' && linkOf(st)?.phase !== 'connected') return c.error("NOMASTERLINK Can't SYNC while not connected with my master");
  if (c.out.length !== 0) return c.error('ERR SYNC and PSYNC are invalid with pending output');
  psync(c, argv, old);
}

// ---------------------------------------------------------------------------
// WAIT

function wait(c: Client, argv: string[]): void {
  const server = c.server;
  const st = repl(server);
  if (st.role === 'slave') {
    return c.error(
      'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.',
    );
  }
  const n = parseI64(argv[1]);
  if (n === null) return c.error(ERR.notInt);
  const t = parseI64(argv[2]);
  if (t === null) return c.error('ERR timeout is not an integer or out of range');
  if (t < 0n) return c.error('ERR timeout is negative');
  const target = (c.ext.woff as number | undefined) ?? 0;
  const acked = ackedReplicas(st, target);
  const b = blocking(server);
  if (acked >= Number(n) || !b.mayBlock(c)) return c.int(acked);
  c.ext.waitFor = { target, n: Number(n) };
  st.waiters.add(c);
  b.block(c, {
    db: c.db,
    keys: [],
    deadline: t === 0n ? 0 : Date.now() + Number(t),
    tryServe: () => false,
    onTimeout: (x) => {
      st.waiters.delete(x);
      const w = x.ext.waitFor as { target: number };
      delete x.ext.waitFor;
      x.int(ackedReplicas(st, w.target));
    },
  });
  requestAcks(server, st);
}

function wakeWaiters(server: Server, st: ReplState): void {
  const b = blocking(server);
  for (const c of [...st.waiters]) {
    const w = c.ext.waitFor as { target: number; n: number } | undefined;
    if (w !== undefined && ackedReplicas(st, w.target) >= w.n) b.unblock(c, 'timeout');
  }
}

// ---------------------------------------------------------------------------
// ROLE, INFO replication

function role(c: Client): void {
  const st = repl(c.server);
  const link = linkOf(st);
  if (st.role === 'master' || link === null) {
    c.array(3);
    c.bulk('master');
    c.int(st.offset);
    const online = st.replicas.filter((l) => l.state === 'online');
    c.array(online.length);
    for (const l of online) {
      c.array(3);
      c.bulk((l.c.ext.replIp as string | undefined) ?? l.ip);
      c.bulk(String(l.port));
      c.bulk(String(l.ackOff));
    }
    return;
  }
  c.array(5);
  c.bulk('slave');
  c.bulk(link.host);
  c.int(link.port);
  c.bulk(link.phase === 'connected' ? 'connected' : link.phase === 'sync' ? 'sync' : link.phase === 'handshake' ? 'handshake' : link.phase);
  c.int(link.phase === 'connected' ? st.offset : -1);
}

function info(server: Server): Record<string, string | number> {
  const st = repl(server);
  const cfg = server.config;
  const link = linkOf(st);
  const f: Record<string, string | number> = { role: st.role };
  const now = Date.now();
  if (st.role === 'slave' && link !== null) {
    const up = link.phase === 'connected';
    f.master_host = link.host;
    f.master_port = link.port;
    f.master_link_status = up ? 'up' : 'down';
    f.master_last_io_seconds_ago = link.phase === 'connect' ? -1 : Math.floor((now - link.lastIo) / 1000);
    f.master_sync_in_progress = link.syncInProgress ? 1 : 0;
    f.slave_read_repl_offset = st.offset;
    f.slave_repl_offset = st.offset;
    if (link.syncInProgress) {
      const total = link.syncTotal;
      f.master_sync_total_bytes = total;
      f.master_sync_read_bytes = link.syncRead;
      f.master_sync_left_bytes = total < 0 ? -1 : total - link.syncRead;
      f.master_sync_perc = total <= 0 ? '0.00' : ((link.syncRead * 100) / total).toFixed(2);
      f.master_sync_last_io_seconds_ago = Math.floor((now - link.lastIo) / 1000);
    }
    if (!up) f.master_link_down_since_seconds = Math.floor((now - link.downSince) / 1000);
    f.slave_priority = cfg.num('replica-priority');
    f.slave_read_only = cfg.bool('replica-read-only') ? 1 : 0;
    f.replica_announced = cfg.bool('replica-announced') ? 1 : 0;
  }
  f.connected_slaves = st.replicas.length;
  if (cfg.num('min-replicas-to-write') > 0 && cfg.num('min-replicas-max-lag') > 0) f.min_slaves_good_slaves = goodReplicas(server, st);
  st.replicas.forEach((l, i) => {
    const ip = (l.c.ext.replIp as string | undefined) ?? l.ip;
    f['slave' + i] = `ip=${ip},port=${l.port},state=${l.state},offset=${l.ackOff},lag=${Math.floor((now - l.ackTime) / 1000)}`;
  });
  f.master_failover_state = failoverOf(server).state;
  f.master_replid = st.ids.id;
  f.master_replid2 = st.ids.id2;
  f.master_repl_offset = st.offset;
  f.second_repl_offset = st.secondOffset;
  f.repl_backlog_active = st.backlog !== null ? 1 : 0;
  f.repl_backlog_size = cfg.num('repl-backlog-size');
  f.repl_backlog_first_byte_offset = st.backlog?.firstByte ?? 0;
  f.repl_backlog_histlen = st.backlog?.histLen ?? 0;
  return f;
}

// ---------------------------------------------------------------------------
// wiring

const READONLY_ERR = "READONLY You can't write against a read only replica.";
const MASTERDOWN_ERR = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
const NOREPLICAS_ERR = 'NOREPLICAS Not enough good replicas to write.';

export function install(server: Server): void {
  const st = repl(server);
  const cfg = server.config;
  server.hooks.propagate.push((db, argv) => feedCommand(server, db, argv));
  server.keyspace.observe({
    // an expired key reaches replicas as a DEL (propagateDeletion)
    keyExpired: (db, key) => feedCommand(server, db.id, ['DEL', key]),
  });
  server.hooks.clientFreed.push((c) => {
    if (c.flags & CLIENT.REPLICA) removeReplica(server, c);
    if (c.flags & CLIENT.MASTER) linkOf(st)?.masterClientFreed(c);
    st.waiters.delete(c);
  });
  server.hooks.cron.push((now) => {
    updateFailover(server, FAILOVER_HOOKS, now);
    primaryCron(server, now);
    linkOf(st)?.cron(now);
  });
  // read on every write: kept in step with CONFIG SET rather than looked up each time
  let minReplicas = cfg.num('min-replicas-to-write');
  cfg.onChange('min-replicas-to-write', () => (minReplicas = cfg.num('min-replicas-to-write')));
  server.hooks.precheck.push((c, cmd) => {
    if (c.flags & CLIENT.MASTER) return null;
    if (st.role === 'slave') {
      if (cmd.flags & CMD.WRITE && cfg.bool('replica-read-only')) return READONLY_ERR;
      if (!(cmd.flags & CMD.STALE) && !cfg.bool('replica-serve-stale-data') && linkOf(st)?.phase !== 'connected') return MASTERDOWN_ERR;
      return null;
    }
    if (cmd.flags & CMD.WRITE && minReplicas > 0) {
      if (cfg.num('min-replicas-max-lag') > 0 && goodReplicas(server, st) < minReplicas) return NOREPLICAS_ERR;
    }
    return null;
  });
  cfg.onChange('repl-backlog-size', (v) => st.backlog?.resize(Number(v)));
  server.ext.roleReply = role;
  server.ext.replicationInfo = info;
  server.hooks.startup.push(() => {
    const v = cfg.str('replicaof').trim();
    if (v === '') return;
    const [host, port] = v.split(/\s+/);
    becomeReplica(server, host, Number(port));
  });
  server.hooks.shutdown.push(() => {
    linkOf(st)?.stop();
    return null;
  });
}

const FAILOVER_HOOKS: FailoverHooks = {
  demote: (server, host, port) => becomeReplica(server, host, port, true),
  promote,
};
failoverHooks.current = FAILOVER_HOOKS;

export const commands: Family = {
  failover: (c, argv) => failoverCommand(c, argv, FAILOVER_HOOKS),
  replicaof,
  slaveof: replicaof,
  replconf,
  psync: psyncCmd,
  sync: syncCmd,
  wait,
};
