// Reporters: a terminal report (grouped by area, colour on a TTY), JSON, and
// SARIF 2.1.0 for code-scanning tools. Evidence never holds a secret: rules
// describe passwords by length and source, not by value.

import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import type { Result, Score } from './score.js';
import type { Severity } from './rules.js';
import { RULES } from './rules.js';

export interface Report {
  target: { config: string | null; url: string | null; server: string | null };
  results: Result[];
  score: Score;
}

const C = { red: '\x1b[31m', yellow: '\x1b[33m', green: '\x1b[32m', grey: '\x1b[90m', bold: '\x1b[1m', reset: '\x1b[0m', magenta: '\x1b[35m' };
const SEV_COLOUR: Record<Severity, string> = { critical: C.magenta, high: C.red, medium: C.yellow, low: C.grey };

export function textReport(r: Report, colour: boolean): string {
  const k = (code: string, s: string) => (colour ? code + s + C.reset : s);
  const lines: string[] = [];
  lines.push(k(C.bold, 'Redoubt audit') + ` — ${[r.target.config && `config ${r.target.config}`, r.target.url && `server ${r.target.url}`].filter(Boolean).join(', ')}${r.target.server ? ` (${r.target.server})` : ''}`);
  let area = '';
  for (const { rule, outcome } of r.results) {
    if (rule.area !== area) {
      area = rule.area;
      lines.push('', k(C.bold, area.toUpperCase()));
    }
    const mark = { pass: k(C.green, 'PASS'), fail: k(SEV_COLOUR[rule.severity], 'FAIL'), skip: k(C.grey, 'SKIP'), na: k(C.grey, 'N/A ') }[outcome.status];
    lines.push(`  ${mark} ${rule.id} [${rule.severity}] ${rule.title}`);
    if (outcome.status !== 'pass') {
      const where = outcome.loc ? ` (${outcome.loc.file}:${outcome.loc.line})` : '';
      lines.push(`       ${k(C.grey, outcome.evidence + where)}`);
    }
    if (outcome.status === 'fail') {
      lines.push(`       fix: ${rule.fix.split('\n').join('\n            ')}`);
    }
  }
  const s = r.score;
  lines.push('', `${k(C.bold, `Score ${s.score}/100, grade ${s.grade}`)}  (${s.counts.pass} passed, ${s.counts.fail} failed, ${s.counts.skip} skipped, ${s.counts.na} not applicable; ${Math.round(s.coverage * 100)}% of applicable checks ran)`);
  return lines.join('\n') + '\n';
}

export function jsonReport(r: Report): string {
  return (
    JSON.stringify(
      {
        tool: 'redoubt-audit',
        target: r.target,
        score: r.score.score,
        grade: r.score.grade,
        coverage: r.score.coverage,
        counts: r.score.counts,
        results: r.results.map(({ rule, outcome }) => ({
          id: rule.id, area: rule.area, severity: rule.severity, title: rule.title, status: outcome.status,
          evidence: outcome.evidence, location: outcome.loc ?? null, fix: rule.fix,
        })),
      },
      null,
      2,
    ) + '\n'
  );
}

/** GitHub's security-severity scale (CVSS-like): critical >= 9, high >= 7, medium >= 4. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '7.5', medium: '5.0', low: '2.0' };
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note' };
/** Without a published docs URL the rule ids are named as URNs; `--help-base` points them at real pages. */
const HELP_BASE = 'urn:redoubt:audit:';

export function sarifReport(r: Report, version: string, helpBase = HELP_BASE, cwd = process.cwd()): string {
  const rules = RULES.map((rule) => ({
    id: rule.id,
    name: rule.title.replace(/[^A-Za-z0-9]+/g, ' ').trim().replace(/ (\w)/g, (_, c: string) => c.toUpperCase()).replace(/^\w/, (c) => c.toUpperCase()),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.attack },
    help: { text: `Static: ${rule.staticCheck}\nLive: ${rule.liveCheck}\nFix: ${rule.fix}`, markdown: `**Fix**\n\n\`\`\`\n${rule.fix}\n\`\`\`` },
    helpUri: helpBase + rule.id.toLowerCase(),
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: { 'security-severity': SECURITY_SEVERITY[rule.severity], tags: ['security', rule.area], precision: 'high' },
  }));
  const results = r.results
    .filter(({ outcome }) => outcome.status === 'fail')
    .map(({ rule, outcome }) => {
      const uri = outcome.loc ? relative(cwd, outcome.loc.file) || outcome.loc.file : r.target.config ? relative(cwd, r.target.config) : null;
      const location = uri
        ? { physicalLocation: { artifactLocation: { uri: uri.split('\\').join('/') }, region: { startLine: outcome.loc?.line ?? 1 } } }
        : { physicalLocation: { artifactLocation: { uri: r.target.url ?? 'server' } } };
      const fp = createHash('sha256').update(`${rule.id}\0${uri ?? r.target.url ?? ''}`).digest('hex');
      return {
        ruleId: rule.id,
        ruleIndex: RULES.indexOf(rule),
        level: LEVEL[rule.severity],
        message: { text: `${rule.title}: ${outcome.evidence}. Fix: ${rule.fix.split('\n')[0]}` },
        locations: [location],
        partialFingerprints: { 'redoubtRule/v1': fp },
      };
    });
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'redoubt-audit', version, rules } },
        results,
        properties: { score: r.score.score, grade: r.score.grade, coverage: r.score.coverage },
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
