// PROVISIONAL (lead): minimal versions so the server runs; the utils engineer replaces this file.
export function parseIntFast(s: string): number | null {
  const n = s.length;
  if (n === 0 || n > 17) return n > 17 ? (() => { const b = parseI64(s); return b !== null && b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : null; })() : null;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return null;
    neg = true;
    i = 1;
  }
  if (s.charCodeAt(i) === 48) return n === i + 1 && !neg ? 0 : null;
  let v = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  return neg ? -v : v;
}
export function parseI64(s: string): bigint | null {
  if (!/^(0|-?[1-9][0-9]{0,18})$/.test(s)) return null;
  const b = BigInt(s);
  if (b > 9223372036854775807n || b < -9223372036854775808n) return null;
  return b;
}
export function parseDouble(s: string): number | null {
  if (s.length === 0 || /^\s|\s$/.test(s)) return null;
  const l = s.toLowerCase();
  if (l === 'inf' || l === '+inf' || l === 'infinity' || l === '+infinity') return Infinity;
  if (l === '-inf' || l === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return null;
  return Number(s);
}
export const parseLongDouble = parseDouble;
export function formatDouble(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const e = Math.floor(Math.log10(Math.abs(d)));
  let s = d.toPrecision(17);
  if (e < -4 || e >= 17) {
    s = d.toExponential(16);
    let [m, ex] = s.split('e');
    if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
    const sign = ex[0] === '-' ? '-' : '+';
    ex = ex.replace(/^[+-]/, '');
    return m + 'e' + sign + ex.padStart(2, '0');
  }
  if (s.includes('e')) return s;
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}
export function formatLongDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  let s = d.toFixed(17);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}
export function addDecimal(_a: string, _b: string): string | null {
  return null;
}
export function formatInt(n: number | bigint): string {
  return String(n);
}
