// What every long-running ringkv process does around its server: stop cleanly on SIGINT/SIGTERM
// (a second signal exits at once), and log — rather than die silently on — an unexpected error.

import type { Logger } from "../runtime/logger.js";

export interface Closable {
  close(): Promise<void>;
}

export function stopOnSignals(server: Closable, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting at once");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "stopping");
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "error while stopping");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  process.on("uncaughtException", (error) => {
    logger.fatal({ err: error }, "uncaught exception: stopping");
    process.exit(70);
  });
}
