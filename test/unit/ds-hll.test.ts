import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { HLL, HLL_DENSE_SIZE, HLL_REGISTERS, hllPatLen, murmurHash64A } from '../../src/store/ds/hll.js';

// ---------------------------------------------------------------- helpers

type Spec =
  | { kind: 'list'; items: string[] }
  | { kind: 'seq'; prefix: string; from: number; to: number }
  | { kind: 'bin'; seed: number; n: number };

function expand(spec: Spec): string[] {
  if (spec.kind === 'list') return spec.items;
  const o: string[] = [];
  if (spec.kind === 'seq') {
    for (let i = spec.from; i < spec.to; i++) o.push(spec.prefix + i);
    return o;
  }
  let x = spec.seed >>> 0;
  const rnd = (): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x >>> 16;
  };
  for (let i = 0; i < spec.n; i++) {
    const len = rnd() % 41;
    let s = '';
    for (let j = 0; j < len; j++) s += String.fromCharCode(rnd() & 255);
    o.push(s);
  }
  return o;
}

const hex = (h: string): string => Buffer.from(h, 'hex').toString('latin1');
const b2 = (n: number): string => n.toString(16).padStart(2, '0');
const xzero = (len: number): string => b2(0x40 | ((len - 1) >> 8)) + b2((len - 1) & 0xff);

/** Crafted but valid inputs that were SET on redis-server. */
const crafted: Record<string, () => string> = {
  // notused bytes 01 02 03, bogus valid cached cardinality 5, 200 x XZERO:1 then XZERO:16184
  craftedXzero1: () => hex('48594c4c' + '01' + '010203' + '0500000000000000' + '4000'.repeat(200) + xzero(16384 - 200)),
  // 100 x (ZERO:1, VAL:3x1, VAL:3x2) -- adjacent unmerged VALs; then XZERO
  craftedUnmerged: () => hex('48594c4c01000000' + '0000000000000080' + '008889'.repeat(100) + xzero(16384 - 400)),
  // dense with registers above Q+1: r0=63, r5=52, r16383=40, r100=1
  craftedDenseHigh: () => {
    const regs = new Array<number>(16384).fill(0);
    regs[0] = 63;
    regs[5] = 52;
    regs[16383] = 40;
    regs[100] = 1;
    let h = '48594c4c00000000' + '0000000000000080';
    for (let i = 0; i < 16384; i += 4) {
      const [a, b, c, d] = regs.slice(i, i + 4);
      h += b2((a | (b << 6)) & 255) + b2(((b >> 2) | (c << 4)) & 255) + b2(((c >> 4) | (d << 2)) & 255);
    }
    return hex(h);
  },
};

function digest(s: string): string {
  const b = Buffer.from(s, 'latin1');
  if (b.length <= 160) return 'hex:' + b.toString('hex');
  return 'sha256:' + b.length + ':' + createHash('sha256').update(b).digest('hex');
}

type Step = (string | Spec)[];
interface Scenario {
  name: string;
  maxBytes?: number;
  steps: Step[];
}

