/**
 * DescribeClientQuotas (key 48, v0-1): the quotas of the entities matching every filter
 * component (match type 0 = exact name, 1 = the default, 2 = any name of that type); with
 * `strict`, only entities with no other entity types. Needs DESCRIBE_CONFIGS on CLUSTER (else
 * CLUSTER_AUTHORIZATION_FAILED). Errors: INVALID_REQUEST (unknown or repeated entity type,
 * unknown match type, an exact match without a name). Source: KIP-546.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { DescribeClientQuotasRequest } from '../protocol/generated/describe-client-quotas-request.js';
import type { DescribeClientQuotasResponse } from '../protocol/generated/describe-client-quotas-response.js';
import { AclOperation } from '../security/authorizer.js';
import { QUOTA_KEYS } from '../security/quotas/client-quota-manager.js';
import type { ApiHandler } from './api.js';
import { CLIENT_ID_ENTITY, USER_ENTITY, quotaEntityComponents } from './client-quota-entities.js';
import { clusterPermitted } from './authorize.js';

const MATCH_EXACT = 0;
const MATCH_DEFAULT = 1;
const MATCH_SPECIFIED = 2;

type Component = DescribeClientQuotasRequest['components'][number];

function invalidFilter(components: readonly Component[]): string | null {
  const types = new Set<string>();
  for (const c of components) {
    if (c.entityType !== USER_ENTITY && c.entityType !== CLIENT_ID_ENTITY) return `Unsupported entity type ${c.entityType}`;
    if (types.has(c.entityType)) return `Duplicate filter component entity type ${c.entityType}`;
    types.add(c.entityType);
    if (c.matchType === MATCH_EXACT && c.match === null) return 'An exact match needs a name';
    if (c.matchType !== MATCH_EXACT && c.matchType !== MATCH_DEFAULT && c.matchType !== MATCH_SPECIFIED) return `Unknown match type ${c.matchType}`;
  }
  return null;
}

export const describeClientQuotasHandler: ApiHandler<DescribeClientQuotasRequest, DescribeClientQuotasResponse> = {
  apiKey: 48,
  name: 'DescribeClientQuotas',
  minVersion: 0,
  maxVersion: 1,
  handle(request, ctx) {
    const store = ctx.broker.entityConfigs;
    const error = (errorCode: number, errorMessage: string | null) => ({ response: { throttleTimeMs: 0, errorCode, errorMessage, entries: null } });
    if (!clusterPermitted(ctx, AclOperation.DESCRIBE_CONFIGS)) return error(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
    if (!store) return error(ErrorCode.COORDINATOR_NOT_AVAILABLE, null);
    const invalid = invalidFilter(request.components);
    if (invalid) return error(ErrorCode.INVALID_REQUEST, invalid);
    const entries: NonNullable<DescribeClientQuotasResponse['entries']> = [];
    for (const [path, config] of store.all()) {
      const entity = quotaEntityComponents(path);
      if (!entity) continue;
      const values = Object.entries(config).filter(([key]) => QUOTA_KEYS.has(key)).map(([key, value]) => ({ key, value: Number(value) }));
      if (values.length === 0) continue;
      const matches = request.components.every((c) => {
        const part = entity.find((e) => e.entityType === c.entityType);
        if (!part) return false;
        if (c.matchType === MATCH_EXACT) return part.entityName === c.match;
        if (c.matchType === MATCH_DEFAULT) return part.entityName === null;
        return true;
      });
      if (!matches) continue;
      if (request.strict && entity.some((e) => !request.components.some((c) => c.entityType === e.entityType))) continue;
      entries.push({ entity, values });
    }
    return { response: { throttleTimeMs: 0, errorCode: 0, errorMessage: null, entries } };
  },
};
