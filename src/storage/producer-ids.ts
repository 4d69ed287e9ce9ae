/**
 * Hands out producer ids for InitProducerId (KIP-98), never the same one twice, across
 * restarts too: ids are reserved in blocks of 1000 (as Kafka's ProducerIdManager takes blocks
 * from the controller), the end of the reserved range is written durably to
 * `<log.dir>/producer-id-block` before any id of the block is given out, and a restart
 * continues after it (a crash skips the rest of a block, never reuses it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';

export const PRODUCER_ID_BLOCK_SIZE = 1000;
const FILE = 'producer-id-block';

export class ProducerIdManager {
  private next: number;
  private blockEnd: number;
  private readonly path: string;

  /** Errors: fs errors reading the block file; a malformed file is an Error naming it. */
  constructor(logDir: string) {
    this.path = join(logDir, FILE);
    let reserved = 0;
    if (existsSync(this.path)) {
      const m = /^next\.block\.start=(\d+)$/m.exec(readFileSync(this.path, 'utf8'));
      if (!m) throw new Error(`${this.path}: no next.block.start=<id> line`);
      reserved = Number(m[1]);
    }
    this.next = reserved;
    this.blockEnd = reserved;
  }

  /** The next unused producer id (int64 ≥ 0). Errors: fs errors reserving a new block. */
  nextId(): number {
    if (this.next >= this.blockEnd) {
      const end = this.next + PRODUCER_ID_BLOCK_SIZE;
      writeFileAtomic(this.path, `# producer ids below this are reserved or used\nnext.block.start=${end}\n`);
      this.blockEnd = end;
    }
    return this.next++;
  }
}
