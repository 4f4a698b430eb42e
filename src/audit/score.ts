// The score: passed weight over checked weight (skipped and not-applicable
// rules do not count), weighted by severity; a critical failure caps it, so a
// deployment that anyone can take over never looks "mostly fine".

import type { Outcome, Rule, Severity } from './rules.js';

export const WEIGHT: Record<Severity, number> = { critical: 10, high: 5, medium: 2, low: 1 };
/** Highest score with a critical failure (grade F); with a high failure (grade C at best). */
export const CRITICAL_CAP = 40;
export const HIGH_CAP = 79;

export interface Result {
  rule: Rule;
  outcome: Outcome;
}

export interface Score {
  score: number;
  grade: 'A' | 'B' | 'C' | 'D' | 'F';
  /** Share of applicable rules that could be checked (0..1). */
  coverage: number;
  counts: Record<'pass' | 'fail' | 'skip' | 'na', number>;
}

export function score(results: Result[]): Score {
  let total = 0;
  let got = 0;
  let critical = false;
  let high = false;
  const counts = { pass: 0, fail: 0, skip: 0, na: 0 };
  for (const { rule, outcome } of results) {
    counts[outcome.status]++;
    if (outcome.status !== 'pass' && outcome.status !== 'fail') continue;
    total += WEIGHT[rule.severity];
    if (outcome.status === 'pass') got += WEIGHT[rule.severity];
    else if (rule.severity === 'critical') critical = true;
    else if (rule.severity === 'high') high = true;
  }
  let s = total === 0 ? 0 : Math.floor((100 * got) / total);
  if (critical) s = Math.min(s, CRITICAL_CAP);
  if (high) s = Math.min(s, HIGH_CAP);
  const grade = s >= 90 ? 'A' : s >= 80 ? 'B' : s >= 70 ? 'C' : s >= 60 ? 'D' : 'F';
  const applicable = counts.pass + counts.fail + counts.skip;
  return { score: s, grade, coverage: applicable === 0 ? 0 : (counts.pass + counts.fail) / applicable, counts };
}
