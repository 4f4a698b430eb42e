// The typed parameter registry: every configuration directive is declared
// once (params.ts) with its type, default, bounds and flags. redis.conf
// loading, command-line directives, CONFIG GET/SET/REWRITE and the audit all
// go through it.
//
// Values are kept as canonical strings, exactly as CONFIG GET prints them
// (memory values in plain bytes, enums lowercase, octal for unixsocketperm,
// "10%" for percentages). Readers use str()/num()/bool()/big().

import { splitArgs } from '../util/splitargs.js';

export type ParamType = 'bool' | 'int' | 'memory' | 'enum' | 'string' | 'special';

/** Where a parse runs: a config file / argv line, or CONFIG SET. */
export type ParseMode = 'load' | 'set';

export interface ParamDef {
  name: string;
  aliases?: string[];
  type: ParamType;
  /** Default, in canonical (CONFIG GET) form. */
  default: string;
  /** Numeric bounds (int/memory), as C long long / unsigned long long values. */
  min?: bigint;
  max?: bigint;
  /** Unsigned C storage (size_t, unsigned int, unsigned long long): bounds compared as unsigned 64-bit. */
  unsigned?: boolean;
  /** memory-or-percent value (maxmemory-clients): "10%" is kept as a percentage. */
  percent?: boolean;
  /** Octal integer (unixsocketperm). */
  octal?: boolean;
  /** Enum names, in Redis's order (error texts list them in this order). */
  values?: string[];
  /** Enum numeric values when names share a value or form bit flags (default: index). */
  enumValues?: number[];
  /** Enum is a set of bit flags (several names at once, shutdown-on-sigterm). */
  bitflags?: boolean;
  /** MULTI_ARG_CONFIG: several arguments in a file line; CONFIG SET splits its value on spaces. */
  multi?: boolean;
  /** CONFIG SET refused ("can't set immutable config") */
  immutable?: boolean;
  /** CONFIG SET refused unless enable-protected-configs allows it */
  protected?: boolean;
  /** Value is a secret: redacted from SLOWLOG/MONITOR by CONFIG SET */
  sensitive?: boolean;
  /** Not matched by CONFIG GET patterns (exact name only) */
  hidden?: boolean;
  /** CONFIG SET refused while loading a dataset */
  denyLoading?: boolean;
  /** Strings: binary-safe (Redis sds: requirepass, masterauth); other strings end at a NUL byte. */
  binary?: boolean;
  /** Strings: the empty string means "unset" (CONFIG REWRITE drops the directive). */
  emptyIsNull?: boolean;
  /** The feature behind the parameter is not built yet: accepted and stored only. */
  stored?: boolean;
  /** Extra validation of a parsed value (strings, enums, numbers); returns an error text. */
  check?: (v: string, cfg: Config) => string | null;
  /** Normalises a valid value (hz is capped to 1..500). */
  normalize?: (v: string, mode: ParseMode) => string;
  /** Parses raw arguments of a special parameter; returns the canonical value or an error. */
  parse?: (raw: string[], cfg: Config, mode: ParseMode) => string | { error: string };
  /** CONFIG GET form of the stored value, when it differs (notify-keyspace-events). */
  format?: (v: string) => string;
  /** Live value for CONFIG GET (dir is the process's working directory). */
  get?: (cfg: Config) => string;
  /** Side effect of a new value, at load and on CONFIG SET (dir: chdir). Returns an error text to refuse. */
  apply?: (v: string, cfg: Config) => string | null | void;
  /** CONFIG REWRITE of a special parameter. */
  rewrite?: (cfg: Config, w: RewriteWriter) => void;
}

/** What CONFIG REWRITE gives each parameter to write its lines with. */
export interface RewriteWriter {
  /** Replaces the next old line of `option` or appends `line` (when `force`). */
  line(option: string, line: string, force: boolean): void;
  /** Marks `option` handled: its old lines that were not reused get removed. */
  processed(option: string): void;
}

export type Source = 'default' | 'file' | 'argv' | 'config-set';

export class ConfigError extends Error {}

/** Runtime apply hook: returns an error text to refuse (and roll back) a CONFIG SET. */
export type ApplyHook = (v: string) => string | null | void;

export interface SetOptions {
  /** The calling client may set protected configs (enable-protected-configs yes, or local + loopback). */
  protectedAllowed?: boolean;
  /** The server is loading a dataset (DENY_LOADING configs refused). */
  loading?: boolean;
}

/** A CONFIG SET failure: `loading` asks for the -LOADING reply instead of an ERR. */
export interface SetError {
  error: string;
  loading?: boolean;
}

