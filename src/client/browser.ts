/**
 * `gregor/client` in browsers (bundled to dist/browser/gregor-client.js, served by the
 * gateway at /gregor-client.js): the same client with the browser's WebSocket and an
 * encoder from the WASM core fetched from `wasmUrl` (default: gregor-core.wasm beside the
 * bundle), else the TypeScript twin, else — without shared WebAssembly memory — the broker
 * encodes records.
 *
 *   import { connect } from '/gregor-client.js';
 *   const client = await connect('ws://localhost:9093');
 */
import { CoreEngine } from '../engine/engine-impl.js';
import { createJsCore } from '../engine/js/index.js';
import { SharedMemory } from '../engine/shared-memory.js';
import { WebAssemblyApi } from '../engine/wasm-api.js';
import { instantiateWasmCore } from '../engine/wasm-instance.js';
import { type ClientOptions, GregorClient } from './client.js';
import { type BatchEncoder, type EncoderKind, brokerEncoder, engineEncoder } from './encoder.js';
import type { Platform, WebSocketLike } from './platform.js';

export * from './exports.js';

export interface BrowserClientOptions extends ClientOptions {
  /** Where the WASM core is (default: gregor-core.wasm next to this bundle). */
  wasmUrl?: string;
}

const encoders = new Map<string, Promise<BatchEncoder>>();

async function wasmEncoder(wasmUrl: string): Promise<BatchEncoder> {
  const response = await fetch(wasmUrl);
  if (!response.ok) throw new Error(`${wasmUrl}: HTTP ${response.status}`);
  const module = new WebAssemblyApi.Module(new Uint8Array(await response.arrayBuffer()));
  const memory = new SharedMemory();
  return engineEncoder(new CoreEngine('wasm', memory, instantiateWasmCore(module, memory)));
}

function jsEncoder(): BatchEncoder {
  const memory = new SharedMemory();
  return engineEncoder(new CoreEngine('js', memory, createJsCore(memory)));
}

/** The preferred encoder, falling back wasm → js → broker. */
async function encoderOf(preferred: EncoderKind, wasmUrl: string): Promise<BatchEncoder> {
  if (preferred === 'wasm') {
    try {
      return await wasmEncoder(wasmUrl);
    } catch {
      return encoderOf('js', wasmUrl);
    }
  }
  if (preferred === 'js') {
    try {
      return jsEncoder();
    } catch {
      return brokerEncoder;
    }
  }
  return brokerEncoder;
}

function browserPlatform(wasmUrl: string): Platform {
  return {
    openSocket(url) {
      const ws = new (globalThis as unknown as { WebSocket: new (url: string) => WebSocketLike }).WebSocket(url);
      ws.binaryType = 'arraybuffer';
      return ws;
    },
    createEncoder(preferred = 'wasm') {
      const key = `${preferred} ${wasmUrl}`;
      let encoder = encoders.get(key);
      if (!encoder) encoders.set(key, (encoder = encoderOf(preferred, wasmUrl)));
      return encoder;
    },
  };
}

/**
 * Connects to a Gregor WebSocket gateway (`ws://host:9093`). See client.ts.
 * Errors: GregorError NETWORK_EXCEPTION, REQUEST_TIMED_OUT, UNSUPPORTED_VERSION.
 */
export function connect(url: string, options: BrowserClientOptions = {}): Promise<GregorClient> {
  const wasmUrl = options.wasmUrl ?? new URL('gregor-core.wasm', import.meta.url).href;
  return GregorClient.connect(url, browserPlatform(wasmUrl), options);
}
