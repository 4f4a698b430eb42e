// The append-only file as Redis 7.0 lays it out: a directory (appenddirname)
// with a manifest, one base file (an RDB when aof-use-rdb-preamble, else
// commands) and incremental command files. Every propagated write
// (server.hooks.propagate) is appended in RESP; the buffer is written before
// any reply leaves (server.hooks.beforeReply) and, with appendfsync always,
// fsync'd there too, so no client sees an acknowledgement for a write that is
// not on disk. BGREWRITEAOF opens a new incr file at once, writes a new base
// from a point-in-time Snapshot between event-loop turns, then swaps the
// manifest; superseded files become history and are deleted.

import fs from 'node:fs';
import { join, resolve } from 'node:path';
import type { Server } from '../../server/server.js';
import { Client } from '../../server/client.js';
import { processCommand } from '../../server/dispatch.js';
import { Manifest, manifestName, tempManifestName, baseName, incrName } from './manifest.js';
import { encodeCommand, parseAof } from './commands.js';
import { RdbWriter } from '../rdb/writer.js';
import { decodeRdbSteps, type LoadResult } from '../rdb/decode.js';
import { Snapshot } from '../snapshot.js';
import { snapshotOptions, rdbLoadOptions, applyLoaded, saveState } from '../rdb-file.js';
import { fsyncDir, openTemp, writeAll, unlinkQuiet } from '../files.js';
import { ListValue } from '../../store/list.js';
import { SetValue } from '../../store/set.js';
import { HashValue } from '../../store/hash.js';
import { ZSetValue } from '../../store/zset.js';
import type { RObject } from '../../store/types.js';
import { formatDouble } from '../../util/numbers.js';

const SLICE_MS = 5;

export class AofLoadError extends Error {}

interface Rewrite {
  snap: Snapshot;
  fd: number;
  tmp: string;
  startedAt: number;
  /** The manifest with the new incr file, waiting for the new base. */
  manifest: Manifest;
  newIncr: string;
  aborted: boolean;
}

export class Aof {
  enabled = false;
  manifest: Manifest | null = null;
  private fd = -1;
  private pending = '';
  private selectedDb = -1;
  private lastTs = 0;
  loading = false;
  /** The client that replays the AOF (it passes the -LOADING refusal). */
  loaderClient: Client | null = null;
  lastWriteStatus: 'ok' | 'err' = 'ok';
  lastWriteError = '';
  private unsynced = false;
  private fsyncInFlight = false;
  rewrite: Rewrite | null = null;
  rewriteScheduled = false;
  lastRewriteStatus: 'ok' | 'err' = 'ok';
  lastRewriteTimeSec = -1;
  rewrites = 0;
  rewriteFailures = 0;
  currentSize = 0;
  baseSize = 0;

  constructor(private readonly server: Server) {}

  private get cfg() {
    return this.server.config;
  }
  get dir(): string {
    return resolve(process.cwd(), this.cfg.str('appenddirname'));
  }
  private path(name: string): string {
    return join(this.dir, name);
  }

  // ------------------------------------------------------------------ feeding

  feed(db: number, argv: readonly string[]): void {
    if (!this.enabled || this.loading) return;
    let s = '';
    if (this.cfg.bool('aof-timestamp-enabled')) {
      const ts = Math.floor(Date.now() / 1000);
      if (ts !== this.lastTs) {
        this.lastTs = ts;
        s += `#TS:${ts}\r\n`;
      }
    }
    if (db !== this.selectedDb) {
      s += encodeCommand(['SELECT', String(db)]);
      this.selectedDb = db;
    }
    this.pending += s + encodeCommand(argv);
  }