// Scenarios replayed against redis-server 7.0.15 (Debian) with a raw RESP client:
// pfadd -> [PFADD reply, GET], pfcount -> [PFCOUNT reply, GET of each key],
// pfmerge -> ["OK", GET dst], set -> ["OK", GET]. hll-sparse-max-bytes = maxBytes ?? 3000.
const SCENARIOS: Scenario[] = [
  {"name":"tiny sparse","steps":[["pfadd","k",{"kind":"list","items":["a","b","c","hello","foo","","x"]}],["pfcount","k"],["pfadd","k",{"kind":"list","items":["a"]}],["pfadd","k",{"kind":"list","items":["zzz-new-1","zzz-new-2"]}],["pfcount","k"]]},
  {"name":"empty pfadd","steps":[["pfadd","k",{"kind":"list","items":[]}],["pfcount","k"]]},
  {"name":"sparse 300","steps":[["pfadd","k",{"kind":"seq","prefix":"e","from":0,"to":300}],["pfcount","k"]]},
  {"name":"sparse binary","steps":[["pfadd","k",{"kind":"bin","seed":42,"n":400}],["pfcount","k"]]},
  {"name":"sparse near limit","steps":[["pfadd","k",{"kind":"seq","prefix":"user:","from":0,"to":1200}],["pfcount","k"]]},
  {"name":"promote default","steps":[["pfadd","k",{"kind":"seq","prefix":"m","from":0,"to":3000}],["pfcount","k"],["pfadd","k",{"kind":"seq","prefix":"m","from":3000,"to":3100}],["pfcount","k"]]},
  {"name":"promote small max","maxBytes":200,"steps":[["pfadd","k",{"kind":"seq","prefix":"s","from":0,"to":60}],["pfadd","k",{"kind":"seq","prefix":"s","from":60,"to":120}],["pfcount","k"]]},
  {"name":"dense 20k","steps":[["pfadd","k",{"kind":"seq","prefix":"big","from":0,"to":20000}],["pfcount","k"]]},
  {"name":"dense 200k","steps":[["pfadd","k",{"kind":"seq","prefix":"","from":0,"to":200000}],["pfcount","k"]]},
  {"name":"binary dense","steps":[["pfadd","k",{"kind":"bin","seed":7,"n":30000}],["pfcount","k"]]},
  {"name":"merge sparse","steps":[["pfadd","a",{"kind":"seq","prefix":"a","from":0,"to":100}],["pfadd","b",{"kind":"seq","prefix":"b","from":0,"to":150}],["pfcount","a","b"],["pfmerge","d","a","b"],["pfcount","d"],["pfmerge","a","b"],["pfcount","a"]]},
  {"name":"merge dense+sparse","steps":[["pfadd","a",{"kind":"seq","prefix":"a","from":0,"to":50}],["pfadd","b",{"kind":"seq","prefix":"b","from":0,"to":10000}],["pfmerge","d","a","b"],["pfcount","d"],["pfmerge","a","b"],["pfcount","a","b","d"]]},
  {"name":"merge grows sparse past limit","maxBytes":300,"steps":[["pfadd","a",{"kind":"seq","prefix":"q","from":0,"to":70}],["pfadd","b",{"kind":"seq","prefix":"r","from":0,"to":70}],["pfmerge","d","a","b"],["pfcount","d"]]},
  {"name":"merge into empty","steps":[["pfmerge","d"],["pfcount","d"]]},
  {"name":"crafted sparse xzero1","steps":[["set","k","@craftedXzero1"],["pfcount","k"],["pfadd","k",{"kind":"seq","prefix":"c","from":0,"to":300}],["pfcount","k"]]},
  {"name":"crafted sparse unmerged","steps":[["set","k","@craftedUnmerged"],["pfadd","k",{"kind":"seq","prefix":"u","from":0,"to":500}],["pfcount","k"]]},
  {"name":"crafted dense high regs","steps":[["set","k","@craftedDenseHigh"],["pfcount","k"],["pfadd","s",{"kind":"seq","prefix":"v","from":0,"to":20}],["pfmerge","s","k"],["pfcount","s","k"],["pfadd","k",{"kind":"seq","prefix":"w","from":0,"to":10}],["pfcount","k"]]},
  {"name":"sparse around 3000 bytes","steps":[["pfadd","k",{"kind":"seq","prefix":"n","from":0,"to":1500}],["pfadd","k",{"kind":"seq","prefix":"n","from":1500,"to":1600}],["pfadd","k",{"kind":"seq","prefix":"n","from":1600,"to":1700}],["pfadd","k",{"kind":"seq","prefix":"n","from":1700,"to":1800}],["pfcount","k"]]},
  {"name":"one by one order matters","steps":[["pfadd","k",{"kind":"seq","prefix":"o","from":0,"to":1}],["pfadd","k",{"kind":"seq","prefix":"o","from":1,"to":500}],["pfcount","k"]]},
];

