// Metric families whose values are read when Prometheus scrapes, from counters ringkv keeps
// anyway (command stats, the store's and cache's counters, the coordinator's view). prom-client's
// Registry formats them next to its default process metrics: it reads any object with a name,
// help, type and get() (its Counter/Histogram classes are such objects). prom-client's own
// Counter and Histogram hash their labels on every inc/observe; recording through our counters
// and LatencyHistogram keeps the request path free of that.

import type { Metric, Registry } from "prom-client";
import { LATENCY_BOUNDS_SECONDS, type HistogramCounts } from "./latency-histogram.js";

export type Labels = Record<string, string>;

export interface Sample {
  labels?: Labels;
  value: number;
}

export interface HistogramSample {
  labels?: Labels;
  histogram: HistogramCounts;
}

interface ExportedValue {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

type FamilyType = "counter" | "gauge" | "histogram";

class CollectedFamily {
  readonly aggregator = "sum";

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: FamilyType,
    private readonly values: () => ExportedValue[],
  ) {}

  async get(): Promise<{ name: string; help: string; type: FamilyType; values: ExportedValue[]; aggregator: string }> {
    return { name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: this.aggregator };
  }
}

/** Registers families on a prom-client Registry. */
export class Families {
  constructor(private readonly registry: Registry) {}

  counter(name: string, help: string, collect: () => Sample[]): void {
    if (!name.endsWith("_total")) throw new Error(`counter ${name} must end in _total`);
    this.#register(new CollectedFamily(name, help, "counter", () => plain(collect())));
  }

  gauge(name: string, help: string, collect: () => Sample[]): void {
    this.#register(new CollectedFamily(name, help, "gauge", () => plain(collect())));
  }

  /** A histogram in seconds over LATENCY_BOUNDS_SECONDS. */
  histogram(name: string, help: string, collect: () => HistogramSample[]): void {
    if (!name.endsWith("_seconds")) throw new Error(`histogram ${name} must be in seconds`);
    this.#register(new CollectedFamily(name, help, "histogram", () => collect().flatMap((sample) => histogramValues(name, sample))));
  }

  #register(family: CollectedFamily): void {
    // The Registry duck-types its metrics (name, help, type, get()); see the note at the top.
    this.registry.registerMetric(family as unknown as Metric);
  }
}

function plain(samples: Sample[]): ExportedValue[] {
  return samples.map((sample) => ({ labels: sample.labels ?? {}, value: sample.value }));
}

/** Prometheus's cumulative buckets (`le`), then _sum and _count. */
function histogramValues(name: string, sample: HistogramSample): ExportedValue[] {
  const labels = sample.labels ?? {};
  const values: ExportedValue[] = [];
  let cumulative = 0;
  LATENCY_BOUNDS_SECONDS.forEach((bound, index) => {
    cumulative += sample.histogram.counts[index] ?? 0;
    values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: bound }, value: cumulative });
  });
  values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: "+Inf" }, value: sample.histogram.count });
  values.push({ metricName: `${name}_sum`, labels, value: sample.histogram.sum });
  values.push({ metricName: `${name}_count`, labels, value: sample.histogram.count });
  return values;
}
