// What SCAN, HSCAN, SSCAN and ZSCAN share (Redis's parseScanCursorOrReply and
// the option loop of scanGenericCommand).

import type { Client } from '../server/client.js';
import { compileGlob, type CompiledGlob } from '../util/glob.js';
import { parseLong } from '../util/numbers.js';
import { ERR } from './errors.js';

/** The reply for a scan of a missing key: cursor 0, no elements. */
export const EMPTY_SCAN = '*2\r\n$1\r\n0\r\n*0\r\n';

/** Redis's SCAN cursor rules (strtoul): leading '+'/'-', leading zeros, and '' are accepted. */
export function parseCursor(s: string): number | null {
  if (s.length > 0) {
    const c0 = s.charCodeAt(0);
    if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return null;
  }
  if (s.length === 0) return 0;
  if (!/^[+-]?[0-9]+$/.test(s)) return null;
  const neg = s.charCodeAt(0) === 45;
  let v = BigInt(s.charCodeAt(0) === 43 || neg ? s.slice(1) : s);
  if (v > 18446744073709551615n) return null;
  if (neg && v !== 0n) v = 18446744073709551616n - v;
  return Number(v);
}

export interface ScanOptions {
  count: number;
  /** null when there is no MATCH or it is '*' */
  match: CompiledGlob | null;
  /** TYPE filter, keyspace SCAN only */
  type: string | null;
}

/** Parses COUNT/MATCH[/TYPE] from argv[from]; null after an error reply. */
export function parseScanOptions(c: Client, argv: string[], from: number, allowType: boolean): ScanOptions | null {
  const o: ScanOptions = { count: 10, match: null, type: null };
  for (let i = from; i < argv.length; i += 2) {
    const opt = argv[i].toLowerCase();
    if (argv.length - i < 2) {
      c.error(ERR.syntax);
      return null;
    }
    if (opt === 'count') {
      const n = parseLong(argv[i + 1]);
      if (n === null) {
        c.error(ERR.notInt);
        return null;
      }
      if (n < 1) {
        c.error(ERR.syntax);
        return null;
      }
      o.count = Math.min(n, 2 ** 31);
    } else if (opt === 'match') {
      o.match = argv[i + 1] === '*' ? null : compileGlob(argv[i + 1]);
    } else if (opt === 'type' && allowType) {
      o.type = argv[i + 1].toLowerCase();
    } else {
      c.error(ERR.syntax);
      return null;
    }
  }
  return o;
}