// Expected results: these came from redis-server 7.0 (v=7.0.15), one row per scenario.
// Strings longer than 160 bytes are recorded as sha256:<length>:<digest> of the GET reply.
const EXPECTED: unknown[][][] = [
  // tiny sparse
  [[1,"hex:48594c4c010000000000000000000080573184458090443e80430a804da5844bfb8042508408"],[7,"hex:48594c4c010000000700000000000000573184458090443e80430a804da5844bfb8042508408"],[0,"hex:48594c4c010000000700000000000000573184458090443e80430a804da5844bfb8042508408"],[1,"hex:48594c4c010000000700000000000080537a8443b584458090443e80430a80431c884a87844bfb8042508408"],[9,"hex:48594c4c010000000900000000000000537a8443b584458090443e80430a80431c884a87844bfb8042508408"]],
  // empty pfadd
  [[1,"hex:48594c4c0100000000000000000000807fff"],[0,"hex:48594c4c0100000000000000000000007fff"]],
  // sparse 300
  [[1,"sha256:713:ab79ebe4610713608b23a3804528ae5599497cc1c3c75823949c82ce2c86a485"],[302,"sha256:713:5c5ae406a720663ee52d40494c2524c28b6a11e991e72ee5280d5c0ccea416c5"]],
  // sparse binary
  [[1,"sha256:861:33f0f577294077f30ce370251c79b7f55d84809673ebd5496ea456a3d54f306c"],[390,"sha256:861:2724e8aca011c0a301287e9a3607f9820c0c826c0ddc3da917304b5f235d5012"]],
  // sparse near limit
  [[1,"sha256:2237:5e1b990b4cb5dbb290dfdbf1df6b7cf3b32b51f66002dbfa5fb04acfdbbf5ea7"],[1206,"sha256:2237:dde10de6464f66b7e960fdf120110c9b51c16e5f91d573dd9e3979690b4ac0f5"]],
  // promote default
  [[1,"sha256:12304:6b249532d2a005d476885cdf75e838fafadbb5b8ab4a013173c183e714cc6778"],[3001,"sha256:12304:84474763b5d73bd8ab45c216f36fa79f5a918f5b583602e88fe0e57521f870a0"],[1,"sha256:12304:dfed9876b80e9760de117f4f50c77ba26efc80ac115e22549a1fb95ca3f0ec59"],[3109,"sha256:12304:d567b6a6d78729a58cfc2a1be434957db9e01c46db84fb082d95bcbc1cada21f"]],
  // promote small max
  [[1,"sha256:185:2f607fe35d879337d0c434007c477ae2ffc1007a08a6a221e0946b1cf7e8ceaf"],[1,"sha256:12304:9d7f442e002335b87adce71ef7dae656a3bd10a7e868bf2e035aef1797275018"],[120,"sha256:12304:12bce2988d5e4d1a726f68726af1827197076d5c29c99ed5c57c1dd3f0680408"]],
  // dense 20k
  [[1,"sha256:12304:42d72b00b0009e0828f772007476522bc5c0fe7a2b9478e77210577b6f05ae69"],[19804,"sha256:12304:8a2deff5f98fcca7a14e570a0566c4155115c510d801d8520376a7f73140c751"]],
  // dense 200k
  [[1,"sha256:12304:f59af194ecccfd8675ddb93b7c00bff46ae18f10b427bba82eff89d83d60ff14"],[200305,"sha256:12304:7a5930ce0caecbef5cbe0ffb91067786090f6bec15f0dc0dd4864e3552f4b8dd"]],
  // binary dense
  [[1,"sha256:12304:7f31900b345e47e5c1f1a9a70377b355ef99c85d1a4076b8981ef24bd112092a"],[28703,"sha256:12304:c0ed4a586901d2a34a78d2d4d436fe182b743fe6330457f31d4b8d2762a1c47d"]],
  // merge sparse
  [[1,"sha256:286:bbf457ed71ca3088222bac37980979276ae9312098a6d8c2f227bc9d54e43bc7"],[1,"sha256:393:01144a7d26c003ef123d53df8bc1f7289221182af170d4e58b284db7ce39c8bf"],[249,"sha256:286:bbf457ed71ca3088222bac37980979276ae9312098a6d8c2f227bc9d54e43bc7","sha256:393:01144a7d26c003ef123d53df8bc1f7289221182af170d4e58b284db7ce39c8bf"],["OK","sha256:598:d6338895a7e555b3fa746393d34159b7c63813b48c92adc67b18923e73af018c"],[249,"sha256:598:cabaa9363d69437a5feb5e426a0abf553dceeb21d9ca83e14444943c27cb28d1"],["OK","sha256:598:d6338895a7e555b3fa746393d34159b7c63813b48c92adc67b18923e73af018c"],[249,"sha256:598:cabaa9363d69437a5feb5e426a0abf553dceeb21d9ca83e14444943c27cb28d1"]],
  // merge dense+sparse
  [[1,"hex:48594c4c010000000000000000000080408388412b8041508841eb8040ff9441a58c40a584461088409d80405c8042268040d498048c40d9804173800388416f8040da84407b842b88433784423c80447c8440cf8040a280406d8440db903e8841c58044a38440ae84209c420f84436388405080406e8040f18041f584409688409f8440c6981784279043cb8440c0884095844147800c84417f80407e844049"],[1,"sha256:12304:f2c5e93ac16c141e15fa6e38d18415600666619be9612567fa74cb7240002508"],["OK","sha256:12304:ada57f82085311e2befa93cc99d3b7dd3bb767bae9d9f74dd67b4b215d05dc19"],[10102,"sha256:12304:f0c170ad49ab07b2eb1cf23d1d027bf389f32e04e4723a4b59f7f4eef0a34213"],["OK","sha256:12304:ada57f82085311e2befa93cc99d3b7dd3bb767bae9d9f74dd67b4b215d05dc19"],[10102,"sha256:12304:ada57f82085311e2befa93cc99d3b7dd3bb767bae9d9f74dd67b4b215d05dc19","sha256:12304:f2c5e93ac16c141e15fa6e38d18415600666619be9612567fa74cb7240002508","sha256:12304:f0c170ad49ab07b2eb1cf23d1d027bf389f32e04e4723a4b59f7f4eef0a34213"]],
  // merge grows sparse past limit
  [[1,"sha256:208:38e763ee6cde78347c83670e88eb75e35b00e21f64ecb1b4fce320b0a4b8c921"],[1,"sha256:210:3100e5ca7693df7675dbbe6217f0b488fea88c0e7d2a9a153348ec9957001683"],["OK","sha256:12304:5262d3c29f3e9cae466fa900abeb998a2dca0b90d97404d1b0eb6c7f8576c9fe"],[141,"sha256:12304:151bba3ffd13cfaa1c312131ace61f0bace532630d6d67dfca71089abca3e961"]],
  // merge into empty
  [["OK","hex:48594c4c0100000000000000000000807fff"],[0,"hex:48594c4c0100000000000000000000007fff"]],
  // crafted sparse xzero1
  [["OK","sha256:418:c5edfb321fe17072a8505504ad335aee5e7e260bea9a332232daaa601503d454"],[5,"sha256:418:c5edfb321fe17072a8505504ad335aee5e7e260bea9a332232daaa601503d454"],[1,"sha256:1078:1aa119108f9f7a66a5da20bcc34245f4cf66b73fed3b2943b4c42c01ec8a2b43"],[302,"sha256:1078:3a48f906eac34996f309ada73b26fab8495d71e5f55e48c6825c275cc92725d3"]],
  // crafted sparse unmerged
  [["OK","sha256:318:8a3e2f2624caf116288ab66d41670612fe5dbfeeb16df8773732496198b293e5"],[1,"sha256:1294:121303e1b9ec38b11060bf1c2a3b56b98b774b50d52afee430c4951872c1a76b"],[798,"sha256:1294:ee86353ea53f754a6b40d39b4f5d400448a1a07f19a4e614c97eec9b8c1ed6a0"]],
  // crafted dense high regs
  [["OK","sha256:12304:5f46b64abbc9baebf2fd23e23c943f36dbe6f2cd77651b5ba8c074883daebbe7"],[4,"sha256:12304:af7183b8521f5b7ba5300a3f7a00926e8b570db2103a8155f8417a3ddeefcbdf"],[1,"hex:48594c4c010000000000000000000080414a80421b8843b68042e780452580414384433a8840858842268440cd84441280452984407890423a8452738040bb88098040458c465180413e8041c3"],["OK","sha256:12304:365620441309147018b083c282b293d2274f88e3b94e19bcc638ccc5fe38bb51"],[24,"sha256:12304:365620441309147018b083c282b293d2274f88e3b94e19bcc638ccc5fe38bb51","sha256:12304:af7183b8521f5b7ba5300a3f7a00926e8b570db2103a8155f8417a3ddeefcbdf"],[1,"sha256:12304:95556058a7e703806021930e6bfda7de7c85344b4112a33153f5c1f85bd89232"],[14,"sha256:12304:2ae3b427fd7ae5f2ba89e20b4a295ebd6ffa87be4ca739e7716a53a50b33bc79"]],
  // sparse around 3000 bytes
  [[1,"sha256:2743:489dc3bb17e473f64be09b78f2cb76b2b6a6875f2619b007484f7322616c2ff1"],[1,"sha256:2899:02311778b49af52655bc00448dbd6ea55b4ec884376a8f38a1423df8cb4fe7fa"],[1,"sha256:12304:800fef34c98c4b77e8750e68df9cc57ac7c87968ca9a8cbe905142e62a013785"],[1,"sha256:12304:25d90af2216d88bd3b4fc656c970604ae068534f2261e2780015d8fb93158264"],[1804,"sha256:12304:70d152763db07808419a77b9c2be9ef0706294e8059ad9bea73e62272330fc22"]],
  // one by one order matters
  [[1,"hex:48594c4c0100000000000000000000806df69c5207"],[1,"sha256:1045:7631c54bfacedefeefd3961e4aee6f343c7196db3636257aabe65b79a23fe602"],[495,"sha256:1045:997a41045fd9ace36f9187938c295e84b728d3b90afee13441ca55f58013a4ef"]],
];

