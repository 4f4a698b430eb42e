// dump.rdb on disk: SAVE (synchronous), BGSAVE (a Snapshot walked between
// event-loop turns, fsync'd on the thread pool), and loading at startup.

import fs from 'node:fs';
import { resolve } from 'node:path';
import type { Server } from '../server/server.js';
import { VERSION } from '../server/server.js';
import { lruClock, LRU_CLOCK_MAX } from '../store/db.js';
import { RdbWriter } from './rdb/writer.js';
import { decodeRdb, decodeRdbSteps, RdbError, type LoadLimits, type LoadOptions, type LoadResult } from './rdb/decode.js';
import { Snapshot, type SnapshotOptions } from './snapshot.js';
import { fsyncDir, openTemp, writeAll, unlinkQuiet } from './files.js';

/** Serialisation time per event-loop turn during BGSAVE. */
const SLICE_MS = 5;

export function rdbPath(server: Server): string {
  return resolve(process.cwd(), server.config.str('dbfilename'));
}

export function snapshotOptions(server: Server, aofBase = false): SnapshotOptions {
  const cfg = server.config;
  const policy = cfg.str('maxmemory-policy');
  return {
    compress: cfg.bool('rdbcompression'),
    checksum: cfg.bool('rdbchecksum'),
    evictionInfo: policy.includes('lru') ? 'lru' : policy.includes('lfu') ? 'lfu' : null,
    aux: [
      ['redis-ver', VERSION],
      ['redis-bits', '64'],
      ['ctime', String(Math.floor(Date.now() / 1000))],
      ['used-mem', String(process.memoryUsage().heapUsed)],
      ['aof-base', aofBase ? '1' : '0'],
    ],
  };
}

export interface SaveState {
  lastBgsaveStatus: 'ok' | 'err';
  lastBgsaveTry: number;
  lastBgsaveTimeSec: number;
  rdbSaves: number;
  lastCowKeys: number;
  lastLoadKeysLoaded: number;
  lastLoadKeysExpired: number;
  bg: BackgroundSave | null;
  scheduled: boolean;
  /** Set while a dump loads between event-loop turns (clients get -LOADING). */
  loading: { startedAt: number; totalBytes: number; loadedBytes: number } | null;
}

export function saveState(server: Server): SaveState {
  let s = server.ext.rdb as SaveState | undefined;
  if (s === undefined) {
    s = { lastBgsaveStatus: 'ok', lastBgsaveTry: 0, lastBgsaveTimeSec: -1, rdbSaves: 0, lastCowKeys: 0, lastLoadKeysLoaded: 0, lastLoadKeysExpired: 0, bg: null, scheduled: false, loading: null };
    server.ext.rdb = s;
  }
  return s;
}

/** Writes the whole dataset to `path` now (SAVE, SHUTDOWN). Throws with a loggable message. */
export function writeRdbSync(server: Server, path: string): void {
  const tmp = resolve(process.cwd(), `temp-${process.pid}.rdb`);
  let fd: number;
  try {
    fd = openTemp(tmp);
  } catch (e) {
    throw new Error(`Failed opening the temp RDB file ${tmp.split('/').pop()} (in server root dir ${process.cwd()}) for saving: ${(e as Error).message}`);
  }
  try {
    const w = new RdbWriter((chunk) => writeAll(fd, chunk), server.config.bool('rdbchecksum'));
    const snap = new Snapshot(server.keyspace, w, snapshotOptions(server));
    snap.step(Infinity);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = -1;
    fs.renameSync(tmp, path);
    fsyncDir(path);
  } catch (e) {
    if (fd >= 0) fs.closeSync(fd);
    unlinkQuiet(tmp);
    throw new Error(`Write error saving DB on disk: ${(e as Error).message}`);
  }
}

/** SAVE semantics: true on success, logging as Redis does. */
export function rdbSave(server: Server): boolean {
  const st = saveState(server);
  const path = rdbPath(server);
  try {
    writeRdbSync(server, path);
  } catch (e) {
    server.logger.warning((e as Error).message);
    return false;
  }
  server.logger.notice('DB saved on disk');
  server.keyspace.dirty = 0;
  server.lastSave = Math.floor(Date.now() / 1000);
  st.lastBgsaveStatus = 'ok';
  st.rdbSaves++;
  return true;
}

export class BackgroundSave {
  readonly startedAt = Date.now();
  // not the name SAVE uses: DEBUG RELOAD may save while a BGSAVE runs
  private readonly tmp = resolve(process.cwd(), `temp-bgsave-${process.pid}.rdb`);
  private fd = -1;
  private readonly snap: Snapshot;
  private readonly dirtyBefore: number;
  private aborted = false;
  /** Longest single step, ms (the event-loop stall BGSAVE causes). */
  maxStepMs = 0;
  /** Time to set the snapshot up (synchronous, before the first slice). */
  startMs = 0;

