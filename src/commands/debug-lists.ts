// The DEBUG subcommands about lists and listpacks (Redis 7.0 debug.c):
// DEBUG OBJECT's quicklist fields and serialized length, DEBUG QUICKLIST,
// DEBUG LISTPACK and DEBUG QUICKLIST-PACKED-THRESHOLD. Redis prints its
// structure dumps on its stdout (the client only gets a status line); so do
// we, in the same layout, with the node and entry sizes of Redis's encoding
// (store/quicklist.ts) instead of memory addresses.

import type { Client } from '../server/client.js';
import { ListValue } from '../store/list.js';
import { listpackBytes, lpEntryBytes, setPackedThreshold, type QuicklistModel } from '../store/quicklist.js';
import { memtoull } from '../config/registry.js';
import { RdbWriter } from '../persistence/rdb/writer.js';
import { writeString } from '../persistence/rdb/encode.js';
import { lzfCompress } from '../persistence/rdb/lzf.js';

/** quicklist.c MIN_COMPRESS_BYTES / MIN_COMPRESS_IMPROVE. */
const MIN_COMPRESS_BYTES = 48;
const MIN_COMPRESS_IMPROVE = 8;

/**
 * printf's %.2f. toFixed already rounds the double's exact value; only exact
 * ties (multiples of 1/8 like 1.125) differ: glibc rounds them to even.
 */
function fixed2(x: number): string {
  if (Number.isInteger(x * 8) && (x * 100) % 1 === 0.5) {
    const fl = Math.floor(x * 100);
    return ((fl % 2 === 0 ? fl : fl + 1) / 100).toFixed(2);
  }
  return x.toFixed(2);
}

/** Node i's elements, given the index of its first element. */
function nodeItems(list: ListValue, first: number, count: number): string[] {
  return list.items.slice(first, first + count - 1);
}

/** The node's uncompressed bytes: its listpack, or a plain node's element. */
function nodeBlob(ql: QuicklistModel, i: number, items: string[]): Buffer {
  return ql.isPlain(i) ? Buffer.from(items[0], 'latin1') : listpackBytes(items);
}

/** LZF form of a node outside the compress depth, when Redis keeps it compressed. */
function lzfNode(list: ListValue, ql: QuicklistModel, i: number, blob: Buffer): Buffer | null {
  const d = list.compress;
  if (d === 0 || ql.len < d * 2 || i < d || i >= ql.len - d) return null;
  if (blob.length < MIN_COMPRESS_BYTES) return null;
  const c = lzfCompress(blob, blob.length);
  if (c === null || c.length + MIN_COMPRESS_IMPROVE >= blob.length) return null;
  return c;
}

/** rdbSavedObjectLen of a quicklist (RDB_TYPE_LIST_QUICKLIST_2). */
export function listSerializedLength(list: ListValue, rdbCompression: boolean): number {
  let total = 0;
  const w = new RdbWriter((chunk) => (total += chunk.length), false);
  const ql = list.nodes();
  w.len(ql.len);
  let first = 0;
  for (let i = 0; i < ql.len; i++) {
    const k = ql.count(i);
    const blob = nodeBlob(ql, i, nodeItems(list, first, k));
    first += k;
    w.len(ql.isPlain(i) ? 1 : 2); // QUICKLIST_NODE_CONTAINER_PLAIN / PACKED
    const lzf = lzfNode(list, ql, i, blob);
    if (lzf !== null) {
      w.byte(0xc3); // rdbSaveLzfBlob
      w.len(lzf.length);
      w.len(blob.length);
      w.bytes(lzf);
    } else {
      writeString(w, blob.toString('latin1'), rdbCompression);
    }
  }
  w.drain();
  return total;
}

/** DEBUG OBJECT's extra fields for a quicklist. */
export function quicklistFields(list: ListValue): string {
  const ql = list.nodes();
  const avg = ql.len === 0 ? 0 : list.length / ql.len;
  return (
    ` ql_nodes:${ql.len} ql_avg_node:${fixed2(avg)} ql_listpack_max:${list.fill}` +
    ` ql_compressed:${list.compress !== 0 ? 1 : 0} ql_uncompressed_size:${ql.totalBytes()}`
  );
}

