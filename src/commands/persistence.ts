// Persistence commands and their server wiring (Redis 7.0 rdb.c saveCommand,
// bgsaveCommand, aof.c bgrewriteaofCommand, server.c serverCron save points,
// prepareForShutdown, writeCommandsDeniedByDiskError): SAVE, BGSAVE
// [SCHEDULE], BGREWRITEAOF, save points, MISCONF, the save at SHUTDOWN,
// loading at startup (-LOADING meanwhile for big files), DEBUG RELOAD /
// LOADAOF / DIGEST / DIGEST-VALUE and the INFO persistence fields. The
// formats live in src/persistence/.

import fs from 'node:fs';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { CMD, type Family } from './table.js';
import { ERR } from './errors.js';
import { addInfoProvider } from './server-cmds.js';
import { saveParams } from '../config/params.js';
import { rdbSave, startBgsave, saveState, loadRdbFile, loadRdbFileAsync, rdbPath, driveLoading } from '../persistence/rdb-file.js';
import { Aof } from '../persistence/aof/aof.js';
import { datasetDigest, valueDigest } from '../persistence/digest.js';
import { extraSubcommands } from './debug.js';

export function aofOf(server: Server): Aof {
  let a = server.ext.aof as Aof | undefined;
  if (a === undefined) server.ext.aof = a = new Aof(server);
  return a;
}

const MISCONF =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/** CONFIG_BGSAVE_RETRY_DELAY: seconds before a failed automatic BGSAVE is retried. */
const BGSAVE_RETRY_DELAY = 5;

function save(c: Client): void {
  const st = saveState(c.server);
  if (st.bg !== null) return c.error('ERR Background save already in progress');
  // (an AOF rewrite may be walking its snapshot: SAVE needs no copy-on-write, it runs to completion)
  if (rdbSave(c.server)) c.ok();
  else c.error('ERR');
}

