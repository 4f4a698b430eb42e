// Server-side TLS session cache (tls-session-caching, -size, -timeout).
// Node keeps OpenSSL's internal cache off and asks the server through the
// newSession/resumeSession events instead; this is that cache, bounded like
// OpenSSL's (oldest entries go first) so a client cannot grow it without end.

export class SessionCache {
  private readonly map = new Map<string, { data: Buffer; expires: number }>();

  set(id: Buffer, data: Buffer, size: number, timeoutSec: number): void {
    if (size === 0) size = Infinity; // OpenSSL: 0 means unlimited (Redis passes the value through)
    const key = id.toString('hex');
    this.map.delete(key);
    this.map.set(key, { data, expires: Date.now() + timeoutSec * 1000 });
    while (this.map.size > size) this.map.delete(this.map.keys().next().value as string);
  }

  get(id: Buffer): Buffer | null {
    const key = id.toString('hex');
    const e = this.map.get(key);
    if (e === undefined) return null;
    if (Date.now() >= e.expires) {
      this.map.delete(key);
      return null;
    }
    return e.data;
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}
