// Facts about string values that several families need.

import { parseIntFast, parseI64 } from '../util/numbers.js';

/**
 * OBJECT ENCODING of a string value: 'int' for a canonical integer of at most
 * 20 chars that fits a long, 'embstr' up to 44 bytes, 'raw' beyond.
 */
export function stringEncoding(s: string, hint: 'raw' | 'embstr' | null = null): string {
  if (hint !== null) return hint;
  const len = s.length;
  if (len <= 20 && len > 0) {
    const c0 = s.charCodeAt(0);
    if ((c0 >= 48 && c0 <= 57) || c0 === 45) {
      if (parseIntFast(s) !== null || parseI64(s) !== null) return 'int';
    }
  }
  return len <= 44 ? 'embstr' : 'raw';
}
