// The AOF command stream: RESP multibulk commands, '#' annotation lines
// (#TS:<unix time> with aof-timestamp-enabled). Parsing stops at the last
// complete command so a torn tail can be told apart from corruption.

export function encodeCommand(argv: readonly string[]): string {
  let s = '*' + argv.length + '\r\n';
  for (const a of argv) s += '$' + a.length + '\r\n' + a + '\r\n';
  return s;
}

export interface ParsedAof {
  commands: string[][];
  /** Offset of each command in the file. */
  starts: number[];
  /** Offset just past the last complete command (or annotation). */
  validEnd: number;
  /** The file ends inside a command. */
  truncated: boolean;
  /** Set when the bytes are not an AOF (not a torn tail). */
  badFormat: boolean;
}

function lineEnd(b: Buffer, p: number): number {
  const i = b.indexOf(10, p);
  return i < 0 || i === p || b[i - 1] !== 13 ? -1 : i;
}

export function parseAof(b: Buffer, start = 0): ParsedAof {
  const commands: string[][] = [];
  const starts: number[] = [];
  let p = start;
  let validEnd = start;
  const n = b.length;
  const out = (truncated: boolean, badFormat: boolean): ParsedAof => ({ commands, starts, validEnd, truncated, badFormat });
  while (p < n) {
    if (b[p] === 35) {
      // '#' annotation
      const e = b.indexOf(10, p);
      if (e < 0) return out(true, false);
      p = e + 1;
      validEnd = p;
      continue;
    }
    if (b[p] !== 42) return out(false, true); // '*'
    const cmdStart = p;
    const e = lineEnd(b, p);
    if (e < 0) return b.indexOf(10, p) < 0 ? out(true, false) : out(false, true);
    const argc = Number(b.latin1Slice(p + 1, e - 1));
    if (!Number.isInteger(argc) || argc < 1) return out(false, true);
    p = e + 1;
    const argv: string[] = [];
    for (let i = 0; i < argc; i++) {
      if (p >= n) return out(true, false);
      if (b[p] !== 36) return out(false, true); // '$'
      const le = lineEnd(b, p);
      if (le < 0) return b.indexOf(10, p) < 0 ? out(true, false) : out(false, true);
      const len = Number(b.latin1Slice(p + 1, le - 1));
      if (!Number.isInteger(len) || len < 0) return out(false, true);
      p = le + 1;
      if (p + len + 2 > n) return out(true, false);
      if (b[p + len] !== 13 || b[p + len + 1] !== 10) return out(false, true);
      argv.push(b.latin1Slice(p, p + len));
      p += len + 2;
    }
    commands.push(argv);
    starts.push(cmdStart);
    validEnd = p;
  }
  return out(false, false);
}
