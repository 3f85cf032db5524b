// One segment file of the write-ahead log: created empty (its directory entry synced before
// anything in it is relied on), appended to at its end, made durable by fdatasync. An append
// that fails (no room, a file-size limit) is cut back off, so that the next append follows the
// last whole frame and replay never meets a torn frame in the middle of the log.

import { constants, openSync, closeSync, fsyncSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { PRIVATE_FILE_MODE } from "./data-dir.js";

const SEGMENT_NAME = /^wal-(\d{16})\.log$/;

export function segmentPath(dir: string, number: number): string {
  return join(dir, `wal-${String(number).padStart(16, "0")}.log`);
}

/** The numbers of the segments in DIR, oldest first. */
export function listSegments(dir: string): number[] {
  const numbers: number[] = [];
  for (const name of readdirSync(dir)) {
    const match = SEGMENT_NAME.exec(name);
    if (match) numbers.push(Number(match[1]));
  }
  return numbers.sort((a, b) => a - b);
}

export function readSegment(dir: string, number: number): Buffer {
  return readFileSync(segmentPath(dir, number));
}

/** Removes segments NUMBERS of DIR and makes their removal durable. */
export function removeSegments(dir: string, numbers: readonly number[]): void {
  for (const number of numbers) rmSync(segmentPath(dir, number), { force: true });
  syncDir(dir);
}

/** fsync of a directory: a file created or removed in it survives a crash as such. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** An append that failed; `cutBack` says whether the file is again as it was before it. */
export class WalAppendError extends Error {
  constructor(cause: unknown, readonly cutBack: boolean) {
    super(String((cause as Error | null)?.message ?? cause), { cause });
  }
}

export class WalSegment {
  private constructor(readonly number: number, readonly path: string, private readonly handle: FileHandle, private bytes: number) {}

  /** Creates segment NUMBER of DIR, empty, and syncs the directory so that it is found after a crash. */
  static async create(dir: string, number: number): Promise<WalSegment> {
    const path = segmentPath(dir, number);
    const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, PRIVATE_FILE_MODE);
    try {
      syncDir(dir);
    } catch (error) {
      await handle.close();
      throw error;
    }
    return new WalSegment(number, path, handle, 0);
  }

  get size(): number {
    return this.bytes;
  }

  /** Writes BYTES at the end of the file (not yet durable: see sync). */
  async append(bytes: Buffer): Promise<void> {
    let written = 0;
    try {
      while (written < bytes.length) {
        const { bytesWritten } = await this.handle.write(bytes, written, bytes.length - written, this.bytes + written);
        written += bytesWritten;
      }
    } catch (error) {
      throw new WalAppendError(error, await this.cutBack());
    }
    this.bytes += bytes.length;
  }

  /** fdatasync: everything appended so far is on stable storage once this resolves. */
  async sync(): Promise<void> {
    await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  /** Truncates what a failed append left behind; false if even that failed. */
  private async cutBack(): Promise<boolean> {
    try {
      await this.handle.truncate(this.bytes);
      return true;
    } catch {
      return false;
    }
  }
}
