// The catalogue, statically: for every rule a config that passes and one that
// fails it (rules that only a live server can answer get facts of a live
// server here and real servers in integration/audit-live.test.ts); include
// and aclfile are followed; the score, exit codes and SARIF output.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { RULES, ruleById } from '../../src/audit/rules.js';
import { probeConfig } from '../../src/audit/config-probe.js';
import { evaluate, auditMain } from '../../src/audit/run.js';
import { score } from '../../src/audit/score.js';
import type { Facts, LiveFacts } from '../../src/audit/facts.js';
import { makeCerts } from '../helpers/certs.js';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const certs = makeCerts(365);
const shortCerts = makeCerts(10);
const STRONG = 'a3f9c1e07b5d42a8e6f1b9c3d7e0a4f2b8c6d1e9f3a7b5c0d4e8f2a6b1c9d3e7';
const STRONG2 = '0f7e6d5c4b3a29181f2e3d4c5b6a79880a1b2c3d4e5f60718293a4b5c6d7e8f9';

function writeConf(text: string, mode = 0o600): string {
  const dir = mkdtempSync(join(tmpdir(), 'audit-rule-'));
  const file = join(dir, 'redis.conf');
  writeFileSync(file, text, { mode });
  chmodSync(file, mode);
  return file;
}

function staticFacts(text: string, mode?: number): Facts {
  return { config: probeConfig(writeConf(text, mode)), live: null, adminNames: null, now: Date.now() };
}

function statusOf(id: string, f: Facts): string {
  const rule = ruleById(id)!;
  return rule.check(f).status;
}

const worldWritable = mkdtempSync(join(tmpdir(), 'audit-ww-'));
chmodSync(worldWritable, 0o777);
const privateDir = mkdtempSync(join(tmpdir(), 'audit-priv-'));
chmodSync(privateDir, 0o700);

/** Per rule: a config that passes and one that fails (static). */
const STATIC: Record<string, [pass: string, fail: string, failMode?: number]> = {
  'RDT-001': ['bind 127.0.0.1 -::1', 'bind 0.0.0.0'],
  'RDT-002': ['protected-mode yes', 'protected-mode no'],
  'RDT-003': ['port 0\ntls-port 6380', 'port 6379\ntls-port 6380'],
  'RDT-010': ['user default off', ''],
  'RDT-011': [`user default on >${STRONG} ~cache:* +get`, `requirepass ${STRONG}`],
  'RDT-012': [`requirepass ${STRONG}`, 'requirepass short_password'],
  'RDT-013': [`user default off\nuser app on >${STRONG} ~app:* +get`, 'user app on nopass ~app:* +get'],
  'RDT-014': [`user a on >${STRONG} ~a:* +get\nuser b on >${STRONG2} ~b:* +get`, `user a on >${STRONG} ~a:* +get\nuser b on >${STRONG} ~b:* +get`],
  'RDT-020': [`user app on >${STRONG} ~app:* +@read`, `user app on >${STRONG} ~* +@read`],
  'RDT-021': [`user app on >${STRONG} ~app:* +@all -@dangerous`, `user app on >${STRONG} ~app:* +@all`],
  'RDT-022': ['rename-command FLUSHALL ""\nrename-command FLUSHDB ""\nrename-command CONFIG ""\nrename-command DEBUG "DEBUG_x1"\nrename-command SHUTDOWN ""', 'rename-command FLUSHALL ""'],
  'RDT-023': ['enable-protected-configs no', 'enable-protected-configs yes'],
  'RDT-024': ['enable-debug-command no\nenable-module-command local', 'enable-debug-command yes'],
  'RDT-025': [`user app on >${STRONG} ~app:* +get +set`, `user app on >${STRONG} ~app:* +get +eval`],
  'RDT-030': ['tls-port 6380', 'port 6379'],
  'RDT-031': ['tls-port 6380\ntls-protocols "TLSv1.2 TLSv1.3"', 'tls-port 6380\ntls-protocols "TLSv1 TLSv1.2"'],
  'RDT-032': ['tls-port 6380\ntls-ciphers "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256"', 'tls-port 6380\ntls-ciphers "ECDHE-RSA-AES256-GCM-SHA384:DES-CBC3-SHA"'],
  'RDT-033': ['tls-port 6380\ntls-auth-clients yes', 'tls-port 6380\ntls-auth-clients no'],
  'RDT-034': [`tls-port 6380\ntls-cert-file ${certs.cert}`, `tls-port 6380\ntls-cert-file ${shortCerts.cert}`],
  'RDT-035': ['tls-port 6380\nreplicaof 10.0.0.1 6380\nmasterauth x\ntls-replication yes', 'tls-port 6380\nreplicaof 10.0.0.1 6380\nmasterauth x'],
  'RDT-036': ['replicaof 10.0.0.1 6379\nmasterauth secret', 'replicaof 10.0.0.1 6379'],
  'RDT-040': ['maxmemory 1gb\nmaxmemory-policy allkeys-lru', 'maxmemory-policy allkeys-lru'],
  'RDT-041': ['client-output-buffer-limit normal 256mb 64mb 60', 'client-output-buffer-limit pubsub 32mb 8mb 60'],
  'RDT-042': ['timeout 300\ntcp-keepalive 60\nmaxclients 1000', 'timeout 0'],
  'RDT-050': ['acllog-max-len 128', 'acllog-max-len 0'],
  'RDT-061': ['port 6379', 'port 6379', 0o644],
  'RDT-062': [`dir ${privateDir}`, `dir ${worldWritable}`],
  'RDT-080': [`dir ${privateDir}\ndbfilename dump.rdb`, 'dir /root/.ssh\ndbfilename authorized_keys'],
  'RDT-081': ['port 6379', 'loadmodule /opt/evil.so'],
};
/** Rules only a live server can answer. */
const LIVE_ONLY = ['RDT-004', 'RDT-051', 'RDT-060', 'RDT-070', 'RDT-082'];

