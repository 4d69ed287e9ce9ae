/**
 * AlterClientQuotas (key 49, v0-1): sets or removes `producer_byte_rate`,
 * `consumer_byte_rate` and `request_percentage` of user / client-id entities (null name: the
 * default entity); `validateOnly` checks without storing. Needs ALTER_CONFIGS on CLUSTER
 * (else CLUSTER_AUTHORIZATION_FAILED per entry). Errors per entry: INVALID_REQUEST (unknown or
 * duplicate entity type, unknown or repeated key, a byte rate that is not a whole number, a
 * value not above 0); UNKNOWN_SERVER_ERROR when the store cannot be written. Source: KIP-546, KIP-13, KIP-124.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { AlterClientQuotasRequest } from '../protocol/generated/alter-client-quotas-request.js';
import type { AlterClientQuotasResponse } from '../protocol/generated/alter-client-quotas-response.js';
import { AclOperation } from '../security/authorizer.js';
import type { EntityConfig } from '../security/entity-config/entity-config-store.js';
import { QUOTA_KEYS } from '../security/quotas/client-quota-manager.js';
import type { ApiHandler } from './api.js';
import { quotaEntityPath } from './client-quota-entities.js';
import { clusterPermitted } from './authorize.js';

type Entry = AlterClientQuotasRequest['entries'][number];

/** The entry's entity path, or an INVALID_REQUEST message. */
function validate(entry: Entry): { path: string } | { error: string } {
  const target = quotaEntityPath(entry.entity);
  if ('error' in target) return target;
  const keys = new Set<string>();
  for (const op of entry.ops) {
    const spec = QUOTA_KEYS.get(op.key);
    if (!spec) return { error: `Invalid configuration key ${op.key}` };
    if (keys.has(op.key)) return { error: `Duplicate quota key ${op.key}` };
    keys.add(op.key);
    if (op.remove) continue;
    if (!Number.isFinite(op.value) || op.value <= 0) return { error: `Quota ${op.key} must be greater than 0, got ${op.value}` };
    if (spec.integer && !Number.isInteger(op.value)) return { error: `Quota ${op.key} must be a whole number, got ${op.value}` };
  }
  return target;
}

export const alterClientQuotasHandler: ApiHandler<AlterClientQuotasRequest, AlterClientQuotasResponse> = {
  apiKey: 49,
  name: 'AlterClientQuotas',
  minVersion: 0,
  maxVersion: 1,
  async handle(request, ctx) {
    const store = ctx.broker.entityConfigs;
    const entity = (entry: Entry) => entry.entity.map((e) => ({ entityType: e.entityType, entityName: e.entityName }));
    if (!clusterPermitted(ctx, AclOperation.ALTER_CONFIGS) || !store) {
      const errorCode = store ? ErrorCode.CLUSTER_AUTHORIZATION_FAILED : ErrorCode.COORDINATOR_NOT_AVAILABLE;
      return { response: { throttleTimeMs: 0, entries: request.entries.map((entry) => ({ errorCode, errorMessage: null, entity: entity(entry) })) } };
    }
    const changes = new Map<string, EntityConfig>();
    const entries = request.entries.map((entry) => {
      const result = validate(entry);
      if ('error' in result) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: result.error, entity: entity(entry) };
      const config: Record<string, string> = { ...(changes.get(result.path) ?? store.get(result.path)) };
      for (const op of entry.ops) {
        if (op.remove) delete config[op.key];
        else config[op.key] = String(op.value);
      }
      changes.set(result.path, config);
      return { errorCode: 0, errorMessage: null, entity: entity(entry) };
    });
    if (!request.validateOnly && changes.size > 0) {
      try {
        await store.alter(changes);
      } catch (err) {
        ctx.logger.error({ err }, 'storing client quotas failed');
        const errorMessage = `storing the quotas failed: ${(err as Error).message}`;
        for (const e of entries) if (e.errorCode === 0) Object.assign(e, { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage });
      }
    }
    return { response: { throttleTimeMs: 0, entries } };
  },
};
