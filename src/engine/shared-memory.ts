/**
 * One shared `WebAssembly.Memory` (SharedArrayBuffer-backed) that both engines address by
 * pointer, plus a small allocator for it, written in TypeScript.
 *
 * Memory map (see layout.ts for every constant):
 *
 *   0 ┌──────────────────────────────┐
 *     │ scratch (result structs)     │ kScratchAddress .. kScratchSize
 *     │ WASM static data             │ kWasmDataAddress (asc --memoryBase)
 *     │ CRC tables (WASM core)       │ kCrcTablesAddress ..
 * 64K ├──────────────────────────────┤ kHeapBase: first address alloc() hands out
 *     │ heap                         │
 *     └──────────────────────────────┘ grows with memory.grow()
 *
 * Allocator: sizes up to 32 KiB are rounded up to a power of two (min 16 bytes) and recycled
 * through per-class free lists; larger requests are rounded up to 4 KiB and come from a list
 * of free spans (best fit, coalesced on free, returned to the top when they border it). New
 * space comes from a bump pointer that grows the memory. Every pointer is 16-byte aligned and
 * >= kHeapBase, so 0 and the reserved area are never handed out. Block sizes are kept in a JS
 * Map, not in the memory, so a stray write from the core cannot corrupt the allocator.
 *
 * Threads: the memory itself can be shared with workers (`memory.memory`, posted to them), but
 * the allocator state lives in the JS realm that created it. Another thread wraps the posted
 * memory with {@link SharedMemory.attach}: same bytes and views, no allocator (alloc/free
 * throw there); the owner thread allocates whatever regions the other thread needs.
 *
 * Node 20 I/O on views of this memory (checked on Node 20.20, see
 * test/engine/shared-memory.test.ts): `fs.writeSync(fd, memory.view(p, n))` and
 * `socket.write(memory.view(p, n))` accept SharedArrayBuffer-backed Buffers and write the
 * bytes; views stay valid after the memory grows (a shared memory never detaches its buffer,
 * `memory.buffer` just becomes a new, longer SharedArrayBuffer over the same bytes).
 */
import { kHeapBase, kWasmPageSize } from './layout.js';
import { WebAssemblyApi, type WasmMemory } from './wasm-api.js';

export interface SharedMemoryOptions {
  /** Initial size in 64 KiB pages (>= 1; default 16 = 1 MiB). */
  initialPages?: number;
  /** Maximum size in 64 KiB pages (<= 65536 = 4 GiB, the WASM module's declared maximum; default 65536). Reserved virtual address space only. */
  maximumPages?: number;
  /**
   * An existing shared memory (e.g. received by a worker thread) to wrap instead of creating
   * one; `initialPages` is then ignored. Prefer {@link SharedMemory.attach}.
   */
  attachTo?: WasmMemory;
}

/** Allocation statistics, in bytes. */
export interface SharedMemoryStats {
  /** Current size of the memory. */
  byteLength: number;
  /** Bytes in live blocks (rounded-up block sizes). */
  allocatedBytes: number;
  /** Number of live blocks. */
  allocatedBlocks: number;
  /** Bump pointer: everything at or above it has never been handed out. */
  top: number;
  /** Bytes sitting in free lists (small classes and large spans). */
  freeBytes: number;
}

const MIN_BLOCK_SHIFT = 4; // 16 bytes
const MAX_SMALL_SHIFT = 15; // 32 KiB
const MAX_SMALL = 1 << MAX_SMALL_SHIFT;
const LARGE_GRANULE = 4096;
/** Largest allocation that can ever succeed (the whole 4 GiB address space minus the reserve). */
const MAX_ALLOC = 65536 * kWasmPageSize - kHeapBase;
const MAX_PAGES = 65536;

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
if (!isLittleEndian()) {
  // The WASM core and the JS twin both read native little-endian words (f64 result slots,
  // 32-bit CRC loads). Node only ships on little-endian platforms in practice.
  throw new Error('gregor engine: big-endian hosts are not supported');
}

export class SharedMemory {
  /** The underlying memory, to pass as `env.memory` to WASM instances (also in workers). */
  readonly memory: WasmMemory;
  readonly maximumPages: number;

  #buffer!: SharedArrayBuffer;
  #bytes!: Uint8Array;
  /** Node Buffer over the memory; null where Buffer does not exist (browsers). */
  #buf: Buffer | null = null;
  #dataView!: DataView;
  #int32!: Int32Array;
  #float64!: Float64Array;

  #top = kHeapBase;
  /** Free blocks per small class (index = log2(size) - MIN_BLOCK_SHIFT). */
  readonly #freeSmall: number[][] = [];
  /** Free large spans, sorted by address: [ptr0, size0, ptr1, size1, ...]. */
  #freeLarge: number[] = [];
  /** Live block sizes by pointer. */
  readonly #live = new Map<number, number>();
  #allocatedBytes = 0;
  /** False for a memory attached in another thread: its allocator lives with the owner. */
  readonly #owner: boolean;

