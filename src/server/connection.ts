// Drives one socket: read -> parse -> dispatch -> one write per read batch.

import type { Socket } from 'node:net';
import { ProtocolError } from '../protocol/parser.js';
import { CLIENT, type Client } from './client.js';
import { processCommand } from './dispatch.js';
import type { Server } from './server.js';

/** Stop reading from a client whose unread replies exceed this; resume on drain. */
const OUTPUT_HIGH_WATER = 64 * 1024 * 1024;

export function attachConnection(server: Server, socket: Socket, isUnix: boolean): Client {
  const c = server.createClient(socket, isUnix);
  socket.setNoDelay(true);
  const keepalive = server.config.num('tcp-keepalive');
  if (!isUnix && keepalive > 0) socket.setKeepAlive(true, keepalive * 1000);
  socket.on('data', (chunk: Buffer) => onData(server, c, chunk));
  socket.on('drain', () => {
    if (socket.isPaused() && !(c.flags & CLIENT.BLOCKED)) socket.resume();
  });
  socket.on('error', () => server.freeClient(c));
  socket.on('close', () => server.freeClient(c));
  return c;
}

function onData(server: Server, c: Client, chunk: Buffer): void {
  if (!server.clients.has(c.id)) return;
  server.stats.netInputBytes += chunk.length;
  c.lastInteraction = Date.now();
  c.parser.push(chunk);
  processInput(server, c);
}

/** Runs every complete command in the client's buffer, then writes the replies once. */
export function processInput(server: Server, c: Client): void {
  const limit = server.config.num('client-query-buffer-limit');
  for (;;) {
    if (c.flags & (CLIENT.BLOCKED | CLIENT.CLOSE_AFTER_REPLY | CLIENT.CLOSE_ASAP)) break;
    if (server.pause !== null && isPausedFor(server, c)) break;
    const argv = c.parser.next();
    if (argv === null) break;
    if (argv instanceof ProtocolError) {
      server.logger.verbose(`Protocol error (${argv.message}) from client: id=${c.id} addr=${c.raddr}`);
      c.error('ERR ' + argv.message);
      c.flags |= CLIENT.CLOSE_AFTER_REPLY;
      break;
    }
    processCommand(server, c, argv);
  }
  if (c.parser.pending() > limit) {
    server.logger.warning(`Closing client that reached max query buffer length: id=${c.id} addr=${c.raddr} qbuf=${c.parser.pending()}`);
    server.stats.clientQueryBufferLimitDisconnections++;
    c.out = '';
    server.freeClient(c);
    return;
  }
  if (c.out.length !== 0) server.flushClient(c);
  else if (c.flags & CLIENT.CLOSE_AFTER_REPLY) server.freeClient(c);
  const s = c.socket;
  if (s !== null && !s.destroyed && s.writableLength > OUTPUT_HIGH_WATER && !s.isPaused()) s.pause();
}

function isPausedFor(server: Server, c: Client): boolean {
  const p = server.pause!;
  if (Date.now() >= p.until) {
    server.pause = null;
    return false;
  }
  if (c.flags & (CLIENT.MASTER | CLIENT.REPLICA)) return false;
  return true; // WRITE pauses are refined by the client module's precheck
}
