// The security event log (Redoubt, beyond Redis): authentications, ACL
// changes, denials, CONFIG changes, protected-mode refusals and lock-outs
// as JSON lines in `security-log-file`, mode 0600. Never a password: callers
// pass names, addresses and reasons only. Reopened on CONFIG SET and SIGHUP
// so that logrotate can move the file away.

import { openSync, writeSync, closeSync, fchmodSync } from 'node:fs';
import type { Server } from '../server/server.js';

interface EventLog {
  path: string;
  fd: number;
}

function state(server: Server): EventLog {
  let s = server.ext.securityLog as EventLog | undefined;
  if (!s) server.ext.securityLog = s = { path: '', fd: -1 };
  return s;
}

/** Opens (or reopens) the configured file; returns an error text when it cannot be opened. */
export function reopenSecurityLog(server: Server, path = server.config.str('security-log-file')): string | null {
  const s = state(server);
  let fd = -1;
  if (path !== '') {
    try {
      fd = openSync(path, 'a', 0o600);
      fchmodSync(fd, 0o600);
    } catch (e) {
      return `can't open the security log file: ${(e as Error).message}`;
    }
  }
  if (s.fd !== -1) closeSync(s.fd);
  s.fd = fd;
  s.path = path;
  return null;
}

export function securityEvent(server: Server, event: string, fields: Record<string, string | number | boolean>): void {
  const s = server.ext.securityLog as EventLog | undefined;
  if (!s || s.fd === -1) return;
  const line = JSON.stringify({ time: new Date().toISOString(), event, ...fields }) + '\n';
  try {
    writeSync(s.fd, line);
  } catch (e) {
    server.logger.warning(`Writing the security log failed: ${(e as Error).message}`);
  }
}

export function installSecurityLog(server: Server): void {
  const err = reopenSecurityLog(server);
  if (err !== null) throw new Error(err);
  server.config.onApply('security-log-file', (v) => reopenSecurityLog(server, v));
  const onHup = () => {
    const e = reopenSecurityLog(server);
    if (e !== null) server.logger.warning(e);
  };
  process.on('SIGHUP', onHup);
  server.hooks.shutdown.push(() => {
    process.off('SIGHUP', onHup);
    return null;
  });
}
