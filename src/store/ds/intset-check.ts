/**
 * True when s is a canonical Redis integer per string2ll(): optional '-',
 * no '+', no leading zeros (except "0" itself), no "-0", no whitespace,
 * 1..20 chars, and within int64 range. Used for intset encoding decisions.
 */
export function isIntsetMember(s: string): boolean {
  const len = s.length;
  if (len === 0 || len > 20) return false;
  let i = 0;
  let neg = false;
  let c = s.charCodeAt(0);
  if (len === 1) return c >= 0x30 && c <= 0x39;
  if (c === 0x2d /* - */) {
    neg = true;
    i = 1;
    c = s.charCodeAt(1);
  }
  // First digit must be 1-9 (a lone "0" was handled above; "-0" is rejected).
  if (c < 0x31 || c > 0x39) return false;
  const ndigits = len - i;
  if (ndigits > 19) return false;
  for (let j = i + 1; j < len; j++) {
    const d = s.charCodeAt(j);
    if (d < 0x30 || d > 0x39) return false;
  }
  if (ndigits < 19) return true;
  // 19 digits: compare against int64 limits lexicographically.
  const digits = neg ? s.slice(1) : s;
  return digits <= (neg ? '9223372036854775808' : '9223372036854775807');
}
