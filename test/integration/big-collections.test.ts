// Sets and hashes big enough to leave their small representation (past 128
// members Redoubt keeps them in its own hash table, with incremental resizes),
// compared reply by reply with the reference redis-server. Orders are Redis's
// dict order on one side and ours on the other, so member lists compare as
// sorted lists, and cursor scans as the set of what they returned.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverPair } from '../helpers/pair.js';
import { plain } from '../helpers/resp-client.js';

const pair = serverPair();

async function both(...argv: string[]): Promise<[unknown, unknown]> {
  const [x, y] = await Promise.all([pair.a.call(...argv), pair.b.call(...argv)]);
  return [plain(x), plain(y)];
}
async function same(...argv: string[]): Promise<unknown> {
  const [x, y] = await both(...argv);
  assert.deepEqual(x, y, argv.join(' '));
  return x;
}
async function sameSorted(...argv: string[]): Promise<void> {
  const [x, y] = await both(...argv);
  assert.ok(Array.isArray(x) && Array.isArray(y), argv.join(' '));
  assert.deepEqual((x as string[]).slice().sort(), (y as string[]).slice().sort(), argv.join(' '));
}
async function sameLength(...argv: string[]): Promise<void> {
  const [x, y] = await both(...argv);
  assert.equal((x as unknown[]).length, (y as unknown[]).length, argv.join(' '));
}
/** Every member a full cursor scan returns, on each server. */
async function scanAll(cmd: string, key: string, pairs: boolean): Promise<void> {
  const seen: Set<string>[] = [];
  for (const c of [pair.a, pair.b]) {
    const got = new Set<string>();
    let cursor = '0';
    let steps = 0;
    do {
      const [next, items] = plain(await c.call(cmd, key, cursor, 'COUNT', '7')) as [string, string[]];
      for (let i = 0; i < items.length; i += pairs ? 2 : 1) got.add(items[i]);
      cursor = next;
      assert.ok(++steps < 10_000, `${cmd} terminates`);
    } while (cursor !== '0');
    seen.push(got);
  }
  assert.deepEqual([...seen[0]].sort(), [...seen[1]].sort(), `${cmd} ${key}`);
}

const N = 700;
const member = (i: number) => (i % 3 === 0 ? `m:${i}` : i % 3 === 1 ? `${i}x` : `\x00\xff${i}`);

test('a big set agrees with redis-server through growth, removals, algebra and scans', async () => {
  await both('FLUSHALL');
  for (let i = 0; i < N; i += 50) {
    await same('SADD', 'big', ...Array.from({ length: 50 }, (_, j) => member(i + j)));
  }
  await same('SCARD', 'big');
  await same('OBJECT', 'ENCODING', 'big');
  for (let i = 0; i < N + 20; i += 37) await same('SISMEMBER', 'big', member(i));
  await same('SMISMEMBER', 'big', member(1), 'nope', member(N - 1), member(N + 5));
  await sameSorted('SMEMBERS', 'big');
  await scanAll('SSCAN', 'big', false);
  await sameLength('SRANDMEMBER', 'big', '25');
  await sameLength('SRANDMEMBER', 'big', '-25');
  await same('SREM', 'big', ...Array.from({ length: 400 }, (_, i) => member(i * 2)));
  await same('SCARD', 'big');
  await scanAll('SSCAN', 'big', false);
  await sameSorted('SINTER', 'big', 'big');
  await same('SINTERCARD', '2', 'big', 'big');
  await same('SADD', 'other', member(1), member(3), member(4), 'zzz');
  await sameSorted('SINTER', 'big', 'other');
  await sameSorted('SDIFF', 'other', 'big');
  await same('SUNIONSTORE', 'u', 'big', 'other');
  await same('SCARD', 'u');
  await same('SMOVE', 'big', 'other', member(5));
  await same('SCARD', 'big');
  await same('COPY', 'big', 'copy');
  await sameSorted('SMEMBERS', 'copy');
  await sameLength('SPOP', 'copy', '5');
  await same('SCARD', 'copy');
  await sameSorted('SPOP', 'big', String(N * 2));
  await same('EXISTS', 'big');
});

test('a big hash agrees with redis-server through growth, updates, deletes and scans', async () => {
  await both('FLUSHALL');
  for (let i = 0; i < N; i += 50) {
    const args: string[] = [];
    for (let j = i; j < i + 50; j++) args.push(member(j), `v${j}`);
    await same('HSET', 'h', ...args);
  }
  await same('HLEN', 'h');
  await same('OBJECT', 'ENCODING', 'h');
  for (let i = 0; i < N + 20; i += 41) {
    await same('HGET', 'h', member(i));
    await same('HEXISTS', 'h', member(i));
  }
  await same('HMGET', 'h', member(2), 'nope', member(N - 1));
  await same('HSET', 'h', member(3), 'changed', 'newfield', 'n');
  await same('HINCRBY', 'h', 'counter', '5');
  await same('HINCRBY', 'h', 'counter', '-7');
  await sameSorted('HKEYS', 'h');
  await sameSorted('HVALS', 'h');
  await scanAll('HSCAN', 'h', true);
  await sameLength('HRANDFIELD', 'h', '30', 'WITHVALUES');
  await sameLength('HRANDFIELD', 'h', '-30');
  await same('HDEL', 'h', ...Array.from({ length: 500 }, (_, i) => member(i)));
  await same('HLEN', 'h');
  await sameSorted('HGETALL', 'h');
  await scanAll('HSCAN', 'h', true);
  await same('COPY', 'h', 'h2');
  await same('HLEN', 'h2');
  await same('HGET', 'h2', member(N - 1));
  await same('HDEL', 'h', ...Array.from({ length: N }, (_, i) => member(i)), 'newfield', 'counter');
  await same('EXISTS', 'h');
});