function runScenario(sc: Scenario): unknown[][] {
  const mb = sc.maxBytes ?? 3000;
  const db = new Map<string, HLL>();
  const out: unknown[][] = [];
  for (const st of sc.steps) {
    const op = st[0] as string;
    if (op === 'pfadd') {
      const key = st[1] as string;
      let h = db.get(key);
      let upd = 0;
      if (h === undefined) {
        h = new HLL();
        db.set(key, h);
        upd = 1;
      }
      for (const e of expand(st[2] as Spec)) if (h.add(e, mb)) upd = 1;
      if (upd) h.invalidateCache();
      out.push([upd, digest(h.toRedisString())]);
    } else if (op === 'set') {
      const s = crafted[(st[2] as string).slice(1)]();
      const h = HLL.fromRedisString(s);
      assert.ok(h, 'crafted input must parse');
      assert.equal(h.toRedisString(), s);
      db.set(st[1] as string, h);
      out.push(['OK', digest(h.toRedisString())]);
    } else if (op === 'pfcount') {
      const keys = st.slice(1) as string[];
      const hs = keys.map((k) => db.get(k)).filter((h): h is HLL => h !== undefined);
      const r = keys.length === 1 ? (hs[0]?.count() ?? 0) : HLL.countUnion(hs);
      out.push([r, ...keys.map((k) => (db.has(k) ? digest((db.get(k) as HLL).toRedisString()) : null))]);
    } else if (op === 'pfmerge') {
      const keys = st.slice(1) as string[];
      let d = db.get(keys[0]);
      if (d === undefined) {
        d = new HLL();
        db.set(keys[0], d);
      }
      d.merge(keys.slice(1).map((k) => db.get(k)).filter((h): h is HLL => h !== undefined), mb);
      out.push(['OK', digest(d.toRedisString())]);
    }
  }
  return out;
}

