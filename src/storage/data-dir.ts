// The data directory of one ringkv process. DIR/RINGKV marks it as ours and records the
// directory format version and the kind of process that owns it. We refuse to touch a
// directory that is not ours, so a mistyped --data-dir can never damage someone's files.

import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { RingkvError } from "../shared/errors.js";

export type ProcessKind = "node" | "coordinator";

/** The files ringkv itself keeps in a data directory. */
export const DATA_DIR_FILES = Object.freeze({
  marker: "RINGKV",
  markerTemp: "RINGKV.tmp",
  pid: "ringkv.pid",
  lockSocket: "ringkv.lock",
  store: "store.mdb",
  storeLock: "store.mdb-lock",
});

/** 2: every record carries a checksum (record-checksum.ts). A version-1 directory, without them,
 * is upgraded in place when it is opened (checksum-upgrade.ts). */
export const DATA_DIR_FORMAT_VERSION = 2;
const OLDEST_FORMAT_VERSION_READ = 1;

/** A data directory and the files in it are the owner's alone: they hold every key and value. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

const MARKER_FORMAT = "ringkv-data-dir";
/** A marker is one short JSON line; anything bigger is not ours. */
const MARKER_BYTES_MAX = 4096;
/** How many foreign names an error lists before it abbreviates. */
const NAMES_LISTED_MAX = 10;

export interface DataDirMarker {
  version: number;
  kind: ProcessKind;
}

/** What checkDataDir found: a directory to initialise, one of this format, or one of an older format to upgrade. */
export type DataDirUse = "new" | "existing" | "older";

export type DataDirState =
  | { state: "missing" }
  | { state: "empty" }
  | { state: "ours"; marker: DataDirMarker }
  | { state: "foreign"; names: string[] };

/** What DIR holds, without changing anything. A lone pid file (and lock socket) counts as empty:
 * the process runner locks the directory (acquireDirLock) before the store first opens it. */
export function inspectDataDir(dir: string): DataDirState {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if (errnoOf(error) === "ENOENT") return { state: "missing" };
    if (errnoOf(error) === "ENOTDIR") {
      throw new RingkvError("ERR", `${dir} exists and is not a directory — refusing to touch it`);
    }
    throw new RingkvError("ERR", `cannot read data directory ${dir}: ${messageOf(error)}`, { cause: error });
  }
  if (names.includes(DATA_DIR_FILES.marker)) return { state: "ours", marker: readMarker(dir) };
  const others = names.filter((name) => name !== DATA_DIR_FILES.pid && name !== DATA_DIR_FILES.lockSocket).sort();
  return others.length === 0 ? { state: "empty" } : { state: "foreign", names: others };
}

/**
 * Checks that DIR may be used by a process of this kind, changing nothing.
 * Returns "new" when DIR is missing or empty (the caller initialises it), "existing" when it
 * is a ringkv directory of this kind and format version, "older" when it is one of an older
 * format version this build upgrades.
 */
export function checkDataDir(dir: string, kind: ProcessKind): DataDirUse {
  const found = inspectDataDir(dir);
  switch (found.state) {
    case "missing":
    case "empty":
      return "new";
    case "foreign":
      throw foreignDirError(dir, found.names);
    case "ours":
      if (found.marker.kind !== kind) {
        throw new RingkvError(
          "ERR",
          `${dir} is a ringkv ${found.marker.kind} data directory, not a ${kind} one — refusing to open it as a ${kind}`,
        );
      }
      return found.marker.version === DATA_DIR_FORMAT_VERSION ? "existing" : "older";
  }
}

export function foreignDirError(dir: string, names: string[]): RingkvError {
  const listed = names.slice(0, NAMES_LISTED_MAX).join(", ");
  const more = names.length > NAMES_LISTED_MAX ? ` and ${names.length - NAMES_LISTED_MAX} more` : "";
  const ownNames: readonly string[] = Object.values(DATA_DIR_FILES);
  const hint = names.every((name) => ownNames.includes(name))
    ? "; it holds ringkv files without a marker, as an interrupted first start leaves them — remove it to start afresh"
    : "";
  return new RingkvError(
    "ERR",
    `${dir} is not a ringkv data directory (found: ${listed}${more})${hint} — refusing to touch it`,
  );
}

/** Writes the marker atomically and durably: a crash leaves either no marker or a whole one. */
export function writeMarker(dir: string, kind: ProcessKind): void {
  const marker: DataDirMarker & { format: string } = { format: MARKER_FORMAT, version: DATA_DIR_FORMAT_VERSION, kind };
  const tempPath = join(dir, DATA_DIR_FILES.markerTemp);
  const fd = openSync(tempPath, "w", PRIVATE_FILE_MODE);
  try {
    writeSync(fd, `${JSON.stringify(marker)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tempPath, join(dir, DATA_DIR_FILES.marker));
  fsyncDirectory(dir);
}

/** Makes a rename or a file creation in DIR durable. */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function readMarker(dir: string): DataDirMarker {
  const path = join(dir, DATA_DIR_FILES.marker);
  const invalid = (reason: string) =>
    new RingkvError("ERR", `${path} is not a valid ringkv marker (${reason}) — refusing to touch ${dir}`);
  const size = statSync(path).size;
  if (size > MARKER_BYTES_MAX) throw invalid(`${size} bytes, a marker has at most ${MARKER_BYTES_MAX}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw invalid("not JSON");
  }
  if (typeof parsed !== "object" || parsed === null) throw invalid("not a JSON object");
  const { format, version, kind } = parsed as Record<string, unknown>;
  if (format !== MARKER_FORMAT) throw invalid(`format is ${JSON.stringify(format)}, expected "${MARKER_FORMAT}"`);
  if (typeof version !== "number" || !Number.isInteger(version) || version < OLDEST_FORMAT_VERSION_READ || version > DATA_DIR_FORMAT_VERSION) {
    throw new RingkvError(
      "ERR",
      `${dir} has data directory format version ${JSON.stringify(version)}; this build reads versions `
        + `${OLDEST_FORMAT_VERSION_READ} to ${DATA_DIR_FORMAT_VERSION} — refusing to touch it`,
    );
  }
  if (kind !== "node" && kind !== "coordinator") throw invalid(`kind is ${JSON.stringify(kind)}`);
  return { version, kind };
}

export function errnoOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
