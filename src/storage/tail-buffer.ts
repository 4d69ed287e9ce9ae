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

/**
 * An active segment's current tail buffer and when it is replaced: kept while appends
 * continue at its end and fit; reused in place (restarted) when no reader holds a view;
 * otherwise retired and a fresh one allocated. An append larger than the capacity gets no
 * tail (a temporary region), and the next append starts a new one after it.
 */
export class TailSlot {
  /** The tail buffer now, or null (none yet, dropped, or the segment is sealed). */
  current: TailBuffer | null = null;

  constructor(
    private readonly memory: SharedMemory,
    /** Bytes of shared memory per tail buffer. */
    private readonly capacity: number,
  ) {}

  /** The tail buffer to append `len` bytes to at segment position `size` (the end); null if `len` exceeds the capacity. */
  for(len: number, size: number): TailBuffer | null {
    if (len > this.capacity) {
      this.drop();
      return null;
    }
    let tail = this.current;
    if (tail && tail.endPosition === size && tail.length + len <= tail.capacity) return tail;
    if (tail && tail.reusable) {
      tail.restartAt(size);
      return tail;
    }
    tail?.retire();
    tail = new TailBuffer(this.memory, this.capacity, size);
    this.current = tail;
    return tail;
  }

  /** Retires the tail buffer (freed when its last reader is done). */
  drop(): void {
    this.current?.retire();
    this.current = null;
  }
}
