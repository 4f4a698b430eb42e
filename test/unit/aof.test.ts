import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Manifest } from '../../src/persistence/aof/manifest.js';
import { encodeCommand, parseAof } from '../../src/persistence/aof/commands.js';

test('manifest: parses what Redis 7.0 writes and prints it back', () => {
  const text = 'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\nfile appendonly.aof.2.incr.aof seq 2 type i\nfile appendonly.aof.3.incr.aof seq 3 type i\n';
  const m = Manifest.parse(text);
  assert.equal(m.base?.name, 'appendonly.aof.2.base.rdb');
  assert.deepEqual(m.incrs.map((f) => f.seq), [2, 3]);
  assert.equal(m.history.length, 1);
  assert.equal(m.curIncrSeq, 3);
  assert.equal(m.format(), text);
  assert.equal(Manifest.parse('file "my file.aof" seq 1 type i\n').format(), 'file "my file.aof" seq 1 type i\n');
  for (const bad of ['', 'file a seq 1\n', 'file a seq x type i\n', 'file a seq 1 type z\n', 'file a seq 1 type b\nfile b seq 2 type b\n', 'file a seq 2 type i\nfile b seq 1 type i\n', 'file ../a seq 1 type i\n']) {
    assert.throws(() => Manifest.parse(bad), Error, JSON.stringify(bad));
  }
});

test('AOF commands: encode/parse round trip; a torn tail is told apart from corruption', () => {
  fc.assert(
    fc.property(fc.array(fc.array(fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)) }), { minLength: 1, maxLength: 4 }), { maxLength: 10 }), (cmds) => {
      const bytes = Buffer.from('#TS:1700000000\r\n' + cmds.map(encodeCommand).join(''), 'latin1');
      const p = parseAof(bytes);
      assert.deepEqual(p.commands, cmds);
      assert.equal(p.truncated, false);
      assert.equal(p.badFormat, false);
      assert.equal(p.validEnd, bytes.length);
      // every cut inside the last command is a torn tail, never corruption
      if (cmds.length > 0) {
        const lastStart = p.starts[p.starts.length - 1];
        for (let n = lastStart + 1; n < bytes.length; n++) {
          const q = parseAof(bytes.subarray(0, n));
          assert.equal(q.badFormat, false, `cut at ${n}`);
          assert.equal(q.truncated, true, `cut at ${n}`);
          assert.equal(q.validEnd, lastStart);
        }
      }
    }),
    { numRuns: 200 },
  );
  const bad = parseAof(Buffer.from('*1\r\n$4\r\nPING\r\nxyz\r\n'));
  assert.equal(bad.badFormat, true);
  assert.equal(bad.commands.length, 1);
});
