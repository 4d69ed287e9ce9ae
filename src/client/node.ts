/**
 * `gregor/client` in Node: the client library with Node's platform — WebSockets from the
 * global WebSocket when there is one (Node 22+), else the `ws` package; record batches
 * encoded by the WASM core (build/gregor-core.wasm), or its TypeScript twin if the core
 * cannot load.
 *
 *   import { connect } from 'gregor/client';
 *   const client = await connect('ws://localhost:9093');
 */
import { createEngine } from '../engine/index.js';
import { type ClientOptions, GregorClient } from './client.js';
import { type BatchEncoder, type EncoderKind, brokerEncoder, engineEncoder } from './encoder.js';
import type { Platform, WebSocketLike } from './platform.js';

export * from './exports.js';

let shared: Partial<Record<EncoderKind, BatchEncoder>> = {};

/** One encoder per kind per process (JavaScript is single-threaded: no contention). */
function encoderOf(kind: EncoderKind): BatchEncoder {
  const cached = shared[kind];
  if (cached) return cached;
  let encoder: BatchEncoder;
  if (kind === 'broker') encoder = brokerEncoder;
  else if (kind === 'js') encoder = engineEncoder(createEngine('js'));
  else {
    try {
      encoder = engineEncoder(createEngine('wasm'));
    } catch {
      encoder = encoderOf('js');
    }
  }
  shared = { ...shared, [kind]: encoder };
  return encoder;
}

export const nodePlatform: Platform = {
  async openSocket(url) {
    const Global = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
    if (Global) {
      const ws = new Global(url);
      ws.binaryType = 'arraybuffer';
      return ws;
    }
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 0 }) as unknown as WebSocketLike;
    ws.binaryType = 'nodebuffer';
    return ws;
  },
  async createEncoder(preferred = 'wasm') {
    return encoderOf(preferred);
  },
};

/**
 * Connects to a Gregor WebSocket gateway (`ws://host:9093`). See client.ts.
 * Errors: GregorError NETWORK_EXCEPTION, REQUEST_TIMED_OUT, UNSUPPORTED_VERSION.
 */
export function connect(url: string, options: ClientOptions = {}): Promise<GregorClient> {
  return GregorClient.connect(url, nodePlatform, options);
}
