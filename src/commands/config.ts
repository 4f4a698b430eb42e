// CONFIG GET / SET / RESETSTAT / REWRITE / HELP (Redis 7.0 config.c).

import { securityEvent } from '../security/events.js';
import type { Family } from './table.js';
import type { Client } from '../server/client.js';
import { ERR } from './errors.js';
import { globMatch } from '../util/glob.js';
import { isLocalClient } from './client.js';
import { rewriteConfigFile } from '../config/rewrite.js';
import { strerror } from '../config/params.js';

/** enable-protected-configs / enable-debug-command / enable-module-command semantics. */
export function allowProtectedAction(setting: string, c: Client): boolean {
  return setting === 'yes' || (setting === 'local' && isLocalClient(c));
}

function configGet(c: Client, argv: string[]): void {
  const cfg = c.server.config;
  const keys: string[] = [];
  const vals: string[] = [];
  const seen = new Set<string>();
  for (let k = 2; k < argv.length; k++) {
    const pat = argv[k];
    if (!/[[*?]/.test(pat)) {
      // an exact name (hidden parameters too), replied under the name as given
      const lower = pat.toLowerCase();
      if (seen.has(lower)) continue;
      const d = cfg.def(lower);
      if (d) {
        seen.add(lower);
        keys.push(pat);
        vals.push(cfg.display(d.name));
      }
      continue;
    }
    for (const [name, d] of cfg.entries()) {
      if (d.hidden || seen.has(name)) continue;
      if (globMatch(pat, name, true)) {
        seen.add(name);
        keys.push(name);
        vals.push(cfg.display(d.name));
      }
    }
  }
  c.map(keys.length);
  for (let k = 0; k < keys.length; k++) {
    c.bulk(keys[k]);
    c.bulk(vals[k]);
  }
}

function configSet(c: Client, argv: string[]): void {
  if (argv.length & 1) return c.error(ERR.syntax);
  const cfg = c.server.config;
  const pairs: [string, string][] = [];
  let redacted: string[] | null = null;
  for (let k = 2; k < argv.length; k += 2) {
    pairs.push([argv[k], argv[k + 1]]);
    // secrets never reach SLOWLOG / MONITOR, whatever the outcome
    if (cfg.def(argv[k])?.sensitive) {
      redacted ??= [...argv];
      redacted[k + 1] = '(redacted)';
    }
  }
  if (redacted) c.argv = redacted;
  const err = cfg.setMany(pairs, {
    protectedAllowed: allowProtectedAction(cfg.str('enable-protected-configs'), c),
    loading: c.server.ext.loading === true,
  });
  if (err === null) {
    const shown = pairs.map(([k, v]) => `${k}=${cfg.def(k)?.sensitive ? '(redacted)' : v}`).join(' ');
    securityEvent(c.server, 'config-set', { by: c.user.name, addr: c.raddr, params: shown });
    return c.ok();
  }
  if (err.loading) return c.error('LOADING Redis is loading the dataset in memory');
  c.error('ERR ' + err.error);
}

function configResetStat(c: Client): void {
  const server = c.server;
  const st = server.stats;
  st.reset();
  st.unexpectedErrorReplies = 0;
  st.clientQueryBufferLimitDisconnections = 0;
  st.clientOutputBufferLimitDisconnections = 0;
  st.opsPerSec = 0;
  st.inputKbps = 0;
  st.outputKbps = 0;
  const ks = server.keyspace.stats;
  ks.hits = 0;
  ks.misses = 0;
  ks.expiredKeys = 0;
  ks.evictedKeys = 0;
  ks.expiredStalePerc = 0;
  ks.expiredTimeCapReached = 0;
  for (const cmd of server.commands.commandsAndSubs()) {
    cmd.calls = 0;
    cmd.usec = 0;
    cmd.rejectedCalls = 0;
    cmd.failedCalls = 0;
  }
  for (const h of server.hooks.resetStat ?? []) h();
  c.ok();
}

function configRewrite(c: Client): void {
  const server = c.server;
  const file = server.config.file ?? server.configFile;
  if (!file) return c.error('ERR The server is running without a config file');
  try {
    rewriteConfigFile(server.config, file);
  } catch (e) {
    const msg = strerror(e);
    server.logger.warning(`CONFIG REWRITE failed: ${msg}`);
    return c.error(`ERR Rewriting config file: ${msg}`);
  }
  server.logger.warning('CONFIG REWRITE executed with success.');
  securityEvent(server, 'config-rewrite', { by: c.user.name, addr: c.raddr, file });
  c.ok();
}

const HELP = [
  'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
  'HELP',
  '    Prints this help.',
];

function configHelp(c: Client): void {
  c.array(HELP.length);
  for (const l of HELP) c.simple(l);
}

export const commands: Family = {
  'config|get': configGet,
  'config|set': configSet,
  'config|resetstat': configResetStat,
  'config|rewrite': configRewrite,
  'config|help': configHelp,
};