const LLONG_MIN = -(1n << 63n);
const LLONG_MAX = (1n << 63n) - 1n;
const ULLONG_MAX = (1n << 64n) - 1n;

export class Config {
  /** Every name (primary and aliases, lowercase) to its definition. */
  private readonly defs = new Map<string, ParamDef>();
  private readonly values = new Map<string, string>();
  /** Parameters whose value came from a file/argv/CONFIG SET. */
  readonly changed = new Set<string>();
  /** The config file (absolute path), if any, for CONFIG REWRITE. */
  file: string | null = null;
  /** rename-command directives in order: from, to ('' disables), and where it was read. */
  readonly renames: [string, string, RenameSource?][] = [];
  /** `user` directives (argv after "user"), for the ACL module. */
  readonly users: string[][] = [];
  /** Set by the loader: a `save` directive was read, later ones append (Redis's rule). */
  saveLoaded = false;
  /** Extra CONFIG REWRITE writers (ACL users, ...), run after the parameters. */
  readonly rewriteHooks: ((w: RewriteWriter) => void)[] = [];
  private readonly listeners = new Map<string, ((v: string) => void)[]>();
  private readonly applyHooks = new Map<string, ApplyHook[]>();

  constructor(defs: ParamDef[]) {
    for (const d of defs) {
      this.defs.set(d.name, d);
      for (const a of d.aliases ?? []) this.defs.set(a, d);
      this.values.set(d.name, d.default);
    }
  }

  def(name: string): ParamDef | undefined {
    return this.defs.get(name.toLowerCase());
  }

  /** Every (name, definition) pair, aliases included, in declaration order. */
  entries(): IterableIterator<[string, ParamDef]> {
    return this.defs.entries();
  }

  *params(): Generator<ParamDef> {
    const seen = new Set<ParamDef>();
    for (const d of this.defs.values()) {
      if (seen.has(d)) continue;
      seen.add(d);
      yield d;
    }
  }

  private mustDef(name: string): ParamDef {
    const d = this.defs.get(name) ?? this.defs.get(name.toLowerCase());
    if (!d) throw new ConfigError(`unknown config ${name}`);
    return d;
  }

  /** Stored canonical value (the CONFIG GET form, except where a param has `format`). */
  str(name: string): string {
    const d = this.mustDef(name);
    return d.get ? d.get(this) : this.values.get(d.name)!;
  }
  /**
   * Numeric value. Octal parameters are converted; a percentage (maxmemory-clients "10%")
   * is returned negative (-10), Redis's own convention; huge memory values lose precision
   * (use big()).
   */
  num(name: string): number {
    // hot paths read numbers per command: parsed once per value
    const hit = this.numCache.get(name);
    if (hit !== undefined) return hit;
    const d = this.mustDef(name);
    const v = this.str(name);
    const n = d.octal ? parseInt(v, 8) : v.endsWith('%') ? -Number(v.slice(0, -1)) : Number(v);
    if (!d.get) this.numCache.set(name, n);
    return n;
  }

  private readonly numCache = new Map<string, number>();

  /** Every stored value change goes through here (the number cache must not go stale). */
  private put(name: string, value: string): void {
    this.values.set(name, value);
    this.numCache.clear();
  }
  big(name: string): bigint {
    const v = this.str(name);
    if (v.endsWith('%')) return -BigInt(v.slice(0, -1));
    return BigInt(v);
  }
  bool(name: string): boolean {
    return this.str(name) === 'yes';
  }
  /** Value as CONFIG GET prints it. */
  display(name: string): string {
    const d = this.mustDef(name);
    const v = this.str(name);
    return d.format ? d.format(v) : v;
  }
  isDefault(name: string): boolean {
    const d = this.mustDef(name);
    return this.str(name) === d.default;
  }

  /** Called after a successful change (CONFIG SET) with the new canonical value. */
  onChange(name: string, fn: (v: string) => void): void {
    const d = this.mustDef(name);
    const l = this.listeners.get(d.name) ?? [];
    l.push(fn);
    this.listeners.set(d.name, l);
  }

  /**
   * Registers a side effect run on CONFIG SET after every new value is stored; an error
   * text refuses the whole CONFIG SET and every value is restored (Redis's apply functions).
   * The same function registered for several parameters runs once per CONFIG SET.
   */
  onApply(name: string, fn: ApplyHook): void {
    const d = this.mustDef(name);
    const l = this.applyHooks.get(d.name) ?? [];
    l.push(fn);
    this.applyHooks.set(d.name, l);
  }

