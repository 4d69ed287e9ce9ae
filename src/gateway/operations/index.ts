/**
 * Every gateway operation by name (docs/websocket-protocol.md). Group operations are
 * reserved for the group coordinator and answered UNSUPPORTED_VERSION until then.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { Operation } from '../operation.js';
import { GROUP_OPERATIONS } from '../protocol.js';
import { fetch } from './fetch.js';
import { metadata } from './metadata.js';
import { listOffsets } from './offsets.js';
import { produce } from './produce.js';
import { seek, subscribe, unsubscribe } from './subscriptions.js';
import { createTopic, deleteTopic } from './topics.js';

const notYet: Operation = (request) => {
  throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `operation "${String(request['op'])}" comes with consumer groups over WebSocket (group coordinator)`);
};

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
  ...GROUP_OPERATIONS.map((op) => [op, notYet] as [string, Operation]),
]);

export { credit } from './subscriptions.js';
