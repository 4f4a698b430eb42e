// Library API: embed Redoubt in a Node process (tests, tools).
//   const srv = await createServer({ config: { requirepass: 's3cret' } });
//   ... srv.port ...; await srv.close();

import { Config } from './config/registry.js';
import { PARAMS } from './config/params.js';
import { Server } from './server/server.js';

export { Server } from './server/server.js';
export { Config } from './config/registry.js';

export interface CreateServerOptions {
  /** TCP port; omitted or 0 picks a free ephemeral port. */
  port?: number;
  /** Any redis.conf directives, e.g. { requirepass: 'x', 'maxmemory': '100mb' }. */
  config?: Record<string, string | string[]>;
  /** Log to stdout in Redis's format. */
  log?: boolean;
}

export async function createServer(opts: CreateServerOptions = {}): Promise<Server> {
  const cfg = new Config(PARAMS);
  for (const [k, v] of Object.entries(opts.config ?? {})) {
    // a string is one argument, except for directives that take several (save, bind...)
    const multi = cfg.def(k)?.multi === true;
    const args = Array.isArray(v) ? v : multi && v !== '' ? v.split(/\s+/).filter((x) => x !== '') : [v];
    cfg.load(k, args, 'argv');
  }
  if (opts.port) cfg.load('port', [String(opts.port)], 'argv');
  const server = new Server({ config: cfg, log: opts.log });
  if (!opts.port) {
    server.listeners.ephemeral = true;
    if (!opts.config?.port) cfg.load('port', ['0'], 'argv');
  }
  await server.start();
  return server;
}
