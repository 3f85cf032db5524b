import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RingkvError } from "../shared/errors.js";
import { checkDataDir, DATA_DIR_FILES, DATA_DIR_FORMAT_VERSION, inspectDataDir, writeMarker } from "./data-dir.js";
import { snapshotTree, withTempDir } from "../../test/support/temp-dir.js";

describe("inspectDataDir", () => {
  it("tells missing, empty, locked-but-empty, ours and foreign apart", () =>
    withTempDir(async (dir) => {
      assert.deepEqual(inspectDataDir(join(dir, "nope")), { state: "missing" });
      assert.deepEqual(inspectDataDir(dir), { state: "empty" });
      writeFileSync(join(dir, DATA_DIR_FILES.pid), "123\n");
      assert.deepEqual(inspectDataDir(dir), { state: "empty" });
      writeMarker(dir, "coordinator");
      assert.deepEqual(inspectDataDir(dir), { state: "ours", marker: { version: DATA_DIR_FORMAT_VERSION, kind: "coordinator" } });
    }));

  it("lists what a foreign directory holds, sorted", () =>
    withTempDir(async (dir) => {
      writeFileSync(join(dir, "b.txt"), "x");
      mkdirSync(join(dir, "a"));
      assert.deepEqual(inspectDataDir(dir), { state: "foreign", names: ["a", "b.txt"] });
    }));
});

describe("writeMarker", () => {
  it("leaves exactly one whole marker and no temporary file", () =>
    withTempDir(async (dir) => {
      writeMarker(dir, "node");
      assert.deepEqual(readdirSync(dir), [DATA_DIR_FILES.marker]);
      assert.deepEqual(JSON.parse(readFileSync(join(dir, DATA_DIR_FILES.marker), "utf8")), {
        format: "ringkv-data-dir",
        version: DATA_DIR_FORMAT_VERSION,
        kind: "node",
      });
    }));
});

describe("checkDataDir", () => {
  it("calls a missing or empty directory new and a marked one existing", () =>
    withTempDir(async (dir) => {
      assert.equal(checkDataDir(join(dir, "sub"), "node"), "new");
      assert.equal(checkDataDir(dir, "node"), "new");
      writeMarker(dir, "node");
      assert.equal(checkDataDir(dir, "node"), "existing");
      writeRawMarker(dir, { format: "ringkv-data-dir", version: 1, kind: "node" });
      assert.equal(checkDataDir(dir, "node"), "older", "a version-1 directory is upgraded when the store opens it");
    }));

  const refusals: Array<{ name: string; setup: (dir: string) => void; kind: "node" | "coordinator"; message: RegExp }> = [
    {
      name: "a directory with other files and no marker",
      setup: (dir) => {
        writeFileSync(join(dir, "a.txt"), "precious");
        mkdirSync(join(dir, "b"));
      },
      kind: "node",
      message: /is not a ringkv data directory \(found: a\.txt, b\) — refusing to touch it$/,
    },
    {
      name: "more foreign names than are listed",
      setup: (dir) => {
        for (let i = 10; i < 23; i++) writeFileSync(join(dir, `f${i}`), "");
      },
      kind: "node",
      message: /\(found: f10, f11, f12, f13, f14, f15, f16, f17, f18, f19 and 3 more\)/,
    },
    {
      name: "ringkv files left without a marker by an interrupted first start",
      setup: (dir) => writeFileSync(join(dir, DATA_DIR_FILES.store), ""),
      kind: "node",
      message: /found: store\.mdb\); it holds ringkv files without a marker, as an interrupted first start/,
    },
    {
      name: "a coordinator directory opened as a node",
      setup: (dir) => writeMarker(dir, "coordinator"),
      kind: "node",
      message: /is a ringkv coordinator data directory, not a node one — refusing to open it as a node$/,
    },
    {
      name: "a newer format version",
      setup: (dir) => writeRawMarker(dir, { format: "ringkv-data-dir", version: 3, kind: "node" }),
      kind: "node",
      message: /has data directory format version 3; this build reads versions 1 to 2 — refusing to touch it$/,
    },
    {
      name: "a marker that is not JSON",
      setup: (dir) => writeFileSync(join(dir, DATA_DIR_FILES.marker), "hello"),
      kind: "node",
      message: /RINGKV is not a valid ringkv marker \(not JSON\)/,
    },
    {
      name: "a marker of another format",
      setup: (dir) => writeRawMarker(dir, { format: "other", version: 1, kind: "node" }),
      kind: "node",
      message: /not a valid ringkv marker \(format is "other", expected "ringkv-data-dir"\)/,
    },
    {
      name: "a marker with an unknown kind",
      setup: (dir) => writeRawMarker(dir, { format: "ringkv-data-dir", version: 1, kind: "bystander" }),
      kind: "node",
      message: /not a valid ringkv marker \(kind is "bystander"\)/,
    },
    {
      name: "an oversized marker",
      setup: (dir) => writeFileSync(join(dir, DATA_DIR_FILES.marker), " ".repeat(5000)),
      kind: "node",
      message: /not a valid ringkv marker \(5000 bytes, a marker has at most 4096\)/,
    },
  ];
  for (const refusal of refusals) {
    it(`refuses ${refusal.name}, changing nothing`, () =>
      withTempDir(async (dir) => {
        refusal.setup(dir);
        const before = snapshotTree(dir);
        assert.throws(
          () => checkDataDir(dir, refusal.kind),
          (error: unknown) => error instanceof RingkvError && error.code === "ERR" && refusal.message.test(error.message),
        );
        assert.deepEqual(snapshotTree(dir), before);
      }));
  }

  it("refuses a path that is a file", () =>
    withTempDir(async (dir) => {
      const file = join(dir, "file");
      writeFileSync(file, "x");
      assert.throws(() => checkDataDir(file, "node"), /exists and is not a directory — refusing to touch it/);
      assert.equal(readFileSync(file, "utf8"), "x");
    }));
});

function writeRawMarker(dir: string, marker: object): void {
  writeFileSync(join(dir, DATA_DIR_FILES.marker), JSON.stringify(marker));
}
