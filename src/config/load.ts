// redis.conf loading with Redis 7.0's rules: the file, then standard input,
// then the `--directive value` command-line options are concatenated and
// read as one text; lines are trimmed and split like sdssplitargs; `include`
// (with glob patterns) loads other files; errors stop the load with Redis's
// "*** FATAL CONFIG FILE ERROR ***" report and the line number.

import { validateUserDirective } from '../security/users.js';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { splitArgs, quoteArg } from '../util/splitargs.js';
import { globMatch } from '../util/glob.js';
import { META } from '../commands/table.js';
import { Config, ConfigError } from './registry.js';
import { strerror } from './params.js';

/** The Redis version our fatal reports name (server.ts VERSION; not imported to keep config/ free of server/). */
const REDIS_VERSION = '7.0.15';

export class ConfigLoadError extends Error {}

/** Redis's report for a bad line (line numbers start at 1) or a global problem (no line). */
export function fatalReport(msg: string, lineNo?: number, line?: string): string {
  let out = `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\n`;
  if (lineNo !== undefined) out += `Reading the configuration file, at line ${lineNo}\n>>> '${line}'\n`;
  return out + msg;
}

function fatal(lineNo: number, line: string, msg: string): ConfigLoadError {
  return new ConfigLoadError(fatalReport(msg, lineNo, line));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** A Redis log line as printed before the server is initialised ("pid:C date # msg"). */
export function logLine(msg: string, mark = '#'): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const ts = `${p(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
  return `${process.pid}:C ${ts} ${mark} ${msg}`;
}

/** Directives that Redis 7.0 still accepts (and ignores) with exactly one argument. */
const DEPRECATED = new Set(['list-max-ziplist-entries', 'list-max-ziplist-value', 'lua-replicate-commands']);

interface LoadState {
  /** Command names as rename-command has left them (Redis renames while loading). */
  names: Set<string>;
  /** Module configuration directives seen (there are no modules). */
  moduleConfigs: number;
  depth: number;
  /** `user` directive names seen (a user may be defined once). */
  userNames: Set<string>;
}
const states = new WeakMap<Config, LoadState>();
function stateOf(cfg: Config): LoadState {
  let s = states.get(cfg);
  if (!s) {
    s = { names: new Set(Object.keys(META).map((n) => n.toLowerCase())), moduleConfigs: 0, depth: 0, userNames: new Set() };
    states.set(cfg, s);
  }
  return s;
}

/** Reads one file; glob patterns load every match (none is fine), like Redis's include. */
function readConfigFiles(name: string): string {
  if (/[*?[]/.test(name)) {
    const dir = dirname(name);
    const pat = basename(name);
    let entries: string[] = [];
    try {
      entries = readdirSync(resolve(dir)).filter((f) => f !== '.' && f !== '..' && (!f.startsWith('.') || pat.startsWith('.')) && globMatch(pat, f)).sort();
    } catch {
      return '';
    }
    let out = '';
    for (const f of entries) out += readOne(join(dir, f));
    return out;
  }
  return readOne(name);
}

function readOne(name: string): string {
  try {
    return readFileSync(resolve(name), 'latin1');
  } catch (e) {
    throw new ConfigLoadError(logLine(`Fatal error, can't open config file '${name}': ${strerror(e)}`));
  }
}

