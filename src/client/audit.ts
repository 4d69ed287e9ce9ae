/**
 * The producer and consumer tiers of the end-to-end audit (issue 15, docs/audit.md) for
 * `gregor/client`: `client.producer({ audit: true })` counts every record handed to send()
 * (except to internal `__` topics), `client.consumer({ groupId, audit: true })` every record
 * delivered to its handler, per topic × bucket of record timestamp; both report to `__audit`
 * through this client's normal produce path (a producer of their own, acks=all).
 * The bucket width must match the brokers' `gregor.audit.bucket.ms` (default 600000).
 */
import { ClientAuditTier } from '../audit/client-tier.js';
import { AUDIT_TOPIC } from '../audit/audit-report.js';
import type { GregorClient } from './client.js';

/** `audit` option of producers and consumers: true for the defaults. */
export type AuditOption = boolean | {
  /** Bucket width, ms (default 600000, the broker's default `gregor.audit.bucket.ms`). */
  bucketMs?: number;
  /** How often to report, ms (default 60000); reports also go out on close(). */
  reportIntervalMs?: number;
};

/** The tier for `option` (null when off), publishing through `client`. */
export function clientAuditTier(client: GregorClient, tier: 'producer' | 'consumer', group: string | null, option: AuditOption | undefined): ClientAuditTier | null {
  if (!option) return null;
  const settings = option === true ? {} : option;
  let producer: ReturnType<GregorClient['producer']> | null = null;
  return new ClientAuditTier({
    tier,
    group,
    bucketMs: settings.bucketMs,
    reportIntervalMs: settings.reportIntervalMs,
    publish: async ({ key, value }) => {
      producer ??= client.producer({ acks: -1, lingerMs: 0 });
      await producer.send({ topic: AUDIT_TOPIC, messages: [{ key, value }] });
    },
  });
}

/** Key + value bytes of a record (what every audit tier counts as its bytes). */
export function payloadBytes(key: Uint8Array | null, value: Uint8Array | null): number {
  return (key ? key.byteLength : 0) + (value ? value.byteLength : 0);
}

/** Internal topics are not audited. */
export function audited(topic: string): boolean {
  return !topic.startsWith('__');
}
