// A small tmpfs, for tests of a full disk: mounted on a fresh directory, unmounted and removed
// after. Mounting needs root (CAP_SYS_ADMIN); where it is refused, tests skip with the reason.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";

function mountTmpfs(bytes: number): string {
  const dir = mkdtempSync("/tmp/ringkv-tmpfs-");
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${bytes},mode=0700`, "tmpfs", dir], { stdio: "pipe" });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return dir;
}

function unmountTmpfs(dir: string): void {
  try {
    execFileSync("umount", ["--lazy", dir], { stdio: "pipe" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Why a tmpfs cannot be mounted here, or undefined when it can. */
export function tmpfsUnavailable(): string | undefined {
  try {
    unmountTmpfs(mountTmpfs(64 * 1024));
    return undefined;
  } catch (error) {
    return `cannot mount a tmpfs here (${(error as Error).message.split("\n")[0]}); it needs root`;
  }
}

/** Runs `run` on a tmpfs of `bytes` bytes. */
export async function withTmpfs<T>(bytes: number, run: (dir: string) => Promise<T>): Promise<T> {
  const dir = mountTmpfs(bytes);
  try {
    return await run(dir);
  } finally {
    unmountTmpfs(dir);
  }
}