function bgsave(c: Client, argv: string[]): void {
  let schedule = false;
  if (argv.length > 1) {
    if (argv.length === 2 && argv[1].toLowerCase() === 'schedule') schedule = true;
    else return c.error(ERR.syntax);
  }
  const st = saveState(c.server);
  if (st.bg !== null) return c.error('ERR Background save already in progress');
  // one snapshot at a time (an AOF rewrite walks one too), as Redis runs one child
  if (aofOf(c.server).rewrite !== null || c.inMulti) {
    if (!schedule && !c.inMulti) {
      return c.error("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
    }
    st.scheduled = true;
    return c.simple('Background saving scheduled');
  }
  try {
    startBgsave(c.server);
  } catch {
    return c.error('ERR');
  }
  c.simple('Background saving started');
}

function bgrewriteaof(c: Client): void {
  const aof = aofOf(c.server);
  if (aof.rewrite !== null) return c.error('ERR Background append only file rewriting already in progress');
  if (saveState(c.server).bg !== null || c.inMulti) {
    aof.rewriteScheduled = true;
    return c.simple('Background append only file rewriting scheduled');
  }
  try {
    aof.startRewrite();
  } catch (e) {
    c.server.logger.warning(`Can't rewrite append only file in background: ${(e as Error).message}`);
    aof.lastRewriteStatus = 'err';
    return c.error("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
  }
  c.simple('Background append only file rewriting started');
}

/** Save points (serverCron): the first whose seconds and changes are both reached starts a BGSAVE. */
function cron(server: Server, now: number): void {
  const st = saveState(server);
  const aof = aofOf(server);
  aof.cron(now);
  // no save of a half-loaded keyspace
  if (st.bg !== null || aof.rewrite !== null || st.loading !== null) return;
  if (aof.rewriteScheduled) {
    aof.rewriteScheduled = false;
    try {
      aof.startRewrite();
    } catch (e) {
      server.logger.warning(`Can't rewrite append only file in background: ${(e as Error).message}`);
    }
    return;
  }
  const sec = Math.floor(now / 1000);
  const dirty = server.keyspace.dirty;
  if (st.scheduled) {
    st.scheduled = false;
    tryBgsave(server);
    return;
  }
  for (const [seconds, changes] of saveParams(server.config.str('save'))) {
    if (dirty >= changes && sec - server.lastSave > seconds && (sec - st.lastBgsaveTry > BGSAVE_RETRY_DELAY || st.lastBgsaveStatus === 'ok')) {
      server.logger.notice(`${changes} changes in ${seconds} seconds. Saving...`);
      tryBgsave(server);
      return;
    }
  }
}

function tryBgsave(server: Server): void {
  try {
    startBgsave(server);
  } catch {
    /* logged; status is err */
  }
}

/** prepareForShutdown's save: with save points (unless NOSAVE) or SAVE. */
function onShutdown(server: Server, nosave: boolean, forceSave: boolean): string | null {
  const st = saveState(server);
  aofOf(server).shutdown();
  if (st.bg !== null) {
    server.logger.warning('There is a child saving an .rdb. Killing it!');
    st.bg.abort();
    st.bg = null;
  }
  // the keyspace fills only at the end of a load: saving now would write an empty dump over the real one
  if (st.loading !== null) {
    server.logger.warning('Not saving: the dataset is still loading.');
    return null;
  }
  if ((saveParams(server.config.str('save')).length > 0 && !nosave) || forceSave) {
    server.logger.notice('Saving the final RDB snapshot before exiting.');
    if (!rdbSave(server)) {
      server.logger.warning('Error trying to save the DB, can\'t exit.');
      return 'Errors trying to save the DB';
    }
  }
  return null;
}

/** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, flush, load the dump back. */
function debugReload(c: Client, argv: string[]): void {
  let save = true;
  let flush = true;
  for (let i = 2; i < argv.length; i++) {
    const o = argv[i].toLowerCase();
    if (o === 'merge') flush = false;
    else if (o === 'nosave') save = false;
    else if (o === 'noflush') flush = false;
    else return c.error('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  }
  const server = c.server;
  if (save && !rdbSave(server)) return c.error('ERR');
  if (flush) flushQuietly(server);
  try {
    loadRdbFile(server, rdbPath(server));
  } catch (e) {
    server.logger.warning(`DEBUG RELOAD: ${(e as Error).message}`);
    return c.error('ERR Error trying to load the RDB dump, check server logs.');
  }
  server.keyspace.dirty = 0;
  server.logger.warning('DB reloaded by DEBUG RELOAD');
  c.ok();
}

function debugLoadAof(c: Client): void {
  const server = c.server;
  flushQuietly(server);
  try {
    aofOf(server).reloadFromDisk();
  } catch (e) {
    server.logger.warning(`DEBUG LOADAOF: ${(e as Error).message}`);
    return c.error('ERR Error trying to load the AOF, check server logs.');
  }
  server.keyspace.dirty = 0;
  server.logger.warning('Append Only File loaded by DEBUG LOADAOF');
  c.ok();
}

let reloading = false;
/** Empties the keyspace without the FLUSHALL side effects (no save of the empty dataset). */
function flushQuietly(server: Server): void {
  reloading = true;
  try {
    server.keyspace.flushAll();
  } finally {
    reloading = false;
  }
}

function install(server: Server): void {
  const st = saveState(server);
  const aof = aofOf(server);
  const dbg = extraSubcommands(server);
  dbg.set('reload', debugReload);
  dbg.set('loadaof', (c) => debugLoadAof(c));
  dbg.set('digest', (c, argv) => (argv.length === 2 ? c.simple(datasetDigest(c.server.keyspace)) : c.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try DEBUG HELP.`)));
  dbg.set('digest-value', (c, argv) => {
    c.array(argv.length - 2);
    for (let j = 2; j < argv.length; j++) {
      // no lookup side effects: a debug command sees logically expired keys too
      const v = c.db.dict.get(argv[j]);
      c.simple(v === undefined ? '0'.repeat(40) : valueDigest(c.db, argv[j], v).toString('hex'));
    }
  });
  server.hooks.propagate.push((db, argv) => aof.feed(db, argv));
  server.hooks.beforeReply.push(() => {
    if (aof.pendingLength !== 0) aof.flush();
  });
  server.config.onChange('appendonly', (v) => {
    try {
      if (v === 'yes') aof.turnOn();
      else aof.turnOff();
    } catch (e) {
      server.logger.warning(`AOF: ${(e as Error).message}`);
    }
  });
  server.hooks.cron.push((now) => cron(server, now));
  server.hooks.shutdown.push((nosave, save) => onShutdown(server, nosave, save));
  server.hooks.precheck.push((c, cmd) => {
    if (st.loading !== null && !(cmd.flags & CMD.LOADING) && c !== aof.loaderClient) return 'LOADING Redis is loading the dataset in memory';
    if (aof.enabled && aof.lastWriteStatus === 'err' && (cmd.flags & CMD.WRITE || cmd.name === 'ping')) return `MISCONF Errors writing to the AOF file: ${aof.lastWriteError}`;
    if (st.lastBgsaveStatus !== 'err' || !(cmd.flags & CMD.WRITE || cmd.name === 'ping')) return null;
    const cfg = c.server.config;
    if (!cfg.bool('stop-writes-on-bgsave-error') || saveParams(cfg.str('save')).length === 0) return null;
    return MISCONF;
  });
  // FLUSHALL with save points saves the now empty dataset at once (flushAllDataAndResetRDB)
  server.keyspace.observe({
    // an expired key leaves the AOF as a DEL (propagateDeletion)
    keyExpired: (db, key) => aof.feed(db.id, ['DEL', key]),
    flushed: (db) => {
      if (db !== null || reloading) return;
      if (st.bg !== null) {
        st.bg.abort();
        st.bg = null;
      }
      if (saveParams(server.config.str('save')).length > 0) rdbSave(server);
    },
  });
  server.hooks.startup.push(() => {
    if (server.config.bool('appendonly')) {
      const m = aof.prepare();
      const size = m === null ? 0 : aof.filesSize(m);
      if (m === null || size <= server.config.num('loading-process-events-interval-bytes')) {
        if (m !== null) aof.startupLoad(m);
        aof.finishStartup(m);
        return;
      }
      // a big AOF loads after the listeners open, answering -LOADING meanwhile
      driveLoading(server, 'the append only file', size, aof.loadSteps(m), (err) => {
        if (err === null) {
          try {
            aof.finishStartup(m);
            return;
          } catch (e) {
            err = e as Error;
          }
        }
        server.logger.warning(err.message);
        if (server.onExit !== null) process.exit(1);
        else void server.close();
      });
      return;
    }
    const path = rdbPath(server);
    let size = -1;
    try {
      size = fs.statSync(path).size;
    } catch {
      /* no dump: loadRdbFile reports other errors */
    }
    // a big dump loads after the listeners open, answering -LOADING meanwhile
    if (size > server.config.num('loading-process-events-interval-bytes')) {
      const buf = fs.readFileSync(path);
      loadRdbFileAsync(server, path, buf, (err) => {
        if (err === null) return;
        server.logger.warning(`Fatal error loading the DB from ${path}: ${err.message} Exiting.`);
        if (server.onExit !== null) process.exit(1);
        else void server.close();
      });
      return;
    }
    try {
      loadRdbFile(server, path);
    } catch (e) {
      throw new Error(`Fatal error loading the DB from ${path}: ${(e as Error).message} Exiting.`);
    }
  });
  addInfoProvider(server, 'persistence', (s) => {
    const bg = st.bg;
    const l = st.loading;
    const loadingFields: Record<string, string | number> =
      l === null
        ? {}
        : {
            loading_start_time: l.startedAt,
            loading_total_bytes: l.totalBytes,
            loading_rdb_used_mem: 0,
            loading_loaded_bytes: l.loadedBytes,
            loading_loaded_perc: ((l.loadedBytes * 100) / l.totalBytes).toFixed(2),
            loading_eta_seconds: Math.max(0, Math.round(((Date.now() / 1000 - l.startedAt) * (l.totalBytes - l.loadedBytes)) / Math.max(1, l.loadedBytes))),
          };
    return {
      loading: l !== null ? 1 : 0,
      current_save_keys_processed: bg !== null ? bg.keysProcessed : 0,
      current_save_keys_total: bg !== null ? bg.keysTotal : 0,
      rdb_changes_since_last_save: s.keyspace.dirty,
      rdb_bgsave_in_progress: bg !== null ? 1 : 0,
      rdb_last_save_time: s.lastSave,
      rdb_last_bgsave_status: st.lastBgsaveStatus,
      rdb_last_bgsave_time_sec: st.lastBgsaveTimeSec,
      rdb_current_bgsave_time_sec: bg !== null ? Math.round((Date.now() - bg.startedAt) / 1000) : -1,
      rdb_saves: st.rdbSaves,
      rdb_last_cow_size: st.lastCowKeys,
      rdb_last_load_keys_expired: st.lastLoadKeysExpired,
      rdb_last_load_keys_loaded: st.lastLoadKeysLoaded,
      aof_enabled: aof.enabled ? 1 : 0,
      aof_rewrite_in_progress: aof.rewrite !== null ? 1 : 0,
      aof_rewrite_scheduled: aof.rewriteScheduled ? 1 : 0,
      aof_last_rewrite_time_sec: aof.lastRewriteTimeSec,
      aof_current_rewrite_time_sec: aof.rewrite !== null ? Math.round((Date.now() - aof.rewrite.startedAt) / 1000) : -1,
      aof_last_bgrewrite_status: aof.lastRewriteStatus,
      aof_rewrites: aof.rewrites,
      aof_rewrites_consecutive_failures: aof.rewriteFailures,
      aof_last_write_status: aof.lastWriteStatus,
      ...(aof.enabled
        ? {
            aof_current_size: aof.currentSize,
            aof_base_size: aof.baseSize,
            aof_pending_rewrite: aof.rewriteScheduled ? 1 : 0,
            aof_buffer_length: aof.pendingLength,
            aof_pending_bio_fsync: 0,
            aof_delayed_fsync: 0,
          }
        : {}),
      ...loadingFields,
    };
  });
}

export const commands: Family = {
  save,
  bgsave,
  bgrewriteaof,
};

export { install };
