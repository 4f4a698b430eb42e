// Drives one socket: read -> parse -> dispatch -> replies queued for the end-of-turn write pass.

import type { Socket } from 'node:net';
import { ProtocolError } from '../protocol/parser.js';
import { CLIENT, type Client } from './client.js';
import { processCommand, callClock, perf } from './dispatch.js';
import { CMD } from '../commands/table.js';
import { SPILL_AT } from '../protocol/reply.js';
import type { Server } from './server.js';
import { directWritable } from './direct-write.js';
import { readShared } from './direct-read.js';

/** Replies up to this size wait for the end-of-turn write pass (server.queueWrite). */
const DEFER_WRITE_MAX = 4096;
/** Where flatten() leaves its result, so V8 cannot drop the conversion as unused. */
const flatSink = { n: 0 };
/**
 * Turns a reply rope (one V8 cons string per appended piece) into one flat
 * string: converting it to a number makes V8 flatten it in place. A rope held
 * to the end of the turn is otherwise copied node by node by every
 * young-generation GC that runs meanwhile.
 */
function flatten(s: string): void {
  flatSink.n = (s as unknown as number) | 0;
}

export function attachConnection(server: Server, socket: Socket, isUnix: boolean): Client {
  const c = server.createClient(socket, isUnix);
  c.direct = directWritable(socket);
  socket.setNoDelay(true);
  const keepalive = server.config.num('tcp-keepalive');
  if (!isUnix && keepalive > 0) socket.setKeepAlive(true, keepalive * 1000);
  const shared = (chunk: Buffer): void => {
    onData(server, c, chunk);
    c.parser.retain(chunk.buffer);
  };
  if (!readShared(socket, shared)) socket.on('data', (chunk: Buffer) => onData(server, c, chunk));
  socket.on('drain', () => drained(server, c));
  socket.on('error', () => server.freeClient(c));
  socket.on('close', () => server.freeClient(c));
  return c;
}

/** The socket took the replies that were waiting: read (and run what is left in the query buffer) again. */
export function drained(server: Server, c: Client): void {
  const socket = c.socket;
  if (socket === null || c.awaitingDrain()) return;
  if (socket.isPaused() && !(c.flags & CLIENT.BLOCKED) && !c.yielding) {
    socket.resume();
    // commands left in the query buffer when the output passed the high-water mark
    if (server.clients.has(c.id) && c.parser.pending() !== 0) processInput(server, c);
  }
}

/**
 * Input one client may have handled in one event-loop turn before the others
 * get theirs. libuv reads a readable socket up to 32 times (64 KB each) in
 * one go: a client pipelining megabytes kept everyone else waiting 200-350 ms
 * per turn while 1M keys loaded. Redis reads 16 KB per client per turn.
 */
const TURN_INPUT_MAX = 64 * 1024;
let turn = 0;
let turnArmed = false;
function currentTurn(): number {
  if (!turnArmed) {
    turnArmed = true;
    setImmediate(() => {
      turn++;
      turnArmed = false;
    });
  }
  return turn;
}

function onData(server: Server, c: Client, chunk: Buffer): void {
  if (!server.clients.has(c.id)) return;
  server.stats.netInputBytes += chunk.length;
  c.lastInteraction = Date.now();
  c.parser.push(chunk);
  c.qbufBatch = c.parser.pending();
  processInput(server, c);
  const t = currentTurn();
  if (c.inputTurn !== t) {
    c.inputTurn = t;
    c.turnInput = 0;
  }
  c.turnInput += chunk.length;
  const s = c.socket;
  if (c.turnInput >= TURN_INPUT_MAX && s !== null && !s.isPaused()) {
    // let the others' input in first; read again in the next turn
    s.pause();
    setImmediate(() => {
      if (!server.clients.has(c.id) || s.destroyed || c.flags & CLIENT.BLOCKED || c.yielding) return;
      if (server.outputHigh(c) || c.awaitingDrain()) return; // 'drain' resumes it
      s.resume();
    });
  }
}

/**
 * Command time one client may use in one event-loop turn. A chunk of input
 * holds up to 64 KB of commands (a thousand SETs); while V8 marks the heap,
 * each of them allocates its way into marking steps on this thread, and one
 * chunk took 50-110 ms with everyone else waiting (the PING probe of
 * bench:scale, 10M keys). Past the slice, the rest of the chunk waits in the
 * query buffer for the next turn, as Redis leaves what it did not read.
 */
const TURN_SLICE_MS = 3;

