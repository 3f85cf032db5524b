// The shell's history, kept between runs in a file (oldest line first), bounded in lines.
// Lines with a password (AUTH ..., HELLO ... AUTH ...) are never written to the file.
// History is a convenience: a file that cannot be read or written costs a warning, never a crash.

import { readFileSync, writeFileSync } from "node:fs";

/** Lines of `ringkv cli` history kept in ~/.ringkv_history. */
export const HISTORY_LINES_MAX = 1_000;

/** History lines newest first, the order node:readline wants; [] when there is no file yet. */
export function loadHistory(path: string, linesMax: number): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").filter((line) => line.trim().length > 0).slice(-linesMax).reverse();
}

/** Writes history given newest first; answers an error message or undefined. */
export function saveHistory(path: string, newestFirst: readonly string[], linesMax: number): string | undefined {
  const kept = newestFirst.filter((line) => !holdsSecret(line)).slice(0, linesMax).reverse();
  try {
    writeFileSync(path, kept.length > 0 ? `${kept.join("\n")}\n` : "", { mode: 0o600 });
    return undefined;
  } catch (error) {
    return `could not save history to ${path}: ${(error as Error).message}`;
  }
}

export function holdsSecret(line: string): boolean {
  return /^\s*auth\b/i.test(line) || /^\s*hello\b.*\bauth\b/i.test(line);
}
