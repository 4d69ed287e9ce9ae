/**
 * Loader of the AssemblyScript core, build/gregor-core.wasm (`npm run asbuild`).
 *
 * The module is compiled synchronously once per process and instantiated once per
 * SharedMemory (by wasm-instance.ts, which has no Node imports) with imports:
 *   env.memory  the SharedMemory's shared WebAssembly.Memory (module declares 1..65536 pages)
 *   env.abort   (message, fileName, line, column): AssemblyScript strings (UTF-16LE, byte
 *               length in the u32 at ptr - 4); turned into a thrown RangeError
 * and then `init()` fills the CRC tables in the reserved low memory (layout.ts).
 *
 * Location: resolved relative to this module, which runs both from `src/engine/` (vitest,
 * tsx) and from `dist/src/engine/` (tsc output), so both `../../build` and `../../../build` are
 * tried; GREGOR_CORE_WASM overrides the path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SharedMemory } from './shared-memory.js';
import { WebAssemblyApi, type WasmModule } from './wasm-api.js';
import { type WasmCoreExports, type WasmCoreOptions, instantiateWasmCore } from './wasm-instance.js';

export type { WasmCoreExports, WasmCoreOptions } from './wasm-instance.js';

let cachedModule: WasmModule | undefined;
const instances = new WeakMap<SharedMemory, WasmCoreExports>();

/** Absolute path of gregor-core.wasm, or throws with the candidates tried. */
export function resolveWasmPath(): string {
  const override = process.env['GREGOR_CORE_WASM'];
  if (override) return override;
  const candidates = [
    new URL('../../build/gregor-core.wasm', import.meta.url),
    new URL('../../../build/gregor-core.wasm', import.meta.url),
  ].map((u) => fileURLToPath(u));
  for (const path of candidates) if (existsSync(path)) return path;
  throw new Error(`gregor-core.wasm not found (run \`npm run asbuild\`); tried ${candidates.join(', ')}`);
}

/** The compiled module (synchronous compile on first use, then cached). */
export function wasmModule(): WasmModule {
  cachedModule ??= new WebAssemblyApi.Module(readFileSync(resolveWasmPath()));
  return cachedModule;
}

/**
 * Instantiates the core over `memory` (cached per memory) and runs its init().
 * The returned functions are the raw exports: no argument checks beyond the core's own
 * abort-on-out-of-memory; use createEngine('wasm') for the checked API.
 */
export function loadWasmCore(memory: SharedMemory, options: WasmCoreOptions = {}): WasmCoreExports {
  const cached = instances.get(memory);
  if (cached) {
    if (options.crcScratchPtr !== undefined) cached.setCrcScratch(options.crcScratchPtr);
    return cached;
  }
  const exports = instantiateWasmCore(wasmModule(), memory, options);
  instances.set(memory, exports);
  return exports;
}