  constructor(options: SharedMemoryOptions = {}) {
    const initial = options.initialPages ?? 16;
    const maximum = options.maximumPages ?? MAX_PAGES;
    if (!Number.isInteger(initial) || initial < 1 || !Number.isInteger(maximum) || maximum > MAX_PAGES || maximum < initial) {
      throw new RangeError(`SharedMemory: invalid pages initial=${initial} maximum=${maximum} (1 <= initial <= maximum <= ${MAX_PAGES})`);
    }
    this.maximumPages = maximum;
    this.#owner = options.attachTo === undefined;
    this.memory = options.attachTo ?? new WebAssemblyApi.Memory({ initial, maximum, shared: true });
    for (let i = MIN_BLOCK_SHIFT; i <= MAX_SMALL_SHIFT; i++) this.#freeSmall.push([]);
    this.#refreshViews();
  }

  /**
   * Wraps a shared memory created by a SharedMemory in another thread (posted as
   * `memory.memory`): views, reads and writes work; alloc/free throw (the allocator is the
   * owner's). Throws if `memory` is not backed by a SharedArrayBuffer.
   */
  static attach(memory: WasmMemory): SharedMemory {
    if (typeof SharedArrayBuffer === 'undefined' || !(memory.buffer instanceof SharedArrayBuffer)) {
      throw new TypeError('SharedMemory.attach: the memory is not shared');
    }
    return new SharedMemory({ attachTo: memory, initialPages: 1 });
  }

  /** True where this instance owns the allocator (it created the memory). */
  get isOwner(): boolean {
    return this.#owner;
  }

  /** Current SharedArrayBuffer (replaced by a longer one after growth). */
  get buffer(): SharedArrayBuffer {
    return this.#buffer;
  }

  /** Current size in bytes. */
  get byteLength(): number {
    return this.#buffer.byteLength;
  }