/** lpRepr: one block per entry. */
function listpackRepr(items: string[]): string {
  const lp = listpackBytes(items);
  let out = `{total bytes ${lp.length}} {num entries ${items.length}}\n`;
  let off = 6;
  items.forEach((s, index) => {
    const size = lpEntryBytes(s);
    const l = size <= 128 ? 1 : size <= 16384 ? 2 : size <= 2097153 ? 3 : size <= 268435458 ? 4 : 5;
    const first = lp[off];
    // lpCurrentEncodedSizeBytes: the bytes that say the length (12-bit and 32-bit strings)
    const hdr = (first & 0xf0) === 0xe0 ? 2 : first === 0xf0 ? 5 : 1;
    let bytes = '';
    for (let i = 0; i < size; i++) bytes += lp[off + i].toString(16).padStart(2, '0') + '|';
    out +=
      `{\n\taddr: 0x${off.toString(16).padStart(8, '0')},\n\tindex: ${String(index).padStart(2)},\n\toffset: ${off},\n` +
      `\thdr+entrylen+backlen: ${String(size).padStart(2)},\n\thdrlen: ${String(hdr).padStart(3)},\n` +
      `\tbacklen: ${String(l).padStart(2)},\n\tpayload: ${size - l - hdr}\n\tbytes: ${bytes}\n` +
      `\t[str]${s.length > 40 ? s.slice(0, 40) + '...' : s}\n}\n`;
    off += size;
  });
  return out + '{end}\n\n';
}

/** quicklistRepr(ql, full). */
function quicklistRepr(list: ListValue, full: boolean): string {
  const ql = list.nodes();
  let out =
    `{count : ${list.length}}\n{len : ${ql.len}}\n{fill : ${list.fill}}\n{compress : ${list.compress}}\n{bookmark_count : 0}\n`;
  let first = 0;
  for (let i = 0; i < ql.len; i++) {
    const k = ql.count(i);
    const items = nodeItems(list, first, k);
    first += k;
    const plain = ql.isPlain(i);
    const lzf = full || list.compress !== 0 ? lzfNode(list, ql, i, nodeBlob(ql, i, items)) : null;
    out += `{quicklist node(${i})\n`;
    out += `{container : ${plain ? 'PLAIN' : 'PACKED'}, encoding: ${lzf !== null ? 'LZF' : 'RAW'}, size: ${ql.bytes(i)}, count: ${k}, recompress: 0, attempted_compress: ${lzf !== null ? 1 : 0}}\n`;
    if (full) {
      if (plain) out += `{ entry : ${items[0]} }\n`;
      else out += '{ listpack:\n' + listpackRepr(items) + '}\n';
    }
    out += '}\n';
  }
  return out;
}

/** Elements of a listpack-encoded hash or sorted set, in listpack order; null when unknown. */
function listpackItems(v: { type: string }): string[] | null {
  const out: string[] = [];
  try {
    const o = v as unknown as Record<string, unknown>;
    const src = v.type === 'hash' ? o.map : v.type === 'zset' ? o.zs : null;
    if (src === null || src === undefined || typeof (src as Iterable<unknown>)[Symbol.iterator] !== 'function') return null;
    for (const e of src as Iterable<unknown>) {
      if (Array.isArray(e)) for (const x of e) out.push(typeof x === 'number' ? String(x) : String(x));
      else out.push(String(e));
    }
  } catch {
    return null;
  }
  return out;
}

function stdout(text: string): void {
  process.stdout.write(text, 'latin1');
}

/** DEBUG QUICKLIST <key> [<level>] */
export function debugQuicklist(c: Client, argv: string[]): void {
  const v = c.db.dict.get(argv[2]);
  if (v === undefined) return c.error('ERR no such key');
  const full = argv.length === 4 ? atoi(argv[3]) !== 0 : false;
  if (!(v instanceof ListValue)) return c.error('ERR Not a quicklist encoded object.');
  stdout(quicklistRepr(v, full));
  c.simple('Quicklist structure printed on stdout');
}

/** DEBUG LISTPACK <key> */
export function debugListpack(c: Client, argv: string[]): void {
  const v = c.db.dict.get(argv[2]);
  if (v === undefined) return c.error('ERR no such key');
  if (typeof v === 'string' || v.encoding() !== 'listpack') return c.error('ERR Not a listpack encoded object.');
  const items = listpackItems(v);
  stdout(items === null ? `{listpack of a ${v.type}}\n{end}\n\n` : listpackRepr(items));
  c.simple('Listpack structure printed on stdout');
}

/** DEBUG QUICKLIST-PACKED-THRESHOLD <size> */
export function debugPackedThreshold(c: Client, argv: string[]): void {
  const sz = memtoull(argv[2]);
  if (sz === null || !setPackedThreshold(Number(sz))) {
    return c.error('ERR argument must be a memory value bigger than 1 and smaller than 4gb');
  }
  c.ok();
}

function atoi(s: string): number {
  const m = /^\s*[+-]?\d+/.exec(s);
  return m ? parseInt(m[0], 10) : 0;
}
