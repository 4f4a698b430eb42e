// ACL helpers for tests comparing with redis-server.

/**
 * Redis emits single-command ACL rules in its command dict's order, which
 * is random per process: comparisons sort each run of them.
 */
export function aclSorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(aclSorted);
  if (typeof v !== 'string') return v;
  const out: string[] = [];
  let run: string[] = [];
  const flush = (close: boolean) => {
    run.sort();
    if (close && run.length) run[run.length - 1] += ')';
    out.push(...run);
    run = [];
  };
  for (const tok of v.split(' ')) {
    const single = /^[+-][^@]/.test(tok);
    if (!single) {
      flush(false);
      out.push(tok);
    } else if (tok.endsWith(')')) {
      run.push(tok.slice(0, -1));
      flush(true);
    } else run.push(tok);
  }
  flush(false);
  return out.join(' ');
}
