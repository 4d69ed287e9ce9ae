/**
 * Minimal typings of the WebAssembly JS API used by the engine. The project's `lib` (ES2022)
 * and @types/node 20 do not declare the `WebAssembly` namespace, so rather than adding a
 * global declaration (which would clash once a lib provides it) we type what we use here.
 */

/** A WebAssembly.Memory. */
export interface WasmMemory {
  /** SharedArrayBuffer for shared memories; replaced by a longer one after grow(). */
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  /** Grows by `deltaPages` 64 KiB pages; returns the previous size in pages; throws RangeError beyond maximum. */
  grow(deltaPages: number): number;
}

/** A compiled WebAssembly.Module. */
export type WasmModule = object;

/** A WebAssembly.Instance. */
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
}

/** The global WebAssembly object. */
export const WebAssemblyApi: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
