// Child process of the crash and disk-full tests: writes crash-workload's writes FIRST,
// FIRST+1, ... keeping IN_FLIGHT of them in flight, and prints the number of each write as soon
// as it is acknowledged. stdout is a pipe, and Node writes to pipes synchronously, so a printed
// number reached the parent before any SIGKILL. On a failed write it prints "failed <message>",
// tries one more write, prints "refused <message>" if that is refused too, and exits.
// SEGMENT_BYTES, when given, is the store's write-ahead log segment size.
// Usage: crash-writer.js DIR FIRST IN_FLIGHT VALUE_BYTES [SEGMENT_BYTES]

import { writeSync } from "node:fs";
import { KVStore } from "../../../src/storage/kv-store.js";
import { writesFor } from "./crash-workload.js";

/** A bound on the run when nobody kills it. */
const WRITES_MAX = 1_000_000;

const [dir, firstText, inFlightText, valueBytesText, segmentBytesText] = process.argv.slice(2);
if (dir === undefined || firstText === undefined || inFlightText === undefined || valueBytesText === undefined) {
  throw new Error("usage: crash-writer.js DIR FIRST IN_FLIGHT VALUE_BYTES [SEGMENT_BYTES]");
}
const first = Number(firstText);
const valueBytes = Number(valueBytesText);
const walSegmentBytesMax = segmentBytesText === undefined ? undefined : Number(segmentBytesText);
const store = await KVStore.open(dir, { kind: "node", ...(walSegmentBytesMax === undefined ? {} : { walSegmentBytesMax }) });
let next = first;
let failure: unknown;

async function writer(): Promise<void> {
  while (failure === undefined && next < first + WRITES_MAX) {
    const i = next++;
    try {
      await store.write(writesFor(i, valueBytes));
      writeSync(1, `${i}\n`);
    } catch (error) {
      failure ??= error;
    }
  }
}

await Promise.all(Array.from({ length: Number(inFlightText) }, writer));
if (failure !== undefined) {
  writeSync(1, `failed ${String((failure as Error).message)}\n`);
  await store.write(writesFor(next, valueBytes)).then(
    () => writeSync(1, "accepted\n"),
    (error: unknown) => writeSync(1, `refused ${(error as Error).message}\n`),
  );
}
await store.close();
