// redis.conf loading with Redis's rules: lines split like sdssplitargs,
// comments, `include`, repeatable directives, errors with the line number in
// Redis's "*** FATAL CONFIG FILE ERROR ***" format.

import { readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { splitArgs } from '../util/splitargs.js';
import { Config, ConfigError } from './registry.js';

export class ConfigLoadError extends Error {}

function fatal(lineNo: number, line: string, msg: string): ConfigLoadError {
  return new ConfigLoadError(
    `\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line ${lineNo}\n>>> '${line}'\n${msg}`,
  );
}

/** Loads config text (file content + argv directives joined) into cfg. */
export function loadConfigText(cfg: Config, text: string, baseDir: string, depth = 0): void {
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n];
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const argv = splitArgs(line);
    if (argv === null) throw fatal(n + 1, line, 'Unbalanced quotes in configuration line');
    if (argv.length === 0) continue;
    const name = argv[0].toLowerCase();
    if (name === 'include') {
      if (argv.length !== 2) throw fatal(n + 1, line, 'Bad directive or wrong number of arguments');
      if (depth > 16) throw fatal(n + 1, line, 'Too many nested includes');
      const path = resolve(baseDir, argv[1]);
      let content: string;
      try {
        content = readFileSync(path, 'latin1');
      } catch (e) {
        throw fatal(n + 1, line, `Fatal error, can't open config file '${argv[1]}': ${(e as Error).message}`);
      }
      loadConfigText(cfg, content, baseDir, depth + 1);
      continue;
    }
    try {
      cfg.load(name, argv.slice(1), 'file');
    } catch (e) {
      if (e instanceof ConfigError) throw fatal(n + 1, line, e.message);
      throw e;
    }
  }
}

export function loadConfigFile(cfg: Config, path: string, extra: string): void {
  let content = '';
  if (path === '-') content = readFileSync(0, 'latin1');
  else if (path) {
    try {
      content = readFileSync(path, 'latin1');
    } catch (e) {
      throw new ConfigLoadError(`Fatal error, can't open config file '${path}': ${(e as Error).message}`);
    }
    cfg.file = realpathSync(path);
  }
  loadConfigText(cfg, content + '\n' + extra, path && path !== '-' ? resolve(path, '..') : process.cwd());
}
