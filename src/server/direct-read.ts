// Requests read from a plain socket into one buffer shared by every client.
//
// A socket that emits 'data' allocates a new Buffer (and its backing store)
// for every read and passes it through Readable's push/addChunk/emit, with a
// process.nextTick per read. Node's `onread` option reads into a buffer the
// caller owns and hands it to a callback instead; it is only offered when a
// Socket is constructed, so for accepted sockets the same two fields are set
// here, as the constructor would. The callback runs synchronously: whatever
// the parser keeps past it must be copied out (RespParser.retain).
//
// pause()/resume() and the end of the stream work as for any socket (Node's
// net handles the user-buffer mode there). TLS sockets keep 'data'.

import type { Socket } from 'node:net';

const SHARED = Buffer.allocUnsafe(64 * 1024);

interface UserBufferHandle {
  useUserBuffer(buf: Uint8Array): void;
}

let keys: { buffer: symbol; callback: symbol } | null | undefined;

function symbolsOf(socket: Socket): { buffer: symbol; callback: symbol } | null {
  if (keys === undefined) {
    const own = Object.getOwnPropertySymbols(socket);
    const buffer = own.find((s) => s.description === 'kBuffer');
    const callback = own.find((s) => s.description === 'kBufferCb');
    keys = buffer !== undefined && callback !== undefined ? { buffer, callback } : null;
  }
  return keys;
}

/**
 * Switches an accepted plain socket to reading into the shared buffer;
 * `onRead` gets each read's bytes (valid only until it returns). False when
 * this Node does not offer it: the caller listens for 'data' instead.
 */
export function readShared(socket: Socket, onRead: (chunk: Buffer) => void): boolean {
  if ((socket as { encrypted?: boolean }).encrypted === true) return false;
  const k = symbolsOf(socket);
  const h = (socket as unknown as { _handle?: Partial<UserBufferHandle> | null })._handle;
  if (k === null || h == null || typeof h.useUserBuffer !== 'function') return false;
  const s = socket as unknown as Record<symbol, unknown>;
  if (s[k.buffer] !== null || s[k.callback] !== null) return false;
  s[k.buffer] = SHARED;
  s[k.callback] = (n: number): void => onRead(SHARED.subarray(0, n));
  h.useUserBuffer(SHARED);
  return true;
}
