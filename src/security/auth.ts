// Authentication of a connection (AUTH, HELLO ... AUTH): the throttle first,
// then the password check; failures go to ACL LOG, the denial counters and
// the security log under the name that was tried, never the password.

import type { Client } from '../server/client.js';
import type { User } from './users.js';
import { DENIED } from './acl-check.js';
import { logDenial } from './acl.js';
import { authThrottle } from './throttle.js';
import { securityEvent } from './events.js';

export const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
export const LOCKED_OUT = 'WRONGPASS too many failed authentication attempts from this address, try again later.';

/** The user, or the error reply to send. `object` is argv[0] as sent (ACL LOG shows it). */
export function authenticate(c: Client, username: string, password: string, object: string): User | string {
  const server = c.server;
  const throttle = authThrottle(server);
  if (throttle.locked(c)) {
    logDenial(c, DENIED.AUTH, object, username);
    securityEvent(server, 'auth-refused', { user: username, addr: c.raddr, reason: 'locked out' });
    return LOCKED_OUT;
  }
  const u = server.users.authenticate(username, password);
  if (u === null) {
    logDenial(c, DENIED.AUTH, object, username);
    throttle.failed(c, username);
    const known = server.users.users.get(username);
    securityEvent(server, 'auth-failed', { user: username, addr: c.raddr, reason: known === undefined ? 'unknown user' : !known.enabled ? 'user disabled' : 'wrong password' });
    return WRONGPASS;
  }
  securityEvent(server, 'auth', { user: username, addr: c.raddr });
  return u;
}
