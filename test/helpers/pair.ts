// One Redoubt and one reference redis-server with the same settings, each
// with a raw connection, started before and stopped after the test file.
// Used by the tests that compare replies command by command.

import { before, after } from 'node:test';
import { startRedoubt, startRedis, type Running } from './servers.js';
import { RawClient } from './resp-client.js';

export interface ServerPair {
  /** connection to Redoubt */
  a: RawClient;
  /** connection to the reference redis-server */
  b: RawClient;
  ours: Running;
  ref: Running;
}

export function serverPair(args: string[] = []): ServerPair {
  const pair = {} as ServerPair;
  before(async () => {
    [pair.ours, pair.ref] = await Promise.all([startRedoubt(args), startRedis(args)]);
    [pair.a, pair.b] = await Promise.all([RawClient.connect(pair.ours.port), RawClient.connect(pair.ref.port)]);
  });
  after(async () => {
    pair.a?.close();
    pair.b?.close();
    await Promise.all([pair.ours?.stop(), pair.ref?.stop()]);
  });
  return pair;
}