// ---------------------------------------------------------------- tests

test('hll: byte-exact and PFCOUNT-exact vs redis-server 7.0 vectors', () => {
  assert.equal(SCENARIOS.length, EXPECTED.length);
  for (let i = 0; i < SCENARIOS.length; i++) {
    assert.deepEqual(runScenario(SCENARIOS[i]), EXPECTED[i], SCENARIOS[i].name);
  }
});

test('hll: redis-produced strings round-trip through fromRedisString/toRedisString', () => {
  const a = new HLL();
  for (const e of expand({ kind: 'seq', prefix: 'rt', from: 0, to: 700 })) a.add(e);
  a.invalidateCache();
  const s = a.toRedisString();
  const b = HLL.fromRedisString(s);
  assert.ok(b);
  assert.equal(b.toRedisString(), s);
  assert.equal(b.encoding, 'sparse');
  b.toDense();
  const d = b.toRedisString();
  assert.equal(d.length, HLL_DENSE_SIZE);
  const c = HLL.fromRedisString(d);
  assert.ok(c);
  assert.equal(c.toRedisString(), d);
  assert.equal(c.count(), a.count());
  assert.deepEqual(c.registers(), a.registers());
});

/** Reference MurmurHash64A with BigInt, straight from the C code. */
function murmurRef(s: string, seed: bigint): bigint {
  const M = 0xc6a4a7935bd1e995n;
  const mask = (1n << 64n) - 1n;
  const len = s.length;
  let h = (seed ^ (BigInt(len) * M)) & mask;
  const nb = len - (len & 7);
  for (let i = 0; i < nb; i += 8) {
    let k = 0n;
    for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(s.charCodeAt(i + j));
    k = (k * M) & mask;
    k ^= k >> 47n;
    k = (k * M) & mask;
    h ^= k;
    h = (h * M) & mask;
  }
  const rem = len & 7;
  if (rem) {
    for (let j = rem - 1; j >= 0; j--) h ^= BigInt(s.charCodeAt(nb + j)) << BigInt(8 * j);
    h = (h * M) & mask;
  }
  h ^= h >> 47n;
  h = (h * M) & mask;
  h ^= h >> 47n;
  return h;
}

