// The typed parameter registry: every configuration directive is declared
// once (params.ts) with its type, default, bounds and flags. redis.conf
// loading, command-line directives, CONFIG GET/SET/REWRITE and the audit all
// go through it.

export type ParamType = 'bool' | 'int' | 'memory' | 'enum' | 'string' | 'special';

export interface ParamDef {
  name: string;
  aliases?: string[];
  type: ParamType;
  /** Default as it would be written in redis.conf. */
  default: string;
  min?: number;
  max?: number;
  /** enum values (lowercase) */
  values?: string[];
  /** enum flags: several values allowed, space separated */
  multi?: boolean;
  /** CONFIG SET refused ("can't set immutable config") */
  immutable?: boolean;
  /** CONFIG SET refused unless enable-protected-configs allows it */
  protected?: boolean;
  /** Value is a secret: redacted from logs and CONFIG REWRITE diffs shown to people */
  sensitive?: boolean;
  /** Directive may repeat in a file, each occurrence adding to the value (save, bind...) */
  repeatable?: boolean;
  /** Directive accepted in files but not shown by CONFIG GET */
  hidden?: boolean;
  /** Parse and validate a raw value; returns the canonical stored string or an error message. */
  parse?: (raw: string[], cfg: Config) => string | { error: string };
  /** Format the stored value for CONFIG GET. */
  format?: (v: string, cfg: Config) => string;
  /** Called after a successful change; may throw/return an error to trigger rollback. */
  apply?: (v: string, cfg: Config) => string | null | void;
}

export type Source = 'default' | 'file' | 'argv' | 'config-set';

export class ConfigError extends Error {}

export class Config {
  private readonly defs = new Map<string, ParamDef>();
  private readonly values = new Map<string, string>();
  /** Parameters whose value came from a file/argv/CONFIG SET (for REWRITE). */
  readonly changed = new Set<string>();
  /** The config file, if any, for CONFIG REWRITE. */
  file: string | null = null;
  /** rename-command directives, in order (from, to); '' as `to` disables. */
  readonly renames: [string, string][] = [];
  private readonly listeners = new Map<string, ((v: string) => void)[]>();

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

  *params(): Generator<ParamDef> {
    const seen = new Set<ParamDef>();
    for (const d of this.defs.values()) {
      if (seen.has(d)) continue;
      seen.add(d);
      yield d;
    }
  }

  /** Raw stored value. */
  str(name: string): string {
    const d = this.defs.get(name);
    if (!d) throw new ConfigError(`unknown config ${name}`);
    return this.values.get(d.name)!;
  }
  num(name: string): number {
    return Number(this.str(name));
  }
  bool(name: string): boolean {
    return this.str(name) === 'yes';
  }

  /** Value as CONFIG GET prints it. */
  display(name: string): string {
    const d = this.defs.get(name)!;
    const v = this.values.get(d.name)!;
    return d.format ? d.format(v, this) : v;
  }

  onChange(name: string, fn: (v: string) => void): void {
    const d = this.defs.get(name);
    if (!d) throw new ConfigError(`unknown config ${name}`);
    const l = this.listeners.get(d.name) ?? [];
    l.push(fn);
    this.listeners.set(d.name, l);
  }

  /** Validates `raw` for `d`; returns canonical value or error text (without the "ERR" prefix). */
  validate(d: ParamDef, raw: string[]): string | { error: string } {
    if (d.parse) return d.parse(raw, this);
    if (raw.length !== 1) return { error: 'wrong number of arguments' };
    const v = raw[0];
    switch (d.type) {
      case 'bool': {
        const l = v.toLowerCase();
        if (l !== 'yes' && l !== 'no') return { error: 'argument must be \'yes\' or \'no\'' };
        return l;
      }
      case 'int':
      case 'memory': {
        const n = d.type === 'memory' ? parseMemory(v) : parseIntStrict(v);
        if (n === null) return { error: d.type === 'memory' ? 'argument must be a memory value' : 'argument couldn\'t be parsed into an integer' };
        if ((d.min !== undefined && n < d.min) || (d.max !== undefined && n > d.max)) {
          return { error: `argument must be between ${d.min} and ${d.max} inclusive` };
        }
        return String(n);
      }
      case 'enum': {
        const parts = d.multi ? v.toLowerCase().split(/\s+/).filter(Boolean) : [v.toLowerCase()];
        if (parts.length === 0 || parts.some((p) => !d.values!.includes(p))) {
          return { error: `argument(s) must be one of the following: ${d.values!.join(', ')}` };
        }
        return parts.join(' ');
      }
      default:
        return v;
    }
  }

