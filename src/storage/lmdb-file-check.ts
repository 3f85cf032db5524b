// A read-only check of an LMDB data file before LMDB maps it. LMDB trusts its file: on
// garbage it crashes the process (SIGSEGV), on a truncated file it dies of SIGBUS when it
// touches a page past the end, and an empty file it silently re-initialises — losing all data.
// We read the two meta pages and every branch page of every tree with pread (never mmap), so
// a bad file becomes a clear error naming it, and the file is not changed.
//
// Layout (the lmdb package's LMDB, 64-bit): a 24-byte page header (pgno u64, txnid u64,
// pad u16, flags u16, lower u16, upper u16), then on meta pages the MDB_meta; nodes are
// (lo u16, hi u16, flags u16, ksize u16, key, data); a branch node's child page number is
// lo | hi << 16 | flags << 32.
// Not checked: leaf pages' contents and overflow pages (that would read the whole file).

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { RingkvError } from "../shared/errors.js";

const PAGE_HEADER_BYTES = 24;
const META_MAGIC = 0xbeefc0de;
const DATA_FORMAT_VERSION = 2;
const P_BRANCH = 0x01;
const P_LEAF = 0x02;
const P_META = 0x08;
const F_SUBDATA = 0x02;
const NODE_HEADER_BYTES = 8;
const DB_RECORD_BYTES = 48;
const NO_PAGE = 0xffffffffffffffffn;
/** LMDB's cursors hold at most 32 levels; a deeper tree is corrupt. */
const TREE_DEPTH_MAX = 32;
const PAGE_BYTES_MIN = 512;
const PAGE_BYTES_MAX = 65536;

/** Offsets inside a meta page. */
const META = {
  magic: PAGE_HEADER_BYTES,
  version: PAGE_HEADER_BYTES + 4,
  freeDb: PAGE_HEADER_BYTES + 24,
  mainDb: PAGE_HEADER_BYTES + 24 + DB_RECORD_BYTES,
  txnId: PAGE_HEADER_BYTES + 32 + 2 * DB_RECORD_BYTES,
  bytes: PAGE_HEADER_BYTES + 48 + 2 * DB_RECORD_BYTES,
} as const;

interface TreeRoot {
  name: string;
  root: bigint;
  depth: number;
}

export interface LmdbFileSummary {
  pageBytes: number;
  txnId: bigint;
  /** Branch and root pages read and checked. */
  pagesChecked: number;
}

/** Throws a RingkvError naming PATH when it is not a sound LMDB file. Never writes. */
export function checkLmdbFile(path: string): LmdbFileSummary {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    throw new RingkvError("ERR", `cannot read the data file ${path}: ${String(error)}`, { cause: error });
  }
  try {
    return new FileChecker(path, fd).check();
  } finally {
    closeSync(fd);
  }
}

class FileChecker {
  private pageBytes = 0;
  private pageCount = 0n;
  private txnId = 0n;
  private pagesChecked = 0;

  constructor(
    private readonly path: string,
    private readonly fd: number,
  ) {}

  check(): LmdbFileSummary {
    const fileBytes = fstatSync(this.fd).size;
    if (fileBytes === 0) throw this.corrupt("it is empty (0 bytes)");
    const first = this.readAt(0, META.bytes, "the first meta page");
    this.pageBytes = checkMeta(first, 0n, (reason) => this.corrupt(reason)).pageBytes;
    if (fileBytes % this.pageBytes !== 0 || fileBytes < 2 * this.pageBytes) {
      throw this.corrupt(`its size, ${fileBytes} bytes, is not a whole number (at least 2) of ${this.pageBytes}-byte pages; it looks truncated`);
    }
    this.pageCount = BigInt(fileBytes / this.pageBytes);
    const second = this.readAt(this.pageBytes, META.bytes, "the second meta page");
    checkMeta(second, 1n, (reason) => this.corrupt(reason));
    const meta = second.readBigUInt64LE(META.txnId) > first.readBigUInt64LE(META.txnId) ? second : first;
    this.txnId = meta.readBigUInt64LE(META.txnId);
    this.checkTree({ name: "free-page tree", ...dbRecord(meta, META.freeDb) });
    const main = dbRecord(meta, META.mainDb);
    this.checkTree({ name: "main tree", ...main });
    for (const subDb of this.subDatabases(main)) this.checkTree(subDb);
    return { pageBytes: this.pageBytes, txnId: this.txnId, pagesChecked: this.pagesChecked };
  }

  /** The named databases: records flagged F_SUBDATA in the main tree's leaves. */
  private subDatabases(main: { root: bigint; depth: number }): TreeRoot[] {
    const found: TreeRoot[] = [];
    this.forEachLeaf(main.root, main.depth, (page, node) => {
      if ((page.readUInt16LE(node + 4) & F_SUBDATA) === 0) return;
      const keyBytes = page.readUInt16LE(node + 6);
      const record = node + NODE_HEADER_BYTES + keyBytes;
      if (record + DB_RECORD_BYTES > page.length) throw this.corrupt("a database record runs past its page");
      const name = page.toString("latin1", node + NODE_HEADER_BYTES, record);
      found.push({ name: `database "${name}"`, ...dbRecord(page, record) });
    });
    return found;
  }

