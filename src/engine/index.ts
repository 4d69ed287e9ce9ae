/**
 * Entry point of the engine: `createEngine('wasm' | 'js', memory?)`.
 *
 * Both kinds implement the same {@link Engine} contract (engine.ts) over a {@link SharedMemory};
 * several engines (of either kind) can share one memory, so bytes placed there once can be
 * checked by either. The WASM kind needs build/gregor-core.wasm (`npm run asbuild`).
 */
import type { Engine, EngineKind } from './engine.js';
import { CoreEngine, type EngineOptions } from './engine-impl.js';
import { createJsCore } from './js/index.js';
import { SharedMemory } from './shared-memory.js';
import { loadWasmCore } from './wasm.js';

export type { BatchInfo, EncodeBatchOptions, Engine, EngineKind, RecordInput } from './engine.js';
export type { Core } from './core.js';
export { CoreEngine, newBatchInfo, type EngineOptions } from './engine-impl.js';
export { AuditTable } from './audit-table.js';
export { SharedMemory, type SharedMemoryOptions, type SharedMemoryStats } from './shared-memory.js';
export { CORRUPT_MESSAGE, INVALID_RECORD, MESSAGE_TOO_LARGE, NONE, errorName } from './errors.js';
export * as layout from './layout.js';

/**
 * Creates an engine of the given kind over `memory` (a new 1 MiB SharedMemory if omitted).
 * The WASM module is compiled once per process and instantiated once per memory.
 * Throws if kind is unknown or, for 'wasm', if build/gregor-core.wasm is missing.
 */
export function createEngine(kind: EngineKind = 'wasm', memory: SharedMemory = new SharedMemory(), options?: EngineOptions): CoreEngine & Engine {
  switch (kind) {
    case 'wasm':
      return new CoreEngine('wasm', memory, loadWasmCore(memory, { crcScratchPtr: options?.crcScratchPtr }), options);
    case 'js':
      return new CoreEngine('js', memory, createJsCore(memory), options);
    default:
      throw new RangeError(`unknown engine kind: ${String(kind)}`);
  }
}
