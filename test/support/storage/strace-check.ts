// Reads an strace log (strace -f -ttt -T -v -s 65536) of a process that writes values holding
// the marker "VAL#<n>#" and reports each acknowledgement on stderr as "ACK <n>", and checks
// that every acknowledgement came after its data was durable:
//   1. a write of the data file carrying VAL#n# ended before the ack;
//   2. an fdatasync/fsync of the data file started after that write and ended before the ack;
//   3. (with metaPages, for a file LMDB syncs itself) a meta-page write (LMDB's first two pages)
//      started after that data write, and was durable before the ack: through an O_DSYNC/O_SYNC
//      descriptor, or by a sync after it. A write-ahead log has no meta page: 1 and 2 suffice.
// strace stamps a call's entry and its duration (-T), and the traced thread stays stopped at
// each syscall boundary until strace has logged it, so a sync's logged end precedes anything
// the thread did afterwards — including waking the thread that writes the ack.

export interface Syscall {
  pid: number;
  name: string;
  args: string;
  result: string;
  startUs: number;
  endUs: number;
}

export interface SyncProofOptions {
  /** The data file, matched as the end of the path given to openat ("log.log" matches every ".log"). */
  dataFileSuffix: string;
  /** Whether an LMDB meta page (in the first two pages of pageBytes) must be durable too. */
  metaPages: boolean;
  pageBytes: number;
}

export interface SyncProofReport {
  acks: number;
  violations: string[];
  /** fdatasync/fsync calls on the data file. */
  dataSyncs: number;
  metaWrites: number;
  /** Microseconds from the end of the last sync that covers an ack to the ack. */
  ackAfterSyncUs: { min: number; median: number; max: number } | null;
}

const WRITE_CALLS = new Set(["write", "pwrite64", "writev", "pwritev", "pwritev2"]);
const POSITIONED_WRITES = new Set(["pwrite64", "pwritev", "pwritev2"]);
const SYNC_CALLS = new Set(["fdatasync", "fsync"]);
const LINE = /^(\d+)\s+(\d+)\.(\d{6})\s+(.*)$/;
const COMPLETE = /^(\w+)\((.*)\)\s+=\s+(\S+)(?: [^<]*)? <(\d+)\.(\d{6})>$/;
const UNFINISHED = /^(\w+)\((.*) <unfinished \.\.\.>$/;
const RESUMED = /^<\.\.\. (\w+) resumed>(.*)\)\s+=\s+(\S+)(?: [^<]*)? <(\d+)\.(\d{6})>$/;

/** The syscalls of a log, a call split by other threads' lines joined into one, by start. */
export function parseStrace(trace: string): Syscall[] {
  const calls: Syscall[] = [];
  const unfinished = new Map<number, { name: string; args: string; startUs: number }>();
  for (const line of trace.split("\n")) {
    const stamped = LINE.exec(line);
    if (!stamped) continue;
    const [pidText = "", seconds = "", micros = "", rest = ""] = fields(stamped);
    const pid = Number(pidText);
    const atUs = toUs(seconds, micros);
    const complete = COMPLETE.exec(rest);
    const started = UNFINISHED.exec(rest);
    const resumed = RESUMED.exec(rest);
    if (complete) {
      const [name = "", args = "", result = "", durSeconds = "", durMicros = ""] = fields(complete);
      calls.push({ pid, name, args, result, startUs: atUs, endUs: atUs + toUs(durSeconds, durMicros) });
    } else if (started) {
      const [name = "", args = ""] = fields(started);
      unfinished.set(pid, { name, args, startUs: atUs });
    } else if (resumed) {
      const [name = "", tail = "", result = "", durSeconds = "", durMicros = ""] = fields(resumed);
      const begun = unfinished.get(pid);
      if (begun?.name !== name) continue;
      unfinished.delete(pid);
      const endUs = begun.startUs + toUs(durSeconds, durMicros);
      calls.push({ pid, name, args: begun.args + tail, result, startUs: begun.startUs, endUs });
    }
  }
  return calls.sort((a, b) => a.startUs - b.startUs);
}

function fields(match: RegExpExecArray): string[] {
  return match.slice(1).map((field) => field ?? "");
}

