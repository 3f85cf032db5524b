// Reading a process's Prometheus metrics in end-to-end tests: scrape its HTTP port, then look up
// one series by name and labels.

export type Samples = Map<string, number>;

/** GETs /metrics (with basic auth when a password is given) and parses the text format. */
export async function scrape(port: number, password?: string): Promise<Samples> {
  const headers: Record<string, string> = password === undefined ? {} : { authorization: `Basic ${Buffer.from(`default:${password}`).toString("base64")}` };
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { headers });
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  const samples: Samples = new Map();
  for (const line of (await response.text()).split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** The names of the metric families a process exports (from its `# TYPE` lines). */
export async function familyNames(port: number): Promise<Set<string>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]!));
}

/** The value of `name{labels}` (labels in the order the process prints them); 0 when absent. */
export function sample(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  const entries = Object.entries(labels);
  const key = entries.length === 0 ? name : `${name}{${entries.map(([label, value]) => `${label}="${value}"`).join(",")}}`;
  return samples.get(key) ?? 0;
}
