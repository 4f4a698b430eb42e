// Redis's log line format: "pid:role dd Mon yyyy hh:mm:ss.mmm <level> message".

import { appendFileSync } from 'node:fs';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning' | 'nothing';
const RANK: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 };
const MARK: Record<string, string> = { debug: '.', verbose: '-', notice: '*', warning: '#' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export class Logger {
  level: LogLevel = 'notice';
  /** '' logs to stdout */
  file = '';
  role = 'M';
  /** Embedded servers log nowhere unless asked. */
  silent = false;

  log(level: Exclude<LogLevel, 'nothing'>, msg: string): void {
    if (this.silent || RANK[level] < RANK[this.level]) return;
    const d = new Date();
    const ts = `${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
    const line = `${process.pid}:${this.role} ${ts} ${MARK[level]} ${msg}\n`;
    if (this.file) {
      try {
        appendFileSync(this.file, line, { mode: 0o600 });
        return;
      } catch {
        /* fall back to stdout when the log file is unwritable */
      }
    }
    process.stdout.write(line);
  }
  debug(m: string): void {
    this.log('debug', m);
  }
  verbose(m: string): void {
    this.log('verbose', m);
  }
  notice(m: string): void {
    this.log('notice', m);
  }
  warning(m: string): void {
    this.log('warning', m);
  }
}
