// The hardening guide's ACL configuration, verbatim, in a config file and in
// an aclfile, exercised with redis-cli, ioredis and node-redis: each account
// can do what the guide grants and nothing more; ACL LOAD/SAVE round trips;
// a broken aclfile changes nothing; the CONFIG SET dir/dbfilename chain fails.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, statSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startWithFile, startRedoubt, startRedis, type Started } from '../helpers/servers.js';
import { RawClient, RespError, plain } from '../helpers/resp-client.js';
import { aclSorted } from '../helpers/acl.js';

// The guide's lines, exactly as printed.
const SEED_USERS = `# Disable the default user (no password, full access)
user default off

# Read-only service account — can only GET/MGET/HGET keys matching cache:*
user cache_reader on >cache_reader_password ~cache:* +get +mget +hget +hgetall +lrange +smembers

# Application service account — full access to app:* keys, no dangerous commands
user app_service on >app_service_password ~app:* +@all -@dangerous -flushall -flushdb -config -debug

# Admin account — full access, only connect from localhost
user redis_admin on >admin_password ~* &* +@all
`;

const SEED_RENAMES = `# Completely disable FLUSHALL and FLUSHDB
rename-command FLUSHALL ""
rename-command FLUSHDB ""

# Rename DEBUG to a random string — internal tooling still works if it knows the name
rename-command DEBUG "DEBUG_d7f3a91b2c"

# Disable CONFIG from the network (use redis-cli locally instead)
rename-command CONFIG ""

# Disable SHUTDOWN to prevent remote shutdown
rename-command SHUTDOWN ""

# Rename KEYS to something unusual (KEYS is O(N) and kills production)
rename-command KEYS "KEYS_UNSAFE_d91f"
`;

const started: Started[] = [];
after(async () => {
  await Promise.all(started.map((s) => s.stop()));
});

async function start(conf: string, args: string[] = [], dir?: string): Promise<Started> {
  const s = await startWithFile(`port $PORT\nsave ""\n${conf}`, args, dir);
  started.push(s);
  return s;
}

function cli(port: number, ...args: string[]): string {
  const r = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'latin1' });
  return (r.stdout + r.stderr).replace(/Warning: Using a password.*\n/g, '').trim();
}

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