const latin1 = fc
  .array(fc.integer({ min: 0, max: 255 }), { maxLength: 70 })
  .map((a) => String.fromCharCode(...a));

test('hll: MurmurHash64A (32-bit halves) equals BigInt reference', () => {
  fc.assert(
    fc.property(latin1, fc.integer({ min: 0, max: 0xffffffff }), (s, seed) => {
      assert.equal(murmurHash64A(s, seed), murmurRef(s, BigInt(seed)));
    }),
    { numRuns: 2000 },
  );
});

test('hll: hllPatLen index/count derived from hash like Redis', () => {
  fc.assert(
    fc.property(latin1, (s) => {
      const h = murmurRef(s, 0xadc83b19n);
      const { index, count } = hllPatLen(s);
      assert.equal(index, Number(h & 16383n));
      let rest = (h >> 14n) | (1n << 50n);
      let c = 1;
      while ((rest & 1n) === 0n) {
        c++;
        rest >>= 1n;
      }
      assert.equal(count, c);
    }),
    { numRuns: 1000 },
  );
});

test('hll: sparse and dense agree; count tracks cardinality', () => {
  const s = new HLL();
  const d = new HLL();
  d.toDense();
  for (let i = 0; i < 5000; i++) {
    const e = 'el:' + i;
    assert.equal(s.add(e, 1 << 30), d.add(e));
  }
  assert.equal(s.encoding, 'sparse');
  assert.deepEqual(s.registers(), d.registers());
  assert.equal(s.estimate(), d.estimate());
  assert.ok(Math.abs(d.count() - 5000) / 5000 < 0.03);
  assert.equal(new HLL().count(), 0);
});

