// A tiny raw RESP client for tests that must see replies exactly (error
// texts, RESP3 types, nil vs empty), independent of any client library.

import net from 'node:net';

export class RespError {
  constructor(readonly message: string) {}
  toString(): string {
    return `(error) ${this.message}`;
  }
}
/** RESP3 types that a plain JS value would lose. */
export class Typed {
  constructor(readonly type: 'map' | 'set' | 'push' | 'double' | 'bool' | 'verbatim' | 'bignum' | 'status', readonly value: unknown) {}
}
export type Reply = string | number | bigint | null | RespError | Typed | Reply[];

export class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: ((r: Reply) => void)[] = [];
  private queue: Reply[] = [];
  closed = false;
  private closeWaiters: (() => void)[] = [];

  private constructor(readonly sock: net.Socket) {
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.drain();
    });
    sock.on('close', () => {
      this.closed = true;
      for (const w of this.closeWaiters) w();
    });
    sock.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }
  /** Connects from a chosen local address (e.g. 127.0.0.2: another source host on loopback). */
  static connectFrom(port: number, localAddress: string, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host, localAddress }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }
  static connectPath(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(path, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Sends a command as a multibulk of latin1 strings and reads one reply. */
  call(...args: (string | number | Buffer)[]): Promise<Reply> {
    this.send(args);
    return this.read();
  }

  send(args: (string | number | Buffer)[]): void {
    const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
    for (const a of args) {
      const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'latin1');
      parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
    }
    this.sock.write(Buffer.concat(parts));
  }

  writeRaw(data: string | Buffer): void {
    this.sock.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  read(timeoutMs = 20000): Promise<Reply> {
    if (this.queue.length) return Promise.resolve(this.queue.shift()!);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i !== -1) this.waiters.splice(i, 1);
        reject(new Error('timeout waiting for reply'));
      }, timeoutMs);
      const w = (r: Reply) => {
        clearTimeout(t);
        resolve(r);
      };
      this.waiters.push(w);
    });
  }

  /** Replies that arrived without a pending read (MONITOR lines, pushes), removed from the queue. */
  takeQueued(): Reply[] {
    const q = this.queue;
    this.queue = [];
    return q;
  }

  waitClose(timeoutMs = 5000): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.closeWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  close(): void {
    this.sock.destroy();
  }

  private drain(): void {
    for (;;) {
      const r = parse(this.buf, 0);
      if (r === null) return;
      this.buf = this.buf.subarray(r[1]);
      const w = this.waiters.shift();
      if (w) w(r[0]);
      else this.queue.push(r[0]);
    }
  }
}

function line(buf: Buffer, pos: number): [string, number] | null {
  const i = buf.indexOf('\r\n', pos);
  if (i === -1) return null;
  return [buf.toString('latin1', pos, i), i + 2];
}

/** Parses one reply at pos; returns [reply, next] or null if incomplete. */
export function parse(buf: Buffer, pos: number): [Reply, number] | null {
  if (pos >= buf.length) return null;
  const t = String.fromCharCode(buf[pos]);
  const l = line(buf, pos + 1);
  if (l === null) return null;
  const [s, next] = l;
  switch (t) {
    case '+':
      return [s, next];
    case '-':
      return [new RespError(s), next];
    case ':':
      return [Number.isSafeInteger(Number(s)) ? Number(s) : BigInt(s), next];
    case '_':
      return [null, next];
    case ',':
      return [new Typed('double', s), next];
    case '#':
      return [new Typed('bool', s === 't'), next];
    case '(':
      return [new Typed('bignum', s), next];
    case '$':
    case '=': {
      const n = Number(s);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return null;
      const v = buf.toString('latin1', next, next + n);
      return [t === '=' ? new Typed('verbatim', v) : v, next + n + 2];
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      const n = Number(s);
      if (n < 0) return [null, next];
      const count = t === '%' ? n * 2 : n;
      const items: Reply[] = [];
      let p = next;
      for (let i = 0; i < count; i++) {
        const r = parse(buf, p);
        if (r === null) return null;
        items.push(r[0]);
        p = r[1];
      }
      if (t === '*') return [items, p];
      return [new Typed(t === '%' ? 'map' : t === '~' ? 'set' : 'push', items), p];
    }
    default:
      throw new Error(`bad reply type byte ${JSON.stringify(t)}`);
  }
}

/** A reply as plain JSON-comparable data, keeping errors and RESP3 types distinguishable. */
export function plain(r: Reply): unknown {
  if (r instanceof RespError) return { error: r.message };
  if (r instanceof Typed) return { [r.type]: plain(r.value as Reply) };
  if (Array.isArray(r)) return r.map(plain);
  if (typeof r === 'bigint') return { bigint: r.toString() };
  return r;
}
