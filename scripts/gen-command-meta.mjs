// Regenerates src/commands/meta.json: the facts Redis 7.0 publishes about each
// command (arity, flags, ACL categories, key specs, argument syntax) read from a
// running reference redis-server. Prose (summaries, complexity) is left out.
// Usage: node scripts/gen-command-meta.mjs [port]
import { Redis } from 'ioredis';
import { writeFileSync } from 'node:fs';

const port = Number(process.argv[2] || 6379);
const r = new Redis({ port, lazyConnect: true });
await r.connect();

const pairs = (a) => { const o = {}; for (let i = 0; i < a.length; i += 2) o[a[i]] = a[i + 1]; return o; };
const keySpec = (ks) => {
  const o = pairs(ks);
  const out = { flags: o.flags };
  if (o.notes) out.notes = o.notes;
  const bs = pairs(o.begin_search);
  out.begin_search = { type: bs.type, spec: Array.isArray(bs.spec) ? pairs(bs.spec) : {} };
  const fk = pairs(o.find_keys);
  out.find_keys = { type: fk.type, spec: Array.isArray(fk.spec) ? pairs(fk.spec) : {} };
  return out;
};
const info = (c) => {
  const o = {
    name: c[0], arity: c[1], flags: c[2], first: c[3], last: c[4], step: c[5],
    acl: c[6], tips: c[7], keySpecs: (c[8] || []).map(keySpec),
  };
  if (c[9] && c[9].length) o.sub = c[9].map(info);
  return o;
};
const arg = (a) => {
  const o = pairs(a);
  const out = {};
  for (const k of ['name', 'type', 'display_text', 'key_spec_index', 'token', 'flags', 'deprecated_since', 'since', 'value']) {
    if (o[k] !== undefined) out[k] = o[k];
  }
  if (o.arguments) out.arguments = o.arguments.map(arg);
  return out;
};
const docs = (d) => {
  const o = pairs(d);
  const out = {};
  for (const k of ['since', 'group', 'doc_flags', 'deprecated_since', 'replaced_by']) if (o[k] !== undefined) out[k] = o[k];
  if (o.arguments) out.arguments = o.arguments.map(arg);
  if (o.subcommands) { const s = pairs(o.subcommands); out.sub = {}; for (const k of Object.keys(s)) out.sub[k] = docs(s[k]); }
  return out;
};

const all = await r.call('COMMAND');
const d = pairs(await r.call('COMMAND', 'DOCS'));
const out = {};
for (const c of all) {
  const m = info(c);
  m.docs = d[m.name] ? docs(d[m.name]) : {};
  out[m.name] = m;
}
const sorted = Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]]));
writeFileSync(new URL('../src/commands/meta.json', import.meta.url), JSON.stringify(sorted, null, 0).replace(/\},"/g, '},\n"') + '\n');
console.log(`wrote ${Object.keys(sorted).length} commands`);
await r.quit();
