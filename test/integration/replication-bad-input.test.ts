// A Redoubt replica facing a misbehaving primary (a fake one in this
// process): garbage, a truncated or corrupt RDB, a broken command stream, a
// wrong masterauth. Each is logged clearly, the server keeps answering, and
// the dataset is never replaced by a half-loaded one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startRedoubt, type Running } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp-client.js';
import { info, waitFor } from '../helpers/replication.js';
import { crc64 } from '../../src/persistence/rdb/crc64.js';

const ID = 'a'.repeat(40);

/** A valid RDB holding db 0 key `k` = `v`. */
function rdb(k: string, v: string): Buffer {
  const body = Buffer.concat([Buffer.from('REDIS0010', 'latin1'), Buffer.from([0xfe, 0x00, 0x00, k.length]), Buffer.from(k, 'latin1'), Buffer.from([v.length]), Buffer.from(v, 'latin1'), Buffer.from([0xff])]);
  return Buffer.concat([body, crc64(body).bytes()]);
}

interface Fake {
  port: number;
  connections: number;
  commands: string[][];
  close: () => Promise<void>;
}

/** A fake primary: `answer` gets each command (argv) and returns bytes to send (or null to close). */
async function fakePrimary(answer: (argv: string[], sock: net.Socket) => string | Buffer | null | undefined): Promise<Fake> {
  const socks = new Set<net.Socket>();
  const f: Fake = { port: 0, connections: 0, commands: [], close: async () => {} };
  const srv = net.createServer((sock) => {
    f.connections++;
    socks.add(sock);
    sock.on('close', () => socks.delete(sock));
    sock.on('error', () => {});
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        const m = /^\*(\d+)\r\n/.exec(buf);
        if (m === null) return;
        let pos = m[0].length;
        const argv: string[] = [];
        for (let i = 0; i < Number(m[1]); i++) {
          const b = /^\$(\d+)\r\n/.exec(buf.slice(pos));
          if (b === null || buf.length < pos + b[0].length + Number(b[1]) + 2) return;
          pos += b[0].length;
          argv.push(buf.slice(pos, pos + Number(b[1])));
          pos += Number(b[1]) + 2;
        }
        buf = buf.slice(pos);
        f.commands.push(argv);
        const out = answer(argv, sock);
        if (out === null) sock.destroy();
        else if (out !== undefined) sock.write(out);
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  f.port = (srv.address() as net.AddressInfo).port;
  f.close = () =>
    new Promise<void>((r) => {
      for (const s of socks) s.destroy();
      srv.close(() => r());
    });
  return f;
}

/** Handshake answers, then `onPsync` for PSYNC. */
function primaryScript(onPsync: (sock: net.Socket) => string | Buffer | null): (argv: string[], sock: net.Socket) => string | Buffer | null | undefined {
  return (argv, sock) => {
    const cmd = argv[0].toUpperCase();
    if (cmd === 'PING') return '+PONG\r\n';
    if (cmd === 'AUTH') return '+OK\r\n';
    if (cmd === 'REPLCONF') return argv[1].toUpperCase() === 'ACK' ? undefined : '+OK\r\n';
    if (cmd === 'PSYNC') return onPsync(sock);
    return '-ERR unexpected\r\n';
  };
}

async function withReplica(fn: (srv: Running, c: RawClient) => Promise<void>, args: string[] = []): Promise<void> {
  const srv = await startRedoubt(['--save', '', ...args]);
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(plain(await c.call('SET', 'old', 'data')), 'OK');
    await fn(srv, c);
    // still serving, old dataset intact
    assert.equal(plain(await c.call('PING')), 'PONG');
    assert.equal(plain(await c.call('GET', 'old')), 'data');
    assert.equal(plain(await c.call('DBSIZE')), 1);
  } finally {
    c.close();
    await srv.stop();
  }
}

const cases: [string, (sock: net.Socket) => string | Buffer | null, RegExp][] = [
  ['garbage instead of an RDB', () => `+FULLRESYNC ${ID} 0\r\n$60\r\n` + 'x'.repeat(60), /Failed trying to load the MASTER synchronization DB from socket: .*current dataset is kept/],
  ['a corrupt RDB (bad checksum)', () => {
    const b = rdb('new', 'value');
    b[b.length - 1] ^= 0xff;
    return Buffer.concat([Buffer.from(`+FULLRESYNC ${ID} 0\r\n$${b.length}\r\n`), b]);
  }, /Failed trying to load the MASTER synchronization DB from socket/],
  ['a truncated sized RDB', (sock) => {
    const b = rdb('new', 'value');
    sock.end(Buffer.concat([Buffer.from(`+FULLRESYNC ${ID} 0\r\n$${b.length + 100}\r\n`), b]));
    return Buffer.alloc(0);
  }, /I\/O error trying to sync with MASTER: connection lost/],
  ['a truncated EOF-marker RDB', (sock) => {
    const b = rdb('new', 'value');
    sock.end(Buffer.concat([Buffer.from(`+FULLRESYNC ${ID} 0\r\n\n\n$EOF:${'m'.repeat(40)}\r\n`), b.subarray(0, 12)]));
    return Buffer.alloc(0);
  }, /I\/O error trying to sync with MASTER: connection lost/],
  ['a garbage PSYNC reply', () => '+WHATEVER\r\n', /Unexpected reply to PSYNC from master: \+WHATEVER/],
  ['a payload not starting with $', () => `+FULLRESYNC ${ID} 0\r\nhello\r\n`, /Bad protocol from MASTER, the first byte is not '\$'/],
  ['a bad FULLRESYNC line', () => '+FULLRESYNC nothex 0\r\n', /bad FULLRESYNC reply/],
];

for (const [name, onPsync, logged] of cases) {
  test(`fake primary sending ${name}: logged, no crash, dataset kept`, async () => {
    const fake = await fakePrimary(primaryScript(onPsync));
    try {
      await withReplica(async (srv, c) => {
        assert.equal(plain(await c.call('REPLICAOF', '127.0.0.1', String(fake.port))), 'OK');
        await waitFor('the failure in the log', async () => logged.test(srv.output()), 5000);
        assert.equal((await info(c)).master_link_status, 'down');
      });
    } finally {
      await fake.close();
    }
  });
}

test('a valid RDB, then a broken command stream: the commands before the break are applied, the link drops', async () => {
  const b = rdb('new', 'value');
  const fake = await fakePrimary(primaryScript(() => Buffer.concat([Buffer.from(`+FULLRESYNC ${ID} 100\r\n$${b.length}\r\n`), b, Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\ny\r\n*1\r\n$-5\r\n')])));
  const srv = await startRedoubt(['--save', '']);
  try {
    const c = await RawClient.connect(srv.port);
    await c.call('SET', 'old', 'data');
    await c.call('REPLICAOF', '127.0.0.1', String(fake.port));
    await waitFor('the stream error', async () => /Protocol error in the replication stream from MASTER/.test(srv.output()), 5000);
    assert.equal(plain(await c.call('GET', 'new')), 'value');
    assert.equal(plain(await c.call('GET', 'x')), 'y');
    assert.equal(plain(await c.call('GET', 'old')), null, 'a full sync replaces the old dataset');
    const i = await info(c);
    assert.equal(i.master_replid, ID);
    assert.equal(i.slave_repl_offset, String(100 + '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\ny\r\n'.length), 'the offset counts the applied command');
    c.close();
  } finally {
    await srv.stop();
    await fake.close();
  }
});

test('a wrong masterauth is logged (without the secret) and retried with back-off', async () => {
  const fake = await fakePrimary((argv) => {
    const cmd = argv[0].toUpperCase();
    if (cmd === 'PING') return '-NOAUTH Authentication required.\r\n';
    if (cmd === 'AUTH') return '-WRONGPASS invalid username-password pair or user is disabled.\r\n';
    return '-NOAUTH Authentication required.\r\n';
  });
  try {
    await withReplica(
      async (srv, c) => {
        await c.call('REPLICAOF', '127.0.0.1', String(fake.port));
        await new Promise((r) => setTimeout(r, 3500));
        assert.match(srv.output(), /Unable to AUTH to MASTER: -WRONGPASS invalid username-password pair/);
        // 1 s between attempts would make 4; the back-off (2 s, then 4 s) makes 2
        assert.ok(fake.connections >= 1 && fake.connections <= 2, `connections: ${fake.connections}`);
        assert.ok(!srv.output().includes('hunter2-secret'), 'the password never reaches the log');
        assert.deepEqual(fake.commands.find((a) => a[0] === 'AUTH'), ['AUTH', 'repl', 'hunter2-secret']);
      },
      ['--masteruser', 'repl', '--masterauth', 'hunter2-secret'],
    );
  } finally {
    await fake.close();
  }
});
