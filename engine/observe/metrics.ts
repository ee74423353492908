/**
 * A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text
 * exposition format 0.0.4. Ria needs a handful of metrics; a dependency for that is not worth it.
 * A registry is an object passed around, never a module global, so tests get a fresh one each.
 */
import { RiaError } from '../errors.js';
import { renderFamily, type Sample } from './exposition.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Registering or using a metric wrongly: a programming mistake, surfaced at once. */
export class MetricsError extends RiaError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super('MetricsError', message, data);
  }
}

export type Labels<L extends string> = Readonly<Record<L, string>>;

export interface MetricOptions<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  /** Upper bounds, ascending; `+Inf` is added. */
  buckets?: readonly number[];
}

/** Prometheus' default buckets, which suit request-like durations in seconds. */
export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Family { render(): string }

export class MetricsRegistry {
  readonly #families = new Map<string, Family>();

  counter<L extends string = never>(options: MetricOptions<L>): Counter<L> {
    return this.#add(options.name, new Counter(checkOptions(options)));
  }

  gauge<L extends string = never>(options: MetricOptions<L>): Gauge<L> {
    return this.#add(options.name, new Gauge(checkOptions(options)));
  }

  histogram<L extends string = never>(options: HistogramOptions<L>): Histogram<L> {
    const buckets = [...(options.buckets ?? DEFAULT_BUCKETS)];
    if (buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]!))) {
      throw new MetricsError(`histogram ${options.name}: buckets must be finite and strictly ascending`);
    }
    if ((options.labelNames ?? []).includes('le' as L)) throw new MetricsError(`histogram ${options.name}: "le" is a reserved label`);
    return this.#add(options.name, new Histogram(checkOptions(options), buckets));
  }

  /** Every metric in the text exposition format, in registration order. */
  render(): string {
    return [...this.#families.values()].map((f) => f.render()).join('');
  }

  #add<F extends Family>(name: string, family: F): F {
    if (this.#families.has(name)) throw new MetricsError(`metric ${name} is already registered`, { name });
    this.#families.set(name, family);
    return family;
  }
}

function checkOptions<L extends string>(options: MetricOptions<L>): Required<MetricOptions<L>> {
  const { name, help, labelNames = [] } = options;
  if (!METRIC_NAME.test(name)) throw new MetricsError(`invalid metric name "${name}"`, { name });
  for (const label of labelNames) {
    if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new MetricsError(`metric ${name}: invalid label name "${label}"`, { name, label });
  }
  if (new Set(labelNames).size !== labelNames.length) throw new MetricsError(`metric ${name}: duplicate label names`, { name });
  return { name, help, labelNames };
}

/** Shared by the three kinds: one series per distinct label set, keyed in declaration order. */
abstract class Metric<L extends string, S> implements Family {
  protected readonly series = new Map<string, { labels: Labels<L>; state: S }>();
  constructor(protected readonly options: Required<MetricOptions<L>>) {}

  protected abstract readonly type: string;
  protected abstract initial(): S;
  protected abstract samples(labels: Labels<L>, state: S): Sample[];

  protected state(labels: Labels<L> | undefined): S {
    const given = labels ?? ({} as Labels<L>);
    const names = this.options.labelNames;
    const extra = Object.keys(given).filter((k) => !names.includes(k as L));
    const missing = names.filter((n) => typeof given[n] !== 'string');
    if (extra.length || missing.length) {
      throw new MetricsError(`metric ${this.options.name}: labels must be exactly [${names.join(', ')}]`, { extra, missing });
    }
    const key = JSON.stringify(names.map((n) => given[n]));
    let entry = this.series.get(key);
    if (!entry) {
      const copy = Object.fromEntries(names.map((n) => [n, given[n]])) as Labels<L>;
      entry = { labels: copy, state: this.initial() };
      this.series.set(key, entry);
    }
    return entry.state;
  }

  /** Forgets every series (for gauges describing a set that can shrink, like phases). */
  reset(): void {
    this.series.clear();
  }

  render(): string {
    // An unlabelled metric exists from the start: a counter that reads 0 is information.
    if (this.options.labelNames.length === 0 && this.series.size === 0) this.state(undefined);
    const samples = [...this.series.values()].flatMap(({ labels, state }) => this.samples(labels, state));
    return renderFamily(this.options.name, this.options.help, this.type, samples);
  }
}

export class Counter<L extends string = never> extends Metric<L, { value: number }> {
  protected readonly type = 'counter';
  protected initial() { return { value: 0 }; }
  protected samples(labels: Labels<L>, s: { value: number }): Sample[] {
    return [{ name: this.options.name, labels, value: s.value }];
  }

  inc(labels?: Labels<L>, by = 1): void {
    if (!(by >= 0)) throw new MetricsError(`counter ${this.options.name}: cannot increase by ${by}`);
    this.state(labels).value += by;
  }

  get(labels?: Labels<L>): number { return this.state(labels).value; }
}

export class Gauge<L extends string = never> extends Metric<L, { value: number }> {
  protected readonly type = 'gauge';
  protected initial() { return { value: 0 }; }
  protected samples(labels: Labels<L>, s: { value: number }): Sample[] {
    return [{ name: this.options.name, labels, value: s.value }];
  }

  set(value: number, labels?: Labels<L>): void { this.state(labels).value = value; }
  inc(labels?: Labels<L>, by = 1): void { this.state(labels).value += by; }
  dec(labels?: Labels<L>, by = 1): void { this.state(labels).value -= by; }
  get(labels?: Labels<L>): number { return this.state(labels).value; }
}

interface HistogramState { counts: number[]; sum: number; count: number }

export class Histogram<L extends string = never> extends Metric<L, HistogramState> {
  protected readonly type = 'histogram';
  constructor(options: Required<MetricOptions<L>>, private readonly buckets: number[]) { super(options); }
  protected initial(): HistogramState { return { counts: this.buckets.map(() => 0), sum: 0, count: 0 }; }

  protected samples(labels: Labels<L>, s: HistogramState): Sample[] {
    const name = this.options.name;
    return [
      ...this.buckets.map((le, i) => ({ name: `${name}_bucket`, labels: { ...labels, le: formatLe(le) }, value: s.counts[i]! })),
      { name: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: s.count },
      { name: `${name}_sum`, labels, value: s.sum },
      { name: `${name}_count`, labels, value: s.count },
    ];
  }

  observe(value: number, labels?: Labels<L>): void {
    if (Number.isNaN(value)) throw new MetricsError(`histogram ${this.options.name}: cannot observe NaN`);
    const s = this.state(labels);
    // Buckets are cumulative in the format, so every bound at or above the value counts it.
    this.buckets.forEach((le, i) => { if (value <= le) s.counts[i]! += 1; });
    s.sum += value;
    s.count += 1;
  }

  /** Starts a timer; calling the result observes the elapsed seconds (clock injectable). */
  startTimer(labels?: Labels<L>, now: () => number = () => performance.now()): () => number {
    const start = now();
    return () => {
      const seconds = (now() - start) / 1000;
      this.observe(seconds, labels);
      return seconds;
    };
  }

  get(labels?: Labels<L>): { count: number; sum: number } {
    const s = this.state(labels);
    return { count: s.count, sum: s.sum };
  }
}

function formatLe(le: number): string {
  return Number.isInteger(le) ? le.toFixed(1) : String(le);
}
