/**
 * The newest bytes of an active segment, held in shared memory: appends copy a request's
 * batches here once (from the socket's buffer), the engine validates and stamps them in
 * place, the file write and tail fetches read views of the same bytes.
 *
 *   segment .log  ┌──────────────── flushed to the file ──────────────────┐
 *                 0                 startPosition        startPosition + length
 *   tail buffer                     ├────── bytes in memory ─────┤ free … capacity
 *
 * A fetch served from the tail holds a lease until its socket write completes; the tail is
 * reused in place only when no lease is out, otherwise it is retired (freed when its last
 * lease is released) and a fresh region takes its place. So bytes a client is being sent are
 * never overwritten.
 */
import type { SharedMemory } from '../engine/shared-memory.js';

export class TailBuffer {
  readonly ptr: number;
  /** Segment position of the first byte held. */
  startPosition: number;
  /** Bytes held. */
  length = 0;
  private leases = 0;
  private retired = false;

  constructor(
    private readonly memory: SharedMemory,
    readonly capacity: number,
    startPosition: number,
  ) {
    this.ptr = memory.alloc(capacity);
    this.startPosition = startPosition;
  }

  get endPosition(): number {
    return this.startPosition + this.length;
  }

  /** True if segment bytes [position, position + len) are all held here. */
  holds(position: number, len: number): boolean {
    return position >= this.startPosition && position + len <= this.endPosition;
  }

  /** Memory address of a segment position held here. */
  addressOf(position: number): number {
    return this.ptr + (position - this.startPosition);
  }

  /** True if no reader holds a view, so the region may be overwritten. */
  get reusable(): boolean {
    return this.leases === 0;
  }

  /** Empties the buffer so that it continues at `position` (caller checked `reusable`). */
  restartAt(position: number): void {
    this.startPosition = position;
    this.length = 0;
  }

  /** Takes a lease for a view handed to a socket; the returned function ends it (once). */
  lease(): () => void {
    this.leases++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.leases--;
      if (this.retired && this.leases === 0) this.memory.free(this.ptr);
    };
  }

  /** Gives the region back now, or when its last lease ends. */
  retire(): void {
    if (this.retired) return;
    this.retired = true;
    if (this.leases === 0) this.memory.free(this.ptr);
  }
}

/** The first tail buffer of a segment: small, so that thousands of quiet partitions cost little. */
const INITIAL_TAIL_BYTES = 16 * 1024;

const pow2AtLeast = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/**
 * The shared memory every tail buffer of a broker may take together
 * (`gregor.tail.buffers.max.bytes`): a slot that needs a buffer while the total is reached
 * takes it from the least recently appended-to slots, whose buffers are retired (their reads
 * go to the page cache from then on; a buffer a fetch still reads is freed when it is done).
 */
export class TailBudget {
  private used = 0;
  /** Slots holding a buffer, least recently appended-to first (Map insertion order). */
  private readonly slots = new Map<TailSlot, number>();

  constructor(readonly maxBytes: number) {}

  /** Bytes the held buffers take now. */
  get usedBytes(): number {
    return this.used;
  }

  /** Slots holding a buffer now. */
  get slotCount(): number {
    return this.slots.size;
  }

  /** Marks `slot` most recently used. */
  touch(slot: TailSlot): void {
    const bytes = this.slots.get(slot);
    if (bytes === undefined) return;
    this.slots.delete(slot);
    this.slots.set(slot, bytes);
  }

  /** Accounts `bytes` for `slot`'s new buffer, first retiring the least recently used others' as needed. */
  reserve(slot: TailSlot, bytes: number): void {
    for (const [other] of this.slots) {
      if (this.used + bytes <= this.maxBytes) break;
      if (other !== slot) other.drop();
    }
    this.used += bytes;
    this.slots.set(slot, bytes);
  }

  /** Gives back `slot`'s buffer. */
  release(slot: TailSlot): void {
    const bytes = this.slots.get(slot);
    if (bytes === undefined) return;
    this.used -= bytes;
    this.slots.delete(slot);
  }
}

/**
 * An active segment's current tail buffer and when it is replaced: kept while appends
 * continue at its end and fit; when full, replaced by one twice its size (up to the
 * capacity), so a busy partition's buffer grows to the capacity and a quiet one's stays at
 * 16 KiB; reused in place (restarted) when no reader holds a view and it is big enough;
 * otherwise retired and a fresh one allocated, within the broker's {@link TailBudget}. An
 * append larger than the capacity gets no tail (a temporary region), and the next append
 * starts a new one after it.
 */
export class TailSlot {
  /** The tail buffer now, or null (none yet, dropped, or the segment is sealed). */
  current: TailBuffer | null = null;

  constructor(
    private readonly memory: SharedMemory,
    /** Largest tail buffer, bytes. */
    private readonly capacity: number,
    /** The broker-wide bound on tail buffers (none: unbounded). */
    private readonly budget: TailBudget | null = null,
  ) {}

  /** The tail buffer to append `len` bytes to at segment position `size` (the end); null if `len` exceeds the capacity. */
  for(len: number, size: number): TailBuffer | null {
    if (len > this.capacity) {
      this.drop();
      return null;
    }
    const tail = this.current;
    this.budget?.touch(this);
    if (tail && tail.endPosition === size && tail.length + len <= tail.capacity) return tail;
    const full = tail !== null && tail.endPosition === size;
    const wanted = Math.min(this.capacity, Math.max(pow2AtLeast(len), full ? tail.capacity * 2 : tail?.capacity ?? INITIAL_TAIL_BYTES));
    if (tail && tail.reusable && tail.capacity >= wanted) {
      tail.restartAt(size);
      return tail;
    }
    this.drop();
    this.budget?.reserve(this, wanted);
    this.current = new TailBuffer(this.memory, wanted, size);
    return this.current;
  }

  /** Retires the tail buffer (freed when its last reader is done). */
  drop(): void {
    if (!this.current) return;
    this.current.retire();
    this.current = null;
    this.budget?.release(this);
  }
}
