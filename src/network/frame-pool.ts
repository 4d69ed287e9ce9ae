/**
 * Recycled buffers for request frames of 4 KiB and more (a produce request of ~1 MB comes in
 * ~16 socket reads of 64 KiB and is gathered into one buffer; smaller ones come from Node's
 * own 8 KiB slab).
 *
 * Why: a fresh buffer of a megabyte is memory the kernel maps in page by page on first touch
 * and unmaps when the buffer is collected; on the 2-core benchmark VM that cost 1.4–5 ms per
 * MB — more than everything else on the ingest path — while copying into a buffer already
 * touched costs ~0.05 ms per MB (bench/README.md, "Profile of the ingest path"). Large
 * external buffers also drive V8's garbage collections.
 *
 * Buffers of 4 KiB and more are each an allocation of their own, whose release V8 counts as
 * external memory: at tens of thousands of requests a second they set off garbage
 * collections of their own.
 *
 * Buffers come in power-of-two classes from 4 KiB to 16 MiB; at most
 * {@link MAX_FREE_PER_CLASS} of each class and {@link MAX_POOLED_BYTES} in all wait in the
 * pool (a broker that stops producing keeps at most that much). Larger frames are allocated
 * as before. A buffer is handed out by {@link acquireFrameBuffer} and comes back only through
 * {@link releaseFrameBuffer}, called once nothing refers to the frame any more (see
 * connection.ts); a buffer never released is simply garbage-collected.
 */

const MIN_CLASS_SHIFT = 12; // 4 KiB
const MAX_CLASS_SHIFT = 24; // 16 MiB
/** Free buffers kept per size class. */
export const MAX_FREE_PER_CLASS = 8;
/** Bytes kept in the pool in all. */
export const MAX_POOLED_BYTES = 32 * 1024 * 1024;

const free: ArrayBuffer[][] = Array.from({ length: MAX_CLASS_SHIFT - MIN_CLASS_SHIFT + 1 }, () => []);
/** Buffers handed out and not yet released (so a release is honoured once, and only for ours). */
const outstanding = new WeakSet<ArrayBuffer>();
let pooledBytes = 0;

function classShift(bytes: number): number {
  return Math.max(MIN_CLASS_SHIFT, 32 - Math.clz32(bytes - 1));
}

/** The smallest frame pooled, bytes: smaller ones come from Node's own 8 KiB slab. */
export const MIN_POOLED_FRAME_BYTES = 1 << MIN_CLASS_SHIFT;

/**
 * A Buffer of exactly `bytes` (uninitialised), over a recycled region when `bytes` is in
 * [4 KiB, 16 MiB], else freshly allocated.
 */
export function acquireFrameBuffer(bytes: number): Buffer {
  if (bytes < MIN_POOLED_FRAME_BYTES || bytes > 1 << MAX_CLASS_SHIFT) return Buffer.allocUnsafe(bytes);
  const shift = classShift(bytes);
  const list = free[shift - MIN_CLASS_SHIFT]!;
  let region = list.pop();
  if (region) pooledBytes -= region.byteLength;
  else region = new ArrayBuffer(1 << shift);
  outstanding.add(region);
  return Buffer.from(region, 0, bytes);
}

/** True if `frame` is a view of a buffer from {@link acquireFrameBuffer} not yet released. */
export function isPooledFrame(frame: Uint8Array): boolean {
  return outstanding.has(frame.buffer as ArrayBuffer);
}

/**
 * Gives the buffer under `frame` back for reuse, if it came from {@link acquireFrameBuffer}
 * and was not released yet (else nothing happens). The caller must hold no view of it after.
 */
export function releaseFrameBuffer(frame: Uint8Array): void {
  const region = frame.buffer as ArrayBuffer;
  if (!outstanding.has(region)) return;
  outstanding.delete(region);
  const list = free[classShift(region.byteLength) - MIN_CLASS_SHIFT]!;
  if (list.length >= MAX_FREE_PER_CLASS || pooledBytes + region.byteLength > MAX_POOLED_BYTES) return;
  list.push(region);
  pooledBytes += region.byteLength;
}
