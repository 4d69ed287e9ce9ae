/**
 * ControlledShutdown (key 7, v0-3): a broker about to stop asks the controller to move its
 * leaderships to other in-sync replicas first, so producers and consumers fail over
 * without waiting for its ZooKeeper session to expire. Answered only by the controller;
 * elsewhere NOT_CONTROLLER. RemainingPartitions lists what it still leads (no other ISR
 * member to take over).
 * Source: protocol guide "ControlledShutdown"; Kafka KafkaController.doControlledShutdown.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import { type ControlledShutdownRequest, type ControlledShutdownResponse, createControlledShutdownResponse } from '../protocol/generated/index.js';
import type { ApiHandler } from './api.js';

export const controlledShutdownHandler: ApiHandler<ControlledShutdownRequest, ControlledShutdownResponse> = {
  apiKey: 7,
  name: 'ControlledShutdown',
  minVersion: 0,
  maxVersion: 3,
  async handle(request, { broker }) {
    const cluster = broker.cluster;
    if (!cluster || !cluster.controller.isActive) return { response: createControlledShutdownResponse({ errorCode: ErrorCode.NOT_CONTROLLER }) };
    await cluster.controller.controlledShutdown(request.brokerId);
    const remaining = [...cluster.metadata.allStates()].filter(([, , s]) => s.leader === request.brokerId).map(([topicName, partitionIndex]) => ({ topicName, partitionIndex }));
    return { response: createControlledShutdownResponse({ errorCode: ErrorCode.NONE, remainingPartitions: remaining }) };
  },
};