  /**
   * Sets several parameters atomically: validates all, applies all, and on
   * any apply failure restores every previous value. Returns an error text
   * (Redis's CONFIG SET wording, without "ERR ") or null.
   */
  setMany(pairs: [string, string[]][], source: Source): string | null {
    const plan: [ParamDef, string][] = [];
    const seen = new Set<ParamDef>();
    for (const [name, raw] of pairs) {
      const d = this.defs.get(name.toLowerCase());
      if (!d || (source === 'config-set' && d.hidden)) return `Unknown option or number of arguments for CONFIG SET - '${name}'`;
      if (seen.has(d)) return `Duplicate parameter - '${name}'`;
      seen.add(d);
      if (source === 'config-set' && d.immutable) return `CONFIG SET failed (possibly related to argument '${name}') - can't set immutable config`;
      if (source === 'config-set' && d.protected && !this.protectedAllowed()) {
        return `CONFIG SET failed (possibly related to argument '${name}') - can't set protected config`;
      }
      const r = this.validate(d, raw);
      if (typeof r !== 'string') return `CONFIG SET failed (possibly related to argument '${name}') - ${r.error}`;
      plan.push([d, r]);
    }
    const old = plan.map(([d]) => [d, this.values.get(d.name)!] as const);
    for (const [d, v] of plan) this.values.set(d.name, v);
    for (const [d, v] of plan) {
      let err: string | null | void = null;
      try {
        err = d.apply?.(v, this);
      } catch (e) {
        err = (e as Error).message;
      }
      if (err) {
        for (const [od, ov] of old) this.values.set(od.name, ov);
        for (const [od, ov] of old) {
          try {
            od.apply?.(ov, this);
          } catch {
            /* restoring a value that worked before */
          }
        }
        return `CONFIG SET failed (possibly related to argument '${d.name}') - ${err}`;
      }
    }
    for (const [d, v] of plan) {
      if (source !== 'default') this.changed.add(d.name);
      for (const fn of this.listeners.get(d.name) ?? []) fn(v);
    }
    return null;
  }

  /** Sets one parameter from a file line or argv (already split). Throws ConfigError. */
  load(name: string, args: string[], source: Source): void {
    if (name.toLowerCase() === 'rename-command') {
      if (args.length !== 2) throw new ConfigError('wrong number of arguments');
      this.renames.push([args[0], args[1]]);
      return;
    }
    const d = this.defs.get(name.toLowerCase());
    if (!d) throw new ConfigError('Bad directive or wrong number of arguments');
    const r = this.validate(d, args);
    if (typeof r !== 'string') throw new ConfigError(r.error);
    let v = r;
    if (d.repeatable && this.changed.has(d.name) && source !== 'config-set') {
      const prev = this.values.get(d.name)!;
      v = prev === '' ? r : r === '' ? '' : prev + ' ' + r;
    }
    this.values.set(d.name, v);
    this.changed.add(d.name);
  }

  /** Runs every apply hook once, after loading (startup). */
  applyAll(): string | null {
    for (const d of this.params()) {
      const err = d.apply?.(this.values.get(d.name)!, this);
      if (err) return `${d.name}: ${err}`;
    }
    return null;
  }

  protectedAllowed(): boolean {
    // 'local' would need the calling connection; CONFIG SET passes through setMany
    // with the check done by the command when it is local.
    return this.values.get('enable-protected-configs') === 'yes';
  }
}

export function parseIntStrict(v: string): number | null {
  if (!/^-?\d+$/.test(v)) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : null;
}

/** Redis memtoull: 1k=1000, 1kb=1024, case-insensitive, no negatives. */
export function parseMemory(v: string): number | null {
  const m = /^(-?\d+)(k|kb|m|mb|g|gb|b)?$/i.exec(v);
  if (!m) return null;
  const mul: Record<string, number> = { '': 1, b: 1, k: 1000, kb: 1024, m: 1e6, mb: 1048576, g: 1e9, gb: 1073741824 };
  const n = Number(m[1]) * mul[(m[2] ?? '').toLowerCase()];
  return Number.isSafeInteger(n) ? n : null;
}