  /** Validates raw arguments for `d`; returns the canonical value or an error text. */
  validate(d: ParamDef, raw: string[], mode: ParseMode = 'set'): string | { error: string } {
    let r: string | { error: string };
    if (d.parse) r = d.parse(raw, this, mode);
    else if (!d.multi && raw.length !== 1) return { error: 'wrong number of arguments' };
    else r = parseTyped(d, raw);
    if (typeof r !== 'string') return r;
    if (d.check) {
      const e = d.check(r, this);
      if (e) return { error: e };
    }
    return d.normalize ? d.normalize(r, mode) : r;
  }

  /** Splits a CONFIG SET value the way Redis does for multi-argument parameters. */
  static splitSetValue(d: ParamDef, value: string): string[] {
    if (!d.multi) return [value];
    return value === '' ? [] : value.split(' ');
  }

  /**
   * CONFIG SET of several parameters, atomically: checks every name (unknown, immutable,
   * protected, duplicate: the first problem wins), then parses every value in order, stores
   * them all, runs the apply side effects and hooks, and on any failure restores every
   * previous value. Returns null or the error text (without "ERR ").
   */
  setMany(pairs: [string, string][], opts: SetOptions = {}): SetError | null {
    const plan: { d: ParamDef; key: string; typed: string; value: string }[] = [];
    let firstErr: SetError | null = null;
    let loadingErr = false;
    const keys = new Set<string>();
    for (const [typed, value] of pairs) {
      const key = typed.toLowerCase();
      const d = this.defs.get(key);
      if (!d) {
        if (!firstErr) firstErr = { error: `Unknown option or number of arguments for CONFIG SET - '${typed}'` };
        continue;
      }
      if (firstErr) continue;
      if (d.immutable || (d.protected && !opts.protectedAllowed)) {
        firstErr = { error: `CONFIG SET failed (possibly related to argument '${typed}') - can't set ${d.immutable ? 'immutable' : 'protected'} config` };
        continue;
      }
      if (opts.loading && d.denyLoading) {
        loadingErr = true;
        firstErr = { error: '', loading: true };
        continue;
      }
      if (keys.has(key)) {
        firstErr = { error: `CONFIG SET failed (possibly related to argument '${typed}') - duplicate parameter` };
        continue;
      }
      keys.add(key);
      plan.push({ d, key, typed, value });
    }
    if (loadingErr) return { error: '', loading: true };
    if (firstErr) return firstErr;

    // parse in order; a failure names the parameter as Redis's table does (lowercase entry name)
    const parsed: string[] = [];
    for (const p of plan) {
      const r = this.validate(p.d, Config.splitSetValue(p.d, p.value), 'set');
      if (typeof r !== 'string') return { error: `CONFIG SET failed (possibly related to argument '${p.key}') - ${r.error}` };
      parsed.push(r);
    }
    const old = plan.map((p) => this.str(p.d.name));
    const changed = plan.map((p, i) => old[i] !== parsed[i] || p.d.type === 'special');
    plan.forEach((p, i) => this.put(p.d.name, parsed[i]));

    // side effects, each distinct function once, in order
    const done = new Set<unknown>();
    const restore = () => {
      for (let i = plan.length - 1; i >= 0; i--) this.put(plan[i].d.name, old[i]);
      const again = new Set<unknown>();
      for (let i = 0; i < plan.length; i++) {
        const d = plan[i].d;
        try {
          const v = this.values.get(d.name)!;
          if (d.apply && !again.has(d.apply)) {
            again.add(d.apply);
            d.apply(v, this);
          }
          for (const h of this.applyHooks.get(d.name) ?? []) {
            if (again.has(h)) continue;
            again.add(h);
            h(v);
          }
        } catch {
          /* restoring a value that worked before */
        }
      }
    };
    for (let i = 0; i < plan.length; i++) {
      if (!changed[i]) continue;
      const d = plan[i].d;
      const fns: ((v: string) => string | null | void)[] = [];
      if (d.apply && !done.has(d.apply)) {
        done.add(d.apply);
        const f = d.apply;
        fns.push((v) => f(v, this));
      }
      for (const h of this.applyHooks.get(d.name) ?? []) {
        if (done.has(h)) continue;
        done.add(h);
        fns.push(h);
      }
      for (const f of fns) {
        let err: string | null | void = null;
        try {
          err = f(this.values.get(d.name)!);
        } catch (e) {
          err = (e as Error).message;
        }
        if (err) {
          restore();
          return { error: `CONFIG SET failed (possibly related to argument '${plan[i].key}') - ${err}` };
        }
      }
    }
    for (let i = 0; i < plan.length; i++) {
      const d = plan[i].d;
      this.changed.add(d.name);
      if (!changed[i]) continue;
      for (const fn of this.listeners.get(d.name) ?? []) fn(this.str(d.name));
    }
    return null;
  }