  private forEachLeaf(root: bigint, depth: number, visit: (page: Buffer, node: number) => void): void {
    if (root === NO_PAGE) return;
    const page = this.readPage(root, depth === 1 ? P_LEAF : P_BRANCH, "main tree");
    for (const node of this.nodeOffsets(page)) {
      if (depth === 1) visit(page, node);
      else this.forEachLeaf(childPage(page, node), depth - 1, visit);
    }
  }

  /** Reads the branch levels of a tree; leaves are only checked to lie inside the file. */
  private checkTree(tree: TreeRoot): void {
    if (tree.root === NO_PAGE) return;
    if (tree.depth < 1 || tree.depth > TREE_DEPTH_MAX) throw this.corrupt(`the ${tree.name} has depth ${tree.depth}`);
    this.checkSubtree(tree.root, tree.depth, tree.name);
  }

  private checkSubtree(pageNo: bigint, depth: number, treeName: string): void {
    if (depth === 1) {
      this.checkInFile(pageNo, treeName);
      return;
    }
    const page = this.readPage(pageNo, P_BRANCH, treeName);
    for (const node of this.nodeOffsets(page)) this.checkSubtree(childPage(page, node), depth - 1, treeName);
  }

  private readPage(pageNo: bigint, expectedFlag: number, treeName: string): Buffer {
    this.checkInFile(pageNo, treeName);
    const page = this.readAt(Number(pageNo) * this.pageBytes, this.pageBytes, `page ${pageNo}`);
    this.pagesChecked++;
    const where = `page ${pageNo} of the ${treeName}`;
    if (page.readBigUInt64LE(0) !== pageNo) throw this.corrupt(`${where} says it is page ${page.readBigUInt64LE(0)}`);
    if (page.readBigUInt64LE(8) > this.txnId) throw this.corrupt(`${where} was written by a transaction after the last commit`);
    if ((page.readUInt16LE(18) & expectedFlag) === 0) throw this.corrupt(`${where} is not a ${expectedFlag === P_LEAF ? "leaf" : "branch"} page`);
    return page;
  }

  private nodeOffsets(page: Buffer): number[] {
    const pointerBytes = page.readUInt16LE(20);
    if (pointerBytes % 2 !== 0 || PAGE_HEADER_BYTES + pointerBytes > page.length) {
      throw this.corrupt(`page ${page.readBigUInt64LE(0)} has a bad node count`);
    }
    const offsets: number[] = [];
    for (let at = PAGE_HEADER_BYTES; at < PAGE_HEADER_BYTES + pointerBytes; at += 2) {
      const node = page.readUInt16LE(at) + PAGE_HEADER_BYTES;
      if (node + NODE_HEADER_BYTES > page.length) throw this.corrupt(`page ${page.readBigUInt64LE(0)} has a node past its end`);
      offsets.push(node);
    }
    return offsets;
  }

  private checkInFile(pageNo: bigint, treeName: string): void {
    if (pageNo < 2n || pageNo >= this.pageCount) {
      throw this.corrupt(`the ${treeName} refers to page ${pageNo}, but the file has only ${this.pageCount} pages; it looks truncated or overwritten`);
    }
  }

  private readAt(offset: number, length: number, what: string): Buffer {
    const buffer = Buffer.alloc(length);
    const read = readSync(this.fd, buffer, 0, length, offset);
    if (read !== length) throw this.corrupt(`${what} is cut short (${read} of ${length} bytes); it looks truncated`);
    return buffer;
  }

  private corrupt(reason: string): RingkvError {
    return new RingkvError(
      "ERR",
      `the data file ${this.path} is not a sound LMDB file: ${reason}. It was left untouched; restore it from a replica or a backup, or move it away to start empty`,
    );
  }
}

function checkMeta(meta: Buffer, pageNo: bigint, corrupt: (reason: string) => RingkvError): { pageBytes: number } {
  const which = pageNo === 0n ? "first" : "second";
  if (meta.readBigUInt64LE(0) !== pageNo || (meta.readUInt16LE(18) & P_META) === 0) {
    throw corrupt(`its ${which} page is not an LMDB meta page`);
  }
  if (meta.readUInt32LE(META.magic) !== META_MAGIC) throw corrupt(`its ${which} meta page lacks the LMDB magic number`);
  const version = meta.readUInt32LE(META.version) & 0xffff;
  if (version !== DATA_FORMAT_VERSION) throw corrupt(`its data format version is ${version}, expected ${DATA_FORMAT_VERSION}`);
  const pageBytes = meta.readUInt32LE(META.freeDb); // md_pad of the free-page db holds the page size
  const powerOfTwo = (pageBytes & (pageBytes - 1)) === 0;
  if (!powerOfTwo || pageBytes < PAGE_BYTES_MIN || pageBytes > PAGE_BYTES_MAX) {
    throw corrupt(`its ${which} meta page gives a page size of ${pageBytes} bytes`);
  }
  return { pageBytes };
}

function dbRecord(buffer: Buffer, at: number): { root: bigint; depth: number } {
  return { depth: buffer.readUInt16LE(at + 6), root: buffer.readBigUInt64LE(at + 40) };
}

function childPage(page: Buffer, node: number): bigint {
  const lo = BigInt(page.readUInt16LE(node));
  const hi = BigInt(page.readUInt16LE(node + 2));
  const top = BigInt(page.readUInt16LE(node + 4));
  return lo | (hi << 16n) | (top << 32n);
}
