// SLOWLOG and latency tracking against the reference redis-server: the same
// commands run on both, and the entries must match except for what differs
// by nature (timestamps, durations, client ports). Secrets are redacted as
// Redis redacts them; arguments are cut at 32 and at 128 bytes with Redis's
// markers. LATENCY HISTOGRAM / INFO latencystats / errorstats shapes too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serversForFile, type Running } from '../helpers/servers.js';
import { RawClient, RespError, type Reply } from '../helpers/resp-client.js';
import { trimArgv } from '../../src/commands/slowlog.js';
import { redactArgv } from '../../src/commands/server-cmds.js';
import type { Command } from '../../src/commands/table.js';

const s = serversForFile();

/** Runs the script on a fresh connection with every command logged; returns the entries, oldest first, masked. */
async function logOf(srv: Running, script: (string | number)[][]): Promise<unknown[]> {
  const admin = await RawClient.connect(srv.port);
  const cl = await RawClient.connect(srv.port);
  try {
    await admin.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await admin.call('SLOWLOG', 'RESET');
    for (const cmd of script) await cl.call(...cmd);
    await admin.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    const entries = (await admin.call('SLOWLOG', 'GET', '-1')) as Reply[][];
    const port = String(cl.sock.localPort);
    return entries.reverse().map((e) => {
      assert.equal(e.length, 6);
      assert.equal(typeof e[0], 'number');
      assert.ok(Math.abs(Number(e[1]) - Date.now() / 1000) < 10, 'unix time in seconds');
      assert.equal(typeof e[2], 'number');
      const peer = String(e[4]);
      return [e[3], peer.endsWith(':' + port) ? 'CLIENT' : peer.startsWith('127.0.0.1:') ? 'OTHER' : peer, e[5]];
    });
  } finally {
    await admin.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    await admin.call('CONFIG', 'SET', 'requirepass', '');
    admin.close();
    cl.close();
  }
}

test('SLOWLOG entries match redis-server: shape, truncation markers, client name, redaction', async () => {
  const args40 = Array.from({ length: 40 }, (_, i) => 'm' + i);
  const script: (string | number)[][] = [
    ['SET', 'k', 'v'],
    ['CLIENT', 'SETNAME', 'tester'],
    ['RPUSH', 'l', ...args40],
    ['SET', 'big', 'x'.repeat(300)],
    ['SET', 'x'.repeat(129), 'y'.repeat(128)],
    ['AUTH', 'nosuchpass'],
    ['AUTH', 'someone', 'pw'],
    ['CONFIG', 'SET', 'requirepass', 'hunter2', 'maxmemory', '0'],
    ['AUTH', 'hunter2'],
    ['CONFIG', 'SET', 'masterauth', 'secret2'],
    ['CONFIG', 'SET', 'requirepass', ''],
    ['HELLO', '2', 'AUTH', 'default', 'pw3', 'SETNAME', 'n2'],
    ['GET', 'nosuch'],
    ['SLOWLOG', 'LEN'],
  ];
  const [ours, theirs] = await Promise.all([logOf(s.srv, script), logOf(s.ref, script)]);
  assert.deepEqual(ours, theirs);
  const text = JSON.stringify(ours);
  for (const secret of ['hunter2', 'secret2', 'pw3', 'nosuchpass']) assert.ok(!text.includes(secret), `${secret} never shown`);
  assert.ok(text.includes('... (11 more arguments)'));
  assert.ok(text.includes('... (172 more bytes)'));
});

test('SLOWLOG GET/LEN/RESET/HELP replies and errors match redis-server; max-len and negative threshold', async () => {
  for (const srv of [s.srv, s.ref]) {
    const cl = await RawClient.connect(srv.port);
    try {
      await cl.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
      await cl.call('CONFIG', 'SET', 'slowlog-max-len', '3');
      await cl.call('SLOWLOG', 'RESET');
      for (let i = 0; i < 6; i++) await cl.call('SET', 'k' + i, i);
      assert.equal(await cl.call('SLOWLOG', 'LEN'), 3);
      const two = (await cl.call('SLOWLOG', 'GET', '2')) as Reply[][];
      assert.equal(two.length, 2);
      assert.deepEqual(two[0][3], ['SLOWLOG', 'LEN']);
      assert.deepEqual(two[1][3], ['SET', 'k5', '5']);
      assert.ok(Number(two[0][0]) > Number(two[1][0]), 'ids grow');
      assert.deepEqual(await cl.call('SLOWLOG', 'GET', '0'), []);
      await cl.call('CONFIG', 'SET', 'slowlog-log-slower-than', '-1');
      await cl.call('SLOWLOG', 'RESET');
      await cl.call('SET', 'a', 'b');
      assert.equal(await cl.call('SLOWLOG', 'LEN'), 0, 'negative threshold logs nothing');
    } finally {
      await cl.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
      await cl.call('CONFIG', 'SET', 'slowlog-max-len', '128');
      cl.close();
    }
  }
  const replies = async (srv: Running) => {
    const cl = await RawClient.connect(srv.port);
    const out: Reply[] = [];
    for (const cmd of [['SLOWLOG', 'HELP'], ['SLOWLOG', 'GET', '-2'], ['SLOWLOG', 'GET', 'x'], ['SLOWLOG', 'GET', '1', '2'], ['SLOWLOG', 'LEN', 'x'], ['SLOWLOG', 'RESET'], ['SLOWLOG', 'NOPE'], ['SLOWLOG']]) {
      out.push(await cl.call(...cmd));
    }
    cl.close();
    return out;
  };
  assert.deepEqual(await replies(s.srv), await replies(s.ref));
});

