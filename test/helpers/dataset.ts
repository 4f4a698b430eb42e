// A dataset that makes Redis 7.0 use every encoding it has (int/embstr/raw and
// LZF-compressible strings, quicklist lists with packed and plain nodes,
// intset and hashtable sets, listpack and hashtable hashes, listpack and
// skiplist zsets, sparse and dense HyperLogLogs), with TTLs and several
// databases; and a canonical dump of a server's whole contents to compare.

import { RawClient, plain, type Reply } from './resp-client.js';

export async function pipeline(c: RawClient, cmds: (string | number)[][]): Promise<Reply[]> {
  for (const cmd of cmds) c.send(cmd);
  const out: Reply[] = [];
  for (let i = 0; i < cmds.length; i++) out.push(await c.read(20000));
  return out;
}

function bytes(n: number, seed: number): string {
  let x = seed >>> 0 || 1;
  let s = '';
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    s += String.fromCharCode((x >>> 0) & 0xff);
  }
  return s;
}

/** Commands that build the dataset; `debug` adds what needs DEBUG (plain quicklist nodes). */
export function datasetCommands(opts: { big?: number; debug?: boolean } = {}): (string | number)[][] {
  const big = opts.big ?? 1000;
  const cmds: (string | number)[][] = [];
  const future = Date.now() + 3_600_000;
  cmds.push(['SELECT', 0]);
  cmds.push(['SET', 's:short', 'hello']);
  cmds.push(['SET', 's:int', '12345']);
  cmds.push(['SET', 's:neg', '-7']);
  cmds.push(['SET', 's:i16', '30000']);
  cmds.push(['SET', 's:i32', '2000000000']);
  cmds.push(['SET', 's:i64', '9007199254740993']);
  cmds.push(['SET', 's:notint', '007']);
  cmds.push(['SET', 's:lzf', 'abcdefgh'.repeat(200)]);
  cmds.push(['SET', 's:rand', bytes(700, 7)]);
  cmds.push(['SET', 's:empty', '']);
  cmds.push(['SET', '\x00bin\xffkey', '\x00\x01\xfe\xff']);
  cmds.push(['APPEND', 's:raw', 'x'.repeat(30)]);
  cmds.push(['SET', 's:ttl', 'v', 'PXAT', future]);
  cmds.push(['SET', 's:ttl2', 'w', 'PXAT', future + 12345]);
  cmds.push(['RPUSH', 'l:small', 'a', 'b', '1', '-2', '300000', '9223372036854775807', 'x'.repeat(100)]);
  const lbig: (string | number)[] = ['RPUSH', 'l:big'];
  for (let i = 0; i < big; i++) lbig.push(i % 3 === 0 ? String(i * 7919) : 'elem-' + i + '-' + 'z'.repeat(i % 50));
  cmds.push(lbig);
  cmds.push(['RPUSH', 'l:ttl', 'q']);
  cmds.push(['PEXPIREAT', 'l:ttl', future]);
  cmds.push(['SADD', 's:intset', '1', '-5', '1000', '70000', '5000000000']);
  const sbigint: (string | number)[] = ['SADD', 'set:bigint'];
  for (let i = 0; i < 600; i++) sbigint.push(String(i * 3 - 500));
  cmds.push(sbigint);
  cmds.push(['SADD', 'set:str', 'a', 'b', 'c', '\x00\xff']);
  const sbig: (string | number)[] = ['SADD', 'set:big'];
  for (let i = 0; i < big; i++) sbig.push('member:' + i);
  cmds.push(sbig);
  cmds.push(['HSET', 'h:small', 'f1', 'v1', 'n', '42', 'neg', '-100000', 'empty', '']);
  cmds.push(['HSET', 'h:long', 'f', 'y'.repeat(100)]);
  const hbig: (string | number)[] = ['HSET', 'h:big'];
  for (let i = 0; i < big; i++) hbig.push('field' + i, i % 2 ? String(i) : 'value' + i);
  cmds.push(hbig);
  cmds.push(['ZADD', 'z:small', '1', 'a', '2.5', 'b', '-0.25', 'c', 'inf', 'd', '-inf', 'e', '1e300', 'f', '3', '12345']);
  cmds.push(['ZADD', 'z:long', '1', 'm'.repeat(100)]);
  const zbig: (string | number)[] = ['ZADD', 'z:big'];
  for (let i = 0; i < big; i++) zbig.push(String((i * 37) % 1001) + '.125', 'zm' + i);
  cmds.push(zbig);
  cmds.push(['PFADD', 'hll:sparse', 'a', 'b', 'c']);
  const hll: (string | number)[] = ['PFADD', 'hll:dense'];
  for (let i = 0; i < 5000; i++) hll.push('e' + i);
  cmds.push(hll);
  if (opts.debug) {
    cmds.push(['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100']);
    cmds.push(['RPUSH', 'l:plain', 'small', 'P'.repeat(500), 'small2']);
    cmds.push(['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1073741824']);
  } else {
    cmds.push(['RPUSH', 'l:plain', 'small', 'P'.repeat(500), 'small2']);
  }
  cmds.push(['SELECT', 5]);
  cmds.push(['SET', 'db5', 'five']);
  cmds.push(['HSET', 'db5:h', 'a', '1']);
  cmds.push(['SELECT', 15]);
  cmds.push(['ZADD', 'db15:z', '1', 'one']);
  cmds.push(['SELECT', 0]);
  return cmds;
}

export interface KeyDump {
  type: string;
  encoding: string;
  value: unknown;
  pexpiretime: number;
}

/** Every key of every database: type, OBJECT ENCODING, contents (order-insensitive where Redis's order is its dict's), absolute expiry. */
export async function dumpAll(c: RawClient, dbs = 16, withEncoding = true): Promise<Record<string, Record<string, KeyDump>>> {
  const out: Record<string, Record<string, KeyDump>> = {};
  for (let db = 0; db < dbs; db++) {
    await c.call('SELECT', db);
    const keys = (plain(await c.call('KEYS', '*')) as string[]).sort();
    if (keys.length === 0) continue;
    const types = (await pipeline(c, keys.map((k) => ['TYPE', k]))).map((r) => plain(r) as string);
    const encs = (await pipeline(c, keys.map((k) => ['OBJECT', 'ENCODING', k]))).map((r) => plain(r) as string);
    const ttls = (await pipeline(c, keys.map((k) => ['PEXPIRETIME', k]))).map((r) => Number(plain(r)));
    const reads = keys.map((k, i) => {
      switch (types[i]) {
        case 'string':
          return ['GET', k];
        case 'list':
          return ['LRANGE', k, 0, -1];
        case 'set':
          return ['SMEMBERS', k];
        case 'hash':
          return ['HGETALL', k];
        case 'zset':
          return ['ZRANGE', k, 0, -1, 'WITHSCORES'];
        default:
          return ['TYPE', k];
      }
    });
    const vals = (await pipeline(c, reads)).map((r) => plain(r));
    const m: Record<string, KeyDump> = {};
    keys.forEach((k, i) => {
      let v = vals[i];
      if (types[i] === 'set') v = (v as string[]).slice().sort();
      if (types[i] === 'hash') {
        const a = v as string[];
        const pairs: string[] = [];
        for (let j = 0; j < a.length; j += 2) pairs.push(JSON.stringify([a[j], a[j + 1]]));
        v = pairs.sort();
      }
      m[k] = { type: types[i], encoding: withEncoding ? encs[i] : '', value: v, pexpiretime: ttls[i] };
    });
    out['db' + db] = m;
  }
  await c.call('SELECT', 0);
  return out;
}