test('hll: merge is register-wise max', () => {
  fc.assert(
    fc.property(fc.array(latin1, { maxLength: 60 }), fc.array(latin1, { maxLength: 60 }), fc.boolean(), (xs, ys, dense) => {
      const a = new HLL();
      const b = new HLL();
      const u = new HLL();
      for (const x of xs) {
        a.add(x);
        u.add(x);
      }
      for (const y of ys) {
        b.add(y);
        u.add(y);
      }
      if (dense) b.toDense();
      const before = HLL.countUnion([a, b]);
      a.merge(b);
      assert.deepEqual(a.registers(), u.registers());
      assert.equal(a.encoding, dense ? 'dense' : 'sparse');
      assert.equal(a.count(), before);
      assert.equal(a.cacheValid, true);
    }),
    { numRuns: 200 },
  );
});

test('hll: isHLLHeader mirrors isHLLObjectOrReply', () => {
  assert.equal(HLL.isHLLHeader(new HLL().toRedisString()), true);
  assert.equal(HLL.isHLLHeader('HYLL\x00' + '\x00'.repeat(11)), false); // dense, wrong length
  assert.equal(HLL.isHLLHeader('HYLL\x02' + '\x00'.repeat(11)), false); // bad encoding
  assert.equal(HLL.isHLLHeader('HYLX\x01' + '\x00'.repeat(11)), false);
  assert.equal(HLL.isHLLHeader('HYLL\x01' + '\x00'.repeat(10)), false); // too short
  // Redis accepts a sparse header with a bad payload (INVALIDOBJ later); we reject it at parse.
  const bad = 'HYLL\x01' + '\x00'.repeat(11) + '\x7f';
  assert.equal(HLL.isHLLHeader(bad), true);
  assert.equal(HLL.fromRedisString(bad), null);
  assert.equal(HLL.fromRedisString('HYLL\x01' + '\x00'.repeat(11)), null); // no registers
  assert.equal(HLL.fromRedisString(new HLL().toRedisString() + '\x80'), null); // 16385 registers
  assert.equal(HLL.fromRedisString(''), null);
});

function checkParsed(s: string): void {
  const h = HLL.fromRedisString(s);
  if (h === null) return;
  assert.equal(h.toRedisString(), s);
  const regs = h.registers();
  assert.equal(regs.length, HLL_REGISTERS);
  h.count();
  h.add('x');
  h.merge(new HLL());
  HLL.fromRedisString(h.toRedisString());
}

