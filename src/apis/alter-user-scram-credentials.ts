/**
 * AlterUserScramCredentials (key 51, v0): adds, replaces and deletes users' SCRAM
 * credentials. The client sends the salt and SaltedPassword (never the password); the broker
 * keeps salt, StoredKey, ServerKey and iterations in the user's entity config (KIP-554).
 * Needs ALTER on CLUSTER (else CLUSTER_AUTHORIZATION_FAILED for every user).
 * Errors per user (a user with any error has none of its changes applied):
 * UNACCEPTABLE_CREDENTIAL (empty user name, iterations outside 4096..16384, empty salt or a
 * salted password of the wrong length), UNSUPPORTED_SASL_MECHANISM, DUPLICATE_RESOURCE (the
 * same user and mechanism twice), RESOURCE_NOT_FOUND (deleting a credential that does not exist),
 * UNKNOWN_SERVER_ERROR (the store could not be written: ZooKeeper or disk).
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { AlterUserScramCredentialsRequest } from '../protocol/generated/alter-user-scram-credentials-request.js';
import type { AlterUserScramCredentialsResponse } from '../protocol/generated/alter-user-scram-credentials-response.js';
import { AclOperation } from '../security/authorizer.js';
import { type EntityConfig, entityPath, parseEntityPath } from '../security/entity-config/entity-config-store.js';
import { credentialFromSaltedPassword, digest, formatScramCredential } from '../security/sasl/scram-credential.js';
import { SCRAM_MAX_ITERATIONS, SCRAM_MIN_ITERATIONS, scramMechanismOfType } from '../security/sasl/scram-mechanism.js';
import type { ApiHandler } from './api.js';
import { clusterPermitted } from './authorize.js';

interface Failure {
  errorCode: number;
  errorMessage: string;
}

export const alterUserScramCredentialsHandler: ApiHandler<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse> = {
  apiKey: 51,
  name: 'AlterUserScramCredentials',
  minVersion: 0,
  maxVersion: 0,
  async handle(request, ctx) {
    const users = [...new Set([...request.deletions.map((d) => d.name), ...request.upsertions.map((u) => u.name)])];
    const store = ctx.broker.entityConfigs;
    if (!clusterPermitted(ctx, AclOperation.ALTER) || !store) {
      const errorCode = store ? ErrorCode.CLUSTER_AUTHORIZATION_FAILED : ErrorCode.COORDINATOR_NOT_AVAILABLE;
      return { response: { throttleTimeMs: 0, results: users.map((user) => ({ user, errorCode, errorMessage: null })) } };
    }
    const failures = new Map<string, Failure>();
    const fail = (user: string, errorCode: number, errorMessage: string) => {
      if (!failures.has(user)) failures.set(user, { errorCode, errorMessage });
    };
    // The same (user, mechanism) twice anywhere in the request.
    const seen = new Set<string>();
    for (const { name, mechanism } of [...request.deletions, ...request.upsertions]) {
      const key = `${mechanism}\u0000${name}`;
      if (seen.has(key)) fail(name, ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request');
      seen.add(key);
    }
    const updated = new Map<string, Record<string, string>>();
    const configOf = (user: string) => {
      let config = updated.get(user);
      if (!config) {
        config = { ...store.get(entityPath({ user })) };
        updated.set(user, config);
      }
      return config;
    };
    for (const deletion of request.deletions) {
      const mechanism = scramMechanismOfType(deletion.mechanism);
      if (deletion.name === '') fail(deletion.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
      else if (!mechanism) fail(deletion.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, `Unknown SCRAM mechanism ${deletion.mechanism}`);
      else if (store.get(entityPath({ user: deletion.name }))[mechanism] === undefined) {
        fail(deletion.name, ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist');
      } else delete configOf(deletion.name)[mechanism];
    }
    for (const upsertion of request.upsertions) {
      const mechanism = scramMechanismOfType(upsertion.mechanism);
      const { name, iterations } = upsertion;
      if (name === '') fail(name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
      else if (!mechanism) fail(name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, `Unknown SCRAM mechanism ${upsertion.mechanism}`);
      else if (iterations < SCRAM_MIN_ITERATIONS) fail(name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `Too few iterations: ${iterations} < ${SCRAM_MIN_ITERATIONS}`);
      else if (iterations > SCRAM_MAX_ITERATIONS) fail(name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `Too many iterations: ${iterations} > ${SCRAM_MAX_ITERATIONS}`);
      else if (upsertion.salt.byteLength === 0) fail(name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Salt must not be empty');
      else if (upsertion.saltedPassword.byteLength !== digest(mechanism, Buffer.alloc(0)).byteLength) {
        fail(name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `A ${mechanism} salted password is ${digest(mechanism, Buffer.alloc(0)).byteLength} bytes`);
      } else {
        const credential = credentialFromSaltedPassword(mechanism, Buffer.from(upsertion.saltedPassword), Buffer.from(upsertion.salt), iterations);
        configOf(name)[mechanism] = formatScramCredential(credential);
      }
    }
    const changes = new Map<string, EntityConfig>();
    for (const [user, config] of updated) if (!failures.has(user)) changes.set(entityPath({ user }), config);
    if (changes.size > 0) {
      try {
        await store.alter(changes);
      } catch (err) {
        ctx.logger.error({ err }, 'storing SCRAM credentials failed');
        for (const path of changes.keys()) fail(parseEntityPath(path)!.user!, ErrorCode.UNKNOWN_SERVER_ERROR, `storing the credential failed: ${(err as Error).message}`);
      }
    }
    return {
      response: {
        throttleTimeMs: 0,
        results: users.map((user) => {
          const failure = failures.get(user);
          return { user, errorCode: failure?.errorCode ?? 0, errorMessage: failure?.errorMessage ?? null };
        }),
      },
    };
  },
};
