// Curated fixed releases for the notable Redis and Valkey CVEs. A branch is
// vulnerable when its version is below the fix in that branch; a branch with
// no fix listed (end of life) is vulnerable to every CVE that came after it.

export interface Cve {
  id: string;
  what: string;
  /** 'major.minor' -> first fixed patch version in that branch. */
  redis: Record<string, string>;
  valkey?: Record<string, string>;
}

export const CVES: Cve[] = [
  {
    id: 'CVE-2025-49844',
    what: 'Lua use-after-free reachable by any user allowed to run scripts (remote code execution)',
    redis: { '6.2': '6.2.20', '7.2': '7.2.11', '7.4': '7.4.6', '8.0': '8.0.4', '8.2': '8.2.2' },
    valkey: { '7.2': '7.2.11', '8.0': '8.0.6', '8.1': '8.1.4' },
  },
  {
    id: 'CVE-2025-32023',
    what: 'out-of-bounds write with a crafted HyperLogLog string',
    redis: { '6.2': '6.2.19', '7.2': '7.2.10', '7.4': '7.4.5', '8.0': '8.0.3' },
    valkey: { '7.2': '7.2.10', '8.0': '8.0.4', '8.1': '8.1.3' },
  },
  {
    id: 'CVE-2025-21605',
    what: 'unauthenticated clients grow their output buffer without limit (memory exhaustion)',
    redis: { '6.2': '6.2.18', '7.2': '7.2.8', '7.4': '7.4.3' },
    valkey: { '7.2': '7.2.9', '8.0': '8.0.3', '8.1': '8.1.1' },
  },
  {
    id: 'CVE-2024-31449',
    what: 'stack overflow in the Lua bit library',
    redis: { '6.2': '6.2.16', '7.2': '7.2.6', '7.4': '7.4.1' },
    valkey: { '7.2': '7.2.7', '8.0': '8.0.1' },
  },
  {
    id: 'CVE-2022-24834',
    what: 'heap overflow in the Lua cjson library',
    redis: { '6.0': '6.0.20', '6.2': '6.2.13', '7.0': '7.0.12' },
  },
  {
    id: 'CVE-2021-32675',
    what: '2021 protocol batch: unauthenticated multibulk headers allocate unbounded memory (also CVE-2021-32627/32628/32687/41099)',
    redis: { '5.0': '5.0.14', '6.0': '6.0.16', '6.2': '6.2.6' },
  },
];

/** Branches that receive no more fixes. */
export const EOL: Record<string, string[]> = { redis: ['2', '3', '4', '5.0', '6.0', '7.0'], valkey: [] };

function cmp(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** The CVEs this version is exposed to, and whether its branch is end of life. */
export function exposure(flavour: 'redis' | 'valkey', version: string): { cves: Cve[]; eol: boolean } {
  const branch = version.split('.').slice(0, 2).join('.');
  const eol = EOL[flavour].some((b) => branch === b || branch.startsWith(b + '.') || version.split('.')[0] === b);
  const cves: Cve[] = [];
  for (const c of CVES) {
    const table = flavour === 'redis' ? c.redis : c.valkey;
    if (!table) continue;
    const fix = table[branch];
    if (fix !== undefined) {
      if (cmp(version, fix) < 0) cves.push(c);
      continue;
    }
    // no fix in this branch: vulnerable when older than the oldest fixed branch's newest line
    // or when the branch is end of life and older than the newest fixed branch
    const fixedBranches = Object.keys(table).sort(cmp);
    if (cmp(branch, fixedBranches[fixedBranches.length - 1]) < 0 && (eol || cmp(branch, fixedBranches[0]) < 0)) cves.push(c);
  }
  return { cves, eol };
}
