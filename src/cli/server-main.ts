// `redoubt-server` / `redoubt server`: argv-compatible with redis-server.
//   redoubt-server [/path/to/redis.conf] [--directive value ...]
// `-` as the config path reads it from standard input. Never forks.

import { Config } from '../config/registry.js';
import { PARAMS } from '../config/params.js';
import { loadConfigFile, ConfigLoadError, argvToConfig } from '../config/load.js';
import { Server, VERSION, REDOUBT_VERSION } from '../server/server.js';
import { checkStartup, dropPrivileges, holdUntilDropped, releaseAfterDrop } from '../server/privileges.js';
import { selfAudit } from '../audit/self-audit.js';

const USAGE = `Usage: ./redoubt-server [/path/to/redis.conf] [options] [-]
       ./redoubt-server - (read config from stdin)
       ./redoubt-server -v or --version
       ./redoubt-server -h or --help

Examples:
       ./redoubt-server (run the server with a safe default config)
       ./redoubt-server /etc/redis/6379.conf
       ./redoubt-server --port 7777
       ./redoubt-server /etc/myredis.conf --loglevel verbose -
       ./redoubt-server /etc/myredis.conf --loglevel verbose
`;

/** Turns argv into config text the way redis-server does (config/load.ts parseServerArgs). */
export { argvToConfig };

export async function serverMain(args: string[]): Promise<number> {
  if (args.length === 1 && (args[0] === '-v' || args[0] === '--version')) {
    process.stdout.write(`Redis server v=${VERSION} sha=00000000:0 malloc=libc bits=64 build=redoubt-${REDOUBT_VERSION}\n`);
    return 0;
  }
  if (args.length === 1 && (args[0] === '-h' || args[0] === '--help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const cfg = new Config(PARAMS);
  try {
    const { file, text, stdin } = argvToConfig(args);
    loadConfigFile(cfg, file, text, stdin);
  } catch (e) {
    if (e instanceof ConfigLoadError) {
      process.stderr.write(e.message + '\n');
      return 1;
    }
    throw e;
  }
  let server: Server;
  try {
    server = new Server({ config: cfg, log: true });
    server.configFile = cfg.file;
  } catch (e) {
    if (e instanceof ConfigLoadError) process.stderr.write(e.message + '\n');
    else process.stderr.write(`*** FATAL CONFIG FILE ERROR *** ${(e as Error).message}\n`);
    return 1;
  }
  server.logger.notice(`oO0OoO0OoO0Oo Redoubt is starting oO0OoO0OoO0Oo`);
  server.logger.notice(`Redoubt version=${REDOUBT_VERSION}, Redis compatibility=${VERSION}, bits=64, pid=${process.pid}, just started`);
  if (!cfg.file) server.logger.warning('No config file specified, using the default config (loopback only, protected mode on).');
  server.logger.notice(`PID: ${process.pid}`);
  const refused = checkStartup(server);
  if (refused !== null) {
    server.logger.warning(refused);
    process.stderr.write(refused + '\n');
    return 1;
  }
  for (const line of selfAudit(cfg)) server.logger.warning(line);
  // handlers go in before listening: a supervisor may signal as soon as the port answers
  let stopping = false;
  let started = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    server.logger.warning(`Received ${sig} scheduling shutdown...`);
    signalOpts = cfg.str(sig === 'SIGINT' ? 'shutdown-on-sigint' : 'shutdown-on-sigterm').split(' ');
    if (!started) return; // start() finishes first, then shuts down
    shutdownOnSignal();
  };
  let signalOpts: string[] = [];
  // a refused shutdown (the final save failed) keeps serving, as Redis does
  const shutdownOnSignal = () =>
    void server.shutdown({ nosave: signalOpts.includes('nosave'), save: signalOpts.includes('save'), force: signalOpts.includes('force') }).then((err) => {
      if (err === null) process.exit(0);
      server.logger.warning('SIGTERM received but errors trying to shut down the server, check the logs for more information');
      stopping = false;
    });
  // Handler exceptions are already turned into error replies (dispatch.call); this catches
  // the rest (timers, socket callbacks) so one bug does not drop every client's data.
  process.on('uncaughtException', (e) => server.logger.warning(`Internal error (kept serving): ${e?.stack ?? e}`));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  server.onExit = () => process.exit(0);
  holdUntilDropped(server);
  try {
    await server.start();
  } catch (e) {
    server.logger.warning((e as Error).message);
    await server.close();
    return 1;
  }
  // before any connection is served: the listeners are open, nothing has run yet
  const dropErr = dropPrivileges(server);
  if (dropErr !== null) {
    server.logger.warning(dropErr);
    await server.close();
    return 1;
  }
  releaseAfterDrop(server);
  started = true;
  if (stopping) shutdownOnSignal();
  return -1; // keep running
}
