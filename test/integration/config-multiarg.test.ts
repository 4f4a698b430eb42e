// Multi-argument parameters given as one quoted word on the command line
// (`--shutdown-on-sigint "nosave now"`) are accepted by both servers and read
// back the same; CONFIG SET splits the same way and refuses the same values.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedoubt, startRedis } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp-client.js';

test('multi-word enum values on the command line and in CONFIG SET match redis-server', async () => {
  const args = ['--shutdown-on-sigint', 'nosave now', '--shutdown-on-sigterm', 'default  force', '--save', '900 1 300 10'];
  const [ours, ref] = await Promise.all([startRedoubt(args), startRedis(args)]);
  const [a, b] = await Promise.all([RawClient.connect(ours.port), RawClient.connect(ref.port)]);
  try {
    const script: string[][] = [
      ['CONFIG', 'GET', 'shutdown-on-sigint'],
      ['CONFIG', 'GET', 'shutdown-on-sigterm'],
      ['CONFIG', 'GET', 'save'],
      ['CONFIG', 'SET', 'shutdown-on-sigterm', 'nosave force'],
      ['CONFIG', 'GET', 'shutdown-on-sigterm'],
      ['CONFIG', 'SET', 'shutdown-on-sigterm', 'nosave  force'],
      ['CONFIG', 'SET', 'shutdown-on-sigint', 'save now force'],
      ['CONFIG', 'GET', 'shutdown-on-sigint'],
      ['CONFIG', 'SET', 'shutdown-on-sigint', 'sometimes'],
      ['CONFIG', 'SET', 'loglevel', 'notice warning'],
    ];
    for (const argv of script) {
      const [ra, rb] = await Promise.all([a.call(...argv), b.call(...argv)]);
      assert.deepEqual(plain(ra), plain(rb), argv.join(' '));
    }
    assert.deepEqual(plain(await a.call('CONFIG', 'GET', 'shutdown-on-sigint')), ['shutdown-on-sigint', 'save now force']);
  } finally {
    a.close();
    b.close();
    await Promise.all([ours.stop(), ref.stop()]);
  }
});
