// The multi-part AOF manifest (Redis 7.0 aof.c): one line per file,
//   file appendonly.aof.2.base.rdb seq 2 type b
//   file appendonly.aof.2.incr.aof seq 2 type i
// type b = base (at most one), i = incremental (in order), h = history
// (superseded, deleted after a rewrite).

import { splitArgs, quoteArg } from '../../util/splitargs.js';

export interface AofFileInfo {
  name: string;
  seq: number;
  type: 'b' | 'h' | 'i';
}

export class Manifest {
  base: AofFileInfo | null = null;
  incrs: AofFileInfo[] = [];
  history: AofFileInfo[] = [];
  curBaseSeq = 0;
  curIncrSeq = 0;

  static parse(text: string): Manifest {
    const m = new Manifest();
    const lines = text.split('\n');
    let lineNo = 0;
    for (const raw of lines) {
      lineNo++;
      const line = raw.replace(/\r$/, '').trim();
      if (line === '' || line.startsWith('#')) continue;
      const argv = splitArgs(line);
      if (argv === null || argv.length < 6 || argv.length % 2 !== 0) throw new Error(`Invalid AOF manifest file format (line ${lineNo})`);
      let name: string | null = null;
      let seq = -1;
      let type = '';
      for (let i = 0; i < argv.length; i += 2) {
        const k = argv[i];
        if (k === 'file') name = argv[i + 1];
        else if (k === 'seq') seq = /^[0-9]+$/.test(argv[i + 1]) ? Number(argv[i + 1]) : -1;
        else if (k === 'type') type = argv[i + 1];
        // unknown keys are ignored, as Redis does (forward compatibility)
      }
      if (name === null || seq < 0 || (type !== 'b' && type !== 'h' && type !== 'i')) throw new Error(`Invalid AOF manifest file format (line ${lineNo})`);
      if (name.includes('/')) throw new Error(`Invalid AOF manifest file format (line ${lineNo}): a file name can't be a path`);
      const info: AofFileInfo = { name, seq, type };
      if (type === 'b') {
        if (m.base !== null) throw new Error('Found duplicate base file information');
        m.base = info;
        m.curBaseSeq = seq;
      } else if (type === 'h') m.history.push(info);
      else {
        if (seq <= m.curIncrSeq) throw new Error('Found a non-monotonic sequence number');
        m.incrs.push(info);
        m.curIncrSeq = seq;
      }
    }
    if (m.base === null && m.incrs.length === 0 && m.history.length === 0) throw new Error('Found an empty AOF manifest');
    return m;
  }

  format(): string {
    let s = '';
    const line = (f: AofFileInfo) => `file ${/^[A-Za-z0-9._-]+$/.test(f.name) ? f.name : quoteArg(f.name)} seq ${f.seq} type ${f.type}\n`;
    if (this.base) s += line(this.base);
    for (const h of this.history) s += line(h);
    for (const i of this.incrs) s += line(i);
    return s;
  }

  clone(): Manifest {
    const m = new Manifest();
    m.base = this.base ? { ...this.base } : null;
    m.incrs = this.incrs.map((f) => ({ ...f }));
    m.history = this.history.map((f) => ({ ...f }));
    m.curBaseSeq = this.curBaseSeq;
    m.curIncrSeq = this.curIncrSeq;
    return m;
  }
}

export function manifestName(appendfilename: string): string {
  return `${appendfilename}.manifest`;
}
export function tempManifestName(appendfilename: string): string {
  return `temp-${appendfilename}.manifest`;
}
export function baseName(appendfilename: string, seq: number, rdb: boolean): string {
  return `${appendfilename}.${seq}.base.${rdb ? 'rdb' : 'aof'}`;
}
export function incrName(appendfilename: string, seq: number): string {
  return `${appendfilename}.${seq}.incr.aof`;
}
