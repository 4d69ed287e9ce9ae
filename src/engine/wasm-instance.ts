/**
 * Instantiating the AssemblyScript core over a SharedMemory, without Node APIs, so the same
 * code runs in Node (wasm.ts, which reads build/gregor-core.wasm from disk) and in browsers
 * (the client library, which fetches it).
 *
 * Imports: env.memory (the SharedMemory's shared WebAssembly.Memory) and env.abort(message,
 * fileName, line, column) with AssemblyScript strings (UTF-16LE, byte length in the u32 at
 * ptr - 4), turned into a thrown RangeError. Then `init()` fills the CRC tables in the
 * reserved low memory (layout.ts).
 */
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

function readAsString(memory: SharedMemory, ptr: number): string {
  if (ptr === 0 || !memory.contains(ptr - 4, 4)) return '';
  const bytes = memory.dataView.getUint32(ptr - 4, true);
  if (!memory.contains(ptr, bytes)) return '';
  return new TextDecoder('utf-16le').decode(memory.read(ptr, bytes));
}

/**
 * Instantiates `module` over `memory`, checks that its static data fits below the CRC
 * tables, and runs init(). Throws if the module does not fit the layout.
 */
export function instantiateWasmCore(module: WasmModule, memory: SharedMemory, options: WasmCoreOptions = {}): WasmCoreExports {
  const instance = new WebAssemblyApi.Instance(module, {
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
  return exports;
}