  /** Convenience for embedding and tests: CONFIG SET of one parameter; throws ConfigError. */
  set(name: string, value: string, opts: SetOptions = { protectedAllowed: true }): void {
    const e = this.setMany([[name, value]], opts);
    if (e) throw new ConfigError(e.error || 'LOADING');
  }

  /** Sets one parameter from a config file line or argv (already split). Throws ConfigError. */
  load(name: string, args: string[], source: Source = 'file'): void {
    const d = this.defs.get(name.toLowerCase());
    if (!d) throw new ConfigError('Bad directive or wrong number of arguments');
    if (!d.multi && args.length !== 1) throw new ConfigError('wrong number of arguments');
    // Redis splits a multi-argument parameter's one non-empty argument
    // (`shutdown-on-sigterm "nosave force"`, `--save "3600 1"`); replicaof is
    // not in its config table and keeps its own argument count.
    if (d.multi && args.length === 1 && args[0] !== '' && d.name !== 'replicaof') args = splitArgs(args[0]) ?? [];
    const r = this.validate(d, args, 'load');
    if (typeof r !== 'string') throw new ConfigError(r.error);
    this.put(d.name, r);
    if (source !== 'default') this.changed.add(d.name);
    if (d.apply) {
      const err = d.apply(r, this);
      if (err) throw new ConfigError(err);
    }
  }

  /** Stores a canonical value without parsing (restoring state, tests). */
  setRaw(name: string, value: string): void {
    this.put(this.mustDef(name).name, value);
  }

  /** Runs every parameter's apply once (after loading). Returns the first error. */
  applyAll(): string | null {
    for (const d of this.params()) {
      const err = d.apply?.(this.str(d.name), this);
      if (err) return `${d.name}: ${err}`;
    }
    return null;
  }

  /** Kept for callers that only have the config: true when enable-protected-configs is yes. */
  protectedAllowed(): boolean {
    return this.values.get('enable-protected-configs') === 'yes';
  }
}

export interface RenameSource {
  line: number;
  text: string;
}

// ---------------------------------------------------------------------------
// Redis's number parsers, exact.

/** Redis string2ll: no spaces, no '+', no leading zeros, within long long. */
export function string2ll(v: string): bigint | null {
  if (!/^(0|-?[1-9][0-9]*)$/.test(v) || v.length > 20) return null;
  const n = BigInt(v);
  return n < LLONG_MIN || n > LLONG_MAX ? null : n;
}

export function parseIntStrict(v: string): number | null {
  const n = string2ll(v);
  return n === null ? null : Number(n);
}

const UNITS = new Map<string, bigint>([
  ['', 1n],
  ['b', 1n],
  ['k', 1000n],
  ['kb', 1024n],
  ['m', 1000n * 1000n],
  ['mb', 1024n * 1024n],
  ['g', 1000n * 1000n * 1000n],
  ['gb', 1024n * 1024n * 1024n],
]);

/**
 * Redis memtoull: digits then an optional unit (1k = 1000, 1kb = 1024, b/k/kb/m/mb/g/gb,
 * any case). No sign, no spaces. Empty digits are 0; overflow saturates like strtoull and
 * the multiplication wraps modulo 2^64, as in C.
 */
export function memtoull(v: string): bigint | null {
  if (v.startsWith('-')) return null;
  let i = 0;
  while (i < v.length && v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57) i++;
  const mul = UNITS.get(v.slice(i).toLowerCase());
  if (mul === undefined) return null;
  if (i >= 128) return null;
  let n = i === 0 ? 0n : BigInt(v.slice(0, i));
  if (n > ULLONG_MAX) n = ULLONG_MAX;
  return (n * mul) & ULLONG_MAX;
}

/** Byte count of a memory value, or null; kept for callers that want a JS number. */
export function parseMemory(v: string): number | null {
  const n = memtoull(v);
  return n === null ? null : Number(n);
}

/** C strtoll(v, &end, 8) with the "whole string, no overflow" check Redis applies. */
function strtoll8(v: string): bigint | null {
  if (v === '') return 0n; // no digits: end == start == the terminator
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-7]+)$/.exec(v);
  if (!m) return null;
  let n = BigInt('0o' + m[2]);
  if (m[1] === '-') {
    n = -n;
    if (n < LLONG_MIN) return null;
  } else if (n > LLONG_MAX) return null;
  return n;
}

