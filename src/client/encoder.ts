/**
 * Client-side record-batch encoding: the producer turns records into record batches v2
 * with the engine (the WASM core where it loads, its TypeScript twin otherwise), so the
 * broker appends them without re-encoding. Where no shared WebAssembly memory exists at
 * all (some browsers on pages that are not cross-origin isolated), the encoder is `broker`:
 * records travel as MessagePack and the broker encodes them.
 */
import type { EncodeBatchOptions, RecordInput } from '../engine/engine.js';
import type { CoreEngine } from '../engine/engine-impl.js';

export type EncoderKind = 'wasm' | 'js' | 'broker';

export interface BatchEncoder {
  readonly kind: EncoderKind;
  /** The engine (wasm and js kinds): producers write batches straight into its memory (batch-writer.ts). */
  readonly engine: CoreEngine | null;
  /** A record batch v2 (uncompressed, CRC-32C set), or null for the `broker` kind. */
  encode(records: RecordInput[], options?: EncodeBatchOptions): Uint8Array | null;
  /** CRC-32C of `bytes` (unsigned), or null when the encoder has no engine. */
  crc32c(bytes: Uint8Array): number | null;
}

/** An encoder over an engine: encode via encodeRecordBatch; CRC by copying into its memory. */
export function engineEncoder(engine: CoreEngine): BatchEncoder {
  let scratch = 0;
  let scratchSize = 0;
  return {
    kind: engine.kind,
    engine,
    encode: (records, options) => engine.encodeRecordBatch(records, options),
    crc32c(bytes) {
      if (bytes.byteLength > scratchSize) {
        if (scratch !== 0) engine.memory.free(scratch);
        scratchSize = Math.max(64 * 1024, bytes.byteLength);
        scratch = engine.memory.alloc(scratchSize);
      }
      engine.memory.bytes.set(bytes, scratch);
      return engine.crc32c(scratch, bytes.byteLength);
    },
  };
}

/** The fallback: the broker encodes (produce `records` form); no CRC checks on consume. */
export const brokerEncoder: BatchEncoder = {
  kind: 'broker',
  engine: null,
  encode: () => null,
  crc32c: () => null,
};
