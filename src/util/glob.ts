/**
 * Glob-style pattern matching with the exact semantics of Redis 7.0's
 * `stringmatchlen()` (util.c), operating on latin1 strings (one char == one byte).
 *
 * Redis semantics reproduced here (all verified against redis-server 7.0.15):
 *  - `*` matches any run of bytes, `?` exactly one byte.
 *  - `[...]` set, `[^...]` negated set; `a-z` ranges (reversed ranges are swapped);
 *    `\x` inside a set is a literal x (compared case-sensitively even when nocase);
 *    a `\` that is the last pattern byte inside a set is a literal backslash.
 *    Range bounds and the tested byte are compared as *signed* C chars, so
 *    `[a-\xff]` means [-1 .. 97] i.e. bytes 0x00-0x61 and 0xff.
 *  - A `]` right after `[` / `[^` closes the set (so `[]` is an empty set).
 *  - An unterminated `[` consumes the rest of the pattern as the set
 *    (`[a-]` is the range `]`..`a`; `[^` matches any single byte; `[` matches nothing).
 *  - `\x` outside a set is literal x; a trailing lone `\` is a literal backslash.
 *  - nocase uses C-locale tolower (only A-Z fold).
 *  - An empty string only matches the empty pattern: `*` does NOT match "" here
 *    (Redis KEYS / SCAN special-case the pattern "*" before calling stringmatchlen;
 *    callers must do the same where Redis does).
 *  - Redis 7.0 aborts the recursion at nesting depth > 1000: a pattern with more
 *    than 1000 `*` groups that are followed by a non-`*` token never matches.
 *
 * Implementation: the pattern is compiled to single-byte tokens + STAR and matched
 * with the classic iterative single-restart-point algorithm: O(pattern*string) worst
 * case, no recursion. Because every non-star token consumes exactly one byte this
 * is equivalent to Redis's recursive search.
 */

const STAR = 0;
const ANY = 1;
const LIT = 2;
const LIT_NOCASE = 3;
const SET = 4;

/** Max nesting Redis 7.0 stringmatchlen_impl allows before giving up (no match). */
const MAX_NESTING = 1000;

export interface CompiledGlob {
  kinds: Uint8Array;
  /** For LIT/LIT_NOCASE: byte (lowercased for nocase). For SET: index into sets. */
  args: Int32Array;
  sets: Uint8Array[];
  /** Number of tokens. */
  n: number;
  /** True when Redis's nesting limit makes the pattern unable to match anything. */
  neverMatches: boolean;
}

function tolowerC(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function signedChar(c: number): number {
  return c >= 128 ? c - 256 : c;
}

export function compileGlob(pattern: string, nocase = false): CompiledGlob {
  const L = pattern.length;
  const kinds = new Uint8Array(L);
  const args = new Int32Array(L);
  const sets: Uint8Array[] = [];
  let n = 0;
  // Byte at position i, or 0 (the C NUL terminator) past the end.
  const at = (i: number): number => (i < L ? pattern.charCodeAt(i) & 0xff : 0);
  let i = 0;
  while (i < L) {
    const c = at(i);
    if (c === 42 /* * */) {
      kinds[n++] = STAR;
      i++;
    } else if (c === 63 /* ? */) {
      kinds[n++] = ANY;
      i++;
    } else if (c === 91 /* [ */) {
      i++;
      const not = at(i) === 94; /* ^ */
      if (not) i++;
      const table = new Uint8Array(256);
      for (;;) {
        const rem = L - i;
        const p0 = at(i);
        if (p0 === 92 /* \ */ && rem >= 2) {
          i++;
          table[at(i)] = 1; // case-sensitive even with nocase (as Redis)
        } else if (p0 === 93 /* ] */ && rem > 0) {
          break;
        } else if (rem <= 0) {
          i--; // Redis backs up one so the common pattern++ lands on the end
          break;
        } else if (rem >= 3 && at(i + 1) === 45 /* - */) {
          let start = signedChar(p0);
          let end = signedChar(at(i + 2));
          if (start > end) {
            const t = start;
            start = end;
            end = t;
          }
          if (nocase) {
            start = tolowerC(start);
            end = tolowerC(end);
          }
          for (let b = 0; b < 256; b++) {
            let sc = signedChar(b);
            if (nocase) sc = tolowerC(sc);
            if (sc >= start && sc <= end) table[b] = 1;
          }
          i += 2;
        } else {
          if (!nocase) {
            table[p0] = 1;
          } else {
            const lp = tolowerC(p0);
            for (let b = 0; b < 256; b++) if (tolowerC(b) === lp) table[b] = 1;
          }
        }
        i++;
      }
      if (not) for (let b = 0; b < 256; b++) table[b] ^= 1;
      kinds[n] = SET;
      args[n++] = sets.length;
      sets.push(table);
      i++;
    } else {
      if (c === 92 /* \ */ && L - i >= 2) i++;
      const lc = at(i);
      if (nocase) {
        kinds[n] = LIT_NOCASE;
        args[n++] = tolowerC(lc);
      } else {
        kinds[n] = LIT;
        args[n++] = lc;
      }
      i++;
    }
  }
  let groups = 0;
  for (let k = 0; k + 1 < n; k++) {
    if (kinds[k] === STAR && kinds[k + 1] !== STAR) groups++;
  }
  return { kinds, args, sets, n, neverMatches: groups > MAX_NESTING };
}

/** Match a string against a compiled pattern. */
export function matchCompiled(g: CompiledGlob, str: string): boolean {
  const slen = str.length;
  const m = g.n;
  if (slen === 0) return m === 0;
  if (g.neverMatches) return false;
  const kinds = g.kinds;
  const args = g.args;
  const sets = g.sets;
  let p = 0;
  let i = 0;
  let starP = -1;
  let starI = 0;
  while (i < slen) {
    if (p < m) {
      const k = kinds[p];
      if (k === STAR) {
        starP = p;
        starI = i;
        p++;
        continue;
      }
      const c = str.charCodeAt(i) & 0xff;
      let ok: boolean;
      if (k === LIT) ok = args[p] === c;
      else if (k === ANY) ok = true;
      else if (k === LIT_NOCASE) ok = args[p] === tolowerC(c);
      else ok = sets[args[p]][c] === 1;
      if (ok) {
        p++;
        i++;
        continue;
      }
    }
    if (starP < 0) return false;
    p = starP + 1;
    i = ++starI;
  }
  while (p < m && kinds[p] === STAR) p++;
  return p === m;
}

let cachePattern: string | null = null;
let cacheNocase = false;
let cacheCompiled: CompiledGlob | null = null;

/** Redis stringmatchlen(pattern, str, nocase). */
export function globMatch(pattern: string, str: string, nocase = false): boolean {
  let g: CompiledGlob;
  if (cacheCompiled !== null && cachePattern === pattern && cacheNocase === nocase) {
    g = cacheCompiled;
  } else {
    g = compileGlob(pattern, nocase);
    cachePattern = pattern;
    cacheNocase = nocase;
    cacheCompiled = g;
  }
  return matchCompiled(g, str);
}

/**
 * True when the pattern contains no glob metacharacters (`*`, `?`, `[`, `\`), i.e. it
 * matches exactly the string equal to itself (case-sensitively) and callers can use
 * a direct lookup instead of a scan. (With nocase=true a literal pattern still
 * matches other-cased strings, so the shortcut only applies to case-sensitive use.)
 */
export function globIsLiteral(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === 42 || c === 63 || c === 91 || c === 92) return false;
  }
  return true;
}
