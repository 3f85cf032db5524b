import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { holdsSecret, loadHistory, saveHistory } from "./history.js";

describe("shell history", () => {
  const dir = mkdtempSync(join(tmpdir(), "ringkv-history-"));
  const path = join(dir, "history");
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("saves oldest first and loads newest first, bounded in lines", () => {
    assert.equal(saveHistory(path, ["c", "b", "a"], 10), undefined);
    assert.equal(readFileSync(path, "utf8"), "a\nb\nc\n");
    assert.deepEqual(loadHistory(path, 10), ["c", "b", "a"]);
    assert.deepEqual(loadHistory(path, 2), ["c", "b"]);
    saveHistory(path, ["5", "4", "3", "2", "1"], 3);
    assert.equal(readFileSync(path, "utf8"), "3\n4\n5\n");
  });

  it("never writes a line that holds a password", () => {
    saveHistory(path, ["get k", "AUTH secret", "hello 3 auth default secret", "put k v"], 10);
    assert.equal(readFileSync(path, "utf8"), "put k v\nget k\n");
    assert.equal(holdsSecret("  auth pw"), true);
    assert.equal(holdsSecret("get author"), false);
  });

  it("answers [] for a missing file and skips blank lines", () => {
    assert.deepEqual(loadHistory(join(dir, "missing"), 10), []);
    writeFileSync(path, "a\n\n  \nb\n");
    assert.deepEqual(loadHistory(path, 10), ["b", "a"]);
  });

  it("reports a file it cannot write instead of throwing", () => {
    assert.match(saveHistory(join(dir, "no", "such", "dir"), ["x"], 10) ?? "", /could not save history to .*ENOENT/);
  });

});
