/**
 * DescribeUserScramCredentials (key 50, v0): the SCRAM mechanisms and iteration counts of
 * the named users (all users with credentials when the list is null or empty). Never the
 * credentials themselves. Needs DESCRIBE on CLUSTER (else CLUSTER_AUTHORIZATION_FAILED).
 * Errors per user: RESOURCE_NOT_FOUND (no credentials), DUPLICATE_RESOURCE (named twice).
 * Source: KIP-554.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { DescribeUserScramCredentialsRequest } from '../protocol/generated/describe-user-scram-credentials-request.js';
import type { DescribeUserScramCredentialsResponse } from '../protocol/generated/describe-user-scram-credentials-response.js';
import { AclOperation } from '../security/authorizer.js';
import { parseScramCredential } from '../security/sasl/scram-credential.js';
import { SCRAM_MECHANISMS, SCRAM_MECHANISM_TYPE } from '../security/sasl/scram-mechanism.js';
import { entityPath, parseEntityPath } from '../security/entity-config/entity-config-store.js';
import type { EntityConfig } from '../security/entity-config/entity-config-store.js';
import type { ApiHandler } from './api.js';
import { clusterPermitted } from './authorize.js';

type Result = DescribeUserScramCredentialsResponse['results'][number];

function credentialInfos(config: EntityConfig): Result['credentialInfos'] {
  const infos: Result['credentialInfos'] = [];
  for (const mechanism of SCRAM_MECHANISMS) {
    const text = config[mechanism];
    if (text === undefined) continue;
    try {
      infos.push({ mechanism: SCRAM_MECHANISM_TYPE[mechanism], iterations: parseScramCredential(text).iterations });
    } catch {
      // a stored value that does not parse is not a credential
    }
  }
  return infos;
}

export const describeUserScramCredentialsHandler: ApiHandler<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse> = {
  apiKey: 50,
  name: 'DescribeUserScramCredentials',
  minVersion: 0,
  maxVersion: 0,
  handle(request, ctx) {
    const response: DescribeUserScramCredentialsResponse = { throttleTimeMs: 0, errorCode: 0, errorMessage: null, results: [] };
    const store = ctx.broker.entityConfigs;
    if (!clusterPermitted(ctx, AclOperation.DESCRIBE)) {
      response.errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      response.errorMessage = 'Cluster authorization failed.';
      return { response };
    }
    if (!store) {
      response.errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE;
      return { response };
    }
    if (!request.users || request.users.length === 0) {
      for (const [path, config] of store.all()) {
        const entity = parseEntityPath(path);
        if (!entity || entity.clientId !== undefined || entity.user === undefined) continue;
        const infos = credentialInfos(config);
        if (infos.length > 0) response.results.push({ user: entity.user, errorCode: 0, errorMessage: null, credentialInfos: infos });
      }
      return { response };
    }
    const counts = new Map<string, number>();
    for (const { name } of request.users) counts.set(name, (counts.get(name) ?? 0) + 1);
    for (const [user, count] of counts) {
      if (count > 1) {
        response.results.push({ user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request', credentialInfos: [] });
        continue;
      }
      const infos = user === '' ? [] : credentialInfos(store.get(entityPath({ user })));
      if (infos.length === 0) {
        response.results.push({ user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist', credentialInfos: [] });
      } else {
        response.results.push({ user, errorCode: 0, errorMessage: null, credentialInfos: infos });
      }
    }
    return { response };
  },
};