interface Interval {
  startUs: number;
  endUs: number;
}

interface MetaWrite extends Interval {
  dsync: boolean;
}

export function checkAcksFollowSyncs(trace: string, options: SyncProofOptions): SyncProofReport {
  const dataFds = new Map<number, { dsync: boolean }>();
  const firstDataWrite = new Map<number, Interval>();
  const syncs: Interval[] = [];
  const metaWrites: MetaWrite[] = [];
  const acks: Array<{ n: number; atUs: number }> = [];
  for (const call of parseStrace(trace)) {
    const fd = Number.parseInt(call.args, 10);
    if (call.name === "openat" && call.args.includes(`${options.dataFileSuffix}"`) && Number(call.result) >= 0) {
      dataFds.set(Number(call.result), { dsync: /\bO_(D)?SYNC\b/.test(call.args) });
    } else if (call.name === "close") {
      dataFds.delete(fd);
    } else if (call.name === "write" && fd === 2) {
      const ack = /^2, "ACK (\d+)\\n"/.exec(call.args);
      if (ack) acks.push({ n: Number(ack[1]), atUs: call.startUs });
    } else if (WRITE_CALLS.has(call.name) && dataFds.has(fd)) {
      for (const marker of call.args.matchAll(/VAL#(\d+)#/g)) {
        const n = Number(marker[1]);
        if (!firstDataWrite.has(n)) firstDataWrite.set(n, call);
      }
      const offset = POSITIONED_WRITES.has(call.name) ? Number(/, (\d+)$/.exec(call.args)?.[1] ?? NaN) : NaN;
      if (offset < 2 * options.pageBytes) metaWrites.push({ ...call, dsync: dataFds.get(fd)?.dsync ?? false });
    } else if (SYNC_CALLS.has(call.name) && dataFds.has(fd)) {
      syncs.push(call);
    }
  }
  const violations: string[] = [];
  const gapsUs: number[] = [];
  for (const ack of acks) {
    const problem = ackProblem(ack, firstDataWrite.get(ack.n), syncs, options.metaPages ? metaWrites : null);
    if (typeof problem === "string") violations.push(problem);
    else gapsUs.push(problem.gapUs);
  }
  return { acks: acks.length, violations, dataSyncs: syncs.length, metaWrites: metaWrites.length, ackAfterSyncUs: summarize(gapsUs) };
}

/** What is wrong with one ack, or how long after its covering sync it came. */
function ackProblem(ack: { n: number; atUs: number }, dataWrite: Interval | undefined, syncs: Interval[], metaWrites: MetaWrite[] | null): string | { gapUs: number } {
  const what = `ACK ${ack.n} at ${ack.atUs}us`;
  if (!dataWrite) return `${what}: no write of VAL#${ack.n}# to the data file was seen`;
  if (dataWrite.endUs > ack.atUs) return `${what}: came before its data write ended (${dataWrite.endUs}us)`;
  const durableBetween = (fromUs: number) => syncs.filter((sync) => sync.startUs >= fromUs && sync.endUs <= ack.atUs);
  const dataSyncs = durableBetween(dataWrite.endUs);
  if (dataSyncs.length === 0) {
    return `${what}: no fdatasync/fsync of the data file both started after its data write ended (${dataWrite.endUs}us) and ended before the ack`;
  }
  const metaDurable = metaWrites === null || metaWrites.some(
    (meta) => meta.startUs >= dataWrite.endUs && ((meta.dsync && meta.endUs <= ack.atUs) || durableBetween(meta.endUs).length > 0),
  );
  if (!metaDurable) return `${what}: no meta page written after its data (${dataWrite.endUs}us) was durable before the ack`;
  return { gapUs: ack.atUs - Math.max(...dataSyncs.map((sync) => sync.endUs)) };
}

function summarize(values: number[]): SyncProofReport["ackAfterSyncUs"] {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (index: number) => sorted[index] ?? Number.NaN;
  return { min: at(0), median: at(Math.floor(sorted.length / 2)), max: at(sorted.length - 1) };
}

function toUs(seconds: string, micros: string): number {
  return Number(seconds) * 1_000_000 + Number(micros);
}
