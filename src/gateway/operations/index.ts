/**
 * Every gateway operation by name (docs/websocket-protocol.md); one file per family.
 */
import type { Operation } from '../operation.js';
import { fetch } from './fetch.js';
import { findCoordinator } from './find-coordinator.js';
import { commitOffsets, fetchOffsets } from './group-offsets.js';
import { heartbeat, joinGroup, leaveGroup, syncGroup } from './groups.js';
import { metadata } from './metadata.js';
import { listOffsets } from './offsets.js';
import { produce } from './produce.js';
import { seek, subscribe, unsubscribe } from './subscriptions.js';
import { createTopic, deleteTopic } from './topics.js';

export const OPERATIONS: ReadonlyMap<string, Operation> = new Map<string, Operation>([
  ['metadata', metadata],
  ['createTopic', createTopic],
  ['deleteTopic', deleteTopic],
  ['produce', produce],
  ['fetch', fetch],
  ['listOffsets', listOffsets],
  ['subscribe', subscribe],
  ['unsubscribe', unsubscribe],
  ['seek', seek],
  ['findCoordinator', findCoordinator],
  ['joinGroup', joinGroup],
  ['syncGroup', syncGroup],
  ['heartbeat', heartbeat],
  ['leaveGroup', leaveGroup],
  ['commitOffsets', commitOffsets],
  ['fetchOffsets', fetchOffsets],
]);

export { credit } from './subscriptions.js';