test('every rule has a static pass/fail case or is live-only; ids are unique and stable', () => {
  const ids = RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.ok(STATIC[id] || LIVE_ONLY.includes(id), `${id} has no test case`);
  for (const r of RULES) {
    assert.match(r.id, /^RDT-\d{3}$/);
    for (const k of ['title', 'attack', 'staticCheck', 'liveCheck', 'fix'] as const) assert.ok(r[k].length > 0, `${r.id}.${k}`);
  }
});

for (const [id, [ok, bad, mode]] of Object.entries(STATIC)) {
  test(`${id} static: passes and fails`, () => {
    assert.equal(statusOf(id, staticFacts(ok)), 'pass', `${id} should pass with:\n${ok}`);
    assert.equal(statusOf(id, staticFacts(bad, mode)), 'fail', `${id} should fail with:\n${bad}`);
  });
}

function liveFacts(over: Partial<LiveFacts>): Facts {
  const live: LiveFacts = {
    host: '127.0.0.1', port: 6379, tls: false, flavour: 'redis', version: '7.4.6', info: { role: 'master' }, unauthPing: 'NOAUTH Authentication required.',
    config: new Map(), aclList: [], aclLog: [], probes: new Map(), configSetDir: null, modules: [], tlsProbe: null, local: false, uid: null, guessed: null, ...over,
  };
  return { config: null, live, adminNames: null, now: Date.now() };
}

test('live-only rules: pass and fail from live facts', () => {
  assert.equal(statusOf('RDT-004', liveFacts({ host: '10.1.2.3' })), 'pass');
  assert.equal(statusOf('RDT-004', liveFacts({ host: '8.8.8.8' })), 'fail');
  assert.equal(statusOf('RDT-051', liveFacts({ aclLog: [] })), 'pass');
  assert.equal(statusOf('RDT-051', liveFacts({ aclLog: [{ reason: 'auth', count: '12', username: 'admin', 'client-info': 'id=3 addr=10.0.0.9:5555' }] })), 'fail');
  assert.equal(statusOf('RDT-060', liveFacts({ uid: 999, info: { process_id: '1' } })), 'pass');
  assert.equal(statusOf('RDT-060', liveFacts({ uid: 0, info: { process_id: '1' } })), 'fail');
  assert.equal(statusOf('RDT-070', liveFacts({ version: '7.4.6' })), 'pass');
  assert.equal(statusOf('RDT-070', liveFacts({ version: '7.2.4' })), 'fail');
  assert.equal(statusOf('RDT-070', liveFacts({ flavour: 'valkey', version: '8.1.4' })), 'pass');
  assert.equal(statusOf('RDT-070', liveFacts({ flavour: 'valkey', version: '8.0.1' })), 'fail');
  assert.equal(statusOf('RDT-070', liveFacts({ version: '6.0.20' })), 'fail'); // end of life
  assert.equal(statusOf('RDT-082', liveFacts({ info: { role: 'master' } })), 'pass');
  assert.equal(statusOf('RDT-082', liveFacts({ info: { role: 'slave', master_host: '203.0.113.9', master_port: '6379' } })), 'fail');
});

test('--allow-module: an expected module is not a finding', async () => {
  const file = writeConf('bind 127.0.0.1\nloadmodule /opt/redisearch.so');
  const json = async (args: string[]) => JSON.parse((await cli(['--config', file, '--format', 'json', ...args])).out).results.find((r: { id: string }) => r.id === 'RDT-081').status;
  assert.equal(await json([]), 'fail');
  assert.equal(await json(['--allow-module', '/opt/redisearch.so']), 'pass');
});

