/**
 * Subscriptions with credit-based flow control (see subscription-hub.ts):
 *   `subscribe`   start pushing one partition from `offset` (-1 latest, -2 earliest) with
 *                 `credit` bytes; the result comes before the first push. Only records below
 *                 the high watermark are pushed; in cluster mode only the partition's leader
 *                 takes a subscription.
 *   `unsubscribe` stop.
 *   `seek`        move the position; bumps the subscription's epoch (pushes carry it).
 *   `credit`      a notification (no id, no answer): `bytes` more credit.
 * Errors: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER (cluster mode: another broker
 * leads the partition, or took over its leadership later), OFFSET_OUT_OF_RANGE, INVALID_REQUEST (already
 * subscribed to the partition on this connection, or not subscribed).
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import { type Frame, intField, topicField } from '../fields.js';
import { type GatewayContext, type Operation, requirePermission } from '../operation.js';
import { AclOperation, topicResource } from '../../security/authorizer.js';
import { Session } from '../session.js';
import type { Subscription } from '../subscription.js';
import { resolveOffset } from './offsets.js';

const INT32_MAX = 0x7fffffff;
/** Largest credit one grant may add (bytes): 1 TiB, to keep sums exact. */
const MAX_GRANT = 2 ** 40;

function subscriptionOf(request: Frame, session: Session): Subscription {
  const topic = topicField(request);
  const partition = intField(request, 'partition', 0, INT32_MAX);
  const sub = session.subscriptions.get(Session.key(topic, partition));
  if (!sub) throw new KafkaError(ErrorCode.INVALID_REQUEST, `not subscribed to ${topic}-${partition}`);
  return sub;
}

export const subscribe: Operation = (request, session, ctx) => {
  const topic = topicField(request);
  const partition = intField(request, 'partition', 0, INT32_MAX);
  const credit = intField(request, 'credit', 0, MAX_GRANT);
  const offset = intField(request, 'offset', -2, Number.MAX_SAFE_INTEGER);
  requirePermission(session, ctx, AclOperation.READ, topicResource(topic));
  const log = ctx.broker.replicas.leaderLog(topic, partition);
  if (session.subscriptions.has(Session.key(topic, partition))) {
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `already subscribed to ${topic}-${partition} on this connection (use seek)`);
  }
  const position = resolveOffset(log, offset);
  const sub = ctx.hub.add(session, topic, partition, log, position, credit);
  return {
    fields: { topic, partition, offset: position, epoch: sub.epoch, highWatermark: log.highWatermark, logStartOffset: log.logStartOffset },
    after: () => ctx.hub.kick(sub),
  };
};

export const unsubscribe: Operation = (request, session, ctx) => {
  const sub = subscriptionOf(request, session);
  ctx.hub.remove(sub);
  return { fields: { topic: sub.topic, partition: sub.partition } };
};

export const seek: Operation = (request, session, ctx) => {
  const sub = subscriptionOf(request, session);
  const position = resolveOffset(sub.log, intField(request, 'offset', -2, Number.MAX_SAFE_INTEGER));
  sub.position = position;
  sub.epoch++;
  return { fields: { topic: sub.topic, partition: sub.partition, offset: position, epoch: sub.epoch }, after: () => ctx.hub.kick(sub) };
};

/** The `credit` notification; unknown subscriptions are ignored (an unsubscribe may have crossed it). */
export function credit(request: Frame, session: Session, ctx: GatewayContext): void {
  const topic = topicField(request);
  const partition = intField(request, 'partition', 0, INT32_MAX);
  const bytes = intField(request, 'bytes', 1, MAX_GRANT);
  const sub = session.subscriptions.get(Session.key(topic, partition));
  if (sub) ctx.hub.grant(sub, bytes);
}
