// A database whose key table is at its largest size refuses new keys with an
// error reply and keeps serving: the real limit (2^28 slots) is out of reach
// in a test, so the embedded server's table is swapped for one whose largest
// size is 64 slots (the limit is a constructor argument, the code path the same).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from '../../src/index.js';
import { KeyTable } from '../../src/store/keytable.js';
import { RawClient, RespError } from '../helpers/resp-client.js';

test('a full key table answers an error to writes that add keys, and every key stays readable', async () => {
  const s = await createServer();
  const c = await RawClient.connect(s.port);
  try {
    const db = s.keyspace.dbs[0];
    db.dict = new KeyTable(64, undefined, 8);
    for (let i = 0; i < 63; i++) assert.equal(await c.call('SET', 'k' + i, 'v' + i), 'OK');
    const full = /^ERR a database holds at most 63 keys$/;
    for (const cmd of [
      ['SET', 'one-more', 'x'],
      ['SADD', 'a-set', 'm'],
      ['HSET', 'a-hash', 'f', 'v'],
      ['RPUSH', 'a-list', 'e'],
      ['INCR', 'a-counter'],
    ]) {
      const r = await c.call(...cmd);
      assert.ok(r instanceof RespError && full.test(r.message), `${cmd[0]}: ${String(r)}`);
    }
    // overwrites, reads and deletes still work, and a delete makes room
    assert.equal(await c.call('SET', 'k1', 'new'), 'OK');
    assert.equal(await c.call('PING'), 'PONG');
    assert.equal(await c.call('DBSIZE'), 63);
    for (let i = 2; i < 63; i++) assert.equal(await c.call('GET', 'k' + i), 'v' + i);
    assert.equal(await c.call('GET', 'k1'), 'new');
    assert.equal(await c.call('DEL', 'k0'), 1);
    assert.equal(await c.call('SET', 'one-more', 'x'), 'OK');
    assert.equal(await c.call('GET', 'one-more'), 'x');
  } finally {
    c.close();
    await s.close();
  }
});
