/**
 * One subscription: a session reading one partition from `position`, pushed to as records
 * are appended, within the `credit` (bytes) the client granted.
 */
import type { PartitionLog } from '../storage/log.js';
import type { Session } from './session.js';

export class Subscription {
  /** Next offset to push. */
  position: number;
  /** Bytes the server may still push before the client grants more. */
  credit: number;
  /** Bumped by every seek; pushes carry it so the client can drop stale ones. */
  epoch = 0;

  constructor(
    readonly session: Session,
    readonly topic: string,
    readonly partition: number,
    readonly log: PartitionLog,
    position: number,
    credit: number,
  ) {
    this.position = position;
    this.credit = credit;
  }

  get key(): string {
    return `${this.topic}\u0000${this.partition}`;
  }

  /** Records between the position and the high watermark (consumer lag). */
  get lag(): number {
    return Math.max(0, this.log.highWatermark - this.position);
  }
}