test('hll: fromRedisString never throws on random bytes', () => {
  const header = fc.constantFrom('HYLL\x01\x00\x00\x00', 'HYLL\x00\x00\x00\x00', 'HYLL', 'HYL', '');
  const bytes = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }).map((a) => String.fromCharCode(...a));
  fc.assert(
    fc.property(header, bytes, (h, b) => {
      checkParsed(h + b);
    }),
    { numRuns: 3000 },
  );
  // sparse payloads built from random opcodes (often valid)
  const opcode = fc.oneof(
    fc.integer({ min: 0, max: 0x3f }).map((x) => String.fromCharCode(x)),
    fc.integer({ min: 0, max: 0x3fff }).map((x) => String.fromCharCode(0x40 | (x >> 8), x & 0xff)),
    fc.integer({ min: 0x80, max: 0xff }).map((x) => String.fromCharCode(x)),
  );
  fc.assert(
    fc.property(fc.array(opcode, { maxLength: 40 }), fc.integer({ min: 0, max: 16383 }), (ops, pad) => {
      let s = 'HYLL\x01\x00\x00\x00' + '\x00'.repeat(8) + ops.join('');
      checkParsed(s);
      // pad to exactly 16384 registers with XZERO when possible -> valid
      let n = 0;
      for (const o of ops) {
        const c = o.charCodeAt(0);
        n += (c & 0xc0) === 0 ? (c & 0x3f) + 1 : c & 0x80 ? (c & 3) + 1 : (((c & 0x3f) << 8) | o.charCodeAt(1)) + 1;
      }
      if (n < HLL_REGISTERS) {
        const r = HLL_REGISTERS - n;
        s += String.fromCharCode(0x40 | ((r - 1) >> 8), (r - 1) & 0xff);
        const h = HLL.fromRedisString(s);
        assert.ok(h);
        checkParsed(s);
      }
      void pad;
    }),
    { numRuns: 1000 },
  );
  // random single-byte corruption of valid sparse/dense strings
  const base = new HLL();
  for (let i = 0; i < 300; i++) base.add('c' + i);
  const sparse = base.toRedisString();
  base.toDense();
  const dense = base.toRedisString();
  fc.assert(
    fc.property(fc.boolean(), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: -3, max: 3 }), (useDense, pos, v, cut) => {
      let s = useDense ? dense : sparse;
      const p = pos % s.length;
      s = s.slice(0, p) + String.fromCharCode(v) + s.slice(p + 1);
      if (cut < 0) s = s.slice(0, s.length + cut);
      else if (cut > 0) s += '\x00'.repeat(cut);
      checkParsed(s);
    }),
    { numRuns: 2000 },
  );
  assert.equal(HLL.fromRedisString('HYLL\x01\x00\x00\x00' + '\x00'.repeat(8) + '\u0100'), null);
});

test('hll: dense bytes patched per register equal a full repack (adds, merges, count, clone, reparse)', () => {
  // independent reference: pack registers() into Redis's dense layout
  const repack = (h: HLL, header: string): string => {
    const r = h.registers();
    const out = Buffer.alloc(HLL_DENSE_SIZE);
    out.write(header, 0, 'latin1');
    let bit = 16 * 8;
    for (let i = 0; i < HLL_REGISTERS; i++, bit += 6) {
      for (let k = 0; k < 6; k++) if ((r[i] >> k) & 1) out[(bit + k) >> 3] |= 1 << ((bit + k) & 7);
    }
    return out.toString('latin1');
  };
  const check = (h: HLL): void => {
    const s = h.toRedisString();
    assert.equal(s.length, HLL_DENSE_SIZE);
    assert.equal(s, repack(h, s.slice(0, 16)));
    const back = HLL.fromRedisString(s) as HLL;
    assert.deepEqual(back.registers(), h.registers());
    assert.equal(back.toRedisString(), s);
  };
  const h = new HLL();
  for (let i = 0; i < 3000; i++) h.add('a' + i);
  assert.equal(h.encoding, 'dense'); // promoted past the default 3000 sparse bytes
  check(h);
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 2000; i++) h.add('r' + round + ':' + i);
    check(h);
    if (round % 5 === 0) h.count();
  }
  // keep going on a reparsed copy and on a clone: same bytes as the original
  const re = HLL.fromRedisString(h.toRedisString()) as HLL;
  const cl = h.clone();
  for (let i = 0; i < 5000; i++) {
    h.add('z' + i);
    re.add('z' + i);
    cl.add('z' + i);
  }
  check(re);
  assert.equal(re.toRedisString(), h.toRedisString());
  assert.equal(cl.toRedisString(), h.toRedisString());
  // merges into a dense destination, and a register raised to the top value 63
  const other = new HLL();
  for (let i = 0; i < 50000; i++) other.add('o' + i);
  h.merge(other);
  check(h);
  h.setRegister(HLL_REGISTERS - 1, 63);
  h.setRegister(0, 62);
  h.setRegister(5, 33);
  check(h);
  assert.equal(h.registers()[HLL_REGISTERS - 1], 63);
});
