// The command table: Redis 7.0's published facts about each command
// (meta.json, regenerated from a reference server by
// scripts/gen-command-meta.mjs) joined with our handlers. Dispatch, ACL,
// COMMAND, rename-command, slowlog and commandstats all read this one table.

import type { Client } from '../server/client.js';
import metaJson from './meta.json' with { type: 'json' };

export interface KeySpecMeta {
  flags: string[];
  notes?: string;
  begin_search: { type: string; spec: Record<string, number | string> };
  find_keys: { type: string; spec: Record<string, number> };
}

export interface CommandMeta {
  name: string;
  arity: number;
  flags: string[];
  first: number;
  last: number;
  step: number;
  acl: string[];
  tips: string[];
  keySpecs: KeySpecMeta[];
  sub?: CommandMeta[];
  docs?: Record<string, unknown>;
}

export const META = metaJson as unknown as Record<string, CommandMeta>;

/**
 * ACL command ids: every Redis 7.0 command and subcommand gets one, whether
 * or not Redoubt implements it, so that ACL rules, categories and the way
 * ACL LIST re-describes a user count the same commands as Redis does.
 * Commands and their subcommands are numbered in meta.json order.
 */
export const ACL_IDS = new Map<string, number>();
for (const m of Object.values(META)) {
  ACL_IDS.set(m.name, ACL_IDS.size);
  if (m.sub) for (const s of m.sub) ACL_IDS.set(s.name, ACL_IDS.size);
}

export const CMD = {
  WRITE: 1 << 0,
  READONLY: 1 << 1,
  DENYOOM: 1 << 2,
  ADMIN: 1 << 3,
  PUBSUB: 1 << 4,
  NOSCRIPT: 1 << 5,
  BLOCKING: 1 << 6,
  LOADING: 1 << 7,
  STALE: 1 << 8,
  SKIP_MONITOR: 1 << 9,
  SKIP_SLOWLOG: 1 << 10,
  ASKING: 1 << 11,
  FAST: 1 << 12,
  NO_AUTH: 1 << 13,
  MAY_REPLICATE: 1 << 14,
  NO_MANDATORY_KEYS: 1 << 15,
  NO_MULTI: 1 << 16,
  MOVABLEKEYS: 1 << 17,
  ALLOW_BUSY: 1 << 18,
  NO_ASYNC_LOADING: 1 << 19,
} as const;

const FLAG_BITS: Record<string, number> = {
  write: CMD.WRITE,
  readonly: CMD.READONLY,
  denyoom: CMD.DENYOOM,
  admin: CMD.ADMIN,
  pubsub: CMD.PUBSUB,
  noscript: CMD.NOSCRIPT,
  blocking: CMD.BLOCKING,
  loading: CMD.LOADING,
  stale: CMD.STALE,
  skip_monitor: CMD.SKIP_MONITOR,
  skip_slowlog: CMD.SKIP_SLOWLOG,
  asking: CMD.ASKING,
  fast: CMD.FAST,
  no_auth: CMD.NO_AUTH,
  may_replicate: CMD.MAY_REPLICATE,
  no_mandatory_keys: CMD.NO_MANDATORY_KEYS,
  no_multi: CMD.NO_MULTI,
  movablekeys: CMD.MOVABLEKEYS,
  allow_busy: CMD.ALLOW_BUSY,
  no_async_loading: CMD.NO_ASYNC_LOADING,
};

export type Handler = (c: Client, argv: string[]) => void;

export interface KeyRef {
  pos: number;
  flags: string[];
}

/** Extracts key positions where key specs cannot (SORT, MIGRATE...). */
export type KeysProc = (argv: string[]) => KeyRef[] | null;

export interface CommandDef {
  handler: Handler;
  getKeys?: KeysProc;
}

/** What a family module exports: full command name ('get', 'config|get') to handler. */
export type Family = Record<string, Handler | CommandDef>;

export class Command {
  readonly flags: number;
  readonly arity: number;
  readonly sub: Map<string, Command> | null;
  /** ACL_IDS id, the index in ACL command bitmaps. */
  id = 0;
  calls = 0;
  usec = 0;
  rejectedCalls = 0;
  failedCalls = 0;

  constructor(
    readonly meta: CommandMeta,
    readonly handler: Handler | null,
    readonly getKeysProc: KeysProc | null,
    readonly parent: Command | null,
    sub: Map<string, Command> | null,
  ) {
    let f = 0;
    for (const name of meta.flags) f |= FLAG_BITS[name] ?? 0;
    this.flags = f;
    this.arity = meta.arity;
    this.sub = sub;
  }

  /** 'config|get' */
  get fullName(): string {
    return this.meta.name;
  }
  /** 'get' for subcommands, as ACL LOG and errors print them */
  get name(): string {
    const n = this.meta.name;
    const i = n.indexOf('|');
    return i === -1 ? n : n.slice(i + 1);
  }
  has(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }
  hasKeys(): boolean {
    return this.meta.keySpecs.length > 0 || this.getKeysProc !== null;
  }
}

export class CommandTable {
  /** Lookup by lowercase name; rename-command edits this map only. */
  private readonly byName = new Map<string, Command>();
  /** Every command by original name, for COMMAND and ACL. */
  readonly all = new Map<string, Command>();

