// tls-reload-interval: every N seconds, compare the contents of the files the
// TLS context was built from (certificate, key, CAs, DH params) with what is
// in force, and rebuild when they changed (cert-manager, certbot renewals).
// Renewal tools write the certificate and the key one after the other: a
// half-written or mismatched pair fails to build, is ignored with one warning
// per distinct state of the files, and is retried at the next check.

import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { basename } from 'node:path';
import type { Server } from '../server/server.js';
import type { TlsManager } from './manager.js';
import { buildTlsContext, tlsWanted } from './context.js';

function digest(path: string): string {
  try {
    if (path.endsWith('/')) return readdirSync(path).sort().join('\n');
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch (e) {
    return 'error:' + ((e as NodeJS.ErrnoException).code ?? 'unknown');
  }
}

export class FileWatch {
  /** Digest of each file of the context in force. */
  private applied = new Map<string, string>();
  private lastCheck = 0;
  private lastFailed = '';

  constructor(
    private readonly server: Server,
    private readonly mgr: TlsManager,
  ) {}

  /** The context in force was just built from the files as they are now. */
  reset(): void {
    this.applied = new Map((this.mgr.ctx?.files ?? []).map((f) => [f, digest(f)]));
    this.lastFailed = '';
  }

  tick(now: number): void {
    const sec = this.server.config.num('tls-reload-interval');
    if (sec === 0 || this.mgr.ctx === null || now - this.lastCheck < sec * 1000) return;
    this.lastCheck = now;
    this.check();
  }

  /** Compares the files with the context in force; rebuilds when one changed. Returns true after a reload. */
  check(): boolean {
    const cfg = this.server.config;
    if (!tlsWanted(cfg)) return false;
    const changed: string[] = [];
    const now = new Map<string, string>();
    for (const f of this.applied.keys()) {
      const d = digest(f);
      now.set(f, d);
      if (d !== this.applied.get(f)) changed.push(f);
    }
    if (changed.length === 0) return false;
    const state = [...now.values()].join(',');
    let ctx;
    try {
      ctx = buildTlsContext(cfg);
    } catch (e) {
      if (state !== this.lastFailed) {
        this.lastFailed = state;
        this.server.logger.warning(`TLS files changed (${changed.map((f) => basename(f)).join(', ')}) but cannot be used yet, keeping the current certificate; will retry: ${(e as Error).message}`);
      }
      return false;
    }
    const before = this.mgr.ctx?.cert;
    this.mgr.use(ctx);
    this.mgr.stats.reloads++;
    this.reset();
    const what = before && before.fingerprint256 !== ctx.cert.fingerprint256 ? `new certificate ${ctx.cert.subject}` : 'same certificate';
    this.server.logger.notice(`TLS reloaded from changed ${changed.map((f) => basename(f)).join(', ')}: ${what}, expires ${ctx.cert.validTo.toISOString()}`);
    return true;
  }
}
