/**
 * The broker's Prometheus metrics (prom-client), served as text at the gateway's
 * `GET /metrics`. One registry per broker (several brokers in one process share nothing).
 *
 * Broker-wide, collected at scrape time from the logs:
 *   gregor_topics, gregor_partitions                        gauges
 *   gregor_log_start_offset / gregor_log_end_offset{topic,partition}   offsets; the rate of
 *       the end offset is the produce rate in records/s, whatever the protocol
 *   gregor_log_size_bytes{topic,partition}                  bytes on disk
 *   gregor_kafka_connections                                open Kafka-protocol connections
 * plus Node's process metrics (`process_resident_memory_bytes`, event loop lag, GC, …).
 * Components add their own metrics to `registry` (see gateway/gateway-metrics.ts).
 * Source: prom-client 15 README; Prometheus exposition format 0.0.4.
 */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { LogManager } from '../storage/log-manager.js';

export interface BrokerMetricSources {
  logs: LogManager;
  /** Open Kafka-protocol connections. */
  kafkaConnections(): number;
}

export class BrokerMetrics {
  readonly registry = new Registry();

  constructor(sources: BrokerMetricSources) {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    new Gauge({
      name: 'gregor_topics',
      help: 'Topics on this broker.',
      registers,
      collect() {
        this.set(sources.logs.allTopics().length);
      },
    });
    new Gauge({
      name: 'gregor_partitions',
      help: 'Partitions on this broker (leader of all of them).',
      registers,
      collect() {
        this.set(sources.logs.allTopics().reduce((n, t) => n + t.partitions.length, 0));
      },
    });
    const perPartition = (name: string, help: string, value: (log: ReturnType<LogManager['allTopics']>[number]['partitions'][number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['topic', 'partition'] as const,
        registers,
        collect() {
          this.reset();
          for (const topic of sources.logs.allTopics()) {
            topic.partitions.forEach((log, partition) => this.set({ topic: topic.name, partition: String(partition) }, value(log)));
          }
        },
      });
    perPartition('gregor_log_start_offset', 'First offset of the partition log.', (log) => log.logStartOffset);
    perPartition('gregor_log_end_offset', 'Offset after the last record of the partition log (its rate is the produce rate in records/s).', (log) => log.logEndOffset);
    perPartition('gregor_log_size_bytes', 'Bytes of the partition log on disk.', (log) => log.sizeInBytes);
    new Gauge({
      name: 'gregor_kafka_connections',
      help: 'Open Kafka-protocol connections.',
      registers,
      collect() {
        this.set(sources.kafkaConnections());
      },
    });
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
