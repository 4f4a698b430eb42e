import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { splitArgs, quoteArg } from '../../src/util/splitargs.js';

// Expected results verified by sending the same lines as inline commands
// (RPUSH l <line>) to redis-server 7.0.15, which parses them with sdssplitargs.
test('hand cases', () => {
  const ok: [string, string[]][] = [
    ['', []],
    ['   \t ', []],
    ['\v\f', []],
    ['set a b', ['set', 'a', 'b']],
    ['  set   a\tb  ', ['set', 'a', 'b']],
    ['"hello world"', ['hello world']],
    ['""', ['']],
    ["''", ['']],
    ['"" \'\'', ['', '']],
    ['"a\\nb\\rc\\td\\be\\af"', ['a\nb\rc\td\be\x07f']],
    ['"\\x41\\x4a\\xff\\x00z"', ['AJ\xff\x00z']],
    ['"\\x4"', ['x4']],
    ['"\\xZZ"', ['xZZ']],
    ['"\\"\\\\\\q"', ['"\\q']],
    ["'it\\'s'", ["it's"]],
    ["'a\\nb\\\\c'", ['a\\nb\\\\c']],
    ['foo"bar baz"', ['foobar baz']],
    ["a'b c'", ['ab c']],
    ['a\vb', ['a\vb']],
    ['"a"\v"b"', ['a', 'b']],
    ['a\x00b c', ['a']],
    ['\xe9t\xe9 caf\xe9', ['\xe9t\xe9', 'caf\xe9']],
    ['"x" ', ['x']],
    ['a\r\nb', ['a', 'b']],
  ];
  for (const [line, exp] of ok) assert.deepEqual(splitArgs(line), exp, JSON.stringify(line));
  const bad = ['"abc', "'abc", '"a"b', "'a'b", '"abc\\"', '"a\\', '"a\x00"', "'a\\'", 'x "', '"a"\'b\''];
  for (const line of bad) assert.equal(splitArgs(line), null, JSON.stringify(line));
});

test('property: quoteArg round-trips through splitArgs', () => {
  const byte = fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c));
  fc.assert(
    fc.property(fc.array(fc.string({ unit: byte, maxLength: 12 }), { maxLength: 8 }), fc.constantFrom(' ', '\t', '  ', ' \v '), (args, sep) => {
      const line = args.map(quoteArg).join(sep);
      assert.deepEqual(splitArgs(line), args);
    }),
    { numRuns: 2000 },
  );
});

test('property: unquoted plain words split like whitespace split', () => {
  const unit = fc.constantFrom('a', 'b', '\xe9', '\\', 'x', ' ', '\t', '\n');
  fc.assert(
    fc.property(fc.string({ unit, maxLength: 30 }), (s) => {
      assert.deepEqual(splitArgs(s), s.split(/[ \t\n]+/).filter((w) => w.length > 0));
    }),
  );
});
