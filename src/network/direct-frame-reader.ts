/**
 * Splits a TCP byte stream into Kafka request frames (`Size int32` then `Size` bytes, protocol
 * guide "Common Request and Response Structure") while choosing where the kernel puts the
 * bytes: the socket reads into {@link DirectFrameReader.nextBuffer}, which is either one
 * reused 64 KiB scratch buffer (between frames: size prefixes, small requests) or the rest of
 * the frame being received, so the body of a large request (a produce of a megabyte) goes
 * from the socket straight into its own buffer — no per-read allocation, no join copy.
 *
 * Every frame returned is the caller's: a fresh buffer, or for 4 KiB and more one from
 * frame-pool.ts (release it with releaseFrameBuffer when done). A declared size below 0 or
 * above `maxFrameBytes` is refused before anything of that size is allocated
 * (FrameTooLargeError, Kafka's InvalidReceiveException).
 * Used with user-buffer socket reads (socket-reads.ts); FrameReader serves other sockets.
 */
import { acquireFrameBuffer } from './frame-pool.js';
import { FrameTooLargeError, SIZE_PREFIX_BYTES } from './frame-reader.js';

/** Bytes of the scratch buffer the socket reads into between frames. */
export const SCRATCH_BYTES = 64 * 1024;
const SHARED_SCRATCH = Buffer.allocUnsafe(SCRATCH_BYTES);

export class DirectFrameReader {
  private readonly scratch = SHARED_SCRATCH;
  private readonly sizePrefix = Buffer.allocUnsafe(SIZE_PREFIX_BYTES);
  private sizePrefixBytes = 0;
  /** The frame being received (its body, without the size prefix), or null between frames. */
  private frame: Buffer | null = null;
  private filled = 0;
  /** The buffer handed out by the last nextBuffer() call. */
  private lent: Buffer;

  /**
   * `maxFrameBytes`: largest declared size accepted (a connection raises it from
   * `sasl.server.max.receive.size` to `socket.request.max.bytes` once authenticated).
   */
  constructor(
    public maxFrameBytes: number,
    /** The property that sets the limit, for the error message. */
    public limitName = 'socket.request.max.bytes',
  ) {
    this.lent = this.scratch;
  }

  /** Where the next socket read should put its bytes (valid until {@link onRead}). */
  nextBuffer(): Buffer {
    this.lent = this.frame ? this.frame.subarray(this.filled) : this.scratch;
    return this.lent;
  }

  /**
   * The socket read `n` bytes into the buffer of the last {@link nextBuffer} call; returns
   * every frame now complete, in order. Errors: FrameTooLargeError.
   */
  onRead(n: number): Buffer[] {
    const frames: Buffer[] = [];
    if (this.lent !== this.scratch) {
      this.filled += n;
      this.completeFrame(frames);
      return frames;
    }
    const src = this.scratch;
    let at = 0;
    while (at < n) {
      if (this.frame) {
        const take = Math.min(n - at, this.frame.byteLength - this.filled);
        src.copy(this.frame, this.filled, at, at + take);
        this.filled += take;
        at += take;
        this.completeFrame(frames);
        continue;
      }
      if (this.sizePrefixBytes === 0 && n - at >= SIZE_PREFIX_BYTES) {
        this.startFrame(src.readInt32BE(at), frames);
        at += SIZE_PREFIX_BYTES;
        continue;
      }
      const take = Math.min(n - at, SIZE_PREFIX_BYTES - this.sizePrefixBytes);
      src.copy(this.sizePrefix, this.sizePrefixBytes, at, at + take);
      this.sizePrefixBytes += take;
      at += take;
      if (this.sizePrefixBytes === SIZE_PREFIX_BYTES) {
        this.sizePrefixBytes = 0;
        this.startFrame(this.sizePrefix.readInt32BE(0), frames);
      }
    }
    return frames;
  }

  private startFrame(size: number, frames: Buffer[]): void {
    if (size < 0 || size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes, this.limitName);
    this.frame = acquireFrameBuffer(size);
    this.filled = 0;
    this.completeFrame(frames);
  }

  private completeFrame(frames: Buffer[]): void {
    if (!this.frame || this.filled < this.frame.byteLength) return;
    frames.push(this.frame);
    this.frame = null;
    this.filled = 0;
  }
}
