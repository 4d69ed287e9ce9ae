/**
 * The leader's append step of the one produce path (ReplicaManager.appendRecords): the append
 * worker pool when the broker has one (`gregor.workers` > 0), else the engine inline on the
 * main thread. Internal topics (`__consumer_offsets`, written by the group coordinator on the
 * main thread) stay inline, so one partition is never appended to by both; so do audited
 * partitions (issue 15): the audit counts inside the main thread's validation walk.
 */
import type { PartitionLog } from '../storage/log.js';
import type { AppendPool } from '../workers/append-pool.js';
import type { LeaderAppender } from './replica-manager.js';

/** Topics the broker itself writes on the main thread. */
function isInternal(topic: string): boolean {
  return topic.startsWith('__');
}

/** An appender over `pool()` (read at each append: the pool starts after the broker is made). */
export function leaderAppender(pool: () => AppendPool | null): LeaderAppender {
  return {
    append(log: PartitionLog, records: Uint8Array, leaderEpoch: number) {
      const p = pool();
      return p && !isInternal(log.topic) && !log.audit ? p.append(log, records, leaderEpoch) : log.append(records, leaderEpoch);
    },
    fence(log: PartitionLog) {
      return pool()?.fence(log) ?? Promise.resolve();
    },
  };
}
