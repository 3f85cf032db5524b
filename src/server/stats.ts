// Counters INFO shows about the front end. The instantaneous rate is sampled once a second
// by the server (a timer outside this class) so that reading INFO costs nothing extra.

export class ServerStats {
  connectedClients = 0;
  totalConnectionsReceived = 0;
  totalCommandsProcessed = 0;
  rejectedConnections = 0;
  private opsPerSec = 0;
  private lastSampleMs: number | undefined;
  private lastSampleCommands = 0;

  /** Records the command rate since the previous sample. */
  sample(nowMs: number): void {
    if (this.lastSampleMs !== undefined && nowMs > this.lastSampleMs) {
      const elapsedSeconds = (nowMs - this.lastSampleMs) / 1000;
      this.opsPerSec = Math.round((this.totalCommandsProcessed - this.lastSampleCommands) / elapsedSeconds);
    }
    this.lastSampleMs = nowMs;
    this.lastSampleCommands = this.totalCommandsProcessed;
  }

  instantaneousOpsPerSec(): number {
    return this.opsPerSec;
  }
}
