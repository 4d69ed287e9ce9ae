/**
 * Loader of the AssemblyScript core, build/gregor-core.wasm (`npm run asbuild`).
 *
 * The module is compiled synchronously once per process and instantiated once per
 * SharedMemory with imports:
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
import type { Core } from './core.js';
import { kCrcScratchSize, kCrcTablesAddress, kWasmDataAddress } from './layout.js';
import type { SharedMemory } from './shared-memory.js';
import { WebAssemblyApi, type WasmModule } from './wasm-api.js';

/** Raw exports of gregor-core.wasm (assembly/index.ts). */
export interface WasmCoreExports extends Core {
  /** Fills the CRC tables in the reserved area (idempotent). */
  init(): void;
  /** End of the module's static data (__heap_base). */
  heapBase(): number;
  /** Moves this instance's 256-byte CRC transpose scratch (default kCrcScratchAddress). */
  setCrcScratch(ptr: number): void;
}

export interface WasmCoreOptions {
  /**
   * 256-byte, 16-aligned area for the CRC kernel's transposes (default kCrcScratchAddress).
   * Only one instance per memory per thread is created here; an instance created in another
   * thread over the same memory must use its own area.
   */
  crcScratchPtr?: number;
}

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

function readAsString(memory: SharedMemory, ptr: number): string {
  if (ptr === 0 || !memory.contains(ptr - 4, 4)) return '';
  const bytes = memory.dataView.getUint32(ptr - 4, true);
  if (!memory.contains(ptr, bytes)) return '';
  return Buffer.from(memory.read(ptr, bytes)).toString('utf16le');
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
  const instance = new WebAssemblyApi.Instance(wasmModule(), {
    env: {
      memory: memory.memory,
      abort(message: number, fileName: number, line: number, column: number): never {
        const text = readAsString(memory, message >>> 0) || 'abort';
        const file = readAsString(memory, fileName >>> 0);
        throw new RangeError(`gregor-core: ${text}${file ? ` (${file}:${line}:${column})` : ''}`);
      },
    },
  });
  const exports = instance.exports as unknown as WasmCoreExports;
  const heapBase = exports.heapBase() >>> 0;
  if (heapBase > kCrcTablesAddress || heapBase < kWasmDataAddress) {
    throw new Error(`gregor-core: static data [${kWasmDataAddress}, ${heapBase}) does not fit below the CRC tables at ${kCrcTablesAddress}`);
  }
  exports.init();
  if (options.crcScratchPtr !== undefined) {
    if (options.crcScratchPtr % 16 !== 0) throw new RangeError('crcScratchPtr must be 16-byte aligned');
    memory.checkRange(options.crcScratchPtr, kCrcScratchSize);
    exports.setCrcScratch(options.crcScratchPtr);
  }
  instances.set(memory, exports);
  return exports;
}
