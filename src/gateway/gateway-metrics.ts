/**
 * The gateway's Prometheus metrics, registered on the broker's registry:
 *   gregor_websocket_connections                          open WebSocket connections
 *   gregor_websocket_request_duration_seconds{op}         histogram of request handling time
 *       (receipt to answer; a fetch's long poll included)
 *   gregor_websocket_errors_total{op,error}               error frames by Kafka error name
 *   gregor_websocket_produce_records_total{topic} / _bytes_total{topic}
 *   gregor_websocket_fetch_records_total{topic} / _bytes_total{topic}   (fetch requests)
 *   gregor_websocket_push_records_total{topic} / _bytes_total{topic}    (subscription pushes)
 *   gregor_websocket_subscriptions                        active subscriptions
 *   gregor_websocket_paused_total                         times a socket was paused (back-pressure)
 *   gregor_websocket_slow_client_disconnects_total        sockets closed for not reading
 *   gregor_consumer_lag_records{topic,partition,consumer="websocket"}
 *       the largest lag (high watermark − position, records) among WebSocket subscriptions
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { SubscriptionHub } from './subscription-hub.js';

export class GatewayMetrics {
  readonly connections: Gauge;
  private readonly duration: Histogram<'op'>;
  private readonly errors: Counter<'op' | 'error'>;
  private readonly produceRecords: Counter<'topic'>;
  private readonly produceBytes: Counter<'topic'>;
  private readonly fetchRecords: Counter<'topic'>;
  private readonly fetchBytes: Counter<'topic'>;
  private readonly pushRecords: Counter<'topic'>;
  private readonly pushBytes: Counter<'topic'>;
  readonly pausedTotal: Counter;
  readonly slowClientDisconnects: Counter;

  constructor(registry: Registry, hub: () => SubscriptionHub | null) {
    const registers = [registry];
    this.connections = new Gauge({ name: 'gregor_websocket_connections', help: 'Open WebSocket connections.', registers });
    this.duration = new Histogram({
      name: 'gregor_websocket_request_duration_seconds',
      help: 'Time from receiving a WebSocket request to answering it (s).',
      labelNames: ['op'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.errors = new Counter({ name: 'gregor_websocket_errors_total', help: 'Error frames sent, by operation and Kafka error name.', labelNames: ['op', 'error'], registers });
    const counter = (name: string, help: string) => new Counter({ name, help, labelNames: ['topic'], registers });
    this.produceRecords = counter('gregor_websocket_produce_records_total', 'Records appended through WebSocket produce.');
    this.produceBytes = counter('gregor_websocket_produce_bytes_total', 'Record batch bytes appended through WebSocket produce.');
    this.fetchRecords = counter('gregor_websocket_fetch_records_total', 'Records returned by WebSocket fetch.');
    this.fetchBytes = counter('gregor_websocket_fetch_bytes_total', 'Record batch bytes returned by WebSocket fetch.');
    this.pushRecords = counter('gregor_websocket_push_records_total', 'Records pushed to WebSocket subscriptions.');
    this.pushBytes = counter('gregor_websocket_push_bytes_total', 'Record batch bytes pushed to WebSocket subscriptions.');
    this.pausedTotal = new Counter({ name: 'gregor_websocket_paused_total', help: 'Times a WebSocket was paused for back-pressure.', registers });
    this.slowClientDisconnects = new Counter({ name: 'gregor_websocket_slow_client_disconnects_total', help: 'WebSockets closed for not reading.', registers });
    new Gauge({
      name: 'gregor_websocket_subscriptions',
      help: 'Active WebSocket subscriptions.',
      registers,
      collect() {
        let n = 0;
        for (const _ of hub()?.all() ?? []) n++;
        this.set(n);
      },
    });
    new Gauge({
      name: 'gregor_consumer_lag_records',
      help: 'Largest consumer lag (high watermark minus position, records) per partition and kind of consumer.',
      labelNames: ['topic', 'partition', 'consumer'],
      registers,
      collect() {
        this.reset();
        const worst = new Map<string, { topic: string; partition: number; lag: number }>();
        for (const sub of hub()?.all() ?? []) {
          const key = `${sub.topic}\u0000${sub.partition}`;
          const lag = sub.lag;
          const seen = worst.get(key);
          if (!seen || lag > seen.lag) worst.set(key, { topic: sub.topic, partition: sub.partition, lag });
        }
        for (const w of worst.values()) this.set({ topic: w.topic, partition: String(w.partition), consumer: 'websocket' }, w.lag);
      },
    });
  }

  /** Records one request's handling time (seconds) and, if it failed, its error name. */
  request(op: string, seconds: number, error?: string): void {
    this.duration.observe({ op }, seconds);
    if (error) this.errors.inc({ op, error });
  }

  produced(topic: string, records: number, bytes: number): void {
    this.produceRecords.inc({ topic }, records);
    this.produceBytes.inc({ topic }, bytes);
  }

  fetched(topic: string, records: number, bytes: number): void {
    this.fetchRecords.inc({ topic }, records);
    this.fetchBytes.inc({ topic }, bytes);
  }

  pushed(topic: string, records: number, bytes: number): void {
    this.pushRecords.inc({ topic }, records);
    this.pushBytes.inc({ topic }, bytes);
  }
}