test("the guide's users in redis.conf, with its rename-command lines, behave as the guide says", async () => {
  const s = await start(SEED_USERS + SEED_RENAMES);
  // the default user is off: an unauthenticated connection can do nothing
  const anon = await RawClient.connect(s.port);
  assert.deepEqual(await anon.call('GET', 'cache:a'), new RespError('NOAUTH Authentication required.'));
  assert.deepEqual(await anon.call('AUTH', 'anything'), new RespError('WRONGPASS invalid username-password pair or user is disabled.'));
  anon.close();

  // redis_admin (redis-cli --user/--pass) seeds data; renamed commands answer under their new names only
  assert.equal(cli(s.port, '--user', 'redis_admin', '--pass', 'admin_password', 'SET', 'cache:a', '1'), 'OK');
  assert.equal(cli(s.port, '--user', 'redis_admin', '--pass', 'admin_password', 'SET', 'other', '2'), 'OK');
  assert.match(cli(s.port, '--user', 'redis_admin', '--pass', 'admin_password', 'FLUSHALL'), /ERR unknown command 'FLUSHALL'/);
  assert.match(cli(s.port, '--user', 'redis_admin', '--pass', 'admin_password', 'CONFIG', 'GET', 'dir'), /ERR unknown command 'CONFIG'/);
  assert.match(cli(s.port, '--user', 'redis_admin', '--pass', 'admin_password', 'KEYS_UNSAFE_d91f', '*'), /cache:a/);
  assert.match(cli(s.port, '--user', 'redis_admin', '--pass', 'admin_password', 'KEYS', '*'), /unknown command 'KEYS'/);

  // cache_reader through ioredis: reads cache:* only, never writes
  const reader = new Redis({ port: s.port, username: 'cache_reader', password: 'cache_reader_password', lazyConnect: true, maxRetriesPerRequest: 0, enableReadyCheck: false });
  await reader.connect();
  assert.equal(await reader.get('cache:a'), '1');
  assert.deepEqual(await reader.mget('cache:a', 'cache:b'), ['1', null]);
  assert.match(await errorOf(reader.get('other')), /^NOPERM this user has no permissions to access one of the keys used as arguments/);
  assert.match(await errorOf(reader.set('cache:a', 'x')), /^NOPERM this user has no permissions to run the 'set' command/);
  assert.match(await errorOf(reader.call('KEYS_UNSAFE_d91f', '*')), /^NOPERM this user has no permissions to run the 'keys' command/);
  reader.disconnect();

  // app_service through node-redis: app:* with everything but @dangerous
  const app = createClient({ url: `redis://app_service:app_service_password@127.0.0.1:${s.port}` });
  app.on('error', () => {});
  await app.connect();
  assert.equal(await app.set('app:x', 'v'), 'OK');
  assert.equal(await app.get('app:x'), 'v');
  assert.equal(await app.lPush('app:list', 'a'), 1);
  assert.match(await errorOf(app.get('cache:a')), /NOPERM .* keys used as arguments/);
  assert.match(await errorOf(app.sendCommand(['KEYS_UNSAFE_d91f', '*'])), /NOPERM this user has no permissions to run the 'keys' command/);
  assert.match(await errorOf(app.sendCommand(['DEBUG_d7f3a91b2c', 'OBJECT', 'app:x'])), /NOPERM this user has no permissions to run the 'debug' command/);
  assert.match(await errorOf(app.sendCommand(['ACL', 'SETUSER', 'app_service', '+@all'])), /NOPERM this user has no permissions to run the 'acl\|setuser' command/);
  await app.quit();

  // the users are described as Redis describes them (ACL LIST through redis-cli)
  const list = cli(s.port, '--user', 'redis_admin', '--pass', 'admin_password', 'ACL', 'LIST').split('\n');
  assert.equal(list.length, 4);
  // as redis-server 7.0 describes it: CONFIG's container is only @slow, so -config stays visible
  assert.match(list[0], /^user app_service on #[0-9a-f]{64} ~app:\* resetchannels \+@all -@dangerous -config$/);
  assert.match(list[1], /^user cache_reader on #[0-9a-f]{64} ~cache:\* resetchannels -@all( \+(get|mget|hget|hgetall|lrange|smembers)){6}$/);
  assert.equal(list[2], 'user default off sanitize-payload resetchannels -@all');
  assert.match(list[3], /^user redis_admin on #[0-9a-f]{64} ~\* &\* \+@all$/);
  assert.ok(!list.join('\n').includes('password'), 'ACL LIST shows hashes, not passwords');
  assert.match(cli(s.port, '--user', 'redis_admin', '--pass', 'admin_password', 'ACL', 'WHOAMI'), /^redis_admin$/);
});

test('the guide\'s users in an aclfile: ACL LOAD, ACL SAVE (0600), a broken file changes nothing', async () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'redoubt-acl-')));
  const aclfile = join(dir, 'users.acl');
  // aclfiles have no comments: the guide's user lines only
  const lines = SEED_USERS.split('\n').filter((l) => l.startsWith('user '));
  writeFileSync(aclfile, lines.join('\n') + '\n', { mode: 0o600 });
  const s = await start(`aclfile ${aclfile}\n`, [], dir);
  let admin = await RawClient.connect(s.port);
  assert.equal(await admin.call('AUTH', 'redis_admin', 'admin_password'), 'OK');
  assert.equal(((await admin.call('ACL', 'USERS')) as string[]).join(' '), 'app_service cache_reader default redis_admin');

  // a new user, saved: the file is rewritten with mode 0600 and hashes only
  assert.equal(await admin.call('ACL', 'SETUSER', 'metrics', 'on', '>metrics_pw', '+info', '+ping'), 'OK');
  assert.equal(await admin.call('ACL', 'SAVE'), 'OK');
  assert.equal(statSync(aclfile).mode & 0o777, 0o600);
  const saved = readFileSync(aclfile, 'latin1');
  assert.ok(!saved.includes('metrics_pw') && !saved.includes('admin_password'));
  assert.match(saved, /^user metrics on #[0-9a-f]{64} resetchannels -@all \+(info|ping) \+(info|ping)$/m);

  // the app keeps its session while an unrelated user changes; ACL LOAD disconnects clients of replaced users
  const app = await RawClient.connect(s.port);
  assert.equal(await app.call('AUTH', 'app_service', 'app_service_password'), 'OK');
  assert.equal(await admin.call('ACL', 'LOAD'), 'OK');
  await app.waitClose(2000);
  assert.ok(app.closed, 'a client of a reloaded user is disconnected');
  // as in Redis, that includes the caller (after its reply)
  await admin.waitClose(2000);
  assert.ok(admin.closed);
  admin = await RawClient.connect(s.port);
  assert.equal(await admin.call('AUTH', 'redis_admin', 'admin_password'), 'OK');
  assert.ok(((await admin.call('ACL', 'USERS')) as string[]).includes('metrics'), 'the saved user came back from the file');

  // broken file: error with file, line and reason; users in force stay
  writeFileSync(aclfile, lines.join('\n') + '\nuser broken on +nosuchcommand\nnot a user line\n');
  const err = (await admin.call('ACL', 'LOAD')) as RespError;
  assert.ok(err instanceof RespError);
  assert.match(err.message, new RegExp(`^ERR ${aclfile}:5: Unknown command or category name in ACL\\. ${aclfile}:6 should start with user keyword followed by the username\\. WARNING: ACL errors detected, no change to the previously active ACL rules was performed$`));
  assert.ok(((await admin.call('ACL', 'USERS')) as string[]).includes('metrics'), 'nothing changed');
  assert.equal(await admin.call('ACL', 'WHOAMI'), 'redis_admin');
  admin.close();
});

