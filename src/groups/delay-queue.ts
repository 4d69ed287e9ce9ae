/**
 * A delay queue for the group coordinator's timers (member session expiry, pending-member
 * expiry, rebalance and sync deadlines, the initial rebalance delay): one binary min-heap of
 * deadlines and ONE Node timer armed for the earliest, as Kafka's purgatory drives its
 * DelayedOperations from a single timing wheel thread. Thousands of members cost one heap
 * entry each, never a per-member interval.
 *
 * Rescheduling a key (every heartbeat does) replaces its deadline in O(log n): the old entry
 * is left in the heap and skipped when it surfaces (lazy deletion, checked by a per-key
 * sequence number); the heap is rebuilt when stale entries outnumber live ones.
 * Units: deadlines and delays in ms (Date.now() clock).
 */
interface Entry {
  deadline: number;
  key: string;
  seq: number;
}

export class DelayQueue {
  private heap: Entry[] = [];
  /** key → the live entry's sequence number and callback. */
  private readonly live = new Map<string, { seq: number; deadline: number; run: () => void }>();
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Infinity;
  private closed = false;

  constructor(private readonly now: () => number = Date.now) {}

  /** Live timers (for metrics and tests). */
  get size(): number {
    return this.live.size;
  }

  /** Runs `run` once at `now + delayMs`, replacing any timer already under `key`. */
  schedule(key: string, delayMs: number, run: () => void): void {
    if (this.closed) return;
    const deadline = this.now() + Math.max(0, delayMs);
    const seq = ++this.seq;
    this.live.set(key, { seq, deadline, run });
    this.push({ deadline, key, seq });
    if (this.heap.length > 64 && this.heap.length > 2 * this.live.size) this.rebuild();
    this.arm();
  }

  /** Cancels the timer under `key`, if any. */
  cancel(key: string): void {
    this.live.delete(key);
  }

  /** True if a timer is pending under `key`. */
  has(key: string): boolean {
    return this.live.has(key);
  }

  /** Cancels everything and disarms (shutdown). */
  close(): void {
    this.closed = true;
    this.live.clear();
    this.heap = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Runs every timer whose deadline has passed, in deadline order. */
  private fire(): void {
    this.timer = null;
    this.armedFor = Infinity;
    const now = this.now();
    while (this.heap.length > 0 && this.heap[0]!.deadline <= now) {
      const entry = this.pop();
      const current = this.live.get(entry.key);
      if (!current || current.seq !== entry.seq) continue;
      this.live.delete(entry.key);
      current.run();
    }
    this.arm();
  }

  /** Arms the single timer for the earliest live deadline. */
  private arm(): void {
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      const current = this.live.get(top.key);
      if (current && current.seq === top.seq) break;
      this.pop();
    }
    if (this.heap.length === 0) return;
    const deadline = this.heap[0]!.deadline;
    if (this.timer && deadline >= this.armedFor) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = deadline;
    this.timer = setTimeout(() => this.fire(), Math.max(0, deadline - this.now()));
    this.timer.unref();
  }

  private rebuild(): void {
    this.heap = [...this.live.entries()].map(([key, v]) => ({ key, seq: v.seq, deadline: v.deadline }));
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.deadline <= entry.deadline) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): Entry {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const entry = heap[i]!;
    const n = heap.length;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap[child + 1]!.deadline < heap[child]!.deadline) child++;
      if (heap[child]!.deadline >= entry.deadline) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = entry;
  }
}