  /** Uint8Array over the whole memory (refreshed after growth; re-read it after alloc()). */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  /**
   * Node Buffer over the whole memory (refreshed after growth). Throws where Node's Buffer
   * does not exist (browsers, which use the other views).
   */
  get buf(): Buffer {
    if (this.#buf === null) throw new Error('SharedMemory.buf needs Node\'s Buffer');
    return this.#buf;
  }

  /** DataView over the whole memory (refreshed after growth). */
  get dataView(): DataView {
    return this.#dataView;
  }

  /** Int32Array over the whole memory, native endianness (refreshed after growth). */
  get int32(): Int32Array {
    return this.#int32;
  }

  /** Float64Array over the whole memory, native endianness (refreshed after growth). */
  get float64(): Float64Array {
    return this.#float64;
  }

  /**
   * Re-reads `memory.buffer` in case the memory was grown elsewhere (by another thread or a
   * WASM `memory.grow`). Returns true if the views changed.
   */
  refresh(): boolean {
    const current = this.memory.buffer as unknown as SharedArrayBuffer;
    if (current.byteLength === this.#buffer.byteLength) return false;
    this.#refreshViews();
    return true;
  }

  /** True when [ptr, ptr + len) lies in the memory (refreshing the views once if needed). */
  contains(ptr: number, len: number): boolean {
    if ((ptr >>> 0) !== ptr || (len >>> 0) !== len) return false;
    if (ptr + len <= this.#buffer.byteLength) return true;
    return this.refresh() && ptr + len <= this.#buffer.byteLength;
  }

  /** Throws a RangeError unless [ptr, ptr + len) lies in the memory. */
  checkRange(ptr: number, len: number): void {
    if (!this.contains(ptr, len)) {
      throw new RangeError(`SharedMemory: range [${ptr}, ${ptr} + ${len}) outside memory of ${this.#buffer.byteLength} bytes`);
    }
  }

  /**
   * Allocates `bytes` bytes (0 is allowed and returns a distinct 16-byte block) and returns the
   * pointer: 16-byte aligned, >= kHeapBase. Contents are not zeroed (fresh pages are).
   * Throws RangeError when the memory cannot grow enough.
   */
  alloc(bytes: number): number {
    if (!this.#owner) throw new Error('SharedMemory.alloc: this memory was attached from another thread, whose allocator owns it');
    if (!Number.isInteger(bytes) || bytes < 0 || bytes > MAX_ALLOC) {
      throw new RangeError(`SharedMemory.alloc: invalid size ${bytes}`);
    }
    let ptr: number;
    let size: number;
    if (bytes <= MAX_SMALL) {
      const shift = bytes <= 1 << MIN_BLOCK_SHIFT ? MIN_BLOCK_SHIFT : 32 - Math.clz32(bytes - 1);
      size = 1 << shift;
      const list = this.#freeSmall[shift - MIN_BLOCK_SHIFT]!;
      ptr = list.length > 0 ? list.pop()! : this.#bump(size);
    } else {
      size = Math.ceil(bytes / LARGE_GRANULE) * LARGE_GRANULE;
      ptr = this.#takeLarge(size);
      if (ptr === 0) ptr = this.#bump(size);
    }
    this.#live.set(ptr, size);
    this.#allocatedBytes += size;
    return ptr;
  }

  /** Returns a block from {@link alloc}. Throws on pointers that are not live blocks. */
  free(ptr: number): void {
    if (!this.#owner) throw new Error('SharedMemory.free: this memory was attached from another thread, whose allocator owns it');
    const size = this.#live.get(ptr);
    if (size === undefined) throw new RangeError(`SharedMemory.free: ${ptr} is not an allocated block`);
    this.#live.delete(ptr);
    this.#allocatedBytes -= size;
    if (size <= MAX_SMALL) {
      this.#freeSmall[31 - Math.clz32(size) - MIN_BLOCK_SHIFT]!.push(ptr);
    } else {
      this.#releaseLarge(ptr, size);
    }
  }

  /** Usable size of a live block (>= the requested size), or throws. */
  sizeOf(ptr: number): number {
    const size = this.#live.get(ptr);
    if (size === undefined) throw new RangeError(`SharedMemory.sizeOf: ${ptr} is not an allocated block`);
    return size;
  }

  /** Node Buffer view of [ptr, ptr + len), no copy. Valid across growth. */
  view(ptr: number, len: number): Buffer {
    this.checkRange(ptr, len);
    return Buffer.from(this.#buffer, ptr, len);
  }

  /** Copies src into the memory at ptr. */
  write(src: Uint8Array, ptr: number): void {
    this.checkRange(ptr, src.byteLength);
    this.#bytes.set(src, ptr);
  }

  /** Copy of [ptr, ptr + len) into a fresh (non-shared) Uint8Array. */
  read(ptr: number, len: number): Uint8Array {
    this.checkRange(ptr, len);
    return this.#bytes.slice(ptr, ptr + len);
  }

  stats(): SharedMemoryStats {
    let freeBytes = 0;
    for (let i = 0; i < this.#freeSmall.length; i++) freeBytes += this.#freeSmall[i]!.length << (i + MIN_BLOCK_SHIFT);
    for (let i = 1; i < this.#freeLarge.length; i += 2) freeBytes += this.#freeLarge[i]!;
    return {
      byteLength: this.#buffer.byteLength,
      allocatedBytes: this.#allocatedBytes,
      allocatedBlocks: this.#live.size,
      top: this.#top,
      freeBytes,
    };
  }

  #refreshViews(): void {
    const buffer = this.memory.buffer as unknown as SharedArrayBuffer;
    this.#buffer = buffer;
    this.#bytes = new Uint8Array(buffer);
    this.#buf = typeof Buffer === 'function' ? Buffer.from(buffer) : null;
    this.#dataView = new DataView(buffer);
    this.#int32 = new Int32Array(buffer);
    this.#float64 = new Float64Array(buffer);
  }

  /** Hands out [top, top + size), growing the memory when needed. */
  #bump(size: number): number {
    const ptr = this.#top;
    const end = ptr + size;
    if (end > this.#buffer.byteLength) {
      this.refresh();
      if (end > this.#buffer.byteLength) this.#grow(end);
    }
    this.#top = end;
    return ptr;
  }

  /** Grows the memory to at least `end` bytes (at least +25% to amortise). */
  #grow(end: number): void {
    const currentPages = this.#buffer.byteLength / kWasmPageSize;
    const neededPages = Math.ceil(end / kWasmPageSize);
    if (neededPages > this.maximumPages) {
      throw new RangeError(`SharedMemory: out of memory (need ${neededPages} pages, maximum ${this.maximumPages})`);
    }
    const target = Math.min(this.maximumPages, Math.max(neededPages, currentPages + Math.ceil(currentPages / 4)));
    this.memory.grow(target - currentPages);
    this.#refreshViews();
  }

  /** Best-fit take of a large span; 0 if none fits. */
  #takeLarge(size: number): number {
    const spans = this.#freeLarge;
    let best = -1;
    for (let i = 0; i < spans.length; i += 2) {
      const s = spans[i + 1]!;
      if (s >= size && (best < 0 || s < spans[best + 1]!)) {
        best = i;
        if (s === size) break;
      }
    }
    if (best < 0) return 0;
    const ptr = spans[best]!;
    const rest = spans[best + 1]! - size;
    if (rest > 0) {
      spans[best] = ptr + size;
      spans[best + 1] = rest;
    } else {
      spans.splice(best, 2);
    }
    return ptr;
  }

  /** Puts a large span back: coalesces with neighbours, lowers the top when it borders it. */
  #releaseLarge(ptr: number, size: number): void {
    const spans = this.#freeLarge;
    // first span with address > ptr
    let lo = 0;
    let hi = spans.length >> 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (spans[mid * 2]! < ptr) lo = mid + 1;
      else hi = mid;
    }
    let i = lo * 2;
    // merge with the previous span
    if (i > 0 && spans[i - 2]! + spans[i - 1]! === ptr) {
      i -= 2;
      ptr = spans[i]!;
      size += spans[i + 1]!;
      spans.splice(i, 2);
    }
    // merge with the next span
    if (i < spans.length && ptr + size === spans[i]!) {
      size += spans[i + 1]!;
      spans.splice(i, 2);
    }
    if (ptr + size === this.#top) {
      this.#top = ptr;
    } else {
      spans.splice(i, 0, ptr, size);
    }
  }
}
