import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { globMatch, globIsLiteral } from '../../src/util/glob.js';

/**
 * Reference: a direct transliteration of Redis 7.0 util.c stringmatchlen_impl()
 * (recursive, with the nesting limit), reading NUL past the end of the pattern
 * like C does with the sds terminator. `skip` toggles the skipLongerMatches
 * optimisation so we also check it is semantics-preserving.
 */
function refMatch(pattern: string, str: string, nocase = false, useSkip = true): boolean {
  const pat = (i: number) => (i < pattern.length ? pattern.charCodeAt(i) : 0);
  const sch = (i: number) => (i < str.length ? str.charCodeAt(i) : 0);
  const sc = (c: number) => (c >= 128 ? c - 256 : c); // C char is signed
  const tl = (c: number) => (c >= 65 && c <= 90 ? c + 32 : c);
  const state = { skip: false };
  function impl(p: number, plen: number, s: number, slen: number, nesting: number): boolean {
    if (nesting > 1000) return false;
    while (plen && slen) {
      switch (pat(p)) {
        case 42: {
          while (plen && pat(p + 1) === 42) { p++; plen--; }
          if (plen === 1) return true;
          while (slen) {
            if (impl(p + 1, plen - 1, s, slen, nesting + 1)) return true;
            if (useSkip && state.skip) return false;
            s++; slen--;
          }
          state.skip = true;
          return false;
        }
        case 63:
          s++; slen--;
          break;
        case 91: {
          p++; plen--;
          const not = pat(p) === 94;
          if (not) { p++; plen--; }
          let match = false;
          for (;;) {
            if (pat(p) === 92 && plen >= 2) {
              p++; plen--;
              if (pat(p) === sch(s)) match = true;
            } else if (pat(p) === 93) {
              break;
            } else if (plen === 0) {
              p--; plen++;
              break;
            } else if (plen >= 3 && pat(p + 1) === 45) {
              let start = sc(pat(p)), end = sc(pat(p + 2)), c = sc(sch(s));
              if (start > end) { const t = start; start = end; end = t; }
              if (nocase) { start = tl(start); end = tl(end); c = tl(c); }
              p += 2; plen -= 2;
              if (c >= start && c <= end) match = true;
            } else {
              if (!nocase) { if (pat(p) === sch(s)) match = true; }
              else if (tl(pat(p)) === tl(sch(s))) match = true;
            }
            p++; plen--;
          }
          if (not) match = !match;
          if (!match) return false;
          s++; slen--;
          break;
        }
        // @ts-expect-error intentional fallthrough (mirrors the C code)
        case 92:
          if (plen >= 2) { p++; plen--; }
        // fall through
        default:
          if (!nocase) { if (pat(p) !== sch(s)) return false; }
          else if (tl(pat(p)) !== tl(sch(s))) return false;
          s++; slen--;
          break;
      }
      p++; plen--;
      if (slen === 0) {
        while (pat(p) === 42) { p++; plen--; }
        break;
      }
    }
    return plen === 0 && slen === 0;
  }
  return impl(0, pattern.length, 0, str.length, 0);
}

// Cases verified against redis-server 7.0.15 (SCAN MATCH / CONFIG GET).
test('hand cases', () => {
  const yes: [string, string][] = [
    ['', ''], ['a', 'a'], ['*', 'abc'], ['a*', 'a'], ['a*', 'abc'], ['*c', 'abc'],
    ['a*c', 'ac'], ['a*c', 'abbbc'], ['?', 'x'], ['a?c', 'abc'], ['h[ae]llo', 'hello'],
    ['h[^e]llo', 'hallo'], ['h[a-b]llo', 'hbllo'], ['[z-a]', 'b'], ['\\*', '*'], ['\\', '\\'],
    ['a\\', 'a\\'], ['\\[', '['], ['[\\]', ']'], ['[\\', '\\'], ['[-]', '-'], ['[a-b-c]', '-'],
    ['[a-]', ']'], ['[a-]', '`'], ['[^', 'x'], ['[^', '\x00'], ['[!a]', 'a'], ['[!a]', '!'],
    ['[a-\xff]', '\x00'], ['[a-\xff]', 'A'], ['[a-\xff]', '\xff'], ['[^a-\xff]', '\xc0'],
    ['*a*b*', 'xxaxxbxx'], ['a**b', 'ab'], ['a*', 'a'], ['**a', 'a'],
  ];
  for (const [p, s] of yes) assert.equal(globMatch(p, s), true, `${JSON.stringify(p)} ~ ${JSON.stringify(s)}`);
  const no: [string, string][] = [
    ['*', ''], ['**', ''], ['?*', ''], ['a', ''], ['', 'a'], ['a', 'b'], ['a*c', 'ab'], ['?', 'ab'],
    ['h[^e]llo', 'hello'], ['[', 'a'], ['[', '['], ['a\\', 'a'], ['[]', ']'], ['[]]', ']'],
    ['[a-\xff]', 'b'], ['[a-\xff]', '\xc0'], ['[^-a]', '-'], ['[^-a]', 'a'], ['\\a', '\\a'],
    ['a[', 'a['], ['[\\]', '\\'], ['[a-]', 'b'], ['[a-]', '-'], ['[^', 'ab'],
  ];
  for (const [p, s] of no) assert.equal(globMatch(p, s), false, `${JSON.stringify(p)} !~ ${JSON.stringify(s)}`);
});