  constructor(
    private readonly server: Server,
    private readonly onDone: (ok: boolean) => void,
  ) {
    this.dirtyBefore = server.keyspace.dirty;
    const w = new RdbWriter((chunk) => writeAll(this.fd, chunk), server.config.bool('rdbchecksum'));
    const t0 = performance.now();
    this.snap = new Snapshot(server.keyspace, w, snapshotOptions(server));
    this.startMs = performance.now() - t0;
    this.snap.attach();
    // the file opens in the first slice: like Redis's child, a failure there is a failed
    // save (rdb_last_bgsave_status:err), not a refused BGSAVE
    setImmediate(this.open);
  }

  private readonly open = (): void => {
    if (this.aborted) return;
    try {
      this.fd = openTemp(this.tmp);
    } catch (e) {
      return this.fail(`Failed opening the temp RDB file ${this.tmp.split('/').pop()} (in server root dir ${process.cwd()}) for saving: ${(e as Error).message}`);
    }
    this.tick();
  };

  get keysProcessed(): number {
    return this.snap.keysWritten;
  }
  get keysTotal(): number {
    return this.snap.keysTotal;
  }
  get cowKeys(): number {
    return this.snap.cowKeys;
  }

  private readonly tick = (): void => {
    if (this.aborted) return;
    let done: boolean;
    const t0 = performance.now();
    // rdb-key-save-delay (µs per key, for tests, as Redis's child sleeps per key)
    const delay = this.server.config.num('rdb-key-save-delay');
    try {
      done = this.snap.step(SLICE_MS, delay > 0 ? 1 : Infinity);
    } catch (e) {
      this.fail(`Write error saving DB on disk: ${(e as Error).message}`);
      return;
    }
    const dt = performance.now() - t0;
    if (dt > this.maxStepMs) this.maxStepMs = dt;
    if (!done) {
      if (delay > 0) setTimeout(this.tick, Math.max(1, Math.round(delay / 1000)));
      else setImmediate(this.tick);
      return;
    }
    fs.fsync(this.fd, (err) => {
      if (this.aborted) return;
      if (err) return this.fail(`Write error saving DB on disk: ${err.message}`);
      try {
        fs.closeSync(this.fd);
        this.fd = -1;
        const path = rdbPath(this.server);
        fs.renameSync(this.tmp, path);
        fsyncDir(path);
      } catch (e) {
        return this.fail(`Write error saving DB on disk: ${(e as Error).message}`);
      }
      const s = this.server;
      s.keyspace.dirty = Math.max(0, s.keyspace.dirty - this.dirtyBefore);
      s.lastSave = Math.floor(Date.now() / 1000);
      s.logger.notice('DB saved on disk');
      s.logger.notice('Background saving terminated with success');
      this.onDone(true);
    });
  };

  private fail(msg: string): void {
    this.cleanup();
    this.server.logger.warning(msg);
    this.server.logger.warning('Background saving error');
    this.onDone(false);
  }

  private cleanup(): void {
    this.aborted = true;
    this.snap.detach();
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        /* closed */
      }
      this.fd = -1;
    }
    unlinkQuiet(this.tmp);
  }

  /** Stops the save and removes its temp file (SHUTDOWN, FLUSHALL). */
  abort(): void {
    if (this.aborted) return;
    this.cleanup();
  }
}

/** Starts a BGSAVE; throws when the temp file cannot be created. */
export function startBgsave(server: Server): BackgroundSave {
  const st = saveState(server);
  st.lastBgsaveTry = Math.floor(Date.now() / 1000);
  try {
    const bg = new BackgroundSave(server, (ok) => {
      st.bg = null;
      st.lastBgsaveStatus = ok ? 'ok' : 'err';
      st.lastBgsaveTimeSec = Math.round((Date.now() - bg.startedAt) / 1000);
      st.lastCowKeys = bg.cowKeys;
      if (ok) st.rdbSaves++;
      server.logger.verbose(`BGSAVE: longest event-loop step ${bg.maxStepMs.toFixed(1)} ms, start ${bg.startMs.toFixed(1)} ms`);
    });
    st.bg = bg;
    server.logger.notice('Background saving started');
    return bg;
  } catch (e) {
    st.lastBgsaveStatus = 'err';
    server.logger.warning(`Can't save in background: ${(e as Error).message}`);
    throw e;
  }
}

export function loadLimits(server: Server): LoadLimits {
  const cfg = server.config;
  return {
    hashEntries: cfg.num('hash-max-listpack-entries'),
    hashValue: cfg.num('hash-max-listpack-value'),
    zsetEntries: cfg.num('zset-max-listpack-entries'),
    zsetValue: cfg.num('zset-max-listpack-value'),
    intsetEntries: cfg.num('set-max-intset-entries'),
  };
}