  /** Writes what is pending (and fsyncs with appendfsync always). Runs before any reply is sent. */
  flush(): void {
    if (this.pending.length === 0 || this.fd < 0) return;
    const data = Buffer.from(this.pending, 'latin1');
    const before = this.incrSize;
    try {
      writeAll(this.fd, data);
      this.incrSize += data.length;
      // no-appendfsync-on-rewrite: no fsync at all while a rewrite writes its base
      if (this.cfg.str('appendfsync') === 'always' && !(this.rewrite !== null && this.cfg.bool('no-appendfsync-on-rewrite'))) fs.fsyncSync(this.fd);
      else this.unsynced = true;
    } catch (e) {
      if (this.cfg.str('appendfsync') === 'always') {
        // the replies about to go out would acknowledge writes that are not on disk
        this.server.logger.warning(`Error writing to the AOF file: ${(e as Error).message}`);
        this.server.logger.warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
        process.exit(1);
      }
      // keep the buffer: the next flush retries; writes are refused meanwhile (MISCONF).
      // A partial write is cut off first, or the retry would leave a torn command mid-file.
      try {
        fs.ftruncateSync(this.fd, before);
      } catch {
        /* the next successful write repeats the torn prefix; loading reports it */
      }
      this.lastWriteStatus = 'err';
      this.lastWriteError = (e as Error).message;
      this.server.logger.warning(`Error writing to the AOF file: ${this.lastWriteError}`);
      return;
    }
    this.pending = '';
    this.currentSize += data.length;
    if (this.lastWriteStatus === 'err') {
      this.server.logger.warning('AOF write error looks solved, Redis can write again.');
      this.lastWriteStatus = 'ok';
    }
  }

  get pendingLength(): number {
    return this.pending.length;
  }

  private lastFsync = 0;
  /** Bytes in the open incr file (a failed write is truncated back to it). */
  private incrSize = 0;

  /** appendfsync everysec: an fsync on the thread pool once a second. */
  cron(now: number): void {
    if (!this.enabled) return;
    this.flush();
    if (now - this.lastFsync < 1000) return;
    this.lastFsync = now;
    if (this.cfg.str('appendfsync') === 'everysec' && this.unsynced && !this.fsyncInFlight && this.fd >= 0) {
      if (this.rewrite !== null && this.cfg.bool('no-appendfsync-on-rewrite')) return;
      this.unsynced = false;
      this.fsyncInFlight = true;
      const fd = this.fd;
      fs.fsync(fd, () => {
        this.fsyncInFlight = false;
      });
    }
    this.maybeAutoRewrite();
  }

  private maybeAutoRewrite(): void {
    const perc = this.cfg.num('auto-aof-rewrite-percentage');
    if (perc <= 0 || this.rewrite !== null || saveState(this.server).bg !== null) return;
    if (this.currentSize <= this.cfg.num('auto-aof-rewrite-min-size')) return;
    const base = this.baseSize || 1;
    const growth = Math.floor((this.currentSize * 100) / base) - 100;
    if (growth >= perc) {
      this.server.logger.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
      this.startRewrite();
    }
  }

  // ------------------------------------------------------------------ files

  private persistManifest(m: Manifest): void {
    const name = this.cfg.str('appendfilename');
    const tmp = this.path(tempManifestName(name));
    const fd = openTemp(tmp);
    try {
      writeAll(fd, Buffer.from(m.format(), 'latin1'));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.path(manifestName(name)));
    fsyncDir(this.path(manifestName(name)));
  }

  private openIncr(name: string): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = fs.openSync(this.path(name), fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
    this.incrSize = fs.fstatSync(this.fd).size;
    this.selectedDb = -1;
    this.lastTs = 0;
  }

