/**
 * Reading a segment's batches (Kafka LogSegment.read / translateOffset, FileRecords.batchesFrom):
 * batch headers are scanned from a position, from the tail buffer in shared memory where it
 * holds the bytes and from 64 KiB windows of the `.log` file elsewhere; a fetch gets whole
 * batches, as a leased view of the tail buffer when it holds them all or as a file read.
 */
import { readSync } from 'node:fs';
import type { SharedMemory } from '../engine/shared-memory.js';
import { acquireFrameBuffer, releaseFrameBuffer } from '../network/frame-pool.js';
import { type BatchHeader, RECORD_BATCH_OVERHEAD, readBatchHeader } from './batch-header.js';
import type { TailBuffer } from './tail-buffer.js';

/** Largest window read from the file per step of a header scan, in bytes. */
const SCAN_WINDOW_BYTES = 64 * 1024;
/**
 * The first window of a scan, in bytes: a fetch's offset lookup starts at the offset index's
 * entry (at most `index.interval.bytes`, 4 KiB by default, before the batch), and with large
 * batches every step of a scan needs one header, so a 64 KiB read per header mostly read
 * bytes nobody looked at (a follower's fetch: 64 KiB read per ~61-byte header). Windows
 * double up to {@link SCAN_WINDOW_BYTES} while a scan keeps finding headers in them.
 */
const FIRST_SCAN_WINDOW_BYTES = 4 * 1024;

/** Where a segment's bytes are: its `.log` file and, for its newest bytes, a tail buffer. */
export interface SegmentBytes {
  /** The `.log` file's descriptor. */
  readonly fd: number;
  readonly memory: SharedMemory;
  /** The tail buffer now (it changes as the segment is appended to). */
  tail(): TailBuffer | null;
}

/** Bytes of a fetch: a view (of shared memory, with a lease) or a buffer read from the file. */
export interface SegmentSlice {
  bytes: Uint8Array;
  /**
   * Ends the lease on the tail buffer, if the view is of one, or gives a recycled read
   * buffer back ({@link readBatches} `forSocket`); call after the socket write, and hold no
   * view of `bytes` after it.
   */
  release?: () => void;
}

/**
 * Scans batch headers from `position` to `endPosition` (the segment's size, or less).
 * Stops at a header that does not fit (a torn tail is only ever cut by recovery).
 */
export function* batchHeadersFrom(source: SegmentBytes, position: number, endPosition: number): Generator<BatchHeader> {
  let window: Uint8Array = new Uint8Array(0);
  let windowStart = 0;
  let windowBytes = FIRST_SCAN_WINDOW_BYTES;
  /** Headers read from the current window. */
  let inWindow = 0;
  while (position + RECORD_BATCH_OVERHEAD <= endPosition) {
    const tail = source.tail();
    let header: BatchHeader;
    if (tail && tail.holds(position, RECORD_BATCH_OVERHEAD)) {
      header = readBatchHeader(source.memory.bytes, tail.addressOf(position), position);
    } else {
      if (position < windowStart || position + RECORD_BATCH_OVERHEAD > windowStart + window.byteLength) {
        // Several headers in the last window: small batches, read more at once next time.
        if (inWindow > 1) windowBytes = Math.min(SCAN_WINDOW_BYTES, windowBytes * 2);
        inWindow = 0;
        const len = Math.min(windowBytes, endPosition - position);
        window = Buffer.allocUnsafe(len);
        windowStart = position;
        const n = readSync(source.fd, window, 0, len, position);
        if (n < RECORD_BATCH_OVERHEAD) return;
      }
      header = readBatchHeader(window, position - windowStart, position);
      inWindow++;
    }
    if (header.sizeInBytes < RECORD_BATCH_OVERHEAD || position + header.sizeInBytes > endPosition) return;
    yield header;
    position += header.sizeInBytes;
  }
}

/**
 * Bytes of whole batches from `first`, at most `maxBytes` but at least the first batch whole
 * (KIP-74), within the segment's `size` bytes. A view of the tail buffer (leased) when it
 * holds them all, else a read of the file.
 *
 * `forSocket`: the caller only writes the bytes to a socket and calls `release` after the
 * write (a Fetch response). A read of the file then lands in a recycled buffer (frame-pool.ts)
 * that `release` gives back — a fresh megabyte per follower fetch cost page faults and
 * garbage collections — and is one read of the whole range, whose batch headers are then
 * walked in memory, instead of a header scan of 64 KiB reads followed by the read of the
 * bytes (readBatchesFromFile).
 */
export function readBatches(source: SegmentBytes, first: BatchHeader, maxBytes: number, size: number, forSocket = false): SegmentSlice {
  if (forSocket) {
    const tail = source.tail();
    if (!tail || !tail.holds(first.position, first.sizeInBytes)) return readBatchesFromFile(source.fd, first, maxBytes, size);
  }
  let end = first.position + first.sizeInBytes;
  const limit = first.position + Math.max(maxBytes, first.sizeInBytes);
  for (const batch of batchHeadersFrom(source, end, Math.min(size, limit))) end = batch.position + batch.sizeInBytes;
  const len = end - first.position;
  const tail = source.tail();
  if (tail && tail.holds(first.position, len)) {
    return { bytes: source.memory.view(tail.addressOf(first.position), len), release: tail.lease() };
  }
  const bytes = Buffer.allocUnsafe(len);
  readSync(source.fd, bytes, 0, len, first.position);
  return { bytes };
}

/**
 * {@link readBatches} from the file in one read into a recycled buffer: the bytes from
 * `first` up to `maxBytes` (at least the first batch), cut after the last whole batch.
 * The slice's `release` gives the buffer back for reuse.
 */
export function readBatchesFromFile(fd: number, first: BatchHeader, maxBytes: number, size: number): SegmentSlice {
  const want = Math.min(size, first.position + Math.max(maxBytes, first.sizeInBytes)) - first.position;
  const buffer = acquireFrameBuffer(want);
  const got = readSync(fd, buffer, 0, want, first.position);
  let end = Math.min(first.sizeInBytes, got);
  while (end + RECORD_BATCH_OVERHEAD <= got) {
    const header = readBatchHeader(buffer, end, first.position + end);
    if (header.sizeInBytes < RECORD_BATCH_OVERHEAD || end + header.sizeInBytes > got) break;
    end += header.sizeInBytes;
  }
  return { bytes: buffer.subarray(0, end), release: () => releaseFrameBuffer(buffer) };
}
