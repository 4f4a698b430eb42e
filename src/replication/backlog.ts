// The replication backlog (Redis 7.0 repl_backlog): the last
// repl-backlog-size bytes of the replication stream, addressed by absolute
// stream offsets, from which a reconnecting replica resumes (+CONTINUE).
// Offsets count bytes from 1 as Redis's do: the first byte held is
// `firstByte`, the last one `firstByte + histLen - 1` = master_repl_offset.

export class Backlog {
  private buf: Buffer;
  /** Write position in buf. */
  private idx = 0;
  private hist = 0;
  private first: number;
  /**
   * Appends gathered as one string and copied into the buffer 64 KB at a
   * time: a Buffer.write per propagated command cost ~5% of a SET's time.
   */
  private tail = '';

  constructor(size: number, offset: number) {
    this.buf = Buffer.alloc(Math.max(16384, size));
    this.first = offset + 1;
  }

  get size(): number {
    return this.buf.length;
  }
  get histLen(): number {
    this.settle();
    return this.hist;
  }
  get firstByte(): number {
    this.settle();
    return this.first;
  }

  append(s: string): void {
    this.tail += s;
    if (this.tail.length >= 65536) this.settle();
  }

  private settle(): void {
    if (this.tail.length === 0) return;
    const s = this.tail;
    this.tail = '';
    this.write(s);
  }

  private write(s: string): void {
    const size = this.buf.length;
    let n = s.length;
    let from = 0;
    if (n > size) {
      from = n - size;
      this.first += this.hist + from;
      this.hist = 0;
      n = size;
    }
    while (n > 0) {
      const k = Math.min(n, size - this.idx);
      this.buf.write(s.slice(from, from + k), this.idx, k, 'latin1');
      this.idx = (this.idx + k) % size;
      from += k;
      n -= k;
      this.hist += k;
    }
    if (this.hist > size) {
      this.first += this.hist - size;
      this.hist = size;
    }
  }

  /** Whether the stream from byte `offset` on (a PSYNC offset) is held. */
  covers(offset: number): boolean {
    this.settle();
    return offset >= this.firstByte && offset <= this.firstByte + this.histLen;
  }

  /** The bytes from `offset` to the end, as latin1. */
  from(offset: number): string {
    this.settle();
    const skip = offset - this.firstByte;
    const len = this.hist - skip;
    if (len <= 0) return '';
    const size = this.buf.length;
    const start = (this.idx - this.hist + skip + size * 2) % size;
    if (start + len <= size) return this.buf.latin1Slice(start, start + len);
    return this.buf.latin1Slice(start, size) + this.buf.latin1Slice(0, len - (size - start));
  }

  /** CONFIG SET repl-backlog-size: keeps the newest bytes that still fit. */
  resize(size: number): void {
    size = Math.max(16384, size);
    this.settle();
    if (size === this.buf.length) return;
    const keep = Math.min(this.hist, size);
    const tail = this.from(this.first + this.hist - keep);
    this.buf = Buffer.alloc(size);
    this.idx = 0;
    this.first += this.hist - keep;
    this.hist = 0;
    this.write(tail);
  }
}
