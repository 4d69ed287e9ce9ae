/**
 * The broker's part of the end-to-end audit (issue 15, docs/audit.md), on when
 * `gregor.audit.enable=true`: the broker and replica tiers ({@link BrokerAuditTiers}, hooked
 * into appends), the internal topic `__audit` (one partition, created at start-up like the
 * coordinators' topics), the report timer (`gregor.audit.report.interval.ms`) and the
 * collector ({@link AuditCollector}) that reads `__audit` back.
 *
 * Start-up order: create `__audit`, read it all into the collector, continue the broker's
 * report sequence, re-derive from each led partition's log what the broker tier had not
 * reported before the last stop or crash, then report on the timer.
 *
 * Reports go to `__audit`'s leader: appended here when this broker leads it (a single broker
 * always does), else produced to the leader over an inter-broker connection (acks=all). The
 * collector reads the local copy of `__audit` (the leader's, or a follower's replica); a
 * broker without one has an empty collector.
 */
import type { Logger } from 'pino';
import { decodeBatches } from '../client/decode.js';
import type { ClusterMetadata } from '../cluster/cluster-metadata.js';
import type { TopicAdmin } from '../cluster/topic-admin.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { Engine } from '../engine/engine.js';
import type { KafkaClient } from '../network/kafka-client.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { createProduceRequest } from '../protocol/generated/produce-request.js';
import { type LogManager, localLogs } from '../storage/log-manager.js';
import { AUDIT_TOPIC, type AuditReport, decodeReport, encodeReport, reportKey } from './audit-report.js';
import { BrokerAuditTiers } from './broker-tier.js';
import { type AuditRow, AuditCollector } from './collector.js';

/** What the audit needs of the broker. */
export interface AuditHost {
  readonly config: BrokerConfig;
  readonly engine: Engine;
  readonly logs: LogManager;
  readonly topicAdmin: TopicAdmin;
  readonly metadata: ClusterMetadata;
  leaderEpochOf(topic: string, partition: number): number;
  /** A connection to another broker on the inter-broker listener (cluster mode). */
  connectToBroker?(brokerId: number, timeoutMs?: number): Promise<KafkaClient>;
}

const READ_BYTES = 1024 * 1024;

export class AuditService {
  readonly tiers: BrokerAuditTiers;
  readonly collector: AuditCollector;
  private host: AuditHost | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Next `__audit` offset the collector reads. */
  private nextOffset = 0;
  /** The report round under way (rounds never overlap). */
  private round: Promise<void> | null = null;

  constructor(config: BrokerConfig, engine: Engine, private readonly logger: Logger) {
    this.tiers = new BrokerAuditTiers(engine, String(config.nodeId), config.auditBucketMs);
    this.collector = new AuditCollector({ bucketMs: config.auditBucketMs, graceMs: config.auditGraceMs });
  }

  /** Creates `__audit` if needed, recovers (see the file's comment) and starts the report timer. */
  async start(host: AuditHost): Promise<void> {
    this.host = host;
    if (!host.metadata.topic(AUDIT_TOPIC)) {
      try {
        const replicationFactor = Math.min(host.config.defaultReplicationFactor, host.metadata.aliveBrokers().length);
        await host.topicAdmin.createTopic({ name: AUDIT_TOPIC, numPartitions: 1, replicationFactor: Math.max(1, replicationFactor), assignment: null, configs: {} }, false, 10_000);
      } catch (err) {
        if (!(err instanceof KafkaError) || err.code !== ErrorCode.TOPIC_ALREADY_EXISTS) throw err;
      }
    }
    this.poll();
    this.tiers.resumeSequence(Math.max(this.collector.nextSequence('broker', this.tiers.reporter), this.collector.nextSequence('replica', this.tiers.reporter)));
    let rederived = 0;
    for (const topic of host.logs.allTopics()) {
      for (const log of localLogs(topic)) {
        if (!log.audit) continue;
        if (host.metadata.partition(log.topic, log.partition)?.leader !== host.config.nodeId) continue;
        rederived += this.tiers.rederive(log, this.collector.brokerCountedThrough(log.topic, log.partition) + 1);
      }
    }
    if (rederived > 0) this.logger.info({ records: rederived }, 'audit: counted records appended since the last report before the restart');
    this.timer = setInterval(() => void this.tick(), host.config.auditReportIntervalMs);
    this.timer.unref();
  }

