// MODULE with enable-module-command yes: Redoubt loads nothing, and answers
// as redis-server does for a library that cannot be loaded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serversForFile } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp-client.js';

const servers = serversForFile(['--enable-module-command', 'yes']);

test('MODULE LOAD/LOADEX/UNLOAD/LIST when allowed: the same replies as redis-server with a missing library', async () => {
  const [a, b] = await Promise.all([RawClient.connect(servers.srv.port), RawClient.connect(servers.ref.port)]);
  try {
    for (const cmd of [
      ['MODULE', 'LOAD', '/nonexistent/module.so'],
      ['MODULE', 'LOADEX', '/nonexistent/module.so', 'CONFIG', 'a', 'b'],
      ['MODULE', 'UNLOAD', 'nosuch'],
      ['MODULE', 'LIST'],
    ]) {
      assert.deepEqual(plain(await a.call(...cmd)), plain(await b.call(...cmd)), cmd.join(' '));
    }
    assert.match(servers.srv.output(), /Module \/nonexistent\/module\.so failed to load/);
  } finally {
    a.close();
    b.close();
  }
});
