// Temporary directories for the storage tests: always under /tmp, always removed.

import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

export async function withTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync("/tmp/ringkv-storage-");
  try {
    return await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every file and directory under DIR with a digest of its bytes and its mtime: compare two
 * snapshots to show that nothing was changed. */
export function snapshotTree(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (relative: string) => {
    const path = join(dir, relative);
    const stat = statSync(path);
    if (stat.isDirectory()) {
      found.set(`${relative}/`, `dir mtime=${stat.mtimeMs}`);
      for (const name of readdirSync(path)) walk(join(relative, name));
    } else {
      const digest = createHash("sha256").update(readFileSync(path)).digest("hex");
      found.set(relative, `${stat.size} bytes sha256=${digest} mtime=${stat.mtimeMs}`);
    }
  };
  walk(".");
  return found;
}
