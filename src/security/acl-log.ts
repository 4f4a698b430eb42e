// ACL LOG: recent denials (commands, keys, channels, failed AUTH), similar
// events within 60 s merged into one entry with a count, as Redis 7 keeps
// them; entry-id and the creation/update timestamps are Redis 7.2's fields.

import { DENIED } from './acl-check.js';

const GROUPING_MS = 60000;

export interface AclLogEntry {
  count: number;
  reason: number;
  context: 'toplevel' | 'multi' | 'lua' | 'module';
  object: string;
  username: string;
  ctime: number;
  created: number;
  cinfo: string;
  entryId: number;
}

export class AclLog {
  /** Newest first. */
  entries: AclLogEntry[] = [];
  private nextId = 0;

  add(e: Omit<AclLogEntry, 'count' | 'ctime' | 'created' | 'entryId'>, maxLen: number): void {
    const now = Date.now();
    // a limited scan for a similar entry, as Redis does (10 entries)
    for (let i = 0; i < this.entries.length && i < 10; i++) {
      const m = this.entries[i];
      if (m.reason === e.reason && m.context === e.context && Math.abs(m.ctime - now) <= GROUPING_MS && m.object === e.object && m.username === e.username) {
        m.cinfo = e.cinfo;
        m.ctime = now;
        m.count++;
        this.entries.splice(i, 1);
        this.entries.unshift(m);
        return;
      }
    }
    this.entries.unshift({ ...e, count: 1, ctime: now, created: now, entryId: this.nextId++ });
    if (this.entries.length > maxLen) this.entries.length = maxLen;
  }

  reset(): void {
    this.entries = [];
  }
}

export function reasonName(r: number): string {
  switch (r) {
    case DENIED.CMD:
      return 'command';
    case DENIED.KEY:
      return 'key';
    case DENIED.CHANNEL:
      return 'channel';
    case DENIED.AUTH:
      return 'auth';
    default:
      return 'unknown';
  }
}