  /**
   * One report round: writes the tiers' reports to `__audit` and reads `__audit` into the
   * collector. Failures are logged; the counts stay for the next round. Resolves when done
   * (joins the round under way, if any).
   */
  tick(): Promise<void> {
    this.round ??= (async () => {
      try {
        await this.flush();
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'audit: could not write the report round to __audit; counts kept for the next one');
      }
      try {
        this.poll();
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'audit: could not read __audit');
      }
    })().finally(() => {
      this.round = null;
    });
    return this.round;
  }

  /** Writes the tiers' pending reports to `__audit`'s leader (see the file's comment). */
  async flush(): Promise<void> {
    const host = this.host;
    if (!host) return;
    const reports = this.tiers.takeReports();
    if (reports.length === 0) return;
    try {
      const encoder = new TextEncoder();
      const batch = host.engine.encodeRecordBatch(
        reports.map((r) => ({ key: encoder.encode(reportKey(r)), value: encodeReport(r) })),
        { baseTimestamp: Date.now() },
      );
      const leader = host.metadata.partition(AUDIT_TOPIC, 0)?.leader ?? -1;
      const log = host.logs.partition(AUDIT_TOPIC, 0);
      if (leader === host.config.nodeId && log) {
        log.append(batch, host.leaderEpochOf(AUDIT_TOPIC, 0));
      } else if (leader >= 0 && host.connectToBroker) {
        await produceRemote(await host.connectToBroker(leader), batch);
      } else {
        throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `${AUDIT_TOPIC}-0 has no leader`);
      }
    } catch (err) {
      this.tiers.restore(reports);
      throw err;
    }
  }

  /** Reads `__audit` from where the collector stopped to its end; returns the reports counted. */
  poll(): number {
    const log = this.host?.logs.partition(AUDIT_TOPIC, 0);
    if (!log) return 0;
    let counted = 0;
    if (this.nextOffset < log.logStartOffset) this.nextOffset = log.logStartOffset;
    while (this.nextOffset < log.logEndOffset) {
      const read = log.read(this.nextOffset, READ_BYTES);
      if (!read.slice) break;
      let next: number;
      try {
        const decoded = decodeBatches(read.slice.bytes, { topic: AUDIT_TOPIC, partition: 0, fromOffset: this.nextOffset });
        for (const record of decoded.records) {
          if (!record.value) continue;
          let report: AuditReport;
          try {
            report = decodeReport(record.value);
          } catch (err) {
            this.logger.warn({ offset: record.offset, err: (err as Error).message }, 'audit: skipped a record of __audit that is not a report');
            continue;
          }
          if (this.collector.ingest(report)) counted++;
        }
        next = decoded.nextOffset;
      } finally {
        read.slice.release?.();
      }
      if (next <= this.nextOffset) break;
      this.nextOffset = next;
    }
    return counted;
  }

  /**
   * Rows per topic × bucket (see AuditCollector.report), after reporting this broker's counts
   * and reading `__audit` to its end, so the answer includes everything known now.
   */
  async report(filter: { topic?: string; sinceMs?: number } = {}): Promise<AuditRow[]> {
    await this.tick();
    return this.collector.report(filter);
  }

  /** Stops the timer after a last report round (a graceful stop reports everything counted). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.host) await this.tick();
    this.tiers.dispose();
  }
}

/** Produces `batch` to `__audit`-0 over `client` (acks=all), then closes it. Errors: the partition's error (KafkaError). */
async function produceRemote(client: KafkaClient, batch: Uint8Array): Promise<void> {
  try {
    const { response } = await client.request<{ responses: Array<{ partitionResponses: Array<{ errorCode: number; errorMessage?: string | null }> }> }>(
      0,
      createProduceRequest({ acks: -1, timeoutMs: 10_000, topicData: [{ name: AUDIT_TOPIC, partitionData: [{ index: 0, records: batch }] }] }),
    );
    const p = response.responses[0]?.partitionResponses[0];
    if (!p || p.errorCode !== ErrorCode.NONE) throw new KafkaError(p?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, `report to ${AUDIT_TOPIC}-0: ${p?.errorMessage ?? 'no answer'}`);
  } finally {
    client.close();
  }
}
