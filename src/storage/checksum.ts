/**
 * CRC-32C (Castagnoli, RFC 3720) of bytes that live outside shared memory — a batch fetched
 * from the leader, a batch the cleaner rebuilt, a producer snapshot — by the engine, which
 * computes over shared memory: the bytes are copied into a temporary region first.
 */
import type { Engine } from '../engine/engine.js';

/** The unsigned CRC-32C of `bytes` (0 for none). */
export function crc32cOf(engine: Engine, bytes: Uint8Array): number {
  if (bytes.byteLength === 0) return 0;
  const ptr = engine.memory.alloc(bytes.byteLength);
  try {
    engine.memory.write(bytes, ptr);
    return engine.crc32c(ptr, bytes.byteLength);
  } finally {
    engine.memory.free(ptr);
  }
}
