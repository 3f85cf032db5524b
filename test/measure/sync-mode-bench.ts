// Compares the two lmdb-js configurations that acknowledge a write only once it is on disk,
// with the same closed-loop load (WRITERS writes in flight, 100-byte values, random keys):
//   commit-syncs        overlappingSync: false; the commit promise resolves after the sync
//                       (KVStore's choice)
//   overlapping-flushed overlappingSync: true; await the commit, then its `flushed` promise
// Count the syncs by running it under: strace -f -c -e trace=fdatasync,fsync
//   node dist/test/measure/sync-mode-bench.js MODE WRITERS SECONDS

import { open } from "lmdb";
import { join } from "node:path";
import { withTempDir } from "../support/temp-dir.js";

const VALUE_BYTES = 100;
const MODES = {
  "commit-syncs": { overlappingSync: false, separateFlushed: false },
  "overlapping-flushed": { overlappingSync: true, separateFlushed: true },
} as const;
type Mode = keyof typeof MODES;

async function bench(mode: Mode, writers: number, seconds: number): Promise<object> {
  return withTempDir(async (dir) => {
    const root = open<Buffer, Buffer>({ path: join(dir, "bench.mdb"), ...MODES[mode] });
    const db = root.openDB<Buffer, Buffer>("data", { encoding: "binary", keyEncoding: "binary" });
    const txnIdOf = () => (root.getStats() as { lastTxnId: number }).lastTxnId;
    const firstTxnId = txnIdOf();
    const value = Buffer.alloc(VALUE_BYTES, 0x61);
    let acks = 0;
    const endAt = performance.now() + seconds * 1000;
    const writer = async (seed: number) => {
      let state = seed;
      while (performance.now() < endAt) {
        state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
        const written = db.put(Buffer.from(`key:${state.toString(16)}`), value) as Promise<boolean> & { flushed?: Promise<void> };
        await written;
        if (mode === "overlapping-flushed") await written.flushed;
        acks++;
      }
    };
    const startedAt = performance.now();
    await Promise.all(Array.from({ length: writers }, (_, w) => writer(w + 1)));
    const elapsedS = (performance.now() - startedAt) / 1000;
    const commits = txnIdOf() - firstTxnId;
    await root.close();
    return { mode, writers, writesPerS: Math.round(acks / elapsedS), commitsPerS: Math.round(commits / elapsedS) };
  });
}

const [mode, writers, seconds] = process.argv.slice(2);
if (mode === undefined || !(mode in MODES) || writers === undefined || seconds === undefined) {
  console.error(`usage: sync-mode-bench.js ${Object.keys(MODES).join("|")} WRITERS SECONDS`);
  process.exitCode = 2;
} else {
  console.log(JSON.stringify(await bench(mode as Mode, Number(writers), Number(seconds))));
}