/** Two's complement view of a long long as unsigned long long. */
function asUnsigned(n: bigint): bigint {
  return n < 0n ? n + (1n << 64n) : n;
}
/** unsigned long long reinterpreted as long long. */
function asSigned(n: bigint): bigint {
  return n > LLONG_MAX ? n - (1n << 64n) : n;
}

function parseTyped(d: ParamDef, raw: string[]): string | { error: string } {
  const v = raw[0];
  switch (d.type) {
    case 'bool': {
      const l = v.toLowerCase();
      if (l !== 'yes' && l !== 'no') return { error: "argument must be 'yes' or 'no'" };
      return l;
    }
    case 'int':
    case 'memory':
      return parseNumeric(d, v);
    case 'enum':
      return parseEnum(d, raw);
    case 'string': {
      // C-string parameters end at a NUL byte; requirepass/masterauth are binary-safe sds
      const z = d.binary ? -1 : v.indexOf('\0');
      return z === -1 ? v : v.slice(0, z);
    }
    default:
      return v;
  }
}

function parseNumeric(d: ParamDef, v: string): string | { error: string } {
  let n: bigint | null = null;
  if (d.type === 'memory') {
    const u = memtoull(v);
    if (u !== null) n = asSigned(u);
  }
  if (n === null && d.percent && v.length > 1 && v.endsWith('%')) {
    const p = string2ll(v.slice(0, -1));
    if (p !== null && p >= 0n) n = -p;
  }
  if (n === null && d.octal) n = strtoll8(v);
  if (n === null && d.type === 'int' && !d.octal) n = string2ll(v);
  if (n === null) {
    return {
      error:
        d.type === 'memory' && d.percent
          ? 'argument must be a memory or percent value'
          : d.type === 'memory'
            ? 'argument must be a memory value'
            : d.octal
              ? "argument couldn't be parsed as an octal number"
              : "argument couldn't be parsed into an integer",
    };
  }
  const lo = d.min ?? LLONG_MIN;
  const hi = d.max ?? LLONG_MAX;
  if (d.unsigned) {
    const u = asUnsigned(n);
    if (u > asUnsigned(hi) || u < asUnsigned(lo)) {
      const f = (x: bigint) => (d.octal ? asUnsigned(x).toString(8) : asUnsigned(x).toString());
      return { error: `argument must be between ${f(lo)} and ${f(hi)} inclusive` };
    }
  } else if (d.percent && n < 0n) {
    if (n < lo) return { error: `percentage argument must be less or equal to ${-lo}` };
  } else if (n > hi || n < lo) {
    return { error: `argument must be between ${lo} and ${hi} inclusive` };
  }
  if (d.percent && n < 0n) return `${-n}%`;
  if (d.octal) return asUnsigned(n).toString(8);
  if (d.type === 'memory' && d.unsigned) return asUnsigned(n).toString();
  return n.toString();
}

function parseEnum(d: ParamDef, raw: string[]): string | { error: string } {
  const names = d.values!;
  const vals = d.enumValues ?? names.map((_, i) => i);
  const err = { error: `argument(s) must be one of the following: ${names.join(', ')}` };
  if (raw.length === 0 || (!d.bitflags && raw.length !== 1)) return err;
  let acc = 0;
  for (const a of raw) {
    const i = names.findIndex((x) => x === a.toLowerCase());
    if (i === -1) return err;
    acc |= vals[i];
  }
  return enumName(d, acc) ?? err;
}

/** Redis configEnumGetName: the exact name, or for bit flags the names of the set bits. */
export function enumName(d: ParamDef, value: number): string | null {
  const names = d.values!;
  const vals = d.enumValues ?? names.map((_, i) => i);
  let out: string[] = [];
  let unmatched = value;
  for (let i = 0; i < names.length; i++) {
    if (vals[i] === value) return names[i];
    if (d.bitflags && vals[i] !== 0 && (unmatched & vals[i]) === vals[i]) {
      out.push(names[i]);
      unmatched &= ~vals[i];
    }
  }
  if (out.length === 0 || unmatched) out = [];
  return out.length ? out.join(' ') : null;
}

/** Numeric value of an enum parameter's canonical string (bit flags OR-ed). */
export function enumValue(d: ParamDef, v: string): number {
  const names = d.values!;
  const vals = d.enumValues ?? names.map((_, i) => i);
  let acc = 0;
  for (const p of v.split(' ')) {
    const i = names.indexOf(p);
    if (i !== -1) acc |= vals[i];
  }
  return acc;
}
