// Connection commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, RESET.

import type { Family } from './table.js';
import { CLIENT, type Client } from '../server/client.js';
import { ERR } from './errors.js';
import { VERSION } from '../server/server.js';
import { parseIntFast, parseI64 } from '../util/numbers.js';
import { authenticate } from '../security/auth.js';

function ping(c: Client, argv: string[]): void {
  if (argv.length > 2) return c.error(ERR.wrongArgs('ping'));
  if (c.flags & CLIENT.PUBSUB && c.resp === 2) {
    c.array(2);
    c.bulk('pong');
    c.bulk(argv.length === 2 ? argv[1] : '');
    return;
  }
  if (argv.length === 2) c.bulk(argv[1]);
  else c.raw('+PONG\r\n');
}

function select(c: Client, argv: string[]): void {
  const big = parseI64(argv[1]);
  if (big === null) return c.error('ERR value is not an integer or out of range');
  if (big > 2147483647n || big < -2147483648n) return c.error('ERR value is out of range, value must between -2147483648 and 2147483647');
  const id = Number(big);
  const dbs = c.server.keyspace.dbs;
  if (id < 0 || id >= dbs.length) return c.error(ERR.dbIndex);
  c.db = dbs[id];
  c.ok();
}

function auth(c: Client, argv: string[]): void {
  if (argv.length > 3) return c.error(ERR.syntax);
  const users = c.server.users;
  if (argv.length === 2 && users.defaultUser.nopass) {
    return c.error(
      'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    );
  }
  const [name, pass] = argv.length === 2 ? ['default', argv[1]] : [argv[1], argv[2]];
  const u = authenticate(c, name, pass, argv[0]);
  if (typeof u === 'string') return c.error(u);
  c.setAuthenticated(u);
  c.ok();
}

function hello(c: Client, argv: string[]): void {
  let ver = c.resp as number;
  let i = 1;
  if (argv.length >= 2) {
    const v = parseIntFast(argv[1]);
    if (v === null) return c.error('ERR Protocol version is not an integer or out of range');
    if (v < 2 || v > 3) return c.error('NOPROTO unsupported protocol version');
    ver = v;
    i = 2;
  }
  let user: import('../security/users.js').User | null = null;
  let setname: string | null = null;
  for (; i < argv.length; i++) {
    const opt = argv[i].toLowerCase();
    const more = argv.length - i - 1;
    if (opt === 'auth' && more >= 2) {
      const u = authenticate(c, argv[i + 1], argv[i + 2], argv[0]);
      if (typeof u === 'string') return c.error(u);
      user = u;
      i += 2;
    } else if (opt === 'setname' && more >= 1) {
      const n = argv[i + 1];
      if (!validClientName(n)) return c.error('ERR Client names cannot contain spaces, newlines or special characters.');
      setname = n;
      i += 1;
    } else {
      return c.error(`ERR Syntax error in HELLO option '${argv[i]}'`);
    }
  }
  if (user) c.setAuthenticated(user);
  if (!c.authenticated) {
    return c.error('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
  }
  if (setname !== null) c.name = setname;
  c.resp = ver as 2 | 3;
  c.map(7);
  c.bulk('server');
  c.bulk('redis');
  c.bulk('version');
  c.bulk(VERSION);
  c.bulk('proto');
  c.int(ver);
  c.bulk('id');
  c.int(c.id);
  c.bulk('mode');
  c.bulk('standalone');
  c.bulk('role');
  c.bulk(c.server.ext.role === 'slave' ? 'replica' : 'master');
  c.bulk('modules');
  c.array(0);
}

export function validClientName(n: string): boolean {
  for (let i = 0; i < n.length; i++) {
    const ch = n.charCodeAt(i);
    if (ch < 33 || ch > 126) return false;
  }
  return true;
}

function quit(c: Client): void {
  c.ok();
  c.flags |= CLIENT.CLOSE_AFTER_REPLY;
}

function reset(c: Client): void {
  for (const h of resetHooks) h(c);
  c.db = c.server.keyspace.dbs[0];
  c.resp = 2;
  c.name = '';
  c.replyMode = 'on';
  c.flags &= ~(CLIENT.NO_EVICT | CLIENT.NO_TOUCH | CLIENT.MONITOR | CLIENT.READONLY);
  c.server.monitors.delete(c);
  c.user = c.server.users.defaultUser;
  c.authenticated = !c.server.users.authRequired();
  c.parser.limits.unauthenticated = !c.authenticated;
  c.simple('RESET');
}

/** Features with per-client state (MULTI, WATCH, pub/sub, tracking) register their RESET behaviour here. */
export const resetHooks: ((c: Client) => void)[] = [];

export const commands: Family = {
  ping,
  echo: (c, argv) => c.bulk(argv[1]),
  select,
  auth,
  hello,
  quit,
  reset,
};
