// Connects the configuration to the running server: rename-command, and the
// parameters whose new value must reach state that was set up from the old
// one. Parameters read on every use (maxclients, timeout, hz, tcp-keepalive,
// client-query-buffer-limit, maxmemory...) need nothing here: CONFIG SET
// takes effect at once because their readers call server.config each time.

import { writeFileSync, unlinkSync } from 'node:fs';
import type { Server } from '../server/server.js';
import { renameError } from './load.js';
import { strerror } from './params.js';

export function bindServerConfig(server: Server): void {
  const cfg = server.config;

  // rename-command, in file order (Redis renames while loading)
  for (const [from, to, src] of cfg.renames) {
    const cmd = server.commands.lookup(from);
    if (!cmd) throw renameError(src, 'No such command in rename-command');
    if (to !== '') {
      const other = server.commands.lookup(to);
      if (other && other !== cmd) throw renameError(src, 'Target command name already exists');
    }
    server.commands.rename(from, to);
  }

  // cluster mode is not built: a server that quietly ran standalone would let clients
  // believe in slots, failover and replicas that do not exist
  if (cfg.bool('cluster-enabled')) throw new Error('cluster-enabled yes: Redoubt does not implement Redis Cluster yet; run it standalone (cluster-enabled no).');

  // Redoubt never forks: run it under a supervisor (systemd Type=simple, a container...)
  if (cfg.bool('daemonize')) server.logger.warning('daemonize yes is ignored: Redoubt always runs in the foreground.');

  // pidfile, written at startup and removed when the process exits (as redis-server does)
  const pidfile = cfg.str('pidfile');
  if (pidfile !== '') {
    try {
      writeFileSync(pidfile, `${process.pid}\n`, { mode: 0o644 });
      process.once('exit', () => {
        try {
          unlinkSync(pidfile);
        } catch {
          /* already gone */
        }
      });
    } catch (e) {
      server.logger.warning(`Failed to write PID file: ${strerror(e)}`);
    }
  }

  // the bulk length limit applies to clients already connected, as in Redis
  cfg.onChange('proto-max-bulk-len', (v) => {
    const n = Number(v);
    for (const c of server.clients.values()) c.parser.limits.maxBulkLen = n;
  });
}