  constructor(families: Family[]) {
    const handlers = new Map<string, CommandDef>();
    for (const fam of families) {
      for (const [name, h] of Object.entries(fam)) {
        if (handlers.has(name)) throw new Error(`command ${name} registered twice`);
        if (!META[name.split('|')[0]]) throw new Error(`command ${name} has no Redis 7.0 metadata`);
        handlers.set(name, typeof h === 'function' ? { handler: h } : h);
      }
    }
    for (const meta of Object.values(META)) {
      let sub: Map<string, Command> | null = null;
      const own = handlers.get(meta.name);
      if (meta.sub) {
        sub = new Map();
        for (const sm of meta.sub) {
          const d = handlers.get(sm.name);
          if (!d) continue;
          handlers.delete(sm.name);
          sub.set(sm.name.slice(sm.name.indexOf('|') + 1), new Command(sm, d.handler, d.getKeys ?? null, null, null));
        }
        if (sub.size === 0 && !own) continue;
      } else if (!own) continue;
      handlers.delete(meta.name);
      const cmd = new Command(meta, own?.handler ?? null, own?.getKeys ?? null, null, sub);
      if (sub) for (const s of sub.values()) (s as { parent: Command | null }).parent = cmd;
      this.add(cmd);
    }
    if (handlers.size) {
      const names = [...handlers.keys()].join(', ');
      throw new Error(`handlers without a Redis 7.0 command: ${names}`);
    }
  }

  /** One-entry lookup cache; '' never names a command. */
  private lastName = '';
  private lastCmd: Command | undefined = undefined;

  private add(cmd: Command): void {
    this.lastName = '';
    this.lastCmd = undefined;
    cmd.id = ACL_IDS.get(cmd.fullName)!;
    this.byName.set(cmd.fullName, cmd);
    this.byName.set(cmd.fullName.toUpperCase(), cmd);
    this.all.set(cmd.fullName, cmd);
    if (cmd.sub) for (const s of cmd.sub.values()) s.id = ACL_IDS.get(s.fullName)!;
  }

  /** Case-insensitive lookup honouring rename-command. */
  lookup(name: string): Command | undefined {
    // parsers hand the same name string back while a client repeats a command
    if (name === this.lastName) return this.lastCmd;
    const cmd = this.byName.get(name) ?? this.byName.get(name.toLowerCase());
    if (cmd !== undefined) {
      this.lastName = name;
      this.lastCmd = cmd;
    }
    return cmd;
  }

  /** Command or subcommand for ACL rules and COMMAND INFO ('config|get'). */
  lookupFull(name: string): Command | undefined {
    const n = name.toLowerCase();
    const i = n.indexOf('|');
    if (i === -1) return this.all.get(n);
    return this.all.get(n.slice(0, i))?.sub?.get(n.slice(i + 1));
  }

  /** rename-command: '' disables the command. False if it does not exist. */
  rename(from: string, to: string): boolean {
    const cmd = this.byName.get(from.toLowerCase());
    if (!cmd) return false;
    this.lastName = '';
    this.lastCmd = undefined;
    for (const [k, v] of this.byName) if (v === cmd) this.byName.delete(k);
    if (to !== '') {
      this.byName.set(to.toLowerCase(), cmd);
      this.byName.set(to.toUpperCase(), cmd);
    }
    return true;
  }

  get count(): number {
    return this.all.size;
  }

  *commandsAndSubs(): Generator<Command> {
    for (const c of this.all.values()) {
      yield c;
      if (c.sub) yield* c.sub.values();
    }
  }
}

/** Key positions of a command call, from its key specs (Redis getKeysUsingKeySpecs). */
export function getKeys(cmd: Command, argv: string[], includeNotKeys = false): KeyRef[] | null {
  if (cmd.getKeysProc) return cmd.getKeysProc(argv);
  const argc = argv.length;
  const out: KeyRef[] = [];
  for (const spec of cmd.meta.keySpecs) {
    if (!includeNotKeys && spec.flags.includes('not_key')) continue;
    let first = 0;
    const bs = spec.begin_search;
    if (bs.type === 'index') {
      first = bs.spec.index as number;
    } else if (bs.type === 'keyword') {
      const startfrom = bs.spec.startfrom as number;
      const kw = (bs.spec.keyword as string).toLowerCase();
      const start = startfrom > 0 ? startfrom : argc + startfrom;
      const end = startfrom > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (argv[i].toLowerCase() === kw) {
          first = i + 1;
          break;
        }
      }
      if (!first) continue;
    } else return null;
    let last: number;
    let step: number;
    const fk = spec.find_keys;
    if (fk.type === 'range') {
      step = fk.spec.keystep;
      const lastkey = fk.spec.lastkey;
      if (lastkey >= 0) last = first + lastkey;
      else if (!fk.spec.limit) last = argc + lastkey;
      else last = first + (Math.floor((argc - first) / fk.spec.limit) + lastkey);
    } else if (fk.type === 'keynum') {
      step = fk.spec.keystep;
      const idx = first + fk.spec.keynumidx;
      if (idx >= argc) return null;
      const s = argv[idx];
      if (!/^(0|-?[1-9][0-9]*)$/.test(s)) return null;
      const numkeys = Number(s);
      if (numkeys < 0) return null;
      first += fk.spec.firstkey;
      last = first + numkeys - 1;
    } else return null;
    if (last >= argc || last < first || first >= argc) {
      if (last === first - 1) continue; // zero keys (numkeys 0)
      return null;
    }
    for (let i = first; i <= last; i += step) out.push({ pos: i, flags: spec.flags });
  }
  return out;
}
