// What a person reads after a run: a one-line summary with the trace fingerprint, the failures with
// the command that replays them, and the part of the trace around a failure.

import { describeMeasure } from "./availability.js";
import { describePlan } from "./faults.js";
import type { SimFailure, SimOptions, SimReport } from "./run.js";
import { replayCommand } from "./sim-flags.js";
import type { TraceLine } from "./trace.js";

export function summaryLine(report: SimReport): string {
  const { stats } = report;
  const verdict = report.ok ? "ok" : `FAILED (${report.failures.length} problems)`;
  const undecided = report.undecidedKeys.length > 0 ? `, linearizability undecided on ${report.undecidedKeys.join(",")}` : "";
  const measures = report.availability.map(describeMeasure).join("; ");
  const outage = stats.outages > 0 ? `, ${stats.outages} nodes down for long${measures === "" ? "" : ` (${measures})`}` : "";
  return `seed ${report.seed}: ${verdict}: ${stats.requests} requests (${stats.succeeded} ok, ${stats.failed} failed, ${stats.unknown} unknown), `
    + `${stats.crashes} crashes (${stats.aimedCrashes} aimed), ${stats.stalls} disk stalls, ${stats.pauses} pauses, ${stats.cuts} cuts, ${stats.impostors} impostors${outage}${stats.rotted > 0 ? `, ${stats.rotted} keys rotted` : ""}, ${stats.simulatedMs} ms simulated, ${stats.events} events${undecided}`;
}

/** The failures of a run, each on its own line, then the replay command. */
export function failureText(report: SimReport, options: SimOptions, defaults: Omit<SimOptions, "seed">, failuresShownMax = 10): string {
  const lines = [`seed ${report.seed}`, `faults: ${describePlan(report.plan)}`];
  for (const failure of report.failures.slice(0, failuresShownMax)) lines.push(`  [${failure.checker}] ${failure.message}`);
  if (report.failures.length > failuresShownMax) lines.push(`  ... and ${report.failures.length - failuresShownMax} more`);
  lines.push(`trace ${report.trace}`);
  lines.push(`replay: ${replayCommand(options, defaults)}`);
  return lines.join("\n");
}

/**
 * The trace lines that explain a failure: faults and process lives (lines starting "!"), lines that
 * name one of the failure's keys, and lines of the transactions and reads those started, from a
 * while before the failure's span to a little after it; at most `linesMax`, the latest kept.
 */
export function traceExcerpt(lines: readonly TraceLine[], failure: SimFailure, linesMax: number, lookBackUs = 2_000_000): string[] {
  const from = failure.fromUs - lookBackUs;
  const to = failure.toUs + 100_000;
  const inWindow = lines.filter((line) => line.atUs >= from && line.atUs <= to);
  const keyTexts = failure.keys.map((key) => JSON.stringify(key));
  const namesKey = (text: string): boolean => keyTexts.some((key) => text.includes(key));
  const ids = new Set<string>();
  for (const line of inWindow) if (namesKey(line.text)) for (const id of idsIn(line.text)) ids.add(id);
  const relevant = inWindow.filter((line) => failure.keys.length === 0 || line.text.startsWith("!") || namesKey(line.text)
    || idsIn(line.text).some((id) => ids.has(id)));
  return relevant.slice(-linesMax).map((line) => `${(line.atUs / 1000).toFixed(3).padStart(10)}ms  ${line.text}`);
}

/** Transaction and read ids named in a trace line. */
function idsIn(text: string): string[] {
  return [...text.matchAll(/(txid:"[^"]+"|readId:\d+)/g)].map((match) => match[1]!);
}
