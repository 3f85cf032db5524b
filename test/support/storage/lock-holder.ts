// Child process for dir-lock.integration.test.ts: locks the directory given as argv[2] (with the
// lock kind argv[3], by default the platform's), says "locked" on stdout, then waits to be killed
// (at most HOLD_MS, so a failed test leaves no process behind).

import { acquireDirLock, PLATFORM_LOCK_KIND, type LockKind } from "../../../src/storage/dir-lock.js";

const HOLD_MS = 30_000;

const dir = process.argv[2];
if (dir === undefined) throw new Error("usage: lock-holder.js DIR [abstract|file]");
await acquireDirLock(dir, (process.argv[3] as LockKind | undefined) ?? PLATFORM_LOCK_KIND);
process.stdout.write("locked\n");
setTimeout(() => process.exit(0), HOLD_MS);
