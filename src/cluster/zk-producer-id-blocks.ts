/**
 * Producer-id blocks claimed from ZooKeeper, as classic Kafka's ZkProducerIdManager does: the
 * znode `/latest_producer_id_block` holds the last block handed out,
 *
 *   {"version":1,"broker":2,"block_start":"3000","block_end":"3999"}
 *
 * (Kafka's ProducerIdBlockZNode: both ends inclusive, written as strings). A broker claims the
 * next block — start = block_end + 1, 1000 ids — with a setData conditional on the version it
 * read; BAD_VERSION (another broker claimed one in between) means read again and retry. A
 * missing or empty znode means no block was ever handed out: the first is 0–999.
 * The broker's own log dir file (`producer-id-block`) is a floor and a record: a claimed block
 * never starts below ids this broker handed out before it joined ZooKeeper (a broker upgraded
 * from one that used only the file), and the file is advanced past each block claimed, so the
 * same log dir used without ZooKeeper later does not re-issue them either.
 * Source: Kafka ZkData.scala (ProducerIdBlockZNode), ZkProducerIdManager.getNewProducerIdBlock.
 */
import { type LocalProducerIdBlocks, type ProducerIdBlock, type ProducerIdBlockSource, PRODUCER_ID_BLOCK_SIZE } from '../storage/producer-ids.js';
import { type ZkClient, ZkCode, ZkError } from './zk-client.js';

export const PRODUCER_ID_BLOCK_PATH = '/latest_producer_id_block';
const MAX_ATTEMPTS = 100;

/** Kafka's ProducerIdBlockZNode JSON for a block claimed by `brokerId`. */
export function encodeProducerIdBlock(brokerId: number, block: ProducerIdBlock): Buffer {
  return Buffer.from(JSON.stringify({ version: 1, broker: brokerId, block_start: String(block.firstProducerId), block_end: String(block.lastProducerId) }));
}

/** The block a ProducerIdBlockZNode holds. Errors: an Error naming the znode when the JSON is not one. */
export function decodeProducerIdBlock(data: Buffer): ProducerIdBlock & { broker: number } {
  const o = JSON.parse(data.toString()) as { broker?: unknown; block_start?: unknown; block_end?: unknown };
  const first = Number(o.block_start);
  const last = Number(o.block_end);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first < 0 || last < first) {
    throw new Error(`${PRODUCER_ID_BLOCK_PATH}: not a producer id block: ${data.toString()}`);
  }
  return { broker: Number(o.broker), firstProducerId: first, lastProducerId: last };
}

export class ZkProducerIdBlocks implements ProducerIdBlockSource {
  constructor(
    private readonly zk: ZkClient,
    private readonly brokerId: number,
    private readonly local: LocalProducerIdBlocks,
  ) {}

  /**
   * Claims the next block in `/latest_producer_id_block`.
   * Errors: ZooKeeper errors (connection loss, …); a malformed znode; the log dir file's fs
   * errors; an Error after 100 attempts lost to other brokers' claims.
   */
  async reserveBlock(): Promise<ProducerIdBlock> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.zk.getData(PRODUCER_ID_BLOCK_PATH);
      const after = current && current.data.length > 0 ? decodeProducerIdBlock(current.data).lastProducerId + 1 : 0;
      const start = Math.max(after, this.local.nextStart());
      const block = { firstProducerId: start, lastProducerId: start + PRODUCER_ID_BLOCK_SIZE - 1 };
      const data = encodeProducerIdBlock(this.brokerId, block);
      try {
        if (current) await this.zk.setData(PRODUCER_ID_BLOCK_PATH, data, current.version);
        else await this.zk.create(PRODUCER_ID_BLOCK_PATH, data);
        this.local.advanceTo(block.lastProducerId + 1);
        return block;
      } catch (err) {
        const lost = err instanceof ZkError && (err.code === ZkCode.BAD_VERSION || err.code === ZkCode.NODE_EXISTS);
        if (!lost) throw err;
      }
    }
    throw new Error(`${PRODUCER_ID_BLOCK_PATH}: no producer id block claimed after ${MAX_ATTEMPTS} attempts (other brokers kept claiming first)`);
  }
}
