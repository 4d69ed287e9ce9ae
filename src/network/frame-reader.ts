/**
 * Splits a TCP byte stream into Kafka request frames: `Size int32` then `Size` bytes
 * (protocol guide, "Common Request and Response Structure").
 *
 * A declared size below 0 or above `socket.request.max.bytes` is refused before any buffer
 * of that size is allocated (Kafka's InvalidReceiveException). A frame that arrived in one
 * chunk is handed on as a view of that chunk (no copy); one split across chunks is joined
 * into a buffer from frame-pool.ts, which the connection releases once the request is done.
 */
import { acquireFrameBuffer } from './frame-pool.js';

export const SIZE_PREFIX_BYTES = 4;

export class FrameTooLargeError extends Error {
  constructor(
    readonly declaredSize: number,
    readonly maxBytes: number,
    limitName = 'socket.request.max.bytes',
  ) {
    super(`declared request size ${declaredSize} is outside [0, ${limitName}=${maxBytes}]`);
    this.name = 'FrameTooLargeError';
  }
}

export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /**
   * Largest declared size accepted (bytes). A connection raises it from
   * `sasl.server.max.receive.size` to `socket.request.max.bytes` once authenticated.
   */
  constructor(
    public maxFrameBytes: number,
    /** The property that sets the limit, for the error message. */
    public limitName = 'socket.request.max.bytes',
  ) {}

  /** Bytes received but not yet part of a complete frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Adds received bytes and returns every complete frame (without its size prefix).
   * Errors: FrameTooLargeError for a declared size outside [0, maxFrameBytes].
   */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
    const frames: Buffer[] = [];
    while (this.buffered >= SIZE_PREFIX_BYTES) {
      const size = this.peekSize();
      if (size < 0 || size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes, this.limitName);
      if (this.buffered < SIZE_PREFIX_BYTES + size) break;
      frames.push(this.take(SIZE_PREFIX_BYTES + size).subarray(SIZE_PREFIX_BYTES));
    }
    return frames;
  }

  private peekSize(): number {
    const first = this.chunks[0]!;
    if (first.byteLength >= SIZE_PREFIX_BYTES) return first.readInt32BE(0);
    return this.take(SIZE_PREFIX_BYTES, true).readInt32BE(0);
  }

  /** Removes `n` bytes from the front (or only reads them when `peek`). */
  private take(n: number, peek = false): Buffer {
    const first = this.chunks[0]!;
    if (first.byteLength >= n) {
      if (peek) return first;
      const out = first.subarray(0, n);
      if (first.byteLength === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = peek ? Buffer.allocUnsafe(n) : acquireFrameBuffer(n);
    let copied = 0;
    let i = 0;
    while (copied < n) {
      const chunk = this.chunks[i]!;
      const part = Math.min(chunk.byteLength, n - copied);
      chunk.copy(out, copied, 0, part);
      copied += part;
      if (!peek) {
        if (part === chunk.byteLength) {
          this.chunks.shift();
          continue;
        }
        this.chunks[0] = chunk.subarray(part);
      }
      i++;
    }
    if (!peek) this.buffered -= n;
    return out;
  }
}
