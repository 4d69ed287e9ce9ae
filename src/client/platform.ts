/**
 * What differs between Node and browsers, and nothing else: how to open a WebSocket and how
 * to get a record-batch encoder. `node.ts` and `browser.ts` provide one each; every other
 * file of the client is the same code on both.
 */
import type { BatchEncoder, EncoderKind } from './encoder.js';

/** The subset of the WHATWG WebSocket the client uses (browsers' WebSocket and `ws`). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: drops the TCP connection at once (no close handshake). */
  terminate?(): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface Platform {
  /** Opens a WebSocket to `url` (binary frames). */
  openSocket(url: string): WebSocketLike | Promise<WebSocketLike>;
  /** An encoder of the preferred kind, falling back as described in encoder.ts. */
  createEncoder(preferred?: EncoderKind): Promise<BatchEncoder>;
}

/** WebSocket readyState OPEN. */
export const OPEN = 1;
