// A child process's stderr as JSON log lines, so that a log file of JSON lines stays JSON even
// when Node itself writes there (a warning, or a crash's stack trace before any logger could).

import { Transform } from "node:stream";

export function stderrAsJsonLines(name: string): Transform {
  let partial = "";
  const line = (text: string) => `${JSON.stringify({ level: "error", time: new Date().toISOString(), process: name, stream: "stderr", msg: text })}\n`;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      done(null, lines.filter((text) => text.length > 0).map(line).join(""));
    },
    flush(done) {
      done(null, partial.length > 0 ? line(partial) : "");
    },
  });
}
