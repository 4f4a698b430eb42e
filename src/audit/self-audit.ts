// The startup self-audit: redoubt-server runs the static rules on the
// configuration it actually loaded (file, includes, aclfile and command-line
// directives) and logs one warning per failed high or critical rule.

import type { Config } from '../config/registry.js';
import { REDIS_DEFAULTS, pubsubDefaultOf, type ConfigFacts } from './facts.js';
import { probeConfig, userFact, addDefaultUser } from './config-probe.js';
import { evaluate } from './run.js';

const ARGV = { file: '(command line)', line: 0 };

/** Static facts for the loaded config: the registry's effective values win over what the file says. */
export function factsFromConfig(cfg: Config): ConfigFacts {
  const defaults: Record<string, string> = {};
  for (const k of Object.keys(REDIS_DEFAULTS)) defaults[k] = cfg.def(k) ? cfg.str(k) : REDIS_DEFAULTS[k];
  const facts: ConfigFacts = cfg.file
    ? probeConfig(cfg.file, defaults)
    : { file: '', values: new Map(), multi: new Map(), renames: new Map(), users: [], files: [], defaults };
  for (const k of Object.keys(REDIS_DEFAULTS)) {
    if (!cfg.def(k)) continue;
    const cur = facts.values.get(k);
    const v = cfg.str(k);
    if (cur ? cur.args.join(' ') !== v : v !== cfg.def(k)!.default) facts.values.set(k, { args: [v], loc: cur?.loc ?? ARGV });
  }
  const pd = pubsubDefaultOf(cfg.str('acl-pubsub-default'));
  for (const argv of cfg.users) {
    if (!facts.users.some((u) => u.name === argv[0])) facts.users.push(userFact(['user', ...argv], ARGV, pd));
  }
  for (const [from, to] of cfg.renames) if (!facts.renames.has(from.toLowerCase())) facts.renames.set(from.toLowerCase(), { to, loc: ARGV });
  addDefaultUser(facts, pd);
  return facts;
}

/** One line per failed high/critical static rule: id, severity, title, evidence and the fix's first line. */
export function selfAudit(cfg: Config): string[] {
  let facts: ConfigFacts;
  try {
    facts = factsFromConfig(cfg);
  } catch (e) {
    return [`Security self-audit skipped: ${(e as Error).message}`];
  }
  const out: string[] = [];
  for (const { rule, outcome } of evaluate({ config: facts, live: null, adminNames: null, now: Date.now() })) {
    if (outcome.status !== 'fail' || (rule.severity !== 'high' && rule.severity !== 'critical')) continue;
    out.push(`Security: ${rule.id} (${rule.severity}) ${rule.title}: ${outcome.evidence}. Fix: ${rule.fix.split('\n')[0]}`);
  }
  return out;
}
