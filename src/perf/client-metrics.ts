/**
 * `gregor perf produce|consume --print-metrics`: the client's metrics at the end of the run,
 * printed as kafka-producer-perf-test's and kafka-consumer-perf-test's `--print-metrics` print
 * the Java client's `metrics()` (Kafka ToolsUtils.printMetrics: a blank line, `Metric Name` /
 * `Value` header, then one line per metric sorted by `group:name:{tags}`, three decimals).
 *
 * Producer figures are measured here, around @platformatic/kafka's sends
 * (record-accumulator.ts), under the Java producer's names in group `producer-metrics` with
 * tag `client-id`: record-send-total/-rate (records handed to sends), record-error-total/-rate
 * (records of failed sends), record-size-avg/-max and batch-size-avg/-max (bytes of values,
 * before record framing and compression, so smaller than Kafka's), records-per-request-avg,
 * request-total/-rate (produce sends), request-latency-avg/-max (ms from a send to its
 * acknowledgement), and outgoing-byte-total/-rate (value bytes sent).
 * Consumer figures come from the consume run's summary (consumerMetrics): group
 * `consumer-fetch-manager-metrics` records-consumed-total/-rate and bytes-consumed-total/-rate
 * (key + value bytes), and `consumer-coordinator-metrics` rebalance-latency-max (ms to the
 * group join). Rates are per second over the whole run (the Java client's are over its last
 * 30 s samples).
 */

/** One metric: Kafka's MetricName (group, name, tags) and its value. */
export interface ClientMetric {
  group: string;
  name: string;
  tags: Record<string, string>;
  value: number;
}

export class ProducerMetrics {
  private requests = 0;
  private latencyTotalMs = 0;
  private latencyMaxMs = 0;
  private batches = 0;
  private batchBytesTotal = 0;
  private batchBytesMax = 0;
  private records = 0;
  private recordBytesTotal = 0;
  private recordBytesMax = 0;
  private errors = 0;

  /** One produce send of `batches` (each: its record sizes in bytes), answered after `latencyMs`; `failed`: its records failed. */
  request(batches: ReadonlyArray<ArrayLike<number>>, latencyMs: number, failed: boolean): void {
    this.requests++;
    this.latencyTotalMs += latencyMs;
    this.latencyMaxMs = Math.max(this.latencyMaxMs, latencyMs);
    for (const sizes of batches) {
      let bytes = 0;
      for (let i = 0; i < sizes.length; i++) {
        bytes += sizes[i]!;
        this.recordBytesMax = Math.max(this.recordBytesMax, sizes[i]!);
      }
      this.batches++;
      this.batchBytesTotal += bytes;
      this.batchBytesMax = Math.max(this.batchBytesMax, bytes);
      this.records += sizes.length;
      this.recordBytesTotal += bytes;
      if (failed) this.errors += sizes.length;
    }
  }

  /** The metrics after a run of `elapsedMs` by client `clientId`. */
  metrics(clientId: string, elapsedMs: number): ClientMetric[] {
    const seconds = Math.max(elapsedMs, 1) / 1000;
    const avg = (total: number, n: number) => (n > 0 ? total / n : 0);
    const values: Record<string, number> = {
      'batch-size-avg': avg(this.batchBytesTotal, this.batches),
      'batch-size-max': this.batchBytesMax,
      'outgoing-byte-rate': this.recordBytesTotal / seconds,
      'outgoing-byte-total': this.recordBytesTotal,
      'record-error-rate': this.errors / seconds,
      'record-error-total': this.errors,
      'record-send-rate': this.records / seconds,
      'record-send-total': this.records,
      'record-size-avg': avg(this.recordBytesTotal, this.records),
      'record-size-max': this.recordBytesMax,
      'records-per-request-avg': avg(this.records, this.requests),
      'request-latency-avg': avg(this.latencyTotalMs, this.requests),
      'request-latency-max': this.latencyMaxMs,
      'request-rate': this.requests / seconds,
      'request-total': this.requests,
    };
    return Object.entries(values).map(([name, value]) => ({ group: 'producer-metrics', name, tags: { 'client-id': clientId }, value }));
  }
}

/** A consume run's metrics (see above) from its figures: records and key + value bytes read, ms elapsed, ms to the join. */
export function consumerMetrics(clientId: string, run: { records: number; bytes: number; elapsedMs: number; rebalanceMs: number }): ClientMetric[] {
  const seconds = Math.max(run.elapsedMs, 1) / 1000;
  const tags = { 'client-id': clientId };
  const fetch = (name: string, value: number): ClientMetric => ({ group: 'consumer-fetch-manager-metrics', name, tags, value });
  return [
    fetch('bytes-consumed-rate', run.bytes / seconds),
    fetch('bytes-consumed-total', run.bytes),
    fetch('records-consumed-rate', run.records / seconds),
    fetch('records-consumed-total', run.records),
    { group: 'consumer-coordinator-metrics', name: 'rebalance-latency-max', tags, value: run.rebalanceMs },
  ];
}

/** `metrics` as Kafka's ToolsUtils.printMetrics prints them (the text, ending with a newline; '' for none). */
export function formatMetrics(metrics: readonly ClientMetric[]): string {
  if (metrics.length === 0) return '';
  const named = metrics.map((m) => ({ name: `${m.group}:${m.name}:{${Object.entries(m.tags).map(([k, v]) => `${k}=${v}`).join(', ')}}`, value: m.value }));
  named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const width = Math.max(...named.map((m) => m.name.length));
  let out = `\n${'Metric Name'.padEnd(width)}   Value\n`;
  for (const m of named) out += `${m.name.padEnd(width)} : ${m.value.toFixed(3)}\n`;
  return out;
}