/**
 * Loads an RDB file into the (empty) keyspace. Returns false when there is no
 * file; throws RdbError (nothing loaded) for a bad one.
 */
export function loadRdbFile(server: Server, path: string): boolean {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new RdbError(`Fatal error loading the DB: ${(e as Error).message}. Exiting.`);
  }
  const t0 = performance.now();
  const res = decodeRdb(buf, rdbLoadOptions(server));
  applyLoaded(server, res);
  server.logger.notice(`DB loaded from disk: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`);
  return true;
}

export function rdbLoadOptions(server: Server): LoadOptions {
  return { limits: loadLimits(server), databases: server.keyspace.dbs.length, checksum: server.config.bool('rdbchecksum'), dropExpired: !server.keyspace.isReplica };
}

/** Puts decoded keys into the keyspace (an RDB file or an AOF's RDB base). */
export function applyLoaded(server: Server, res: LoadResult): void {
  const ks = server.keyspace;
  const clock = lruClock();
  for (const k of res.keys) {
    const db = ks.dbs[k.db];
    db.dict.set(k.key, k.value, clock);
    if (k.expire !== -1) db.expires.set(k.key, k.expire);
    if (k.idle >= 0) db.setLru(k.key, (clock - k.idle) & LRU_CLOCK_MAX);
  }
  const st = saveState(server);
  st.lastLoadKeysLoaded = res.keys.length;
  st.lastLoadKeysExpired = res.expired;
  const ver = res.aux.get('redis-ver');
  if (ver !== undefined) server.logger.notice(`Loading RDB produced by version ${ver}`);
  server.logger.notice(`Done loading RDB, keys loaded: ${res.keys.length}, keys expired: ${res.expired}.`);
}

/** Keys between two offsets yielded by decodeRdbSteps. */
const KEYS_PER_YIELD = 128;

/**
 * Runs a loading generator (yielding bytes read) between event-loop turns
 * while clients get -LOADING: the INFO loading_* fields and a progress log.
 */
export function driveLoading(
  server: Server,
  what: string,
  totalBytes: number,
  steps: Generator<number, unknown, void>,
  done: (err: Error | null) => void,
  keys: () => number = () => server.keyspace.totalKeys(),
): void {
  const st = saveState(server);
  const t0 = Date.now();
  st.loading = { startedAt: Math.floor(t0 / 1000), totalBytes, loadedBytes: 0 };
  server.ext.loading = true;
  server.logger.notice(`Loading ${what} (${(totalBytes / 1e6).toFixed(1)} MB) in the background; clients get -LOADING meanwhile`);
  let lastLog = t0;
  const finish = (err: Error | null) => {
    st.loading = null;
    server.ext.loading = false;
    done(err);
  };
  const tick = (): void => {
    const delay = server.config.num('key-load-delay');
    const end = performance.now() + 20;
    try {
      for (;;) {
        const x = steps.next();
        if (x.done) return finish(null);
        st.loading!.loadedBytes = x.value;
        if (delay > 0 || performance.now() >= end) break;
      }
    } catch (e) {
      return finish(e as Error);
    }
    const now = Date.now();
    if (now - lastLog >= 1000) {
      lastLog = now;
      const l = st.loading!;
      server.logger.notice(`Loading ${what}: ${((l.loadedBytes * 100) / l.totalBytes).toFixed(1)}%, about ${keys()} keys, ${(l.loadedBytes / 1e6 / ((now - t0) / 1000)).toFixed(1)} MB/s`);
    }
    if (delay > 0) setTimeout(tick, Math.max(1, Math.round((delay * KEYS_PER_YIELD) / 1000)));
    else setImmediate(tick);
  };
  setImmediate(tick);
}

/**
 * Loads a dump between event-loop turns while clients are answered -LOADING
 * (a big file at startup). The keyspace is filled only once the whole file
 * decoded, so a bad file loads nothing. `done` gets the error, if any.
 */
export function loadRdbFileAsync(server: Server, path: string, buf: Buffer, done: (err: Error | null) => void): void {
  const t0 = Date.now();
  let yields = 0;
  function* steps(): Generator<number, void, void> {
    const g = decodeRdbSteps(buf, rdbLoadOptions(server));
    let x = g.next();
    while (!x.done) {
      yields++;
      yield x.value;
      x = g.next();
    }
    applyLoaded(server, x.value);
    server.logger.notice(`DB loaded from disk: ${((Date.now() - t0) / 1000).toFixed(3)} seconds`);
  }
  driveLoading(server, path, buf.length, steps(), done, () => yields * KEYS_PER_YIELD);
}
