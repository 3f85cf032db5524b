// Tells a parent process (the `ringkv start` launcher) how far this process got, over the IPC
// channel Node opens when the parent spawns with "ipc" — independent of the log level. Without a
// parent channel it does nothing.

/** `metricsPort`: the HTTP port of --metrics-port, when the process has one. */
export type ParentSignal = { event: "ready"; port: number; metricsPort?: number } | { event: "joined" };

export function signalParent(signal: ParentSignal): void {
  if (process.connected) process.send?.(signal);
}
