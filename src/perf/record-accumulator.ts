/**
 * Batches records for `gregor perf produce` the way Kafka's producer does
 * (docs/design.html "Batching"; RecordAccumulator and Sender, read, not copied), on top of
 * @platformatic/kafka's `Producer.send` (which sends what it is given at once, and whose
 * ProducerStream keeps only one send in flight):
 *
 * - Records without keys go to one partition until its batch is full (`batch.size` bytes),
 *   then to the next (the sticky partitioner, KIP-480, round robin here).
 * - A batch is ready when full or `linger.ms` after its first record.
 * - Up to `max.in.flight.requests.per.connection` sends await their acknowledgement; each
 *   send drains the ready batches up to `max.request.size` bytes (several partitions).
 * - `append` reports when the bytes queued or in flight reach `buffer.memory`: the caller
 *   then awaits `waitForSpace()` (Kafka's send() blocks there). Memory is thus bounded by
 *   buffer.memory plus one record.
 *
 * Each record's send time (performance.now(), ms) travels with it; an acknowledged send
 * reports them to ProduceStats. A failed send counts its records as failed (Kafka's tool
 * prints the exception and goes on); `firstError` keeps the first.
 */
import type { Producer } from '@platformatic/kafka';
import type { ProduceStats } from './produce-stats.js';
import type { ProducerMetrics } from './client-metrics.js';
import type { ProducerSettings } from './producer-settings.js';

interface Batch {
  partition: number;
  values: Buffer[];
  sendMs: number[];
  sizes: number[];
  bytes: number;
}

export class RecordAccumulator {
  private current: Batch | null = null;
  private readonly ready: Batch[] = [];
  private inFlight = 0;
  private queuedBytes = 0;
  private partition = 0;
  private lingerTimer: NodeJS.Timeout | null = null;
  private waiters: Array<() => void> = [];
  firstError: Error | null = null;

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly partitions: number,
    private readonly settings: ProducerSettings,
    private readonly stats: ProduceStats,
    /** `--print-metrics`: per-send figures (client-metrics.ts). */
    private readonly metrics: ProducerMetrics | null = null,
  ) {}

  /** Queues one record sent at `sendMs`; returns true when buffer.memory is reached. */
  append(value: Buffer, sendMs: number): boolean {
    let batch = this.current;
    if (batch && batch.bytes + value.length > this.settings.batchBytes && batch.values.length > 0) {
      this.close();
      batch = null;
    }
    if (!batch) {
      batch = this.current = { partition: this.partition, values: [], sendMs: [], sizes: [], bytes: 0 };
      this.partition = (this.partition + 1) % this.partitions;
      this.lingerTimer = setTimeout(() => this.lingered(), this.settings.lingerMs);
    }
    batch.values.push(value);
    batch.sendMs.push(sendMs);
    batch.sizes.push(value.length);
    batch.bytes += value.length;
    this.queuedBytes += value.length;
    return this.queuedBytes >= this.settings.bufferMemory;
  }

  /** Resolves once the bytes queued or in flight are below buffer.memory. */
  async waitForSpace(): Promise<void> {
    while (this.queuedBytes >= this.settings.bufferMemory) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Sends everything queued and resolves when every send has completed. */
  async flush(): Promise<void> {
    if (this.current) this.close();
    this.drain();
    while (this.inFlight > 0 || this.ready.length > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private lingered(): void {
    this.lingerTimer = null;
    if (this.current) this.close();
  }

  private close(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    this.ready.push(this.current!);
    this.current = null;
    this.drain();
  }

  /** Sends ready batches while fewer than max.in.flight sends are awaiting acks. */
  private drain(): void {
    while (this.inFlight < this.settings.maxInFlight && this.ready.length > 0) {
      const batches: Batch[] = [this.ready.shift()!];
      let bytes = batches[0]!.bytes;
      while (this.ready.length > 0 && bytes + this.ready[0]!.bytes <= this.settings.maxRequestBytes) {
        bytes += this.ready[0]!.bytes;
        batches.push(this.ready.shift()!);
      }
      this.send(batches, bytes);
    }
  }

  private send(batches: Batch[], bytes: number): void {
    this.inFlight++;
    const startMs = performance.now();
    const messages = [];
    for (const b of batches) for (const value of b.values) messages.push({ topic: this.topic, partition: b.partition, value });
    this.producer.send({ messages, acks: this.settings.acks, compression: this.settings.compression, idempotent: this.settings.idempotent }, (error) => {
      const ackMs = performance.now();
      this.metrics?.request(batches.map((b) => b.sizes), ackMs - startMs, Boolean(error));
      this.inFlight--;
      this.queuedBytes -= bytes;
      for (const b of batches) {
        if (error) this.stats.failed(b.values.length);
        else this.stats.acknowledged(b.sendMs, b.sizes, ackMs);
      }
      if (error && !this.firstError) this.firstError = error;
      this.drain();
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    });
  }
}
