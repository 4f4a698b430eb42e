// MODULE: Redoubt loads no Redis modules (native code in a server that
// exists to be safe). LIST answers an empty list and HELP as Redis does;
// LOAD, LOADEX and UNLOAD are protected as in Redis 7.0 (enable-module-command)
// and, when allowed, fail as a missing library does.

import type { Family } from './table.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { allowProtectedAction } from './config.js';
import { replyHelp } from './command.js';

const MODULE_REFUSED =
  'ERR MODULE command not allowed. If the enable-module-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';

const HELP = [
  'MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LIST',
  '    Return a list of loaded modules.',
  'LOAD <path> [<arg> ...]',
  '    Load a module library from <path>, passing to it any optional arguments.',
  'LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]',
  '    Load a module library from <path>, while passing it module configurations and optional arguments.',
  'UNLOAD <name>',
  '    Unload a module.',
  'HELP',
  '    Prints this help.',
];

function load(c: Client, argv: string[]): void {
  c.server.logger.warning(`Module ${argv[2]} failed to load: Redoubt does not load Redis modules`);
  c.error('ERR Error loading the extension. Please check the server logs.');
}

const PROTECTED = new Set(['module|load', 'module|loadex', 'module|unload']);

export function install(server: Server): void {
  server.hooks.precheck.push((c, cmd) => {
    if (cmd.parent === null || !PROTECTED.has(cmd.fullName)) return null;
    return allowProtectedAction(server.config.str('enable-module-command'), c) ? null : MODULE_REFUSED;
  });
}

export const commands: Family = {
  'module|list': (c) => c.array(0),
  'module|help': (c) => replyHelp(c, HELP),
  'module|load': load,
  'module|loadex': load,
  'module|unload': (c) => c.error('ERR Error unloading module: no such module with that name'),
};
