// Server-wide counters for INFO stats / errorstats.

export class Stats {
  startTime = Date.now();
  numCommands = 0;
  numConnections = 0;
  rejectedConnections = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  totalErrorReplies = 0;
  unexpectedErrorReplies = 0;
  errors = new Map<string, number>();
  // instantaneous metrics, sampled by the cron
  private samples: { t: number; cmds: number; inb: number; outb: number }[] = [];
  opsPerSec = 0;
  inputKbps = 0;
  outputKbps = 0;
  clientQueryBufferLimitDisconnections = 0;
  clientOutputBufferLimitDisconnections = 0;

  countError(msg: string): void {
    this.totalErrorReplies++;
    const sp = msg.indexOf(' ');
    const code = sp === -1 ? msg : msg.slice(0, sp);
    // Redis keeps at most 128 distinct error codes, to stop a flood of made-up ones
    if (this.errors.has(code) || this.errors.size < 128) this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  sample(): void {
    const now = Date.now();
    this.samples.push({ t: now, cmds: this.numCommands, inb: this.netInputBytes, outb: this.netOutputBytes });
    if (this.samples.length > 16) this.samples.shift();
    const a = this.samples[0];
    const dt = (now - a.t) / 1000;
    if (dt > 0) {
      this.opsPerSec = Math.round((this.numCommands - a.cmds) / dt);
      this.inputKbps = (this.netInputBytes - a.inb) / dt / 1024;
      this.outputKbps = (this.netOutputBytes - a.outb) / dt / 1024;
    }
  }

  reset(): void {
    this.numCommands = 0;
    this.numConnections = 0;
    this.rejectedConnections = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.totalErrorReplies = 0;
    this.errors.clear();
    this.samples = [];
  }
}
