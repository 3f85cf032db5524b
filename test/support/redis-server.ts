// A real redis-server for comparison tests: started on a free port with no persistence, stopped
// by the test that started it.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { freePort } from "./ports.js";
import { RawResp } from "./raw-resp.js";

export interface RedisServer {
  readonly port: number;
  stop(): Promise<void>;
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const child: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const probe = await RawResp.connect(port);
      await probe.call(["PING"]);
      probe.close();
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`redis-server on port ${port} did not answer`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    port,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

export const REDIS_CLI = "/usr/bin/redis-cli";

/** A test's `skip` option: false, or why it cannot run here. */
export const redisMissing: string | false = existsSync("/usr/bin/redis-server") && existsSync(REDIS_CLI)
  ? false : "redis-server or redis-cli is not installed";
