/**
 * Frames read straight into buffers we choose (direct-frame-reader.ts + socket-reads.ts):
 * every way a byte stream can be cut into reads gives back the same frames, large frames land
 * in pooled buffers, connections sharing the scratch buffer stay apart, sizes outside the
 * limit are refused; and over a real accepted TCP socket
 * the switch to user-buffer reads takes effect, with pause/resume and the end of the stream
 * working as with 'data' events.
 */
import fc from 'fast-check';
import { once } from 'node:events';
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DirectFrameReader, SCRATCH_BYTES } from '../../src/network/direct-frame-reader.js';
import { isPooledFrame, releaseFrameBuffer } from '../../src/network/frame-pool.js';
import { FrameTooLargeError } from '../../src/network/frame-reader.js';
import { readIntoBuffers } from '../../src/network/socket-reads.js';

function framed(bodies: Buffer[]): Buffer {
  return Buffer.concat(
    bodies.flatMap((b) => {
      const size = Buffer.alloc(4);
      size.writeInt32BE(b.length);
      return [size, b];
    }),
  );
}

function body(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (seed * 31 + i * 7) & 0xff;
  return b;
}

/** Feeds `stream` as a socket would: each read fills at most `cuts[i]` bytes of nextBuffer(). */
function readAll(reader: DirectFrameReader, stream: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (let i = 0; at < stream.length; i++) {
    const target = reader.nextBuffer();
    const n = Math.min(target.length, stream.length - at, cuts[i % cuts.length]!);
    stream.copy(target, 0, at, at + n);
    at += n;
    out.push(...reader.onRead(n).map((f) => Buffer.from(f)));
  }
  return out;
}

describe('DirectFrameReader', () => {
  it('gives back the frames whatever the reads cut, and pools the large ones', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: SCRATCH_BYTES - 10, max: 3 * SCRATCH_BYTES })), { minLength: 1, maxLength: 6 }),
        fc.array(fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 9, max: 2 * SCRATCH_BYTES })), { minLength: 1, maxLength: 8 }),
        (sizes, cuts) => {
          const bodies = sizes.map((s, i) => body(s, i));
          const reader = new DirectFrameReader(10 * SCRATCH_BYTES);
          // (one long read among the cuts keeps the number of reads small)
          const frames = readAll(reader, framed(bodies), [...cuts, SCRATCH_BYTES]);
          expect(frames.length).toBe(bodies.length);
          frames.forEach((f, i) => expect(Buffer.compare(f, bodies[i]!)).toBe(0));
        },
      ),
      { numRuns: 40 },
    );
    const reader = new DirectFrameReader(1 << 20);
    const big = body(200_000, 1);
    const stream = framed([big, body(10, 2)]);
    reader.nextBuffer().set(stream.subarray(0, SCRATCH_BYTES));
    expect(reader.onRead(SCRATCH_BYTES)).toEqual([]);
    // The rest of the large frame is read into the frame itself.
    const into = reader.nextBuffer();
    expect(into.length).toBe(200_000 + 4 - SCRATCH_BYTES);
    into.set(stream.subarray(SCRATCH_BYTES, 200_004));
    const [frame] = reader.onRead(into.length);
    expect(isPooledFrame(frame!)).toBe(true);
    expect(Buffer.compare(frame!, big)).toBe(0);
    releaseFrameBuffer(frame!);
    expect(isPooledFrame(frame!)).toBe(false);
  });

  it('keeps connections apart though they share one scratch buffer', () => {
    const streams = [framed([body(3, 1), body(100_000, 2), body(7, 3)]), framed([body(70_000, 4), body(1, 5), body(2, 6)])];
    const readers = streams.map(() => new DirectFrameReader(1 << 20));
    const got: Buffer[][] = [[], []];
    const at = [0, 0];
    // Reads alternate between the two connections, 1,000 bytes at most each.
    for (let turn = 0; at[0]! < streams[0]!.length || at[1]! < streams[1]!.length; turn++) {
      const i = turn % 2;
      if (at[i]! >= streams[i]!.length) continue;
      const target = readers[i]!.nextBuffer();
      const n = Math.min(1000, target.length, streams[i]!.length - at[i]!);
      streams[i]!.copy(target, 0, at[i]!, at[i]! + n);
      at[i]! += n;
      got[i]!.push(...readers[i]!.onRead(n).map((f) => Buffer.from(f)));
    }
    expect(got[0]!.map((f) => f.length)).toEqual([3, 100_000, 7]);
    expect(got[1]!.map((f) => f.length)).toEqual([70_000, 1, 2]);
    expect(Buffer.compare(got[0]![1]!, body(100_000, 2))).toBe(0);
    expect(Buffer.compare(got[1]![0]!, body(70_000, 4))).toBe(0);
    expect(Buffer.compare(got[1]![2]!, body(2, 6))).toBe(0);
  });

  it('refuses a declared size outside [0, max] before allocating it', () => {
    const reader = new DirectFrameReader(1000, 'sasl.server.max.receive.size');
    const target = reader.nextBuffer();
    target.writeInt32BE(0x7fffffff, 0);
    expect(() => reader.onRead(4)).toThrow(FrameTooLargeError);
    const negative = new DirectFrameReader(1000);
    negative.nextBuffer().writeInt32BE(-5, 0);
    expect(() => negative.onRead(4)).toThrow(/outside \[0, socket.request.max.bytes=1000\]/);
  });

  it('reads an accepted TCP socket into its buffers, through pause/resume, to the end', async () => {
    const frames: Buffer[] = [];
    let direct = false;
    let serverSide: Socket | null = null;
    const ended = new Promise<void>((resolve) => {
      const server = createServer((socket) => {
        serverSide = socket;
        const reader = new DirectFrameReader(1 << 24);
        direct = readIntoBuffers(socket, () => reader.nextBuffer(), (n) => frames.push(...reader.onRead(n)));
        socket.on('end', () => {
          socket.end();
          server.close();
          resolve();
        });
      });
      server.listen(0, '127.0.0.1', async () => {
        const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
        await once(client, 'connect');
        client.write(framed([body(5, 1), body(1_000_000, 2)]));
        while (!serverSide) await new Promise((r) => setTimeout(r, 5));
        await new Promise((r) => setTimeout(r, 50));
        serverSide.pause();
        const before = frames.length;
        client.write(framed([body(70_000, 3)]));
        await new Promise((r) => setTimeout(r, 100));
        expect(frames.length).toBe(before);
        serverSide.resume();
        client.end(framed([body(0, 4)]));
      });
    });
    await ended;
    expect(direct).toBe(true);
    expect(frames.map((f) => f.length)).toEqual([5, 1_000_000, 70_000, 0]);
    expect(Buffer.compare(frames[1]!, body(1_000_000, 2))).toBe(0);
  });
});