/** Runs every complete command in the client's buffer, then queues the replies for one write. */
export function processInput(server: Server, c: Client): void {
  const limit = server.config.num('client-query-buffer-limit');
  callClock.t = perf.now();
  const sliceEnd = callClock.t + TURN_SLICE_MS;
  let stalled = false;
  let yielded = false;
  for (;;) {
    if (c.flags & (CLIENT.BLOCKED | CLIENT.CLOSE_AFTER_REPLY | CLIENT.CLOSE_ASAP)) break;
    if (server.pause !== null && isPausedFor(server, c)) break;
    let argv: string[] | ProtocolError | null = c.postponed;
    if (argv !== null) c.postponed = null;
    else argv = c.parser.next();
    if (argv === null) break;
    if (argv instanceof ProtocolError) {
      server.logger.verbose(`Protocol error (${argv.message}) from client: id=${c.id} addr=${c.raddr}`);
      c.error('ERR ' + argv.message);
      c.flags |= CLIENT.CLOSE_AFTER_REPLY;
      break;
    }
    if (server.pause !== null && isWritePausedFor(server, c, argv)) {
      c.postponed = argv;
      break;
    }
    processCommand(server, c, argv);
    // (callClock.t is the time the command ended)
    if (callClock.t > sliceEnd && c.parser.pending() !== 0) {
      yielded = true;
      break;
    }
    if (c.out.length > SPILL_AT) {
      c.spill();
      // a pipeline of big replies: keep the rest in the query buffer until the client reads (drain resumes)
      if (server.outputHigh(c)) {
        stalled = true;
        break;
      }
    }
  }
  if (c.parser.pending() > limit) {
    server.logger.warning(`Closing client that reached max query buffer length: id=${c.id} addr=${c.raddr} qbuf=${c.parser.pending()}`);
    server.stats.clientQueryBufferLimitDisconnections++;
    c.takeOutput();
    server.freeClient(c);
    return;
  }
  // Large replies go out at once: batching buys nothing for them, and holding
  // many large reply ropes until the end of the turn made the young-generation
  // GC copy them (LRANGE_100 at pipeline 16 lost 40%).
  if (c.chunks !== null || c.out.length > DEFER_WRITE_MAX) server.writeNow(c);
  else if (c.out.length !== 0) {
    if (c.out.length > 256) flatten(c.out);
    server.queueWrite(c);
  } else if (c.flags & CLIENT.CLOSE_AFTER_REPLY) server.freeClient(c);
  if (stalled) resumeLater(server, c);
  else if (yielded) yieldTurn(server, c);
}

/** The client used its slice of this turn: no more input from it until its query buffer has been run, from the next turn on. */
function yieldTurn(server: Server, c: Client): void {
  const s = c.socket;
  if (s === null || s.destroyed) return;
  c.yielding = true;
  if (!s.isPaused()) s.pause();
  setImmediate(() => {
    c.yielding = false;
    if (!server.clients.has(c.id) || s.destroyed) return;
    processInput(server, c);
    // read again unless it yielded again, blocked, or waits for its output to drain
    if (c.yielding || c.flags & CLIENT.BLOCKED || server.outputHigh(c) || c.awaitingDrain()) return;
    if (s.isPaused()) s.resume();
  });
}

/** Runs the rest of a stalled pipeline once the socket drains (or at once, if the kernel took everything). */
function resumeLater(server: Server, c: Client): void {
  const s = c.socket;
  if (s === null || s.destroyed || !server.clients.has(c.id)) return;
  if (c.awaitingDrain()) {
    if (!s.isPaused()) s.pause();
  } else {
    setImmediate(() => {
      if (server.clients.has(c.id)) processInput(server, c);
    });
  }
}

function isPausedFor(server: Server, c: Client): boolean {
  const p = server.pause!;
  if (Date.now() >= p.until) {
    server.pause = null;
    return false;
  }
  if (c.flags & (CLIENT.MASTER | CLIENT.REPLICA)) return false;
  return p.all; // WRITE pauses hold commands one by one, see isWritePausedFor
}

/**
 * CLIENT PAUSE WRITE holds back commands that may write or replicate, and an
 * EXEC whose queue holds one (Redis's is_may_replicate_command); the client
 * waits, with the command kept aside, until the pause ends.
 */
function isWritePausedFor(server: Server, c: Client, argv: string[]): boolean {
  const p = server.pause!;
  if (p.all || c.flags & (CLIENT.MASTER | CLIENT.REPLICA)) return false;
  if (Date.now() >= p.until) {
    server.pause = null;
    return false;
  }
  const base = server.commands.lookup(argv[0]);
  if (base === undefined) return false;
  let cmd = base;
  if (base.sub !== null && argv.length >= 2) cmd = base.sub.get(argv[1]) ?? base.sub.get(argv[1].toLowerCase()) ?? base;
  const W = CMD.WRITE | CMD.MAY_REPLICATE;
  if (cmd.flags & W) return true;
  if (cmd.fullName === 'exec' && c.multiQueue !== null) {
    for (const q of c.multiQueue) if (q.cmd.flags & W) return true;
  }
  return false;
}
