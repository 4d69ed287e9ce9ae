/**
 * ControlledShutdown (key 7, v0-3): a broker about to stop asks the controller to move its
 * leaderships to other in-sync replicas first, so producers and consumers fail over
 * without waiting for its ZooKeeper session to expire. Answered only by the controller;
 * elsewhere NOT_CONTROLLER; BROKER_NOT_AVAILABLE for a broker that is not live.
 * RemainingPartitions lists what it still leads (no other ISR member to take over; on a
 * single broker, everything it leads).
 * Source: protocol guide "ControlledShutdown"; Kafka KafkaController.doControlledShutdown.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { ControlledShutdownRequest } from '../protocol/generated/controlled-shutdown-request.js';
import { type ControlledShutdownResponse, createControlledShutdownResponse } from '../protocol/generated/controlled-shutdown-response.js';
import type { ApiHandler } from './api.js';

export const controlledShutdownHandler: ApiHandler<ControlledShutdownRequest, ControlledShutdownResponse> = {
  apiKey: 7,
  name: 'ControlledShutdown',
  minVersion: 0,
  maxVersion: 3,
  async handle(request, { broker }) {
    if (!broker.controller.isActive) return { response: createControlledShutdownResponse({ errorCode: ErrorCode.NOT_CONTROLLER }) };
    const { metadata } = broker;
    if (!metadata.isAlive(request.brokerId)) return { response: createControlledShutdownResponse({ errorCode: ErrorCode.BROKER_NOT_AVAILABLE }) };
    await broker.controller.controlledShutdown(request.brokerId);
    const remaining = metadata.topics().flatMap((t) =>
      Array.from({ length: t.partitionCount }, (_, partitionIndex) => ({ topicName: t.name, partitionIndex })).filter((p) => metadata.partition(p.topicName, p.partitionIndex)?.leader === request.brokerId),
    );
    return { response: createControlledShutdownResponse({ errorCode: ErrorCode.NONE, remainingPartitions: remaining }) };
  },
};
