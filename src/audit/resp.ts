// A minimal RESP2 client for the live probe: one command at a time, over TCP
// or TLS, with a timeout. Errors are values (ReplyError), not exceptions.

import net from 'node:net';
import tls from 'node:tls';

export class ReplyError {
  constructor(readonly message: string) {}
}
export type Reply = string | number | null | ReplyError | Reply[];

export interface ConnectOptions {
  host: string;
  port: number;
  tls?: tls.ConnectionOptions | null;
  timeoutMs?: number;
}

export class Resp {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  private closedWith: Error | null = null;

  private constructor(private readonly sock: net.Socket, private readonly timeoutMs: number) {
    sock.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      for (;;) {
        const r = parse(this.buf, 0);
        if (!r) break;
        this.buf = this.buf.subarray(r[1]);
        this.waiting.shift()?.resolve(r[0]);
      }
    });
    const fail = (e: Error) => {
      this.closedWith ??= e;
      for (const w of this.waiting.splice(0)) w.reject(this.closedWith);
    };
    sock.on('error', fail);
    sock.on('close', () => fail(new Error('connection closed')));
  }

  static connect(o: ConnectOptions): Promise<Resp> {
    const timeoutMs = o.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const sock = o.tls ? tls.connect({ host: o.host, port: o.port, servername: net.isIP(o.host) ? undefined : o.host, ...o.tls }) : net.connect(o.port, o.host);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`timeout connecting to ${o.host}:${o.port}`));
      }, timeoutMs);
      sock.once(o.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        resolve(new Resp(sock, timeoutMs));
      });
      sock.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  get socket(): net.Socket {
    return this.sock;
  }

  call(...args: string[]): Promise<Reply> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    let out = `*${args.length}\r\n`;
    for (const a of args) out += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
    this.sock.write(out, 'latin1');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timeout waiting for ${args[0]}`)), this.timeoutMs);
      this.waiting.push({
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

function lineEnd(buf: Buffer, pos: number): number {
  const i = buf.indexOf('\r\n', pos, 'latin1');
  return i;
}

/** Parses one RESP2 reply at pos: [reply, next position] or null when incomplete. */
export function parse(buf: Buffer, pos: number): [Reply, number] | null {
  if (pos >= buf.length) return null;
  const end = lineEnd(buf, pos);
  if (end < 0) return null;
  const type = String.fromCharCode(buf[pos]);
  const line = buf.toString('latin1', pos + 1, end);
  const next = end + 2;
  switch (type) {
    case '+':
      return [line, next];
    case '-':
      return [new ReplyError(line), next];
    case ':':
      return [Number(line), next];
    case '$': {
      const n = Number(line);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return null;
      return [buf.toString('latin1', next, next + n), next + n + 2];
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return [null, next];
      const arr: Reply[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = parse(buf, p);
        if (!r) return null;
        arr.push(r[0]);
        p = r[1];
      }
      return [arr, p];
    }
    default:
      throw new Error(`protocol error: unexpected byte '${type}'`);
  }
}
