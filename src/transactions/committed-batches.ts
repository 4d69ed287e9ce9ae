/**
 * What a read_committed consumer keeps of the batches a fetch returned (Kafka consumer
 * CompletedFetch.nextFetchedRecord / abortedProducerIds): the batches of aborted transactions
 * and the control batches (markers) are dropped; everything else is kept as it is.
 * `aborted` is the fetch's `aborted_transactions` (PartitionLog.abortedTransactions): a
 * transaction of producer P listed with first offset F makes P's transactional batches from F
 * on aborted until P's next control batch (its ABORT marker).
 * Source: KIP-98 "Consumer: read_committed"; Kafka CompletedFetch.
 */
import { wholeBatches } from '../storage/batch-header.js';
import { CONTROL_FLAG, TRANSACTIONAL_FLAG } from './control-batch.js';

/** The whole batches of `bytes` a read_committed consumer returns, concatenated (a view of `bytes` when nothing is dropped). */
export function committedBatches(bytes: Uint8Array, aborted: ReadonlyArray<{ producerId: number; firstOffset: number }>): Uint8Array {
  const pending = [...aborted].sort((a, b) => a.firstOffset - b.firstOffset);
  const abortedProducers = new Set<number>();
  const kept: Array<[number, number]> = [];
  let keptBytes = 0;
  let all = true;
  for (const h of wholeBatches(bytes)) {
    while (pending.length > 0 && pending[0]!.firstOffset <= h.lastOffset) abortedProducers.add(pending.shift()!.producerId);
    const control = (h.attributes & CONTROL_FLAG) !== 0;
    const drop = control || ((h.attributes & TRANSACTIONAL_FLAG) !== 0 && abortedProducers.has(h.producerId));
    if (control) abortedProducers.delete(h.producerId);
    if (drop) {
      all = false;
      continue;
    }
    kept.push([h.position, h.sizeInBytes]);
    keptBytes += h.sizeInBytes;
  }
  if (all) return bytes;
  const out = new Uint8Array(keptBytes);
  let at = 0;
  for (const [position, size] of kept) {
    out.set(bytes.subarray(position, position + size), at);
    at += size;
  }
  return out;
}