test('redaction and truncation rules (unit): MIGRATE AUTH/AUTH2, ACL SETUSER, CONFIG SET', () => {
  const cmd = (fullName: string) => ({ fullName }) as Command;
  assert.deepEqual(redactArgv(cmd('migrate'), ['MIGRATE', 'h', '1', '', '0', '5', 'AUTH', 'pw', 'KEYS', 'a']), ['MIGRATE', 'h', '1', '', '0', '5', 'AUTH', '(redacted)', 'KEYS', 'a']);
  assert.deepEqual(redactArgv(cmd('migrate'), ['MIGRATE', 'h', '1', 'k', '0', '5', 'AUTH2', 'u', 'pw']), ['MIGRATE', 'h', '1', 'k', '0', '5', 'AUTH2', '(redacted)', '(redacted)']);
  assert.deepEqual(redactArgv(cmd('acl|setuser'), ['ACL', 'SETUSER', 'bob', 'on', '>pw']), ['ACL', 'SETUSER', '(redacted)', '(redacted)', '(redacted)']);
  assert.deepEqual(redactArgv(cmd('config|set'), ['CONFIG', 'SET', 'MasterAuth', 'pw', 'hz', '10']), ['CONFIG', 'SET', 'MasterAuth', '(redacted)', 'hz', '10']);
  assert.deepEqual(trimArgv(Array.from({ length: 33 }, (_, i) => String(i))).slice(30), ['30', '... (2 more arguments)']);
  assert.equal(trimArgv(['x'.repeat(128)])[0], 'x'.repeat(128));
  assert.equal(trimArgv(['x'.repeat(129)])[0], 'x'.repeat(128) + '... (1 more bytes)');
});

test('LATENCY HISTOGRAM and INFO latencystats have Redis 7.0 shapes; errorstats counts rejected and failed calls', async () => {
  const shape = async (srv: Running) => {
    const cl = await RawClient.connect(srv.port);
    try {
      await cl.call('CONFIG', 'RESETSTAT');
      await cl.call('SET', 'a', '1');
      await cl.call('SET', 'a', '2');
      await cl.call('LPUSH', 'a', 'x'); // WRONGTYPE: failed call
      await cl.call('GET'); // wrong arity: rejected call
      await cl.call('NOSUCHCMD');
      const h = (await cl.call('LATENCY', 'HISTOGRAM', 'set', 'client', 'nosuch')) as Reply[];
      assert.equal(h[0], 'set');
      const body = h[1] as Reply[];
      assert.deepEqual([body[0], body[1], body[2]], ['calls', 2, 'histogram_usec']);
      const cdf = body[3] as number[];
      assert.ok(cdf.length >= 2 && cdf.length % 2 === 0);
      for (let i = 2; i < cdf.length; i += 2) assert.ok(cdf[i] > cdf[i - 2] && cdf[i + 1] > cdf[i - 1], 'growing buckets, growing cumulative counts');
      assert.equal(cdf[cdf.length - 1], 2, 'cumulative count ends at calls');
      const lat = String(await cl.call('INFO', 'latencystats'));
      assert.match(lat, /^latency_percentiles_usec_set:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$/m);
      const err = String(await cl.call('INFO', 'errorstats'));
      const stats = String(await cl.call('INFO', 'commandstats'));
      return {
        err: err.split('\r\n').filter((l) => l.startsWith('errorstat_')).sort(),
        lpush: /cmdstat_lpush:.*(rejected_calls=\d+,failed_calls=\d+)/.exec(stats)?.[1],
        get: /cmdstat_get:.*(rejected_calls=\d+,failed_calls=\d+)/.exec(stats)?.[1],
        total: /total_error_replies:(\d+)/.exec(String(await cl.call('INFO', 'stats')))?.[1],
        setPercentiles: (await cl.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '0 100')) as Reply,
      };
    } finally {
      await cl.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99 99.9');
      cl.close();
    }
  };
  const [ours, theirs] = await Promise.all([shape(s.srv), shape(s.ref)]);
  assert.deepEqual(ours, theirs);
  assert.ok(!(ours.setPercentiles instanceof RespError));
});
