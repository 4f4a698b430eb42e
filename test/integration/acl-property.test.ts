// Property test of the ACL rule engine against redis-server 7.0: random rule
// lists are applied to both servers; the replies (errors included) and the
// description (ACL LIST) must match, the same DRYRUN questions must get the
// same answers, and a user rebuilt from its own description must have
// exactly the same permissions.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { serversForFile } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp-client.js';
import { aclSorted } from '../helpers/acl.js';
import { mergeSelectorArgs } from '../../src/security/users.js';

const servers = serversForFile();
let ours: RawClient;
let ref: RawClient;
after(() => {
  ours?.close();
  ref?.close();
});

const PATTERNS = ['a*', 'b?', '[ab]*', 'k', '*', 'ch*', 'x\\*', ''];
const COMMANDS = ['get', 'set', 'lmove', 'copy', 'publish', 'subscribe', 'psubscribe', 'select', 'config', 'config|get', 'config|set', 'client', 'client|id', 'client|kill', 'hset', 'mget', 'del', 'ping', 'acl', 'acl|whoami', 'flushall', 'keys', 'debug', 'object|encoding', 'memory|usage', 'geoadd', 'xadd', 'eval', 'nosuch', 'config|nosuch'];
const CATEGORIES = ['keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting', 'all', 'nosuch'];

const pattern = fc.constantFrom(...PATTERNS);
const simpleRule = fc.oneof(
  fc.constantFrom('on', 'off', 'nopass', 'resetpass', '>pw1', '>pw2', '<pw1', 'allkeys', 'resetkeys', 'allchannels', 'resetchannels', 'allcommands', 'nocommands', 'reset', 'clearselectors', '+select|0', '+select|1', '+debug|object', '+config|get|x'),
  pattern.map((p) => '~' + p),
  fc.tuple(fc.constantFrom('%R~', '%W~', '%RW~', '%WR~'), pattern).map(([k, p]) => k + p),
  pattern.map((p) => '&' + p),
  fc.tuple(fc.constantFrom('+', '-'), fc.constantFrom(...COMMANDS)).map(([s, c]) => s + c),
  fc.tuple(fc.constantFrom('+@', '-@'), fc.constantFrom(...CATEGORIES)).map(([s, c]) => s + c),
);
const selectorRule = fc.array(simpleRule.filter((r) => !['on', 'off', 'nopass', 'resetpass', '>pw1', '>pw2', '<pw1', 'reset', 'clearselectors'].includes(r)), { minLength: 1, maxLength: 4 }).map((rs) => '(' + rs.join(' ') + ')');
const rules = fc.array(fc.oneof({ weight: 6, arbitrary: simpleRule }, { weight: 1, arbitrary: selectorRule }), { minLength: 1, maxLength: 8 });

const DRYRUNS: string[][] = [
  ['get', 'k'], ['get', 'a1'], ['set', 'a1', 'v'], ['set', 'a1', 'v', 'get'], ['lmove', 'a1', 'b1', 'left', 'right'], ['lmove', 'b1', 'a1', 'left', 'right'],
  ['copy', 'a1', 'bb'], ['publish', 'ch1', 'm'], ['publish', 'x', 'm'], ['subscribe', 'ch1', 'ch2'], ['psubscribe', 'ch*'], ['psubscribe', 'c*'],
  ['select', '0'], ['select', '1'], ['config', 'get', 'maxmemory'], ['config', 'set', 'maxmemory', '1'], ['client', 'id'], ['client', 'kill', 'id', '9'],
  ['hset', 'k', 'f', 'v'], ['mget', 'a1', 'k', 'x*'], ['del', 'x*'], ['ping'], ['acl', 'whoami'], ['flushall'], ['keys', '*'], ['debug', 'object', 'k'],
  ['object', 'encoding', 'a1'], ['bitfield', 'a1', 'get', 'u8', '0'], ['bitfield', 'a1', 'set', 'u8', '0', '1'],
];

async function both(...args: string[]): Promise<[unknown, unknown]> {
  const [a, b] = await Promise.all([ours.call(...args), ref.call(...args)]);
  return [plain(a), plain(b)];
}

test('random ACL rules: same replies, descriptions and DRYRUN answers as redis-server; a user rebuilt from its description has the same permissions', async () => {
  [ours, ref] = await Promise.all([RawClient.connect(servers.srv.port), RawClient.connect(servers.ref.port)]);
  let applied = 0;
  let rebuiltCount = 0;
  await fc.assert(
    fc.asyncProperty(rules, fc.subarray(DRYRUNS, { minLength: 8, maxLength: 12 }), async (rs, questions) => {
      await both('ACL', 'DELUSER', 'u', 'u2');
      const [ra, rb] = await both('ACL', 'SETUSER', 'u', ...rs);
      assert.deepEqual(ra, rb, `SETUSER ${rs.join(' ')}`);
      const [la, lb] = await both('ACL', 'LIST');
      assert.deepEqual(aclSorted(la), aclSorted(lb), `ACL LIST after ${rs.join(' ')}`);
      const [ga, gb] = await both('ACL', 'GETUSER', 'u');
      assert.deepEqual(aclSorted(ga), aclSorted(gb), `ACL GETUSER after ${rs.join(' ')}`);
      if (ra !== 'OK') return;
      applied++;
      // rebuild from the description (the rules after "user u ")
      const line = (la as string[]).find((l) => l.startsWith('user u '))!;
      const described = mergeSelectorArgs(line.slice('user u '.length).split(' '));
      assert.ok(Array.isArray(described));
      // Redis's description does not always read back ("%RW~* ~a*" is described as "~* ~a*"): do as Redis does
      const [rebuiltA, rebuiltB] = await both('ACL', 'SETUSER', 'u2', ...(described as string[]));
      assert.deepEqual(rebuiltA, rebuiltB, `rebuilding from: ${line}`);
      const rebuilt = rebuiltA === 'OK';
      if (rebuilt) rebuiltCount++;
      // (the text may differ: like Redis, "%R~a* %RW~*" is described as "%R~a* ~*", which reads back as allkeys)
      for (const q of questions) {
        const [da, db] = await both('ACL', 'DRYRUN', 'u', ...q);
        assert.deepEqual(da, db, `DRYRUN ${q.join(' ')} after ${rs.join(' ')}`);
        if (rebuilt) assert.deepEqual(plain(await ours.call('ACL', 'DRYRUN', 'u2', ...q)), da, `rebuilt user: DRYRUN ${q.join(' ')}`);
      }
    }),
    { numRuns: 400, verbose: 1 },
  );
  assert.ok(applied > 50 && rebuiltCount > 40, `enough rule lists applied (${applied}) and rebuilt (${rebuiltCount})`);
});
