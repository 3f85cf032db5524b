// TEMP measurement probe (to be deleted).
const series = new Map<string, number[]>();
export function probe(name: string, ms: number): void {
  let s = series.get(name);
  if (s === undefined) series.set(name, (s = []));
  s.push(ms);
}
export function probeReport(): string {
  const out: string[] = [];
  for (const [name, s] of series) {
    s.sort((a, b) => a - b);
    out.push(`${name}: n=${s.length} p50=${s[s.length >> 1]!.toFixed(2)} p90=${s[Math.floor(s.length * 0.9)]!.toFixed(2)}`);
  }
  return out.join("; ");
}