/** Loads config text (Redis loadServerConfigFromString) into cfg. Throws ConfigLoadError. */
export function loadConfigText(cfg: Config, text: string): void {
  const st = stateOf(cfg);
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    if (line === '' || line[0] === '#') continue;
    const argv = splitArgs(line);
    if (argv === null) throw fatal(n + 1, line, 'Unbalanced quotes in configuration line');
    if (argv.length === 0) continue;
    const name = argv[0].toLowerCase();
    const argc = argv.length;
    if (cfg.def(name)) {
      try {
        cfg.load(name, argv.slice(1), 'file');
      } catch (e) {
        if (e instanceof ConfigError) throw fatal(n + 1, line, e.message);
        throw e;
      }
      continue;
    }
    if (DEPRECATED.has(name) && argc === 2) continue;
    if (name === 'include' && argc === 2) {
      if (st.depth >= 32) throw fatal(n + 1, line, 'Too many nested includes');
      const content = readConfigFiles(argv[1]);
      st.depth++;
      try {
        loadConfigText(cfg, content);
      } finally {
        st.depth--;
      }
    } else if (name === 'rename-command' && argc === 3) {
      const from = argv[1].toLowerCase();
      const to = argv[2].toLowerCase();
      if (!st.names.has(from)) throw fatal(n + 1, line, 'No such command in rename-command');
      st.names.delete(from);
      if (to !== '') {
        if (st.names.has(to)) throw fatal(n + 1, line, 'Target command name already exists');
        st.names.add(to);
      }
      cfg.renames.push([argv[1], argv[2], { line: n + 1, text: line }]);
    } else if (name === 'user' && argc >= 2) {
      const err = validateUserDirective(argv, st.userNames);
      if (err !== null) throw fatal(n + 1, line, err);
      cfg.users.push(argv.slice(1));
    } else if (name === 'loadmodule' && argc >= 2) {
      throw fatal(n + 1, line, `Module ${argv[1]} failed to load: Redoubt does not load Redis modules`);
    } else if (name.includes('.')) {
      if (argc !== 2) throw fatal(n + 1, line, 'Module config specified without value');
      st.moduleConfigs++;
    } else if (name === 'sentinel') {
      if (argc !== 1) throw fatal(n + 1, line, 'sentinel directive while not in sentinel mode');
    } else {
      throw fatal(n + 1, line, 'Bad directive or wrong number of arguments');
    }
  }
  if (st.depth > 0) return;

  const logfile = cfg.str('logfile');
  if (logfile !== '') {
    try {
      closeSync(openSync(logfile, 'a', 0o600));
    } catch (e) {
      throw new ConfigLoadError(fatalReport(`Can't open the log file: ${strerror(e)}`));
    }
  }
  if (cfg.bool('cluster-enabled') && cfg.str('replicaof') !== '') {
    throw new ConfigLoadError(fatalReport('replicaof directive not allowed in cluster mode'));
  }
  if (st.moduleConfigs > 0) {
    throw new ConfigLoadError(logLine('Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting'));
  }
}

/** What redis-server's command line means: config file, stdin, and the options text. */
export interface ServerArgs {
  /** Config file path as given (null: none). */
  file: string | null;
  /** `-` as the first or last argument: read configuration from standard input too. */
  stdin: boolean;
  /** `--name value ...` turned into config lines, appended after the file and stdin. */
  options: string;
}

/**
 * Parses redis-server's argv exactly as Redis 7.0's main(): the first argument is the
 * config file unless it starts with '-'; `--name` starts a directive whose following
 * arguments are its values (quoted), `--save` alone means `save ""`.
 */
export function parseServerArgs(args: string[]): ServerArgs {
  let file: string | null = null;
  let j = 0;
  if (args.length > 0 && args[0][0] !== '-') {
    file = args[0];
    j = 1;
  }
  let stdin = false;
  let options = '';
  let handledLast = true;
  for (; j < args.length; j++) {
    const a = args[j];
    if (a === '-' && (j === 0 || j === args.length - 1)) {
      stdin = true;
    } else if (handledLast && a.startsWith('--')) {
      if (options.length) options += '\n';
      options += a.slice(2) + ' ';
      const parts = splitArgs(a);
      if (parts !== null && parts.length === 1) {
        handledLast = false;
        const last = j === args.length - 1;
        const lower = a.toLowerCase();
        if (!last && args[j + 1].startsWith('--') && lower === '--save') {
          options += '""';
          handledLast = true;
        } else if (last && lower === '--save') {
          options += '""';
        } else if (!last && args[j + 1].startsWith('--') && lower === '--sentinel') {
          handledLast = true;
        }
      } else {
        handledLast = true;
      }
    } else {
      options += quoteArg(a) + ' ';
      handledLast = true;
    }
  }
  return { file, stdin, options };
}

/** Compatibility shape for the CLI: `file` is '-' when only stdin is read. */
export function argvToConfig(args: string[]): { file: string; text: string; stdin: boolean } {
  const a = parseServerArgs(args);
  return { file: a.file ?? (a.stdin ? '-' : ''), text: a.options, stdin: a.stdin };
}

/**
 * Loads the config file (if any), then stdin (if asked), then the options text
 * (Redis loadServerConfig). `path` '-' means standard input only. Sets cfg.file to the
 * absolute path of the config file, for CONFIG REWRITE.
 */
export function loadConfigFile(cfg: Config, path: string | null, extra: string, stdin = false): void {
  let content = '';
  if (path === '-') {
    path = null;
    stdin = true;
  }
  if (path) {
    cfg.file = resolve(path);
    content = readConfigFiles(path);
  }
  if (stdin) {
    try {
      content += readFileSync(0, 'latin1');
    } catch {
      /* no stdin */
    }
  }
  content += '\n' + extra;
  loadConfigText(cfg, content);
}

/** Fatal report for a rename-command that names a command Redoubt does not implement. */
export function renameError(src: { line: number; text: string } | undefined, msg: string): ConfigLoadError {
  return new ConfigLoadError(src ? fatalReport(msg, src.line, src.text) : fatalReport(msg));
}
