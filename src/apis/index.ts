/**
 * The registry of API handlers: what the connection dispatches to and what ApiVersions
 * reports. One file per API in this folder.
 */
import type { ApiHandler } from './api.js';
import { guarded } from './guards.js';
import { createAclsHandler } from './create-acls.js';
import { deleteAclsHandler } from './delete-acls.js';
import { describeAclsHandler } from './describe-acls.js';
import { alterConfigsHandler } from './alter-configs.js';
import { deleteRecordsHandler } from './delete-records.js';
import { initProducerIdHandler } from './init-producer-id.js';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.js';
import { apiVersionsHandler } from './api-versions.js';
import { controlledShutdownHandler } from './controlled-shutdown.js';
import { createPartitionsHandler } from './create-partitions.js';
import { electLeadersHandler } from './elect-leaders.js';
import { describeClusterHandler } from './describe-cluster.js';
import { describeProducersHandler } from './describe-producers.js';
import { alterPartitionReassignmentsHandler } from './alter-partition-reassignments.js';
import { listPartitionReassignmentsHandler } from './list-partition-reassignments.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { deleteGroupsHandler } from './delete-groups.js';
import { describeConfigsHandler } from './describe-configs.js';
import { describeGroupsHandler } from './describe-groups.js';
import { fetchHandler } from './fetch.js';
import { findCoordinatorHandler } from './find-coordinator.js';
import { heartbeatHandler } from './heartbeat.js';
import { joinGroupHandler } from './join-group.js';
import { leaveGroupHandler } from './leave-group.js';
import { listGroupsHandler } from './list-groups.js';
import { listOffsetsHandler } from './list-offsets.js';
import { metadataHandler } from './metadata.js';
import { offsetCommitHandler } from './offset-commit.js';
import { offsetDeleteHandler } from './offset-delete.js';
import { offsetFetchHandler } from './offset-fetch.js';
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch.js';
import { produceHandler } from './produce.js';
import { saslAuthenticateHandler } from './sasl-authenticate.js';
import { saslHandshakeHandler } from './sasl-handshake.js';
import { syncGroupHandler } from './sync-group.js';
import { describeClientQuotasHandler } from './describe-client-quotas.js';
import { alterClientQuotasHandler } from './alter-client-quotas.js';
import { describeUserScramCredentialsHandler } from './describe-user-scram-credentials.js';
import { alterUserScramCredentialsHandler } from './alter-user-scram-credentials.js';
import { addPartitionsToTxnHandler } from './add-partitions-to-txn.js';
import { addOffsetsToTxnHandler } from './add-offsets-to-txn.js';
import { endTxnHandler } from './end-txn.js';
import { txnOffsetCommitHandler } from './txn-offset-commit.js';
import { writeTxnMarkersHandler } from './write-txn-markers.js';
import { describeTransactionsHandler } from './describe-transactions.js';
import { listTransactionsHandler } from './list-transactions.js';

export const HANDLERS = new Map<number, ApiHandler>();

for (const handler of [
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  metadataHandler,
  apiVersionsHandler(() => HANDLERS.values()),
  createTopicsHandler,
  deleteTopicsHandler,
  describeConfigsHandler,
  // Topic and broker configs, retention, idempotence (issue 7).
  alterConfigsHandler,
  incrementalAlterConfigsHandler,
  deleteRecordsHandler,
  initProducerIdHandler,
  // Consumer groups (src/groups/).
  offsetCommitHandler,
  offsetFetchHandler,
  findCoordinatorHandler,
  joinGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  syncGroupHandler,
  describeGroupsHandler,
  listGroupsHandler,
  deleteGroupsHandler,
  offsetDeleteHandler,
  // Transactions (src/transactions/).
  addPartitionsToTxnHandler,
  addOffsetsToTxnHandler,
  endTxnHandler,
  txnOffsetCommitHandler,
  writeTxnMarkersHandler,
  describeTransactionsHandler,
  listTransactionsHandler,
  // Cluster (src/cluster/, src/replication/).
  offsetForLeaderEpochHandler,
  controlledShutdownHandler,
  createPartitionsHandler,
  electLeadersHandler,
  describeClusterHandler,
  describeProducersHandler,
  alterPartitionReassignmentsHandler,
  listPartitionReassignmentsHandler,
  // Security (src/security/, network/sasl-authenticator.ts).
  saslHandshakeHandler,
  saslAuthenticateHandler,
  // User credentials and client quotas (src/security/entity-config/, src/security/quotas/).
  describeClientQuotasHandler,
  alterClientQuotasHandler,
  describeUserScramCredentialsHandler,
  alterUserScramCredentialsHandler,
  // ACLs (src/security/acl/).
  createAclsHandler,
  describeAclsHandler,
  deleteAclsHandler,
] as ApiHandler[]) {
  HANDLERS.set(handler.apiKey, guarded(handler));
}
