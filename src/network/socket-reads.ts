/**
 * Socket reads into buffers we choose, for sockets a server accepted.
 *
 * Node's `net.Socket` reads into a fresh 64 KiB buffer per read and emits it as 'data'. For a
 * broker taking in ~100 MB/s that is ~1,600 allocations a second whose pages the kernel maps
 * in on first touch (64 % of the page faults and ~10 % of the CPU of the ingest path on the
 * benchmark VM, bench/README.md "Profile of the ingest path") and external memory that drives
 * V8's mark-compacts. Node has a documented way to read into a caller's buffer — the `onread`
 * option ({ buffer, callback }) of `net.connect` / `new net.Socket` — but not for sockets a
 * `net.Server` creates. This module switches such a socket to the same mechanism: it sets
 * the fields that `onread` sets (found by their symbols' descriptions: `kBuffer`,
 * `kBufferCb`, `kBufferGen`) and calls the handle's `useUserBuffer`, exactly as Node's
 * `initSocketHandle` does for an `onread` socket. pause()/resume() keep working (Node's
 * Socket handles them for `onread` sockets); 'data' is no longer emitted.
 *
 * If this Node does not have those fields (another version), or the socket is TLS, nothing is
 * changed and false is returned: the caller keeps its 'data' listener. So too when the socket
 * has already read bytes into its stream buffer (a connection that waited, e.g. during the
 * broker's start-up, while Node read its first request): those bytes are delivered only as
 * 'data', and switching would lose them — the client would wait for a response forever.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

interface UserBufferHandle {
  useUserBuffer?: (buffer: Uint8Array) => void;
}

/**
 * Makes `socket` read into `nextBuffer()` (called before every read; the buffer must stay
 * untouched until `onRead`) and call `onRead(n)` with the bytes read, instead of emitting
 * 'data'. Returns false (socket unchanged) where not supported.
 */
export function readIntoBuffers(socket: Socket, nextBuffer: () => Buffer, onRead: (bytes: number) => void): boolean {
  if (socket instanceof TLSSocket) return false;
  if (socket.readableLength > 0) return false;
  const handle = (socket as unknown as { _handle?: UserBufferHandle | null })._handle;
  if (!handle || typeof handle.useUserBuffer !== 'function') return false;
  const symbols = Object.getOwnPropertySymbols(socket);
  const find = (description: string) => symbols.find((s) => s.description === description);
  const kBuffer = find('kBuffer');
  const kBufferCb = find('kBufferCb');
  const kBufferGen = find('kBufferGen');
  if (!kBuffer || !kBufferCb || !kBufferGen) return false;
  const fields = socket as unknown as Record<symbol, unknown>;
  // Node's own state for a socket made without `onread`: all three null.
  if (fields[kBuffer] !== null || fields[kBufferCb] !== null || fields[kBufferGen] !== null) return false;
  const first = nextBuffer();
  fields[kBuffer] = first;
  fields[kBufferCb] = (n: number) => {
    onRead(n);
  };
  fields[kBufferGen] = nextBuffer;
  handle.useUserBuffer(first);
  return true;
}