  private ensureDir(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** Reads the manifest if there is one (also with appendonly no: sequence numbers continue). */
  private readManifest(): Manifest | null {
    const p = this.path(manifestName(this.cfg.str('appendfilename')));
    let text: string;
    try {
      text = fs.readFileSync(p, 'latin1');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new AofLoadError(`Fatal error: can't open the AOF manifest file ${p} for reading: ${(e as Error).message}`);
    }
    try {
      return Manifest.parse(text);
    } catch (e) {
      throw new AofLoadError(`*** FATAL AOF MANIFEST FILE ERROR *** ${(e as Error).message} (${p})`);
    }
  }

  // ------------------------------------------------------------------ startup

  /** The manifest at startup (the directory is created if missing); null when there is none. */
  prepare(): Manifest | null {
    this.ensureDir();
    return this.readManifest();
  }

  /** Bytes of the files a manifest lists (what loading will read). */
  filesSize(m: Manifest): number {
    let n = 0;
    for (const f of [...(m.base ? [m.base] : []), ...m.incrs]) {
      try {
        n += fs.statSync(this.path(f.name)).size;
      } catch {
        /* reported by the load */
      }
    }
    return n;
  }

  /** Loads the AOF at startup (appendonly yes), or creates an empty one. Throws AofLoadError. */
  startup(): void {
    const m = this.prepare();
    if (m !== null) this.load(m);
    this.finishStartup(m);
  }

  /** After loading: a base for an empty dataset, an incr file open for appending, the manifest on disk. */
  finishStartup(loaded: Manifest | null): void {
    this.manifest = loaded ?? new Manifest();
    const man = this.manifest;
    const name = this.cfg.str('appendfilename');
    if (man.base === null && man.incrs.length === 0) {
      // an empty dataset still gets a base file, as Redis 7.0 does
      const preamble = this.cfg.bool('aof-use-rdb-preamble');
      man.curBaseSeq++;
      const bname = baseName(name, man.curBaseSeq, preamble);
      this.writeBaseSync(this.path(bname), preamble);
      man.base = { name: bname, seq: man.curBaseSeq, type: 'b' };
      this.baseSize = fs.statSync(this.path(bname)).size;
      this.currentSize = this.baseSize;
    }
    if (man.incrs.length === 0) {
      man.curIncrSeq++;
      man.incrs.push({ name: incrName(name, man.curIncrSeq), seq: man.curIncrSeq, type: 'i' });
    }
    this.openIncr(man.incrs[man.incrs.length - 1].name);
    this.persistManifest(man);
    this.enabled = true;
  }

  /** A base written synchronously (startup with no data, or SAVE-like paths). */
  private writeBaseSync(path: string, preamble: boolean): void {
    const tmp = path + '.tmp';
    const fd = openTemp(tmp);
    try {
      if (preamble) {
        const w = new RdbWriter((chunk) => writeAll(fd, chunk), this.cfg.bool('rdbchecksum'));
        new Snapshot(this.server.keyspace, w, snapshotOptions(this.server, true)).step(Infinity);
      } else {
        writeCommandsBase(this.server, (chunk) => writeAll(fd, Buffer.from(chunk, 'latin1')));
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path);
    fsyncDir(path);
  }

  /** Loads at startup, synchronously (a small AOF). */
  startupLoad(m: Manifest): void {
    this.load(m);
  }

  private load(m: Manifest): void {
    const g = this.loadSteps(m);
    while (!g.next().done);
  }

  /** Loads every file of the manifest; yields the bytes read so far every few hundred commands. */
  *loadSteps(m: Manifest): Generator<number, void, void> {
    const t0 = performance.now();
    const files = [...(m.base ? [m.base] : []), ...m.incrs];
    this.loading = true;
    const fake = new Client(this.server, null, 0, false);
    fake.authenticated = true;
    this.loaderClient = fake;
    const slow = this.cfg.num('key-load-delay') > 0;
    let total = 0;
    try {
      for (let i = 0; i < files.length; i++) {
        const f = files[i];
        const path = this.path(f.name);
        let buf: Buffer;
        try {
          buf = fs.readFileSync(path);
        } catch (e) {
          throw new AofLoadError(`The AOF file ${f.name} doesn't exist or can't be read (${(e as Error).message}); it is listed in the manifest. Exiting.`);
        }
        total += buf.length;
        if (f.type === 'b') this.baseSize = buf.length;
        if (buf.length === 0) continue;
        let start = 0;
        if (buf.length >= 5 && buf.latin1Slice(0, 5) === 'REDIS') {
          this.server.logger.notice(f.type === 'b' ? 'Reading RDB base file on AOF loading...' : 'Reading RDB preamble from AOF file...');
          let res;
          const g = decodeRdbSteps(buf, rdbLoadOptions(this.server));
          for (;;) {
            let x: IteratorResult<number, LoadResult>;
            try {
              x = g.next();
            } catch (e) {
              throw new AofLoadError(`Bad file format reading the append only file ${f.name}: ${(e as Error).message}`);
            }
            if (x.done) {
              res = x.value;
              break;
            }
            yield total - buf.length + x.value;
          }
          applyLoaded(this.server, res);
          start = res.end;
        }
        const parsed = parseAof(buf, start);
        const isLast = i === files.length - 1;
        for (let k = 0; k < parsed.commands.length; k++) {
          const argv = parsed.commands[k];
          if (this.server.commands.lookup(argv[0]) === undefined) {
            throw new AofLoadError(`Unknown command '${argv[0].slice(0, 128)}' reading the append only file ${f.name}`);
          }
          processCommand(this.server, fake, argv);
          fake.out = '';
          if (slow || (k & 511) === 511) yield total - buf.length + parsed.starts[k];
        }
        let cut = -1;
        if (fake.inMulti) {
          // a transaction without its EXEC at the end: revert it, as Redis does
          this.server.logger.warning('Revert incomplete MULTI/EXEC transaction in AOF file');
          const multiAt = findLastMulti(parsed.commands, parsed.starts);
          cut = multiAt;
          processCommand(this.server, fake, ['DISCARD']);
          fake.out = '';
        }
        if (parsed.badFormat) {
          throw new AofLoadError(`Bad file format reading the append only file ${f.name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`);
        }
        if (parsed.truncated) {
          if (!isLast || !this.cfg.bool('aof-load-truncated')) {
            throw new AofLoadError(
              `Unexpected end of file reading the append only file ${f.name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`,
            );
          }
          this.server.logger.warning(`!!! Warning: short read while loading the AOF file ${f.name}!!!`);
          if (cut < 0) cut = parsed.validEnd;
        }
        if (cut >= 0 && isLast) {
          this.server.logger.warning(`!!! Truncating the AOF ${f.name} at offset ${cut} !!!`);
          fs.truncateSync(path, cut);
          total -= buf.length - cut;
          this.server.logger.warning(`AOF ${f.name} loaded anyway because aof-load-truncated is enabled`);
        }
      }
    } finally {
      this.loading = false;
      this.loaderClient = null;
    }
    this.currentSize = total;
    this.server.keyspace.dirty = 0;
    this.server.logger.notice(`DB loaded from append only file: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`);
  }

  /** DEBUG LOADAOF: the (flushed and fsync'd) files loaded again into the emptied keyspace. */
  reloadFromDisk(): void {
    this.flush();
    if (this.fd >= 0) fs.fsyncSync(this.fd);
    const m = this.readManifest();
    if (m === null) throw new AofLoadError('The AOF manifest file doesn\'t exist');
    this.load(m);
    this.manifest = m;
  }

  // ------------------------------------------------------------------ rewrite

  /** BGREWRITEAOF: new incr file now, new base from a snapshot, then the manifest swap. */
  startRewrite(): void {
    if (this.manifest === null) {
      this.ensureDir();
      this.manifest = this.readManifest() ?? new Manifest();
    }
    this.flush();
    if (this.fd >= 0) fs.fsyncSync(this.fd);
    const name = this.cfg.str('appendfilename');
    const m = this.manifest.clone();
    m.curIncrSeq++;
    const newIncr = incrName(name, m.curIncrSeq);
    m.incrs.push({ name: newIncr, seq: m.curIncrSeq, type: 'i' });
    const preamble = this.cfg.bool('aof-use-rdb-preamble');
    const tmp = this.path(`temp-rewriteaof-bg-${process.pid}.aof`);
    const fd = openTemp(tmp);
    this.openIncr(newIncr);
    // the manifest names the new incr at once: old base + every incr is still the whole dataset
    this.persistManifest(m);
    this.manifest = m;
    const w = new RdbWriter((chunk) => writeAll(fd, chunk), this.cfg.bool('rdbchecksum'));
    let snap: Snapshot;
    if (preamble) snap = new Snapshot(this.server.keyspace, w, snapshotOptions(this.server, true));
    else {
      // the command form is written in one go (no slices)
      writeCommandsBase(this.server, (chunk) => writeAll(fd, Buffer.from(chunk, 'latin1')));
      snap = new Snapshot(this.server.keyspace, w, snapshotOptions(this.server, true));
      snap.done = true;
    }
    snap.attach();
    this.rewrite = { snap, fd, tmp, startedAt: Date.now(), manifest: m, newIncr, aborted: false };
    this.server.logger.notice('Background append only file rewriting started');
    setImmediate(this.tick);
  }

  private readonly tick = (): void => {
    const rw = this.rewrite;
    if (rw === null || rw.aborted) return;
    let done: boolean;
    try {
      done = rw.snap.step(SLICE_MS);
    } catch (e) {
      return this.rewriteFailed((e as Error).message);
    }
    if (!done) {
      setImmediate(this.tick);
      return;
    }
    fs.fsync(rw.fd, (err) => {
      if (rw.aborted) return;
      if (err) return this.rewriteFailed(err.message);
      try {
        fs.closeSync(rw.fd);
        rw.fd = -1;
        const name = this.cfg.str('appendfilename');
        const m = this.manifest!.clone();
        const preamble = this.cfg.bool('aof-use-rdb-preamble');
        m.curBaseSeq++;
        const bname = baseName(name, m.curBaseSeq, preamble);
        fs.renameSync(rw.tmp, this.path(bname));
        fsyncDir(this.path(bname));
        if (m.base) m.history.push({ ...m.base, type: 'h' });
        m.base = { name: bname, seq: m.curBaseSeq, type: 'b' };
        const keep = m.incrs.filter((f) => f.name === rw.newIncr);
        for (const f of m.incrs) if (f.name !== rw.newIncr) m.history.push({ ...f, type: 'h' });
        m.incrs = keep;
        this.persistManifest(m);
        this.manifest = m;
        this.baseSize = fs.statSync(this.path(bname)).size;
        let incrSize = 0;
        try {
          incrSize = fs.statSync(this.path(rw.newIncr)).size;
        } catch {
          /* not written yet */
        }
        this.currentSize = this.baseSize + incrSize;
        if (!this.cfg.bool('aof-disable-auto-gc')) this.deleteHistory();
      } catch (e) {
        return this.rewriteFailed((e as Error).message);
      }
      this.rewrite = null;
      this.rewrites++;
      this.rewriteFailures = 0;
      this.lastRewriteStatus = 'ok';
      this.lastRewriteTimeSec = Math.round((Date.now() - rw.startedAt) / 1000);
      this.server.logger.notice('Background AOF rewrite terminated with success');
      this.server.logger.notice('Background AOF rewrite finished successfully');
    });
  };

  private deleteHistory(): void {
    const m = this.manifest!;
    if (m.history.length === 0) return;
    for (const h of m.history) {
      this.server.logger.notice(`Removing the history file ${h.name} in the background`);
      unlinkQuiet(this.path(h.name));
    }
    m.history = [];
    this.persistManifest(m);
  }

  private rewriteFailed(msg: string): void {
    const rw = this.rewrite;
    if (rw === null) return;
    this.abortRewrite();
    this.lastRewriteStatus = 'err';
    this.rewriteFailures++;
    this.server.logger.warning(`Background AOF rewrite failed: ${msg}`);
  }

  abortRewrite(): void {
    const rw = this.rewrite;
    if (rw === null) return;
    rw.aborted = true;
    rw.snap.detach();
    if (rw.fd >= 0) {
      try {
        fs.closeSync(rw.fd);
      } catch {
        /* closed */
      }
    }
    unlinkQuiet(rw.tmp);
    this.rewrite = null;
  }

  // ------------------------------------------------------------------ on/off

  /** CONFIG SET appendonly yes: a rewrite makes the base of the current data. */
  turnOn(): void {
    if (this.enabled) return;
    this.ensureDir();
    this.manifest = this.readManifest() ?? new Manifest();
    this.enabled = true;
    this.startRewrite();
  }

  turnOff(): void {
    if (!this.enabled) return;
    this.flush();
    this.abortRewrite();
    if (this.fd >= 0) {
      try {
        fs.fsyncSync(this.fd);
      } catch {
        /* best effort */
      }
      fs.closeSync(this.fd);
      this.fd = -1;
    }
    this.enabled = false;
    this.pending = '';
  }

  /** SHUTDOWN: everything written and fsync'd. */
  shutdown(): void {
    if (!this.enabled) return;
    this.abortRewrite();
    this.flush();
    if (this.fd >= 0) {
      this.server.logger.notice('Calling fsync() on the AOF file.');
      try {
        fs.fsyncSync(this.fd);
      } catch {
        /* best effort */
      }
    }
  }
}

function findLastMulti(commands: string[][], starts: number[]): number {
  for (let i = commands.length - 1; i >= 0; i--) if (commands[i][0].toLowerCase() === 'multi') return starts[i];
  return -1;
}

/** Elements per command in a command-form base (AOF_REWRITE_ITEMS_PER_CMD). */
const ITEMS_PER_CMD = 64;

/**
 * The dataset as commands (aof-use-rdb-preamble no), handed to `out` in
 * chunks: one command per key (collections split every 64 elements, as
 * Redis does), plus its PEXPIREAT.
 */
export function writeCommandsBase(server: Server, out: (chunk: string) => void): void {
  let buf = '';
  const emit = (argv: string[]) => {
    buf += encodeCommand(argv);
    if (buf.length >= 1 << 20) {
      out(buf);
      buf = '';
    }
  };
  const now = Date.now();
  for (const db of server.keyspace.dbs) {
    if (db.dict.size === 0) continue;
    emit(['SELECT', String(db.id)]);
    for (const [key, v] of db.dict.entries()) {
      const exp = db.expires.get(key);
      if (exp !== undefined && exp < now) continue;
      if (typeof v === 'string') emit(['SET', key, v]);
      else collectionCommands(key, v, emit);
      if (exp !== undefined) emit(['PEXPIREAT', key, String(exp)]);
    }
  }
  if (buf.length) out(buf);
}

function collectionCommands(key: string, v: RObject, emit: (argv: string[]) => void): void {
  const head = v instanceof ListValue ? 'RPUSH' : v instanceof SetValue ? 'SADD' : v instanceof HashValue ? 'HSET' : v instanceof ZSetValue ? 'ZADD' : null;
  if (head === null) throw new Error(`can't rewrite a value of type ${v.type}`);
  let cmd: string[] = [head, key];
  let n = 0;
  const push = (a: string, b?: string) => {
    cmd.push(a);
    if (b !== undefined) cmd.push(b);
    if (++n === ITEMS_PER_CMD) {
      emit(cmd);
      cmd = [head, key];
      n = 0;
    }
  };
  if (v instanceof ListValue) for (const x of v.toArray()) push(x);
  else if (v instanceof SetValue) for (const m of v) push(m);
  else if (v instanceof HashValue) for (const [f, x] of v.map) push(f, x);
  else if (v instanceof ZSetValue) for (const [m, sc] of v.zs) push(formatDouble(sc), m);
  if (n > 0) emit(cmd);
}
