// Reads a redis.conf for the audit: the same line rules as config/load.ts
// (trimmed lines, sdssplitargs quoting, `include` with globs), but lenient:
// a file written for Redis or Valkey may hold directives Redoubt does not
// implement, and the audit must still read it. Follows `include` and
// `aclfile`, and keeps the file and line of every directive for the report.

import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { splitArgs } from '../util/splitargs.js';
import { globMatch } from '../util/glob.js';
import { REDIS_DEFAULTS, pubsubDefaultOf, userModel, type ConfigFacts, type Location, type UserFact } from './facts.js';

export class ConfigProbeError extends Error {}

const MULTI = new Set(['save', 'client-output-buffer-limit', 'loadmodule', 'bind']);

function expand(name: string, base: string): string[] {
  const path = isAbsolute(name) ? name : resolve(base, name);
  if (!/[*?[]/.test(basename(path))) return [path];
  try {
    return readdirSync(dirname(path))
      .filter((f) => globMatch(basename(path), f))
      .sort()
      .map((f) => join(dirname(path), f));
  } catch {
    return [];
  }
}

function read(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch (e) {
    throw new ConfigProbeError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Parses one `user name rules...` line into a fact; plaintext passwords kept for the length check. */
export function userFact(argv: string[], loc: Location, pubsubDefault: number): UserFact {
  const rules = argv.slice(2);
  const model = userModel(argv[1], rules, pubsubDefault);
  if (typeof model === 'string') throw new ConfigProbeError(`${loc.file}:${loc.line}: user ${argv[1]}: ${model}`);
  return { name: argv[1], rules, model, plaintext: rules.filter((r) => r.startsWith('>')).map((r) => r.slice(1)), loc };
}

/** Reads the config file and what it pulls in. Throws ConfigProbeError when a file cannot be read or a line cannot be parsed. */
export function probeConfig(file: string, defaults: Record<string, string> = REDIS_DEFAULTS): ConfigFacts {
  const top = resolve(file);
  const facts: ConfigFacts = { file: top, values: new Map(), multi: new Map(), renames: new Map(), users: [], files: [], defaults };
  const userLines: { argv: string[]; loc: Location }[] = [];
  const base = dirname(top);
  const walk = (path: string, depth: number) => {
    if (depth > 32) throw new ConfigProbeError(`${path}: too many nested includes`);
    facts.files.push(path);
    const lines = read(path).split('\n');
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n].trim();
      if (line === '' || line[0] === '#') continue;
      const argv = splitArgs(line);
      if (argv === null) throw new ConfigProbeError(`${path}:${n + 1}: unbalanced quotes`);
      if (argv.length === 0) continue;
      const name = argv[0].toLowerCase();
      const loc = { file: path, line: n + 1 };
      if (name === 'include' && argv.length === 2) {
        for (const p of expand(argv[1], base)) walk(p, depth + 1);
      } else if (name === 'rename-command' && argv.length === 3) {
        facts.renames.set(argv[1].toLowerCase(), { to: argv[2], loc });
      } else if (name === 'user' && argv.length >= 2) {
        userLines.push({ argv, loc });
      } else {
        const entry = { args: argv.slice(1), loc };
        if (MULTI.has(name)) {
          const list = facts.multi.get(name) ?? [];
          list.push(entry);
          facts.multi.set(name, list);
        }
        facts.values.set(name, entry);
      }
    }
  };
  walk(top, 0);
  // `slaveof` is the old name; `bind` lines replace each other (the last wins), like Redis
  if (!facts.values.has('replicaof') && facts.values.has('slaveof')) facts.values.set('replicaof', facts.values.get('slaveof')!);
  const pd = pubsubDefaultOf(facts.values.get('acl-pubsub-default')?.args[0] ?? defaults['acl-pubsub-default']);
  for (const u of userLines) facts.users.push(userFact(u.argv, u.loc, pd));
  const aclfile = facts.values.get('aclfile')?.args[0];
  if (aclfile) {
    const path = isAbsolute(aclfile) ? aclfile : resolve(base, aclfile);
    facts.files.push(path);
    const lines = read(path).split('\n');
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n].trim();
      if (line === '' || line[0] === '#') continue;
      const argv = splitArgs(line);
      if (argv === null || argv[0] !== 'user' || argv.length < 2) throw new ConfigProbeError(`${path}:${n + 1}: not a user line`);
      facts.users.push(userFact(argv, { file: path, line: n + 1 }, pd));
    }
  }
  addDefaultUser(facts, pd);
  return facts;
}

/** Redis creates the default user when no line names it: on, nopass (or requirepass), every command. */
export function addDefaultUser(facts: ConfigFacts, pubsubDefault: number): void {
  if (facts.users.some((u) => u.name === 'default')) return;
  const rules = ['on', 'nopass', '~*', '&*', '+@all'];
  const requirepass = facts.values.get('requirepass')?.args[0];
  if (requirepass) rules.splice(1, 1, '>' + requirepass);
  const model = userModel('default', rules, pubsubDefault) as never;
  facts.users.unshift({ name: 'default', rules, model, plaintext: requirepass ? [requirepass] : [], loc: facts.values.get('requirepass')?.loc });
}
