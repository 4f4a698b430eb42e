import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Backlog } from '../../src/replication/backlog.js';

test('the backlog holds the last `size` bytes of the stream, addressed by absolute offsets, across wraps, batching and resizes', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1000 }),
      fc.array(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ minLength: 15000, maxLength: 70000 }), fc.constant('#resize')), { maxLength: 30 }),
      (start, ops) => {
        let size = 16384;
        const b = new Backlog(size, start);
        let stream = '';
        let first = start + 1;
        for (const op of ops) {
          if (op === '#resize') {
            size = size === 16384 ? 20000 : 16384;
            b.resize(size);
          } else {
            b.append(op);
            stream += op;
          }
          const held = Math.min(stream.length - (first - start - 1), size);
          first = start + 1 + stream.length - held;
          assert.equal(b.histLen, held);
          assert.equal(b.firstByte, first);
          assert.ok(b.covers(first) && b.covers(first + held) && !b.covers(first + held + 1));
          assert.equal(first === start + 1 || !b.covers(first - 1), true);
          const from = first + Math.floor(held / 3);
          assert.equal(b.from(from), stream.slice(from - start - 1));
        }
      },
    ),
    { numRuns: 60 },
  );
});
