// Loaded (node --import) into every test file of the unit tier (scripts/run-tests.js unit): a
// unit test that opens a TCP socket, starts a process or a worker thread fails at once, with the
// way out in the message. So the unit tier stays fast and self-contained, and a test that needs
// the system says so in its name (*.integration.test.ts) instead of slowing every quick run.
// Unix-domain sockets stay allowed: the data directory's lock is one (src/storage/dir-lock.ts),
// a file on this machine rather than a server. Only the test runner's children are guarded: the
// runner itself starts one process per file.

import { createRequire, syncBuiltinESMExports } from "node:module";

const REFUSED = "a unit test must not open TCP sockets or start processes or threads; " +
  "name the file *.integration.test.ts to run it in the integration tier (scripts/run-tests.js)";

function refuse(what: string): never {
  throw new Error(`${what}: ${REFUSED}`);
}

/** True when listen()/connect() arguments name a Unix-domain socket (a path), not a TCP port. */
function unixSocket(args: unknown[]): boolean {
  // net.connect() hands Socket#connect its arguments already normalized, as an array.
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (typeof first === "string") return !/^\d+$/.test(first);
  return first !== null && typeof first === "object" && typeof (first as { path?: unknown }).path === "string";
}

if (process.env.NODE_TEST_CONTEXT !== undefined) {
  const require = createRequire(import.meta.url);
  const net = require("node:net") as typeof import("node:net");
  const childProcess = require("node:child_process") as Record<string, unknown>;
  const workerThreads = require("node:worker_threads") as Record<string, unknown>;
  const listen = net.Server.prototype.listen as (...args: unknown[]) => unknown;
  const connect = net.Socket.prototype.connect as (...args: unknown[]) => unknown;
  net.Server.prototype.listen = function (this: unknown, ...args: unknown[]) {
    return unixSocket(args) ? listen.apply(this, args) : refuse("listen on a TCP port");
  } as typeof net.Server.prototype.listen;
  net.Socket.prototype.connect = function (this: unknown, ...args: unknown[]) {
    return unixSocket(args) ? connect.apply(this, args) : refuse("connect over TCP");
  } as typeof net.Socket.prototype.connect;
  for (const name of ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"]) {
    childProcess[name] = () => refuse(name);
  }
  workerThreads.Worker = class {
    constructor() {
      refuse("new Worker");
    }
  };
  // ES module imports of these built-ins (import { spawn } from "node:child_process") see the change.
  syncBuiltinESMExports();
}
