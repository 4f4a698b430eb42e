// COMMAND INFO / COMMAND DOCS of every command we implement, compared with
// the reference redis-server 7.0, type byte for type byte (status vs bulk,
// set vs array, map vs flat array), in RESP2 and RESP3.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startRedoubt, startRedis, type Running } from '../helpers/servers.js';

/** A reply with its RESP type kept: [typeByte, value]. */
type T = [string, unknown];

function parseTyped(buf: Buffer, pos: number): [T, number] | null {
  if (pos >= buf.length) return null;
  const t = String.fromCharCode(buf[pos]);
  const e = buf.indexOf('\r\n', pos + 1);
  if (e === -1) return null;
  const s = buf.toString('latin1', pos + 1, e);
  const next = e + 2;
  switch (t) {
    case '+':
    case '-':
    case ':':
    case '_':
    case ',':
    case '#':
    case '(':
      return [[t, s], next];
    case '$':
    case '=': {
      const n = Number(s);
      if (n < 0) return [[t, null], next];
      if (buf.length < next + n + 2) return null;
      return [[t, buf.toString('latin1', next, next + n)], next + n + 2];
    }
    case '*':
    case '~':
    case '%':
    case '>': {
      const n = Number(s);
      if (n < 0) return [[t, null], next];
      const count = t === '%' ? 2 * n : n;
      const items: T[] = [];
      let p = next;
      for (let i = 0; i < count; i++) {
        const r = parseTyped(buf, p);
        if (r === null) return null;
        items.push(r[0]);
        p = r[1];
      }
      return [[t, items], p];
    }
    default:
      throw new Error('bad type byte ' + t);
  }
}

class TypedClient {
  private buf = Buffer.alloc(0);
  private waiters: ((r: T) => void)[] = [];
  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (;;) {
        const r = parseTyped(this.buf, 0);
        if (r === null) break;
        this.buf = this.buf.subarray(r[1]);
        this.waiters.shift()?.(r[0]);
      }
    });
  }
  static connect(port: number): Promise<TypedClient> {
    return new Promise((res, rej) => {
      const s = net.connect(port, '127.0.0.1', () => res(new TypedClient(s)));
      s.once('error', rej);
    });
  }
  call(...args: string[]): Promise<T> {
    let out = `*${args.length}\r\n`;
    for (const a of args) out += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
    this.sock.write(Buffer.from(out, 'latin1'));
    return new Promise((r) => this.waiters.push(r));
  }
  close(): void {
    this.sock.destroy();
  }
}

let ours: Running;
let ref: Running;
const clients: TypedClient[] = [];

before(async () => {
  [ours, ref] = await Promise.all([startRedoubt(), startRedis()]);
});
after(async () => {
  for (const c of clients) c.close();
  await Promise.all([ours?.stop(), ref?.stop()]);
});

async function pair(resp: 2 | 3): Promise<[TypedClient, TypedClient]> {
  const a = await TypedClient.connect(ours.port);
  const b = await TypedClient.connect(ref.port);
  clients.push(a, b);
  if (resp === 3) {
    await a.call('HELLO', '3');
    await b.call('HELLO', '3');
  }
  return [a, b];
}

function str(t: T): string {
  return t[1] as string;
}

/** Names in a COMMAND INFO subcommand list / DOCS subcommand map. */
async function ourNames(a: TypedClient): Promise<string[]> {
  const list = await a.call('COMMAND', 'LIST');
  return (list[1] as T[]).map(str);
}

/** Keep only the reference's subcommands that we implement (same order). */
function filterInfoSubs(refInfo: T, ourInfo: T): T {
  const r = refInfo[1] as T[];
  const o = ourInfo[1] as T[];
  const mine = new Set((o[9][1] as T[]).map((s) => str((s[1] as T[])[0])));
  const subs = (r[9][1] as T[]).filter((s) => mine.has(str((s[1] as T[])[0])));
  const copy = r.slice();
  copy[9] = [r[9][0], subs];
  return [refInfo[0], copy];
}

/** Redis lists subcommands in hash-table order (random per process): compare them sorted by name. */
function sortInfoSubs(info: T): T {
  const r = (info[1] as T[]).slice();
  const subs = (r[9][1] as T[]).slice().sort((x, y) => str((x[1] as T[])[0]).localeCompare(str((y[1] as T[])[0])));
  r[9] = [r[9][0], subs];
  return [info[0], r];
}

