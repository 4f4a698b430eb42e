// Server and client introspection over real sockets: INFO parsed like an
// exporter would, CLIENT LIST/KILL/PAUSE/REPLY/UNBLOCK with several real
// clients, MONITOR with redaction, SHUTDOWN ending the process, DEBUG refused
// by default, LATENCY, and redis-cli (Debian) talking to us, hints included.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { Redis } from 'ioredis';
import { startRedoubt, type Running } from '../helpers/servers.js';
import { RawClient, RespError, Typed } from '../helpers/resp-client.js';

let srv: Running;
before(async () => {
  srv = await startRedoubt(['--enable-debug-command', 'yes']);
});
after(async () => {
  await srv?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function io(protocol: 2 | 3 = 2): Redis {
  return new Redis({ port: srv.port, host: '127.0.0.1', protocol, enableReadyCheck: false, maxRetriesPerRequest: 1, lazyConnect: false });
}

async function until(pred: () => boolean | Promise<boolean>, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await sleep(10);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** INFO text -> { section -> { field -> value } }, the way exporters read it. */
function parseInfo(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let cur: Map<string, string> | null = null;
  for (const line of text.split('\r\n')) {
    if (line === '') continue;
    if (line.startsWith('# ')) {
      cur = new Map();
      out.set(line.slice(2).toLowerCase(), cur);
      continue;
    }
    assert.ok(cur, `field before a section header: ${line}`);
    const i = line.indexOf(':');
    assert.ok(i > 0, `not a field line: ${JSON.stringify(line)}`);
    cur.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

function runCli(args: string[], input?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = execFile('redis-cli', args, { timeout: 10000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
    if (input !== undefined) p.stdin!.end(input);
  });
}

test('INFO: default sections, field names and formats an exporter relies on', async () => {
  const r = io();
  await r.set('info:a', '1');
  await r.set('info:b', '2', 'EX', 100);
  await r.get('info:a');
  await r.get('info:missing');
  await r.call('nosuchcommand').catch(() => {});
  const info = parseInfo((await r.info()) as string);
  assert.deepEqual([...info.keys()], ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace']);
  const s = info.get('server')!;
  assert.equal(s.get('redis_version'), '7.0.15');
  assert.equal(s.get('redis_mode'), 'standalone');
  assert.match(s.get('os')!, /\S+ \S+ \S+/);
  assert.equal(s.get('arch_bits'), '64');
  assert.match(s.get('process_id')!, /^\d+$/);
  assert.match(s.get('run_id')!, /^[0-9a-f]{40}$/);
  assert.equal(s.get('tcp_port'), String(srv.port));
  assert.match(s.get('uptime_in_seconds')!, /^\d+$/);
  assert.match(s.get('executable')!, /redoubt-server\.js$/);
  assert.equal(s.get('config_file'), '');
  const cl = info.get('clients')!;
  assert.ok(Number(cl.get('connected_clients')) >= 1);
  assert.equal(cl.get('blocked_clients'), '0');
  const m = info.get('memory')!;
  assert.match(m.get('used_memory')!, /^\d+$/);
  assert.match(m.get('used_memory_human')!, /^\d+(\.\d\d[KMGTP]|B)$/);
  assert.match(m.get('used_memory_rss')!, /^\d+$/);
  assert.equal(m.get('maxmemory'), '0');
  assert.equal(m.get('maxmemory_human'), '0B');
  assert.equal(m.get('maxmemory_policy'), 'noeviction');
  assert.match(m.get('mem_fragmentation_ratio')!, /^\d+\.\d\d$/);
  const p = info.get('persistence')!;
  assert.equal(p.get('loading'), '0');
  assert.match(p.get('rdb_changes_since_last_save')!, /^\d+$/);
  assert.ok(Number(p.get('rdb_changes_since_last_save')) >= 2);
  assert.match(p.get('rdb_last_save_time')!, /^\d+$/);
  assert.equal(p.get('aof_enabled'), '0');
  const st = info.get('stats')!;
  for (const f of ['total_connections_received', 'total_commands_processed', 'instantaneous_ops_per_sec', 'rejected_connections', 'expired_keys', 'evicted_keys', 'total_error_replies']) {
    assert.match(st.get(f) ?? '', /^\d+$/, f);
  }
  assert.ok(Number(st.get('keyspace_hits')) >= 1);
  assert.ok(Number(st.get('keyspace_misses')) >= 1);
  assert.ok(Number(st.get('total_error_replies')) >= 1);
  const rep = info.get('replication')!;
  assert.equal(rep.get('role'), 'master');
  assert.equal(rep.get('connected_slaves'), '0');
  assert.match(rep.get('master_replid')!, /^[0-9a-f]{40}$/);
  const cpu = info.get('cpu')!;
  assert.match(cpu.get('used_cpu_sys')!, /^\d+\.\d{6}$/);
  assert.match(cpu.get('used_cpu_user')!, /^\d+\.\d{6}$/);
  assert.match(info.get('errorstats')!.get('errorstat_ERR')!, /^count=\d+$/);
  assert.equal(info.get('cluster')!.get('cluster_enabled'), '0');
  assert.match(info.get('keyspace')!.get('db0')!, /^keys=\d+,expires=\d+,avg_ttl=\d+$/);
  assert.ok(Number(/expires=(\d+)/.exec(info.get('keyspace')!.get('db0')!)![1]) >= 1);
  r.disconnect();
});

test('INFO: all, everything, several sections, commandstats with subcommands', async () => {
  const r = io();
  await r.call('CLIENT', 'GETNAME');
  await r.call('CLIENT', 'SETNAME', 'bad name').catch(() => {});
  const all = parseInfo((await r.info('all')) as string);
  assert.ok(all.has('commandstats') && all.has('latencystats') && all.has('keyspace'));
  const every = parseInfo((await r.call('INFO', 'everything')) as string);
  assert.deepEqual([...every.keys()], [...all.keys()]);
  const two = parseInfo((await r.call('INFO', 'cpu', 'server')) as string);
  assert.deepEqual([...two.keys()], ['server', 'cpu']);
  const cs = parseInfo((await r.call('INFO', 'commandstats')) as string).get('commandstats')!;
  const line = /^calls=(\d+),usec=(\d+),usec_per_call=(\d+\.\d\d),rejected_calls=(\d+),failed_calls=(\d+)$/;
  assert.match(cs.get('cmdstat_client|getname')!, line);
  const setname = line.exec(cs.get('cmdstat_client|setname')!)!;
  assert.ok(Number(setname[5]) >= 1, 'failed call counted');
  assert.ok(!cs.has('cmdstat_client'), 'containers are listed through their subcommands');
  assert.equal(await r.call('INFO', 'nosuch'), '');
  r.disconnect();
});

test('INFO over RESP3 is a verbatim string', async () => {
  const c = await RawClient.connect(srv.port);
  await c.call('HELLO', '3');
  const v = await c.call('INFO', 'server');
  assert.ok(v instanceof Typed && v.type === 'verbatim');
  assert.match(v.value as string, /^txt:# Server\r\nredis_version:7\.0\.15\r\n/);
  c.close();
});

test('CLIENT LIST / INFO with several clients: Redis 7.0 field order, names, types', async () => {
  const a = io();
  const b = io(3);
  const sub = io();
  await a.call('CLIENT', 'SETNAME', 'alpha');
  await b.call('CLIENT', 'SETNAME', 'beta');
  await b.select(2);
  await sub.subscribe('news');
  const list = (await a.call('CLIENT', 'LIST')) as string;
  const lines = list.split('\n').filter((l) => l !== '');
  assert.ok(lines.length >= 3);
  const order = 'id addr laddr fd name age idle flags db sub psub ssub multi qbuf qbuf-free argv-mem multi-mem rbs rbp obl oll omem tot-mem events cmd user redir resp';
  for (const l of lines) assert.equal(l.split(' ').map((kv) => kv.slice(0, kv.indexOf('='))).join(' '), order);
  const byName = (n: string) => lines.find((l) => l.includes(` name=${n} `))!;
  assert.match(byName('alpha'), / cmd=client\|list user=default redir=-1 resp=2$/);
  assert.match(byName('beta'), / db=2 /);
  assert.match(byName('beta'), / resp=3$/);
  const pub = (await a.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
  assert.equal(pub.split('\n').filter(Boolean).length, 1);
  assert.match(pub, / flags=P /);
  assert.match(pub, / sub=1 psub=0 /);
  const normal = (await a.call('CLIENT', 'LIST', 'TYPE', 'normal')) as string;
  assert.ok(!normal.includes(' flags=P '));
  const bid = (await b.call('CLIENT', 'ID')) as number;
  const one = (await a.call('CLIENT', 'LIST', 'ID', String(bid), '999999')) as string;
  assert.equal(one.split('\n').filter(Boolean).length, 1);
  assert.match(one, new RegExp(`^id=${bid} `));
  const info = (await b.call('CLIENT', 'INFO')) as string;
  assert.match(info, new RegExp(`^id=${bid} .* name=beta .* cmd=client\\|info .*\\n$`));
  await a.call('CLIENT', 'NO-EVICT', 'on');
  assert.match((await a.call('CLIENT', 'INFO')) as string, / flags=e /);
  a.disconnect();
  b.disconnect();
  sub.disconnect();
});

test('CLIENT KILL: by id, old addr form, filters with counts, SKIPME', async () => {
  const killer = await RawClient.connect(srv.port);
  const v1 = await RawClient.connect(srv.port);
  const v2 = await RawClient.connect(srv.port);
  const id1 = (await v1.call('CLIENT', 'ID')) as number;
  assert.equal(await killer.call('CLIENT', 'KILL', 'ID', String(id1)), 1);
  assert.ok(await v1.waitClose(2000), 'killed client is disconnected');
  const info2 = (await v2.call('CLIENT', 'INFO')) as string;
  const addr2 = /addr=(\S+)/.exec(info2)![1];
  assert.equal(await killer.call('CLIENT', 'KILL', addr2), 'OK');
  assert.ok(await v2.waitClose(2000));
  const e = await killer.call('CLIENT', 'KILL', addr2);
  assert.ok(e instanceof RespError && e.message === 'ERR No such client');
  // USER filter: everyone but the caller
  const others = await Promise.all([RawClient.connect(srv.port), RawClient.connect(srv.port)]);
  for (const o of others) await o.call('PING');
  const before = ((await killer.call('CLIENT', 'LIST')) as string).split('\n').filter(Boolean).length;
  const n = (await killer.call('CLIENT', 'KILL', 'USER', 'default', 'SKIPME', 'yes')) as number;
  assert.equal(n, before - 1);
  for (const o of others) assert.ok(await o.waitClose(2000));
  assert.equal(await killer.call('PING'), 'PONG');
  // SKIPME no: the caller gets its reply, then the connection closes
  const self = await RawClient.connect(srv.port);
  const myid = (await self.call('CLIENT', 'ID')) as number;
  assert.equal(await self.call('CLIENT', 'KILL', 'ID', String(myid), 'SKIPME', 'no'), 1);
  assert.ok(await self.waitClose(2000));
  killer.close();
});

test('CLIENT PAUSE WRITE holds writes from other clients but lets reads through; UNPAUSE releases', async () => {
  const admin = io();
  const w = io();
  await w.set('pk', 'before');
  assert.equal(await admin.call('CLIENT', 'PAUSE', '10000', 'WRITE'), 'OK');
  const t0 = Date.now();
  assert.equal(await w.get('pk'), 'before');
  assert.ok(Date.now() - t0 < 1000, 'reads are not paused');
  let setDone = false;
  const setP = w.set('pk', 'after').then((r) => {
    setDone = true;
    return r;
  });
  await sleep(200);
  assert.equal(setDone, false, 'write is held');
  assert.equal(await admin.get('pk'), 'before');
  assert.equal(await admin.call('CLIENT', 'UNPAUSE'), 'OK');
  assert.equal(await setP, 'OK');
  assert.equal(await admin.get('pk'), 'after');
  admin.disconnect();
  w.disconnect();
});

test('CLIENT PAUSE ALL holds every command until the timeout; order is kept', async () => {
  const admin = io();
  const other = await RawClient.connect(srv.port);
  await admin.call('CLIENT', 'PAUSE', '300', 'ALL');
  const t0 = Date.now();
  other.send(['SET', 'pa', '1']);
  other.send(['GET', 'pa']);
  assert.equal(await other.read(), 'OK');
  assert.equal(await other.read(), '1');
  const waited = Date.now() - t0;
  assert.ok(waited >= 250, `waited only ${waited} ms`);
  other.close();
  admin.disconnect();
});

test('CLIENT PAUSE WRITE holds an EXEC that contains writes', async () => {
  const admin = io();
  const c = await RawClient.connect(srv.port);
  assert.equal(await c.call('MULTI'), 'OK');
  assert.equal(await c.call('GET', 'pw'), 'QUEUED');
  await admin.call('CLIENT', 'PAUSE', '10000', 'WRITE');
  // a write being queued is held like Redis does
  c.send(['SET', 'pw', 'v']);
  let got = false;
  const p = c.read().then((r) => ((got = true), r));
  await sleep(150);
  assert.equal(got, false);
  await admin.call('CLIENT', 'UNPAUSE');
  assert.equal(await p, 'QUEUED');
  assert.deepEqual(await c.call('EXEC'), [null, 'OK']);
  c.close();
  admin.disconnect();
});

test('CLIENT REPLY OFF / SKIP / ON', async () => {
  const c = await RawClient.connect(srv.port);
  c.send(['CLIENT', 'REPLY', 'OFF']);
  c.send(['SET', 'r1', 'a']);
  c.send(['GET', 'r1']);
  c.send(['CLIENT', 'REPLY', 'ON']);
  assert.equal(await c.read(), 'OK'); // only CLIENT REPLY ON answers
  c.send(['CLIENT', 'REPLY', 'SKIP']);
  c.send(['GET', 'r1']);
  c.send(['ECHO', 'next']);
  assert.equal(await c.read(), 'next');
  assert.equal(await c.call('GET', 'r1'), 'a');
  c.close();
});

test('CLIENT UNBLOCK a BLPOP with TIMEOUT and with ERROR', async () => {
  const admin = io();
  const b = await RawClient.connect(srv.port);
  const bid = (await b.call('CLIENT', 'ID')) as number;
  b.send(['BLPOP', 'nolist', '0']);
  await until(async () => ((await admin.call('CLIENT', 'LIST', 'ID', String(bid))) as string).includes(' flags=b '), 2000, 'blocked');
  const bl = parseInfo((await admin.info('clients')) as string).get('clients')!;
  assert.ok(Number(bl.get('blocked_clients')) >= 1);
  assert.equal(await admin.call('CLIENT', 'UNBLOCK', String(bid)), 1);
  assert.equal(await b.read(), null);
  b.send(['BLPOP', 'nolist', '0']);
  await until(async () => ((await admin.call('CLIENT', 'LIST', 'ID', String(bid))) as string).includes(' flags=b '), 2000, 'blocked again');
  assert.equal(await admin.call('CLIENT', 'UNBLOCK', String(bid), 'ERROR'), 1);
  const e = await b.read();
  assert.ok(e instanceof RespError);
  assert.equal(e.message, 'UNBLOCKED client unblocked via CLIENT UNBLOCK');
  assert.equal(await admin.call('CLIENT', 'UNBLOCK', String(bid)), 0, 'not blocked any more');
  b.close();
  admin.disconnect();
});

test('MONITOR shows other clients\u2019 commands in Redis\u2019s format, passwords redacted, admin commands hidden', async () => {
  const mon = await RawClient.connect(srv.port);
  const w = await RawClient.connect(srv.port);
  const winfo = (await w.call('CLIENT', 'INFO')) as string;
  const waddr = /addr=(\S+)/.exec(winfo)![1];
  assert.equal(await mon.call('MONITOR'), 'OK');
  await w.call('CLIENT', 'LIST'); // admin: hidden
  await w.call('SET', 'mk', 'a "q"\n\x01\xff');
  await w.call('AUTH', 'secret-pass');
  await w.call('AUTH', 'someone', 'secret-pass');
  await w.call('HELLO', '2', 'AUTH', 'default', 'secret-pass', 'SETNAME', 'mon-w');
  await w.call('CONFIG', 'GET', 'maxmemory');
  await w.call('SELECT', '1');
  await w.call('GET', 'mk');
  const lines: string[] = [];
  while (lines.length < 6) lines.push((await mon.read()) as string);
  const ts = /^\d{10}\.\d{6} \[(\d+) ([^\]]+)\] (.*)$/;
  for (const l of lines) assert.match(l, ts);
  const bodies = lines.map((l) => ts.exec(l)!);
  assert.equal(bodies[0][2], waddr);
  assert.equal(bodies[0][3], '"SET" "mk" "a \\"q\\"\\n\\x01\\xff"');
  assert.equal(bodies[1][3], '"AUTH" "(redacted)"');
  assert.equal(bodies[2][3], '"AUTH" "(redacted)" "(redacted)"');
  assert.equal(bodies[3][3], '"HELLO" "2" "AUTH" "(redacted)" "(redacted)" "SETNAME" "mon-w"');
  assert.equal(bodies[4][3], '"SELECT" "1"');
  assert.equal(bodies[4][1], '1');
  assert.equal(bodies[5][3], '"GET" "mk"');
  for (const l of lines) assert.ok(!l.includes('secret-pass') && !/config|client/i.test(l));
  const list = (await w.call('CLIENT', 'LIST')) as string;
  assert.match(list, / flags=O /);
  w.close();
  mon.close();
});

test('DEBUG SET-ACTIVE-EXPIRE 0 stops background expiry, 1 restores it', async () => {
  const r = io();
  await r.select(5);
  assert.equal(await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), 'OK');
  await r.set('ae', 'v', 'PX', 30);
  await sleep(400);
  assert.equal(await r.dbsize(), 1, 'not expired in the background');
  assert.equal(await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1'), 'OK');
  await until(async () => (await r.dbsize()) === 0, 3000, 'active expiry');
  r.disconnect();
});

test('DEBUG SLEEP, OBJECT, JMAP; LATENCY records slow commands', async () => {
  const r = io();
  await r.call('CONFIG', 'SET', 'latency-monitor-threshold', '20');
  const t0 = Date.now();
  assert.equal(await r.call('DEBUG', 'SLEEP', '0.05'), 'OK');
  assert.ok(Date.now() - t0 >= 45);
  const latest = (await r.call('LATENCY', 'LATEST')) as [string, number, number, number][];
  const ev = latest.find((e) => e[0] === 'command')!;
  assert.ok(ev, 'command event');
  assert.ok(ev[2] >= 45 && ev[3] >= 45);
  const hist = (await r.call('LATENCY', 'HISTORY', 'command')) as [number, number][];
  assert.ok(hist.length >= 1);
  const graph = (await r.call('LATENCY', 'GRAPH', 'command')) as string;
  assert.match(graph, /^command - high \d+ ms, low \d+ ms \(all time high \d+ ms\)\n-{80}\n/);
  assert.match((await r.call('LATENCY', 'DOCTOR')) as string, /^Dave, I have observed latency spikes/);
  assert.ok(((await r.call('LATENCY', 'RESET')) as number) >= 1);
  assert.deepEqual(await r.call('LATENCY', 'LATEST'), []);
  await r.call('CONFIG', 'SET', 'latency-monitor-threshold', '0');
  await r.set('dobj', 'x'.repeat(100));
  assert.match((await r.call('DEBUG', 'OBJECT', 'dobj')) as string, /^Value at:0x[0-9a-f]+ refcount:1 encoding:raw serializedlength:\d+ lru:\d+ lru_seconds_idle:\d+$/);
  assert.match((await r.call('DEBUG', 'JMAP')) as string, /heapUsed:\d+/);
  r.disconnect();
});

test('DEBUG is refused by default, with Redis\u2019s text; "local" allows loopback clients', async () => {
  const def = await startRedoubt();
  try {
    const c = await RawClient.connect(def.port);
    const e = await c.call('DEBUG', 'SLEEP', '0');
    assert.ok(e instanceof RespError);
    assert.equal(
      e.message,
      'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
    );
    const stats = parseInfo((await c.call('INFO', 'commandstats')) as string).get('commandstats')!;
    assert.match(stats.get('cmdstat_debug')!, /rejected_calls=1,/);
    c.close();
  } finally {
    await def.stop();
  }
  const local = await startRedoubt(['--enable-debug-command', 'local']);
  try {
    const c = await RawClient.connect(local.port);
    assert.equal(await c.call('DEBUG', 'SLEEP', '0'), 'OK');
    c.close();
  } finally {
    await local.stop();
  }
});

test('SHUTDOWN stops the process without a reply', async () => {
  const s = await startRedoubt();
  const c = await RawClient.connect(s.port);
  assert.equal(await c.call('SET', 'k', 'v'), 'OK');
  const exited = new Promise<number | null>((r) => s.proc.once('exit', (code) => r(code)));
  c.send(['SHUTDOWN', 'NOSAVE']);
  assert.ok(await c.waitClose(5000), 'connection closed');
  assert.equal(await Promise.race([exited, sleep(5000).then(() => 'timeout')]), 0);
  let got: unknown = 'none';
  try {
    got = await c.read(100);
  } catch {
    // no reply at all
  }
  assert.equal(got, 'none');
});

test('redis-cli talks to us: ping, --raw, info server, COMMAND DOCS', async () => {
  const port = String(srv.port);
  assert.deepEqual(await runCli(['-p', port, 'ping']), { code: 0, out: 'PONG\n' });
  const raw = await runCli(['-p', port, '--raw', 'client', 'getredir']);
  assert.equal(raw.out, '-1\n');
  const info = await runCli(['-p', port, 'info', 'server']);
  assert.equal(info.code, 0);
  assert.match(info.out, /^# Server\r?\nredis_version:7\.0\.15\r?\n/);
  const docs = await runCli(['-p', port, 'COMMAND', 'DOCS', 'get']);
  assert.equal(docs.code, 0);
  assert.match(docs.out, /arguments/);
  // non-tty interactive input runs commands one per line
  const piped = await runCli(['-p', port], 'set clik v\nget clik\n');
  assert.equal(piped.out, 'OK\nv\n');
});

test('redis-cli interactive mode: startup COMMAND DOCS and argument hints work', async () => {
  const port = String(srv.port);
  // a pseudo-terminal through script(1); linenoise asks for the cursor position, we answer
  const p = spawn('script', ['-qc', `redis-cli -p ${port}`, '/dev/null'], { env: { ...process.env, TERM: 'xterm' } });
  let out = '';
  let answered = 0;
  p.stdout.on('data', (d: Buffer) => {
    out += d.toString('latin1');
    const asks = out.split('\x1b[6n').length - 1;
    while (answered < asks) {
      p.stdin.write('\x1b[1;200R');
      answered++;
    }
  });
  const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
  try {
    await until(() => out.includes(`127.0.0.1:${port}> `), 5000, 'prompt');
    p.stdin.write('client no-evict');
    await until(() => out.includes('ON|OFF'), 5000, 'argument hint from COMMAND DOCS');
    p.stdin.write(' off\r');
    await until(() => out.includes('OK'), 5000, 'reply');
    // the next prompt comes after linenoise's cursor-position query: typed before it, "quit"
    // was read as part of the query's answer on a loaded machine and never ran
    await until(() => out.lastIndexOf(`127.0.0.1:${port}> `) > out.indexOf('OK'), 5000, 'prompt after the reply');
    p.stdin.write('quit\r');
    // generous: script(1) and redis-cli exit late on a loaded machine
    assert.equal(await Promise.race([exited, sleep(15000).then(() => 'timeout')]), 0);
  } finally {
    if (p.exitCode === null) p.kill('SIGKILL');
  }
});
