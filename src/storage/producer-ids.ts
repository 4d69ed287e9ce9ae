/**
 * Hands out producer ids for InitProducerId (KIP-98), never the same one twice — across
 * restarts, and across the brokers of a cluster. Ids are taken from blocks of 1000 (Kafka's
 * ProducerIdManager, `PidBlockSize`) reserved durably before any id of the block is given out;
 * a crash skips the rest of a block, never reuses it. Where the blocks come from:
 * - a single broker (a cluster of one): `<log.dir>/producer-id-block` (LocalProducerIdBlocks);
 * - a ZooKeeper cluster: the `/latest_producer_id_block` znode every broker claims its next
 *   block from with a conditional write (src/cluster/zk-producer-id-blocks.ts), as classic
 *   Kafka's ZkProducerIdManager does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';

export const PRODUCER_ID_BLOCK_SIZE = 1000;
const FILE = 'producer-id-block';

/** A reserved range of producer ids, both ends inclusive (Kafka's ProducerIdsBlock). */
export interface ProducerIdBlock {
  firstProducerId: number;
  lastProducerId: number;
}

/** Reserves the next block of producer ids durably; no other caller, now or later, gets ids of it. */
export interface ProducerIdBlockSource {
  /** Errors: whatever keeps the reservation from being durable (fs errors, ZooKeeper errors). */
  reserveBlock(): Promise<ProducerIdBlock>;
}

/** Blocks reserved in `<log.dir>/producer-id-block` (`next.block.start=<id>`): one broker's own range. */
export class LocalProducerIdBlocks implements ProducerIdBlockSource {
  private readonly path: string;

  constructor(logDir: string) {
    this.path = join(logDir, FILE);
  }

  /** Errors: fs errors; a malformed file is an Error naming it. */
  async reserveBlock(): Promise<ProducerIdBlock> {
    const start = this.nextStart();
    this.advanceTo(start + PRODUCER_ID_BLOCK_SIZE);
    return { firstProducerId: start, lastProducerId: start + PRODUCER_ID_BLOCK_SIZE - 1 };
  }

  /** The first id this log dir never handed out (0 without a file). Errors: as reserveBlock. */
  nextStart(): number {
    if (!existsSync(this.path)) return 0;
    const m = /^next\.block\.start=(\d+)$/m.exec(readFileSync(this.path, 'utf8'));
    if (!m) throw new Error(`${this.path}: no next.block.start=<id> line`);
    return Number(m[1]);
  }

  /** Records durably that ids below `next` are reserved or used (never moves back). Errors: fs errors. */
  advanceTo(next: number): void {
    if (next <= this.nextStart()) return;
    writeFileAtomic(this.path, `# producer ids below this are reserved or used\nnext.block.start=${next}\n`);
  }
}

export class ProducerIdManager {
  private next = 0;
  /** One past the last id of the current block (next ≥ end: no ids left). */
  private end = 0;
  private reserving: Promise<void> | null = null;

  constructor(private source: ProducerIdBlockSource) {}

  /**
   * From now on, blocks come from `source` (a broker joining a ZooKeeper cluster); the rest of
   * the current block is dropped, so only ids of the new source's blocks are handed out.
   */
  useSource(source: ProducerIdBlockSource): void {
    this.source = source;
    this.next = this.end = 0;
    this.reserving = null;
  }

  /**
   * The next unused producer id (int64 ≥ 0, within 2^53). Concurrent callers share one
   * block reservation. Errors: the source's (the block could not be reserved durably).
   */
  async nextId(): Promise<number> {
    while (this.next >= this.end) {
      this.reserving ??= this.reserve();
      await this.reserving;
    }
    return this.next++;
  }

  private async reserve(): Promise<void> {
    const source = this.source;
    try {
      const block = await source.reserveBlock();
      if (source !== this.source) return; // switched sources meanwhile: this block is never used
      this.next = block.firstProducerId;
      this.end = block.lastProducerId + 1;
    } finally {
      if (source === this.source) this.reserving = null;
    }
  }
}
