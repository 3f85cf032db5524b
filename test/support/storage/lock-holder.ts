// Child process for dir-lock.test.ts: locks the directory given as argv[2], says "locked" on
// stdout, then waits to be killed (at most HOLD_MS, so a failed test leaves no process behind).

import { acquireDirLock } from "../../../src/storage/dir-lock.js";

const HOLD_MS = 30_000;

const dir = process.argv[2];
if (dir === undefined) throw new Error("usage: lock-holder.js DIR");
acquireDirLock(dir);
process.stdout.write("locked\n");
setTimeout(() => process.exit(0), HOLD_MS);
