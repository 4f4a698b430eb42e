/**
 * Exact port of Redis 7.0 sds.c `sdssplitargs()` for latin1 strings.
 *
 * Used for inline commands and redis.conf lines. Semantics:
 *  - Blanks between arguments are skipped using C isspace() (space \t \n \v \f \r).
 *  - An unquoted argument ends at ' ', '\n', '\r', '\t' (NOT \v / \f, which become
 *    part of the argument). Quotes may start in the middle of an argument:
 *    `foo"bar baz"` is the single argument `foobar baz`.
 *  - Inside "double quotes": \xHH (two hex digits) is a byte, \n \r \t \b \a map to
 *    control chars, any other escaped char is itself (`\"` -> `"`, `\\` -> `\`,
 *    `\q` -> `q`).
 *  - Inside 'single quotes': only \' is an escape; other backslashes are literal.
 *  - A closing quote must be followed by isspace() or the end of input, else null.
 *  - Unterminated quotes -> null.
 *  - The input is treated as a C string: a NUL byte ends the input (inside quotes
 *    this makes the quotes unterminated -> null).
 *  - Empty / blank input -> [].
 */

function isSpaceC(c: number): boolean {
  // C isspace in the "C" locale: ' ', \t, \n, \v, \f, \r
  return c === 32 || (c >= 9 && c <= 13);
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export function splitArgs(line: string): string[] | null {
  const len = line.length;
  // Char code at i, or 0 (the C terminator) at/after the end.
  const at = (i: number): number => (i < len ? line.charCodeAt(i) : 0);
  const out: string[] = [];
  let p = 0;
  for (;;) {
    while (at(p) !== 0 && isSpaceC(at(p))) p++;
    if (at(p) === 0) return out;
    let inq = false;
    let insq = false;
    let done = false;
    let cur = '';
    while (!done) {
      const c = at(p);
      if (inq) {
        if (c === 92 /* \ */ && at(p + 1) === 120 /* x */ && hexVal(at(p + 2)) >= 0 && hexVal(at(p + 3)) >= 0) {
          cur += String.fromCharCode(hexVal(at(p + 2)) * 16 + hexVal(at(p + 3)));
          p += 3;
        } else if (c === 92 && at(p + 1) !== 0) {
          p++;
          const e = at(p);
          let r: number;
          switch (e) {
            case 110: r = 10; break; // n
            case 114: r = 13; break; // r
            case 116: r = 9; break; // t
            case 98: r = 8; break; // b
            case 97: r = 7; break; // a
            default: r = e; break;
          }
          cur += String.fromCharCode(r);
        } else if (c === 34 /* " */) {
          const n = at(p + 1);
          if (n !== 0 && !isSpaceC(n)) return null;
          done = true;
        } else if (c === 0) {
          return null; // unterminated quotes
        } else {
          cur += line[p];
        }
      } else if (insq) {
        if (c === 92 && at(p + 1) === 39 /* ' */) {
          p++;
          cur += "'";
        } else if (c === 39) {
          const n = at(p + 1);
          if (n !== 0 && !isSpaceC(n)) return null;
          done = true;
        } else if (c === 0) {
          return null;
        } else {
          cur += line[p];
        }
      } else {
        switch (c) {
          case 32:
          case 10:
          case 13:
          case 9:
          case 0:
            done = true;
            break;
          case 34:
            inq = true;
            break;
          case 39:
            insq = true;
            break;
          default: {
            // Fast path: take the whole run of ordinary unquoted chars at once.
            let q = p + 1;
            for (; q < len; q++) {
              const d = line.charCodeAt(q);
              if (d === 32 || d === 10 || d === 13 || d === 9 || d === 0 || d === 34 || d === 39) break;
            }
            cur += line.slice(p, q);
            p = q - 1;
            break;
          }
        }
      }
      if (at(p) !== 0) p++;
    }
    out.push(cur);
  }
}

/**
 * Quote a string so that splitArgs() returns it unchanged (like Redis sdscatrepr,
 * always wrapping in double quotes). Handy for config rewriting and tests.
 */
export function quoteArg(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 92: out += '\\\\'; break;
      case 34: out += '\\"'; break;
      case 10: out += '\\n'; break;
      case 13: out += '\\r'; break;
      case 9: out += '\\t'; break;
      case 7: out += '\\a'; break;
      case 8: out += '\\b'; break;
      default:
        if (c >= 32 && c < 127) out += s[i];
        else out += '\\x' + (c < 16 ? '0' : '') + c.toString(16);
    }
  }
  return out + '"';
}