test('user directives together with an aclfile, or a bad user line, stop the server at startup', async () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'redoubt-acl-')));
  writeFileSync(join(dir, 'users.acl'), 'user a on nopass +@all\n');
  await assert.rejects(start(`aclfile ${join(dir, 'users.acl')}\nuser b on nopass\n`, [], dir), /either an ACL file or declare users directly in your redis.conf, but not both/);
  await assert.rejects(start(`user b on nopass %X~k\n`), /FATAL CONFIG FILE ERROR[\s\S]*Error in user declaration 'on': Syntax error/);
  await assert.rejects(start(`user b on\nuser b off\n`), /Error in user declaration 'b': Duplicate user found/);
  await assert.rejects(start(`user b on +nosuch\n`), /Error loading ACL rule '\+nosuch' for the user named 'b': Unknown command or category name in ACL/);
  writeFileSync(join(dir, 'bad.acl'), 'user a on nopass +@all\nuser a off\n');
  await assert.rejects(start(`aclfile ${join(dir, 'bad.acl')}\n`, [], dir), /Aborting Redis startup because of ACL errors: WARNING: Duplicate user 'a' found on line 2/);
});

test('CONFIG REWRITE writes the users back as user lines; a restart reads them', async () => {
  const s = await start('user ops on >ops_pw ~ops:* +@read\n');
  const c = await RawClient.connect(s.port);
  assert.equal(await c.call('ACL', 'SETUSER', 'extra', 'on', '>extra_pw', '~x', '+get'), 'OK');
  assert.equal(await c.call('CONFIG', 'REWRITE'), 'OK');
  c.close();
  const text = readFileSync(s.file, 'latin1');
  assert.ok(!text.includes('extra_pw') && !text.includes('ops_pw'), 'no cleartext password in the rewritten file');
  assert.match(text, /^user default on nopass ~\* &\* \+@all$/m);
  assert.match(text, /^user extra on #[0-9a-f]{64} ~x resetchannels -@all \+get$/m);
  assert.match(text, /^user ops on #[0-9a-f]{64} ~ops:\* resetchannels -@all \+@read$/m);
  await s.stop();
  const again = await start(text.replace(/^port \d+$/m, 'port $PORT').replace(/^save .*$/m, ''), [], s.dir);
  const d = await RawClient.connect(again.port);
  assert.equal(await d.call('AUTH', 'extra', 'extra_pw'), 'OK');
  assert.equal(await d.call('GET', 'x'), null);
  assert.deepEqual(await d.call('GET', 'y'), new RespError('NOPERM this user has no permissions to access one of the keys used as arguments'));
  d.close();
});

test('the CONFIG SET dir / dbfilename / SAVE chain fails on the defaults, even for a +@all user', async () => {
  const s = await start('user root_like on >pw ~* &* +@all\n');
  const c = await RawClient.connect(s.port);
  assert.equal(await c.call('AUTH', 'root_like', 'pw'), 'OK');
  const dir = (await c.call('CONFIG', 'GET', 'dir')) as string[];
  assert.deepEqual(await c.call('CONFIG', 'SET', 'dir', '/root/.ssh'), new RespError("ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"));
  assert.deepEqual(await c.call('CONFIG', 'SET', 'dir', '/etc/cron.d/'), new RespError("ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"));
  assert.deepEqual(await c.call('CONFIG', 'SET', 'dbfilename', 'authorized_keys'), new RespError("ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config"));
  assert.deepEqual(await c.call('CONFIG', 'GET', 'dir'), dir, 'dir unchanged');
  assert.deepEqual(await c.call('CONFIG', 'GET', 'dbfilename'), ['dbfilename', 'dump.rdb']);
  assert.deepEqual(await c.call('DEBUG', 'OBJECT', 'x'), new RespError("ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."));
  c.close();
});

test('rename-command and ACL rules together answer as redis-server does (names, categories, stats, DRYRUN)', async () => {
  const args = ['--rename-command', 'KEYS', 'KEYS_UNSAFE_d91f', '--rename-command', 'FLUSHALL', '', '--user', 'app', 'on', '>pw', '~*', '+@all', '-@dangerous', '-flushall'];
  const [ours, ref] = await Promise.all([startRedoubt(args), startRedis(args)]);
  try {
    const probes: string[][] = [
      ['COMMAND', 'INFO', 'keys_unsafe_d91f'],
      ['COMMAND', 'INFO', 'keys'],
      ['COMMAND', 'DOCS', 'keys'],
      ['KEYS_UNSAFE_d91f', '*'],
      ['KEYS', '*'],
      ['FLUSHALL'],
      ['ACL', 'DRYRUN', 'app', 'keys_unsafe_d91f', 'x'],
      ['ACL', 'DRYRUN', 'app', 'keys', 'x'],
      ['ACL', 'DRYRUN', 'app', 'get', 'x'],
      ['ACL', 'LIST'],
      ['AUTH', 'app', 'pw'],
      ['KEYS_UNSAFE_d91f', '*'],
      ['GET', 'x'],
    ];
    const [a, b] = await Promise.all([RawClient.connect(ours.port), RawClient.connect(ref.port)]);
    for (const p of probes) {
      const [ra, rb] = await Promise.all([a.call(...p), b.call(...p)]);
      assert.deepEqual(aclSorted(plain(ra)), aclSorted(plain(rb)), p.join(' '));
    }
    const stats = async (c: RawClient) => String(await c.call('INFO', 'commandstats')).match(/cmdstat_keys:calls=\d+/)?.[0];
    const [ca, cb] = await Promise.all([RawClient.connect(ours.port), RawClient.connect(ref.port)]);
    assert.equal(await stats(ca), await stats(cb));
    assert.equal(await stats(ca), 'cmdstat_keys:calls=1');
    for (const c of [a, b, ca, cb]) c.close();
  } finally {
    await Promise.all([ours.stop(), ref.stop()]);
  }
});
