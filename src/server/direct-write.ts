// Replies written straight through a plain socket's libuv handle.
//
// socket.write runs Node's Writable machinery for every write: the write
// wrap and its bookkeeping, and a process.nextTick for the write callback
// even when the kernel took every byte at once (the usual case). At
// pipeline 16 that was a tenth of the CPU a command costs. Here the reply
// goes to the handle as Node's own writeGeneric does it, without the
// Writable layer, when nothing is queued on the Writable; otherwise (and for
// TLS, whose handle encrypts in JS-visible layers) socket.write keeps the
// order and does the rest.
//
// A write the kernel does not take at once stays queued in libuv: its bytes
// count in `c.directPending` (output buffer limits, CLIENT LIST omem, the
// output high-water mark) until its completion, which then does what 'drain'
// does. Later writes go through socket.write, behind it in libuv's queue.

import type { Socket } from 'node:net';
import type { Client } from './client.js';

interface StreamHandle {
  writeLatin1String(req: WriteReq, s: string): number;
  writeQueueSize: number;
}
interface WriteReq {
  handle: StreamHandle;
  oncomplete: (status: number) => void;
  async: boolean;
  bytes: number;
  buffer: null;
  callback: null;
}
interface StreamWrapBinding {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}

let binding: StreamWrapBinding | null = null;
try {
  // the binding Node's net module writes through; process.binding still exposes it (documented, not removed, in Node 20)
  const b = (process as unknown as { binding(name: string): StreamWrapBinding }).binding('stream_wrap');
  if (typeof b.WriteWrap === 'function' && b.streamBaseState instanceof Int32Array && typeof b.kLastWriteWasAsync === 'number') binding = b;
} catch {
  binding = null;
}

/** Whether replies to this socket may bypass the Writable (a plain TCP or unix socket, and a Node that has the binding). */
export function directWritable(socket: Socket): boolean {
  if (binding === null || (socket as { encrypted?: boolean }).encrypted === true) return false;
  const h = (socket as unknown as { _handle?: Partial<StreamHandle> | null })._handle;
  return h != null && typeof h.writeLatin1String === 'function' && typeof h.writeQueueSize === 'number';
}

/**
 * Writes `out` through the handle and returns true, or returns false when
 * socket.write must take it (data queued on the Writable, a direct write
 * still in flight, a corked or closing socket).
 */
export function writeDirect(c: Client, s: Socket, out: string, done: (c: Client) => void): boolean {
  if (c.directPending !== 0 || s.writableLength !== 0 || s.writableCorked !== 0 || s.connecting) return false;
  const h = (s as unknown as { _handle: StreamHandle | null })._handle;
  if (h === null) return false;
  const b = binding!;
  const req = new b.WriteWrap();
  req.handle = h;
  req.async = false;
  req.bytes = 0;
  req.buffer = null;
  req.callback = null;
  req.oncomplete = (status: number) => {
    c.directPending = 0;
    if (status < 0) s.destroy();
    else done(c);
  };
  const err = h.writeLatin1String(req, out);
  if (err !== 0) {
    // EPIPE, ECONNRESET...: the peer is gone, as socket.write would find
    s.destroy();
    return true;
  }
  if (b.streamBaseState[b.kLastWriteWasAsync] !== 0) {
    req.async = true;
    c.directPending = Math.max(1, h.writeQueueSize);
  }
  return true;
}
