/**
 * The record-batch compression codecs (attributes bits 0-2), for the cleaner, which must
 * open compressed batches to compact them and close them again with the same codec, and for
 * the leader's recompression to a topic's `compression.type` (storage/leader-records.ts):
 *
 *   1 gzip    node:zlib
 *   2 snappy  snappyjs (pure JS), in the xerial framing Java clients write and read; raw
 *             Snappy (as some clients send) is read too
 *   3 lz4     lz4js (pure JS), LZ4 frame format (Kafka's since KIP-57)
 *   4 zstd    fzstd (pure JS) to decompress — any frame, sizes known or not — and
 *             @bokuweb/zstd-wasm (WASM) to compress
 *
 * Well-kept packages without install scripts, as the project prefers to own code.
 * Errors: KafkaError CORRUPT_MESSAGE for data a codec cannot read;
 * UNSUPPORTED_COMPRESSION_TYPE for codec numbers above 4.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import zstdWasm from '@bokuweb/zstd-wasm';
import { decompress as zstdDecompress } from 'fzstd';
import lz4 from 'lz4js';
import snappy from 'snappyjs';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';

export const Codec = { NONE: 0, GZIP: 1, SNAPPY: 2, LZ4: 3, ZSTD: 4 } as const;

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
/** Uncompressed bytes per xerial block (xerial SnappyOutputStream's default). */
const XERIAL_BLOCK_BYTES = 32 * 1024;
const ZSTD_LEVEL = 3;

let zstdReady: Promise<void> | null = null;

/** Loads the zstd WASM module (once); call before compress(ZSTD). */
export function initCodecs(): Promise<void> {
  zstdReady ??= zstdWasm.init();
  return zstdReady;
}

function snappyDecompress(bytes: Uint8Array): Uint8Array {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < XERIAL_HEADER_BYTES || !b.subarray(0, 8).equals(XERIAL_MAGIC)) return snappy.uncompress(b);
  const parts: Uint8Array[] = [];
  let pos = XERIAL_HEADER_BYTES;
  while (pos + 4 <= b.length) {
    const len = b.readInt32BE(pos);
    pos += 4;
    if (len < 0 || pos + len > b.length) throw new Error('xerial block runs past the data');
    parts.push(snappy.uncompress(b.subarray(pos, pos + len)));
    pos += len;
  }
  return Buffer.concat(parts);
}

function snappyCompress(bytes: Uint8Array): Uint8Array {
  const header = Buffer.alloc(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  const parts: Uint8Array[] = [header];
  for (let at = 0; at < bytes.byteLength; at += XERIAL_BLOCK_BYTES) {
    const block = snappy.compress(bytes.subarray(at, Math.min(at + XERIAL_BLOCK_BYTES, bytes.byteLength)));
    const len = Buffer.alloc(4);
    len.writeInt32BE(block.byteLength, 0);
    parts.push(len, block);
  }
  return Buffer.concat(parts);
}

/** The records section of a batch compressed with `codec`, decompressed. */
export function decompress(codec: number, bytes: Uint8Array): Uint8Array {
  try {
    switch (codec) {
      case Codec.NONE:
        return bytes;
      case Codec.GZIP:
        return gunzipSync(bytes);
      case Codec.SNAPPY:
        return snappyDecompress(bytes);
      case Codec.LZ4:
        return lz4.decompress(bytes);
      case Codec.ZSTD:
        return zstdDecompress(bytes);
    }
  } catch (err) {
    throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `cannot decompress a batch with codec ${codec}: ${(err as Error).message}`);
  }
  throw new KafkaError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `compression codec ${codec} is not defined`);
}

/**
 * `bytes` compressed with `codec` (initCodecs() must have resolved for zstd), at `level` for
 * gzip (-1: zlib's default, 1..9) and zstd (default 3); other codecs have one level here.
 */
export function compress(codec: number, bytes: Uint8Array, level?: number): Uint8Array {
  switch (codec) {
    case Codec.NONE:
      return bytes;
    case Codec.GZIP:
      return gzipSync(bytes, level === undefined ? undefined : { level });
    case Codec.SNAPPY:
      return snappyCompress(bytes);
    case Codec.LZ4:
      return lz4.compress(bytes);
    case Codec.ZSTD:
      if (!zstdReady) throw new Error('initCodecs() was not awaited before zstd compression');
      return zstdWasm.compress(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), level ?? ZSTD_LEVEL);
  }
  throw new KafkaError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `compression codec ${codec} is not defined`);
}
