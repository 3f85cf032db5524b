// Reads a duration the way people write one on a command line: "10s", "500ms", "2m", "1.5s",
// or a bare number of seconds ("10"). Returns milliseconds, or a message saying what was wrong.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;

export function parseDurationMs(text: string): number | string {
  const match = DURATION.exec(text.trim());
  if (!match) return `expected a duration such as 10s, 500ms or 2m, got "${text}"`;
  const milliseconds = Math.round(Number(match[1]) * UNIT_MS[match[2] ?? "s"]!);
  if (!Number.isSafeInteger(milliseconds)) return `duration "${text}" is too long`;
  return milliseconds;
}
