// `redoubt audit`: runs the catalogue against a config file, a live server, or
// both, and prints a report. Exit codes for CI: 0 clean, 1 a finding at or
// above --fail-on, 2 the audit itself could not run.

import { readFileSync } from 'node:fs';
import { RULES, SEVERITIES, type Severity } from './rules.js';
import { probeConfig, ConfigProbeError } from './config-probe.js';
import { probeLive, parseUrl, LiveProbeError, type Target } from './live-probe.js';
import { score, type Result } from './score.js';
import { textReport, jsonReport, sarifReport, type Report } from './report.js';
import type { ConfigFacts, Facts } from './facts.js';
import { REDIS_DEFAULTS } from './facts.js';

export interface AuditOptions {
  config?: string;
  url?: string;
  cacert?: string;
  cert?: string;
  key?: string;
  admins?: string[];
  allowModules?: string[];
  timeoutMs?: number;
  /** Try AUTH with the dictionary of common passwords (off by default: it leaves traces in ACL LOG). */
  tryPasswords?: boolean;
}

export class AuditError extends Error {}

export function evaluate(f: Facts): Result[] {
  return RULES.map((rule) => {
    try {
      return { rule, outcome: rule.check(f) };
    } catch (e) {
      return { rule, outcome: { status: 'skip' as const, evidence: `check failed: ${(e as Error).message}` } };
    }
  });
}

/** Redacts the password of a redis:// URL for the report. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

export async function runAudit(o: AuditOptions): Promise<Report> {
  if (!o.config && !o.url) throw new AuditError('nothing to audit: give --config FILE and/or --url redis://...');
  let config: ConfigFacts | null = null;
  if (o.config) {
    try {
      config = probeConfig(o.config, REDIS_DEFAULTS);
    } catch (e) {
      if (e instanceof ConfigProbeError) throw new AuditError(e.message);
      throw e;
    }
  }
  let live = null;
  if (o.url) {
    let t: Target;
    try {
      t = parseUrl(o.url);
      const read = (p?: string) => (p ? readFileSync(p) : undefined);
      t.material = { ca: read(o.cacert), cert: read(o.cert), key: read(o.key) };
      if (o.cacert || o.cert) t.tls = t.tls || !!o.cacert;
      t.timeoutMs = o.timeoutMs;
      t.tryPasswords = o.tryPasswords;
      live = await probeLive(t);
    } catch (e) {
      if (e instanceof LiveProbeError || (e as NodeJS.ErrnoException).code) throw new AuditError((e as Error).message);
      throw e;
    }
  }
  const facts: Facts = { config, live, adminNames: o.admins ? new Set(o.admins) : null, allowModules: o.allowModules, now: Date.now() };
  const results = evaluate(facts);
  return {
    target: { config: config?.file ?? null, url: o.url ? redactUrl(o.url) : null, server: live ? `${live.flavour} ${live.version}` : null },
    results,
    score: score(results),
  };
}

/** The worst failed severity, or null. */
export function worstFailure(results: Result[]): Severity | null {
  let worst = -1;
  for (const r of results) if (r.outcome.status === 'fail') worst = Math.max(worst, SEVERITIES.indexOf(r.rule.severity));
  return worst < 0 ? null : SEVERITIES[worst];
}

const USAGE = `Usage: redoubt audit [--config redis.conf] [--url redis[s]://user:pass@host:port]
                     [--cacert ca.crt] [--cert client.crt] [--key client.key]
                     [--format text|json|sarif] [--fail-on critical|high|medium|low]
                     [--admin name[,name...]] [--allow-module name[,...]] [--timeout ms] [--color|--no-color] [--help-base URL]
                     [--try-passwords] [--list-rules]
--try-passwords tries AUTH with a dictionary of common passwords for every user (failed attempts show in
ACL LOG and may trip Redoubt's brute-force lock-out of a non-loopback auditor); without it no AUTH is tried.
Exit status: 0 no finding at or above --fail-on, 1 findings at or above it, 2 the audit could not run.
`;

/** Where reports go (process.stdout, or a buffer in tests). */
export interface Sink {
  write(s: string): unknown;
  isTTY?: boolean;
}

export async function auditMain(args: string[], out: Sink = process.stdout, err: Sink = process.stderr): Promise<number> {
  const o: AuditOptions = {};
  let format = 'text';
  let failOn: Severity | null = null;
  let colour = !!out.isTTY && !process.env.NO_COLOR;
  let helpBase: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const val = () => {
      if (i + 1 >= args.length) throw new AuditError(`${a} needs a value`);
      return args[++i];
    };
    try {
      switch (a) {
        case '--config': o.config = val(); break;
        case '--url': o.url = val(); break;
        case '--cacert': o.cacert = val(); break;
        case '--cert': o.cert = val(); break;
        case '--key': o.key = val(); break;
        case '--admin': o.admins = [...(o.admins ?? []), ...val().split(',')]; break;
        case '--allow-module': o.allowModules = [...(o.allowModules ?? []), ...val().split(',')]; break;
        case '--timeout': o.timeoutMs = Number(val()); break;
        case '--try-passwords': o.tryPasswords = true; break;
        case '--format': format = val(); if (!['text', 'json', 'sarif'].includes(format)) throw new AuditError(`unknown format '${format}'`); break;
        case '--fail-on': { const s = val() as Severity; if (!SEVERITIES.includes(s)) throw new AuditError(`unknown severity '${s}'`); failOn = s; break; }
        case '--color': case '--colour': colour = true; break;
        case '--no-color': case '--no-colour': colour = false; break;
        case '--help-base': helpBase = val(); break;
        case '--list-rules':
          for (const r of RULES) out.write(`${r.id}\t${r.severity}\t${r.area}\t${r.title}\n`);
          return 0;
        case '-h': case '--help': out.write(USAGE); return 0;
        default: throw new AuditError(`unknown option '${a}'`);
      }
    } catch (e) {
      err.write(`redoubt audit: ${(e as Error).message}\n${USAGE}`);
      return 2;
    }
  }
  let report: Report;
  try {
    report = await runAudit(o);
  } catch (e) {
    if (e instanceof AuditError) {
      err.write(`redoubt audit: could not run: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const { REDOUBT_VERSION } = await import('../server/server.js');
  out.write(format === 'json' ? jsonReport(report) : format === 'sarif' ? sarifReport(report, REDOUBT_VERSION, helpBase) : textReport(report, colour));
  if (failOn) {
    const worst = worstFailure(report.results);
    if (worst && SEVERITIES.indexOf(worst) >= SEVERITIES.indexOf(failOn)) return 1;
  }
  return 0;
}
