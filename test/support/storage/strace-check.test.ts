import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkAcksFollowSyncs, parseStrace } from "./strace-check.js";

const OPTIONS = { dataFileSuffix: "/store.mdb", metaPages: true, pageBytes: 4096 };

/** One strace -f -ttt -T line: pid, time in microseconds after a base second, the call. */
function line(pid: number, atUs: number, body: string): string {
  return `${pid} 1000.${String(atUs).padStart(6, "0")} ${body}`;
}

function call(pid: number, atUs: number, text: string, result: string, durationUs: number): string {
  return line(pid, atUs, `${text} = ${result} <0.${String(durationUs).padStart(6, "0")}>`);
}

const OPEN_FILES = [
  call(1, 10, 'openat(AT_FDCWD, "/d/store.mdb", O_RDWR|O_CREAT, 0664)', "19", 5),
  call(1, 20, 'openat(AT_FDCWD, "/d/store.mdb", O_WRONLY|O_DSYNC|O_CLOEXEC)', "20", 5),
  call(1, 30, 'openat(AT_FDCWD, "/d/store.mdb-lock", O_RDWR|O_CREAT|O_CLOEXEC, 0664)', "21", 5),
  call(1, 40, 'openat(AT_FDCWD, "/d/other.log", O_WRONLY|O_CREAT, 0664)', "22", 5),
];
const DATA_WRITE = call(2, 100, 'writev(19, [{iov_base="\\3\\0VAL#7#VAL#7#", iov_len=4096}], 1)', "4096", 10); // ends at 110
const DATA_SYNC = call(2, 120, "fdatasync(19)", "0", 50); // 120..170
const META_DSYNC = call(2, 175, 'pwrite64(20, "\\0\\0\\2", 128, 40)', "128", 20); // 175..195
const ACK = call(1, 200, 'write(2, "ACK 7\\n", 6)', "6", 3);

const cases: Array<{ name: string; trace: string[]; violation: RegExp | null }> = [
  { name: "data, fdatasync, O_DSYNC meta write, then the ack", trace: [DATA_WRITE, DATA_SYNC, META_DSYNC, ACK], violation: null },
  {
    name: "the same with the sync split by another thread's line",
    trace: [
      DATA_WRITE,
      line(2, 120, "fdatasync(19 <unfinished ...>"),
      call(1, 130, 'write(2, "ISSUE 8\\n", 8)', "8", 2),
      line(2, 170, "<... fdatasync resumed>) = 0 <0.000050>"),
      META_DSYNC,
      ACK,
    ],
    violation: null,
  },
  {
    name: "a meta write on a plain descriptor made durable by a later sync",
    trace: [DATA_WRITE, DATA_SYNC, call(2, 172, 'pwrite64(19, "\\0", 128, 4136)', "128", 2), call(2, 180, "fsync(19)", "0", 10), ACK],
    violation: null,
  },
  {
    name: "an ack while the sync is still running",
    trace: [DATA_WRITE, call(2, 120, "fdatasync(19)", "0", 90), META_DSYNC, ACK],
    violation: /^ACK 7 at \d+us: no fdatasync\/fsync of the data file both started after its data write ended \(\d+us\) and ended before the ack$/,
  },
  {
    name: "a sync that began before the data was written",
    trace: [call(2, 95, "fdatasync(19)", "0", 50), DATA_WRITE, META_DSYNC, ACK],
    violation: /no fdatasync\/fsync of the data file both started after its data write/,
  },
  {
    name: "a sync of another file",
    trace: [DATA_WRITE, call(2, 120, "fdatasync(22)", "0", 50), META_DSYNC, ACK],
    violation: /no fdatasync\/fsync of the data file/,
  },
  {
    name: "a sync of a data-file descriptor after it was closed and reused",
    trace: [
      DATA_WRITE,
      call(2, 111, "close(19)", "0", 1),
      call(2, 113, 'openat(AT_FDCWD, "/d/other.log", O_RDONLY)', "19", 1),
      call(2, 120, "fdatasync(19)", "0", 50),
      META_DSYNC,
      ACK,
    ],
    violation: /no fdatasync\/fsync of the data file/,
  },
  {
    name: "a meta write on a plain descriptor that nothing synced",
    trace: [DATA_WRITE, DATA_SYNC, call(2, 175, 'pwrite64(19, "\\0", 128, 40)', "128", 20), ACK],
    violation: /^ACK 7 at \d+us: no meta page written after its data \(\d+us\) was durable before the ack$/,
  },
  {
    name: "a write past the meta pages taken for a meta write",
    trace: [DATA_WRITE, DATA_SYNC, call(2, 175, 'pwrite64(20, "\\0", 128, 8192)', "128", 20), ACK],
    violation: /no meta page written after its data/,
  },
  {
    name: "an ack whose data never reached the data file",
    trace: [call(2, 100, 'writev(22, [{iov_base="VAL#7#", iov_len=6}], 1)', "6", 10), DATA_SYNC, META_DSYNC, ACK],
    violation: /^ACK 7 at \d+us: no write of VAL#7# to the data file was seen$/,
  },
  {
    name: "an ack before its data write ended",
    trace: [call(2, 100, 'writev(19, [{iov_base="VAL#7#", iov_len=6}], 1)', "6", 150), ACK],
    violation: /^ACK 7 at \d+us: came before its data write ended \(\d+us\)$/,
  },
];

describe("checkAcksFollowSyncs", () => {
  for (const { name, trace, violation } of cases) {
    it(`${violation ? "flags" : "passes"} ${name}`, () => {
      const report = checkAcksFollowSyncs([...OPEN_FILES, ...trace].join("\n"), OPTIONS);
      assert.equal(report.acks, 1);
      if (violation === null) {
        assert.deepEqual(report.violations, []);
        assert.ok(report.ackAfterSyncUs !== null && report.ackAfterSyncUs.min >= 0);
      } else {
        assert.equal(report.violations.length, 1);
        assert.match(report.violations[0] ?? "", violation);
      }
    });
  }

  it("measures from the end of the last covering sync to the ack", () => {
    const report = checkAcksFollowSyncs([...OPEN_FILES, DATA_WRITE, DATA_SYNC, META_DSYNC, ACK].join("\n"), OPTIONS);
    assert.deepEqual(report.ackAfterSyncUs, { min: 30, median: 30, max: 30 });
    assert.equal(report.dataSyncs, 1);
    assert.equal(report.metaWrites, 1);
  });
});

describe("parseStrace", () => {
  it("joins an unfinished call with its resumption, keeps its start and adds its duration", () => {
    const calls = parseStrace(
      [
        line(7, 5, 'pwrite64(20, "ab" <unfinished ...>'),
        call(8, 6, "fdatasync(19)", "0", 1),
        line(7, 9, "<... pwrite64 resumed>, 2, 40) = 2 <0.000004>"),
        "7 1000.000010 +++ exited with 0 +++",
      ].join("\n"),
    );
    assert.deepEqual(calls, [
      { pid: 7, name: "pwrite64", args: '20, "ab", 2, 40', result: "2", startUs: 1_000_000_005, endUs: 1_000_000_009 },
      { pid: 8, name: "fdatasync", args: "19", result: "0", startUs: 1_000_000_006, endUs: 1_000_000_007 },
    ]);
  });
});
