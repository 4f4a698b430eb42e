// Pub/Sub commands: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE,
// SSUBSCRIBE, SUNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB <subcommand>.
// State and delivery live in server/pubsub.ts.
//
// Replies to (un)subscribe are RESP3 pushes ('>') or RESP2 arrays; the count
// is the client's channels + patterns (shard channels for SSUBSCRIBE and
// SUNSUBSCRIBE), as Redis 7.0 reports it. The client is in "subscribed
// mode" (CLIENT.PUBSUB) while it has any subscription; dispatch refuses other
// commands in that mode for RESP2.

import { ERR } from './errors.js';
import type { Family } from './table.js';
import { CLIENT, type Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { PubSub, pubsub } from '../server/pubsub.js';
import { resetHooks } from './connection.js';

const CRLF = '\r\n';

function header(c: Client): string {
  return c.resp === 3 ? '>3\r\n' : '*3\r\n';
}

/** [kind, channel|nil, count] */
function reply(c: Client, kind: string, ch: string | null, count: number): void {
  // pushed even under CLIENT REPLY OFF/SKIP, as Redis's CLIENT_PUSHING does
  c.emitPush(
    header(c) +
    '$' + kind.length + CRLF + kind + CRLF +
    (ch === null ? (c.resp === 3 ? '_\r\n' : '$-1\r\n') : '$' + ch.length + CRLF + ch + CRLF) +
    ':' + count + CRLF);
}

function count(c: Client): number {
  return (c.channels?.size ?? 0) + (c.patterns?.size ?? 0);
}
function shardCount(c: Client): number {
  return c.shardChannels?.size ?? 0;
}

function leaveSubscribedMode(c: Client): void {
  if (c.subscriptionCount() === 0) c.flags &= ~CLIENT.PUBSUB;
}

/** A client that expects exactly one reply per command (scripts, and EXEC for SSUBSCRIBE). */
function denyBlocking(c: Client): boolean {
  return c.ext.denyBlocking === true;
}

function subscribe(c: Client, argv: string[]): void {
  if (denyBlocking(c) && !(c.flags & CLIENT.MULTI)) return c.error("ERR SUBSCRIBE isn't allowed for a DENY BLOCKING client");
  const ps = pubsub(c.server);
  for (let i = 1; i < argv.length; i++) {
    ps.subscribe(c, argv[i]);
    reply(c, 'subscribe', argv[i], count(c));
  }
  c.flags |= CLIENT.PUBSUB;
}

function psubscribe(c: Client, argv: string[]): void {
  if (denyBlocking(c) && !(c.flags & CLIENT.MULTI)) return c.error("ERR PSUBSCRIBE isn't allowed for a DENY BLOCKING client");
  const ps = pubsub(c.server);
  for (let i = 1; i < argv.length; i++) {
    ps.psubscribe(c, argv[i]);
    reply(c, 'psubscribe', argv[i], count(c));
  }
  c.flags |= CLIENT.PUBSUB;
}

function ssubscribe(c: Client, argv: string[]): void {
  // Redis 7.0 has no MULTI exception here: SSUBSCRIBE inside EXEC fails
  if (denyBlocking(c)) return c.error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
  const ps = pubsub(c.server);
  for (let i = 1; i < argv.length; i++) {
    ps.ssubscribe(c, argv[i]);
    reply(c, 'ssubscribe', argv[i], shardCount(c));
  }
  c.flags |= CLIENT.PUBSUB;
}

function unsubscribe(c: Client, argv: string[]): void {
  const ps = pubsub(c.server);
  if (argv.length === 1) {
    if (c.channels !== null && c.channels.size !== 0) {
      for (const ch of [...c.channels]) {
        ps.unsubscribe(c, ch);
        reply(c, 'unsubscribe', ch, count(c));
      }
    } else {
      reply(c, 'unsubscribe', null, count(c));
    }
  } else {
    for (let i = 1; i < argv.length; i++) {
      ps.unsubscribe(c, argv[i]);
      reply(c, 'unsubscribe', argv[i], count(c));
    }
  }
  leaveSubscribedMode(c);
}

function punsubscribe(c: Client, argv: string[]): void {
  const ps = pubsub(c.server);
  if (argv.length === 1) {
    if (c.patterns !== null && c.patterns.size !== 0) {
      for (const p of [...c.patterns]) {
        ps.punsubscribe(c, p);
        reply(c, 'punsubscribe', p, count(c));
      }
    } else {
      reply(c, 'punsubscribe', null, count(c));
    }
  } else {
    for (let i = 1; i < argv.length; i++) {
      ps.punsubscribe(c, argv[i]);
      reply(c, 'punsubscribe', argv[i], count(c));
    }
  }
  leaveSubscribedMode(c);
}

function sunsubscribe(c: Client, argv: string[]): void {
  const ps = pubsub(c.server);
  if (argv.length === 1) {
    if (c.shardChannels !== null && c.shardChannels.size !== 0) {
      for (const ch of [...c.shardChannels]) {
        ps.sunsubscribe(c, ch);
        reply(c, 'sunsubscribe', ch, shardCount(c));
      }
    } else {
      reply(c, 'sunsubscribe', null, shardCount(c));
    }
  } else {
    for (let i = 1; i < argv.length; i++) {
      ps.sunsubscribe(c, argv[i]);
      reply(c, 'sunsubscribe', argv[i], shardCount(c));
    }
  }
  leaveSubscribedMode(c);
}

function publish(c: Client, argv: string[]): void {
  c.int(pubsub(c.server).publish(argv[1], argv[2]));
}

function spublish(c: Client, argv: string[]): void {
  c.int(pubsub(c.server).spublish(argv[1], argv[2]));
}

function subcommandSyntax(c: Client, argv: string[]): void {
  c.error(ERR.subcommandSyntax(argv));
}

function channelList(c: Client, argv: string[], map: Map<string, unknown>): void {
  if (argv.length > 3) return subcommandSyntax(c, argv);
  const names = PubSub.list(map, argv.length === 3 ? argv[2] : null);
  c.bulks(names);
}

function numsub(c: Client, argv: string[], map: Map<string, Set<Client>>): void {
  let o = '*' + (argv.length - 2) * 2 + CRLF;
  for (let i = 2; i < argv.length; i++) {
    const ch = argv[i];
    o += '$' + ch.length + CRLF + ch + CRLF + ':' + (map.get(ch)?.size ?? 0) + CRLF;
  }
  c.out += o;
}

const HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];

export const commands: Family = {
  subscribe,
  unsubscribe,
  psubscribe,
  punsubscribe,
  ssubscribe,
  sunsubscribe,
  publish,
  spublish,
  'pubsub|channels': (c, argv) => channelList(c, argv, pubsub(c.server).channels),
  'pubsub|shardchannels': (c, argv) => channelList(c, argv, pubsub(c.server).shardChannels),
  'pubsub|numsub': (c, argv) => numsub(c, argv, pubsub(c.server).channels),
  'pubsub|shardnumsub': (c, argv) => numsub(c, argv, pubsub(c.server).shardChannels),
  'pubsub|numpat': (c) => c.int(pubsub(c.server).patterns.size),
  'pubsub|help': (c) => {
    c.array(HELP.length);
    for (const l of HELP) c.simple(l);
  },
};

// RESET leaves subscribed mode silently
resetHooks.push((c) => {
  if (c.subscriptionCount() !== 0) pubsub(c.server).unsubscribeAll(c);
  c.flags &= ~CLIENT.PUBSUB;
});

export function install(server: Server): void {
  pubsub(server);
}