for (const resp of [2, 3] as const) {
  test(`COMMAND INFO of every implemented command matches redis-server (RESP${resp})`, async () => {
    const [a, b] = await pair(resp);
    const names = await ourNames(a);
    assert.ok(names.length > 20, `only ${names.length} commands`);
    const mismatches: string[] = [];
    for (const name of names) {
      const [ra, rb] = await Promise.all([a.call('COMMAND', 'INFO', name), b.call('COMMAND', 'INFO', name)]);
      const oa = (ra[1] as T[])[0];
      let ob = (rb[1] as T[])[0];
      assert.ok(Array.isArray(oa[1]), `${name}: no info from us`);
      if (!Array.isArray(ob[1])) {
        mismatches.push(`${name}: unknown to redis-server`);
        continue;
      }
      ob = sortInfoSubs(filterInfoSubs(ob, oa));
      try {
        assert.deepEqual(sortInfoSubs(oa), ob);
      } catch {
        mismatches.push(`${name}:\n  ours: ${JSON.stringify(oa)}\n  ref:  ${JSON.stringify(ob)}`);
      }
    }
    assert.deepEqual(mismatches, []);
  });

  test(`COMMAND DOCS of every implemented command matches redis-server minus prose (RESP${resp})`, async () => {
    const [a, b] = await pair(resp);
    const names = (await ourNames(a)).filter((n) => !n.includes('|'));
    const mismatches: string[] = [];
    const PROSE = new Set(['summary', 'complexity', 'history']);
    // drop prose fields (and arguments' summaries) from a docs map, and subcommands we lack
    const strip = (m: T, keepSubs: Set<string> | null): T => {
      const items = m[1] as T[];
      const out: T[] = [];
      for (let i = 0; i < items.length; i += 2) {
        const k = str(items[i]);
        if (PROSE.has(k)) continue;
        let v = items[i + 1];
        if (k === 'arguments') v = [v[0], (v[1] as T[]).map((arg) => stripArg(arg))];
        if (k === 'subcommands') {
          const s = v[1] as T[];
          const pairs: [T, T][] = [];
          for (let j = 0; j < s.length; j += 2) {
            if (keepSubs && !keepSubs.has(str(s[j]))) continue;
            pairs.push([s[j], strip(s[j + 1], null)]);
          }
          // hash-table order in Redis: compare sorted by name
          pairs.sort((x, y) => str(x[0]).localeCompare(str(y[0])));
          v = [v[0], pairs.flat()];
        }
        out.push(items[i], v);
      }
      return [m[0], out];
    };
    const stripArg = (arg: T): T => {
      const items = arg[1] as T[];
      const out: T[] = [];
      for (let i = 0; i < items.length; i += 2) {
        const k = str(items[i]);
        if (k === 'summary') continue;
        let v = items[i + 1];
        if (k === 'arguments') v = [v[0], (v[1] as T[]).map(stripArg)];
        out.push(items[i], v);
      }
      return [arg[0], out];
    };
    for (const name of names) {
      const [ra, rb] = await Promise.all([a.call('COMMAND', 'DOCS', name), b.call('COMMAND', 'DOCS', name)]);
      const da = (ra[1] as T[])[1];
      const db = (rb[1] as T[])[1];
      if (!db) {
        mismatches.push(`${name}: unknown to redis-server`);
        continue;
      }
      // our subcommand names, to drop the ones we do not implement from the reference
      const items = da[1] as T[];
      let subs: Set<string> | null = null;
      for (let i = 0; i < items.length; i += 2) {
        if (str(items[i]) === 'subcommands') {
          const s = items[i + 1][1] as T[];
          subs = new Set(s.filter((_, j) => j % 2 === 0).map(str));
        }
      }
      const sa = strip(da, null);
      const sb = strip(db, subs ?? new Set());
      try {
        assert.deepEqual(sa, sb);
      } catch {
        mismatches.push(`${name}:\n  ours: ${JSON.stringify(sa)}\n  ref:  ${JSON.stringify(sb)}`);
      }
    }
    assert.deepEqual(mismatches, []);
  });
}

test('COMMAND COUNT counts top-level commands, COMMAND LIST includes subcommands', async () => {
  const [a] = await pair(2);
  const count = await a.call('COMMAND', 'COUNT');
  const all = await a.call('COMMAND');
  assert.equal(Number(count[1]), (all[1] as T[]).length);
  const list = await ourNames(a);
  assert.ok(list.includes('command|info'));
  assert.ok(list.length > Number(count[1]));
  const pat = await a.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'CLIENT|*');
  for (const n of (pat[1] as T[]).map(str)) assert.match(n, /^client\|/);
  const cat = await a.call('COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'dangerous');
  assert.ok((cat[1] as T[]).map(str).includes('debug'));
});