test('nocase', () => {
  assert.equal(globMatch('HeLLo', 'hello', true), true);
  assert.equal(globMatch('HeLLo', 'hello', false), false);
  assert.equal(globMatch('h[A-Z]llo', 'hello', true), true);
  assert.equal(globMatch('h[E]llo', 'hello', true), true);
  // Escapes inside brackets compare case-sensitively even with nocase (as Redis).
  assert.equal(globMatch('h[\\E]llo', 'hello', true), false);
  // [A-z] lowercases the bounds to a..z, so '[' no longer matches with nocase.
  assert.equal(globMatch('[A-z]', '[', false), true);
  assert.equal(globMatch('[A-z]', '[', true), false);
  assert.equal(globMatch('maxmemory*', 'MAXMEMORY-policy', true), true);
});

test('nesting limit (redis-server 7.0.15: 1001 groups match, 1002 do not)', () => {
  const s = 'a'.repeat(3000);
  assert.equal(globMatch('a*'.repeat(1001), s), true);
  assert.equal(globMatch('a*'.repeat(1002), s), false);
  assert.equal(refMatch('a*'.repeat(1001), s), true);
  assert.equal(refMatch('a*'.repeat(1002), s), false);
});

test('globIsLiteral', () => {
  assert.equal(globIsLiteral('foo:bar'), true);
  assert.equal(globIsLiteral(''), true);
  assert.equal(globIsLiteral('a]b^-'), true);
  for (const p of ['a*', '?', 'x[y', 'a\\b']) assert.equal(globIsLiteral(p), false);
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'ab]^-x'.split('')) }), fc.string({ unit: fc.constantFrom(...'ab]^-x'.split('')) }), (p, s) => {
      assert.equal(globIsLiteral(p), true);
      assert.equal(globMatch(p, s), p === s);
    }),
  );
});

const alpha = fc.constantFrom(...'ab*?[]^-\\'.split(''), 'A', '\x00', '\xff');
const salpha = fc.constantFrom(...'ab*?[]^-\\'.split(''), 'A', '\x00', '\xff');

test('property: equals recursive Redis reference', () => {
  fc.assert(
    fc.property(fc.string({ unit: alpha, maxLength: 10 }), fc.string({ unit: salpha, maxLength: 10 }), fc.boolean(), (p, s, nocase) => {
      const expected = refMatch(p, s, nocase);
      assert.equal(refMatch(p, s, nocase, false), expected, 'skipLongerMatches changes result');
      assert.equal(globMatch(p, s, nocase), expected, `${JSON.stringify(p)} vs ${JSON.stringify(s)}`);
    }),
    { numRuns: 20000 },
  );
});

test('property: strings built to match', () => {
  // pattern made from the string by replacing some chars with ? or * insertions
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 20 }), fc.array(fc.nat(4), { maxLength: 20 }), (s, ops) => {
      let p = '';
      for (let i = 0; i < s.length; i++) {
        const op = ops[i] ?? 0;
        p += op === 1 ? '?' : op === 2 ? '*' + s[i] : op === 3 ? `[${s[i]}]` : s[i];
      }
      assert.equal(globMatch(p, s), s.length > 0 || p === '');
      assert.equal(refMatch(p, s), s.length > 0 || p === '');
    }),
  );
});

test('pathological patterns are fast', () => {
  const s = 'a'.repeat(10000);
  const pats = ['*a*a*a*a*a*a*a*a*a*b', '*'.repeat(50) + 'b', 'a*'.repeat(500) + 'b', '*?*?*?*?*?*?*?*?*?*?c', '[a]*'.repeat(100) + '[b]'];
  for (const p of pats) {
    const t0 = performance.now();
    assert.equal(globMatch(p, s), false);
    const dt = performance.now() - t0;
    assert.ok(dt < 100, `${p.slice(0, 30)} took ${dt}ms`);
  }
  const t0 = performance.now();
  assert.equal(globMatch('*a*a*a*a*a*a*a*a*a*a', s), true);
  assert.ok(performance.now() - t0 < 100);
});
