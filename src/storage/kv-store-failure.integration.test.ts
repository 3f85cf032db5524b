// A commit that fails (here: the file may not grow, as on a full disk) must reject its writes
// with a clear error, stop the store taking more, and lose nothing acknowledged before it.
// The child runs with a file size limit (ulimit -f) and SIGXFSZ ignored, so the kernel
// refuses the write instead of killing the process.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { KVStore } from "./kv-store.js";
import { startChild } from "../../test/support/storage/child.js";
import { survivingWrites } from "../../test/support/storage/crash-workload.js";
import { withTempDir } from "../../test/support/temp-dir.js";

const crashWriter = new URL("../../test/support/storage/crash-writer.js", import.meta.url);
const FILE_BLOCKS_MAX = 4096; // bash counts ulimit -f in 1 KiB blocks: a 4 MiB file
const VALUE_BYTES = 4096;
const IN_FLIGHT = 16;
const CHILD_TIMEOUT_MS = 20_000;

describe("KVStore when a commit fails", () => {
  const bash = ["/bin/bash", "/usr/bin/bash"].find((path) => existsSync(path));
  it("rejects, refuses later writes, and keeps what it acknowledged", { skip: bash ? false : "bash not found", timeout: 60_000 }, () =>
    withTempDir(async (dir) => {
      const limited = [bash as string, "-c", `trap '' XFSZ; ulimit -f ${FILE_BLOCKS_MAX}; exec "$0" "$@"`];
      const child = startChild(crashWriter, [dir, "0", String(IN_FLIGHT), String(VALUE_BYTES)], { wrapper: limited });
      const failed = await child.waitForLine((line) => line.startsWith("failed "), CHILD_TIMEOUT_MS);
      const refused = await child.waitForLine((line) => line.startsWith("refused ") || line === "accepted", CHILD_TIMEOUT_MS);
      assert.equal((await child.exited).code, 0, child.stderr());
      assert.match(failed, /^failed a write to .*store\.mdb failed \(.+\); the store refuses further writes until the process restarts \(reads go on\)$/);
      assert.equal(refused, `refused ${failed.slice("failed ".length)}`);

      const acked = child.lines.filter((line) => /^\d+$/.test(line)).map(Number);
      assert.ok(acked.length >= 20, `only ${acked.length} writes were acknowledged before the disk was full`);
      const store = await KVStore.open(dir, { kind: "node" });
      try {
        for (const i of acked) {
          const { present, of } = survivingWrites(store, i, VALUE_BYTES);
          assert.equal(present, of, `acknowledged write ${i}: ${present} of its ${of} operations survived`);
        }
        await store.write([{ db: "data", key: Buffer.from("after"), value: Buffer.from("restart") }]);
      } finally {
        await store.close();
      }
    }));
});