test('include and aclfile are followed; findings point at the line that causes them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-inc-'));
  mkdirSync(join(dir, 'conf.d'));
  writeFileSync(join(dir, 'conf.d', 'net.conf'), '# network\nprotected-mode no\n');
  writeFileSync(join(dir, 'users.acl'), `user default off\nuser app on nopass ~app:* +get\n`);
  const file = join(dir, 'redis.conf');
  writeFileSync(file, `bind 127.0.0.1\ninclude ${dir}/conf.d/*.conf\naclfile users.acl\n`);
  const f: Facts = { config: probeConfig(file), live: null, adminNames: null, now: Date.now() };
  const r2 = ruleById('RDT-002')!.check(f);
  assert.equal(r2.status, 'fail');
  assert.deepEqual(r2.loc, { file: join(dir, 'conf.d', 'net.conf'), line: 2 });
  const r13 = ruleById('RDT-013')!.check(f);
  assert.equal(r13.status, 'fail');
  assert.deepEqual(r13.loc, { file: join(dir, 'users.acl'), line: 2 });
  assert.equal(ruleById('RDT-010')!.check(f).status, 'pass'); // default off in the aclfile
});

test('evidence never contains a password', () => {
  const f = staticFacts('requirepass hunter2hunter2\nuser app on >tooshortsecret ~app:* +get');
  const text = evaluate(f).map((r) => r.outcome.evidence).join('\n');
  assert.ok(!text.includes('hunter2') && !text.includes('tooshortsecret'), text);
  assert.match(text, /14 characters/);
});

const ONLY_LOW = `bind 127.0.0.1\nuser default off\nmaxmemory 1gb\nclient-output-buffer-limit normal 1mb 1mb 0\ntls-port 6380\nport 0\ntimeout 0\ndir ${privateDir}`;

test('score: weighted by severity, a critical failure caps it at 40, no failures give 100', () => {
  const bad = score(evaluate(staticFacts('')));
  assert.ok(bad.score <= 40 && bad.grade === 'F', JSON.stringify(bad));
  const onlyLow = score(evaluate(staticFacts(ONLY_LOW)));
  assert.deepEqual(evaluate(staticFacts(ONLY_LOW)).filter((r) => r.outcome.status === 'fail').map((r) => r.rule.id), ['RDT-042']);
  assert.ok(onlyLow.score >= 90 && onlyLow.score < 100, JSON.stringify(onlyLow));
});

class Sink {
  text = '';
  isTTY = false;
  write(s: string) {
    this.text += s;
    return true;
  }
}
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new Sink();
  const err = new Sink();
  const code = await auditMain(args, out, err);
  return { code, out: out.text, err: err.text };
}

test('exit codes: --fail-on high gives 1 with a high finding, 0 when the worst is below; 2 when the audit cannot run', async () => {
  const weak = writeConf('bind 127.0.0.1\nuser default off\nprotected-mode no');
  assert.equal((await cli(['--config', weak, '--fail-on', 'high'])).code, 1);
  assert.equal((await cli(['--config', weak, '--fail-on', 'critical'])).code, 0);
  assert.equal((await cli(['--config', weak])).code, 0);
  const missing = await cli(['--config', '/nonexistent/redis.conf', '--fail-on', 'high']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /could not run: cannot read/);
  assert.equal((await cli(['--url', 'redis://127.0.0.1:1'])).code, 2);
  assert.equal((await cli(['--bogus'])).code, 2);
  assert.equal((await cli([])).code, 2);
});

test('text report: grouped by area with evidence and fix; colour only when asked', async () => {
  const file = writeConf('bind 0.0.0.0');
  const plain = (await cli(['--config', file])).out;
  assert.match(plain, /NETWORK\n {2}FAIL RDT-001 \[critical\]/);
  assert.match(plain, /bind 0\.0\.0\.0 \(.*redis\.conf:1\)\n {7}fix: bind 127\.0\.0\.1/);
  assert.ok(!plain.includes('\x1b['));
  assert.ok((await cli(['--config', file, '--color'])).out.includes('\x1b[35mFAIL'));
  const json = JSON.parse((await cli(['--config', file, '--format', 'json'])).out);
  assert.equal(json.results.find((r: { id: string }) => r.id === 'RDT-001').status, 'fail');
  assert.ok(json.score <= 40);
});

test('SARIF output validates against the SARIF 2.1.0 schema and points at config lines', async () => {
  const Ajv = require('ajv-draft-04');
  const addFormats = require('ajv-formats');
  const schema = JSON.parse(readFileSync(join(here, '..', '..', '..', 'test', 'fixtures', 'sarif', 'sarif-schema-2.1.0.json'), 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  const file = writeConf('bind 0.0.0.0\nprotected-mode no\nrequirepass short');
  const log = JSON.parse((await cli(['--config', file, '--format', 'sarif'])).out);
  assert.ok(validate(log), JSON.stringify(validate.errors?.slice(0, 5)));
  const run = log.runs[0];
  assert.equal(run.tool.driver.rules.length, RULES.length);
  const r2 = run.results.find((r: { ruleId: string }) => r.ruleId === 'RDT-002');
  assert.equal(r2.locations[0].physicalLocation.region.startLine, 2);
  assert.ok(r2.partialFingerprints['redoubtRule/v1']);
  assert.equal(run.tool.driver.rules[r2.ruleIndex].properties['security-severity'], '7.5');
  // an invalid document is refused: the validator is not a no-op
  assert.equal(validate({ version: '2.1.0', runs: [{ tool: {} }] }), false);
});
