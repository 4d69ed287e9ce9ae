import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SharedMemory } from '../../src/engine/shared-memory.js';
import { kHeapBase, kWasmPageSize } from '../../src/engine/layout.js';

describe('SharedMemory', () => {
  it('is backed by a SharedArrayBuffer', () => {
    const m = new SharedMemory({ initialPages: 2 });
    expect(m.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(m.byteLength).toBe(2 * kWasmPageSize);
  });

  it('hands out aligned, non-overlapping blocks above the reserved area', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.record({ alloc: fc.oneof(fc.nat(100), fc.nat(40_000), fc.nat(300_000)) }), fc.record({ free: fc.nat() })), { maxLength: 80 }),
        (ops) => {
          const m = new SharedMemory({ initialPages: 1, maximumPages: 1024 });
          const live = new Map<number, number>();
          for (const op of ops) {
            if ('alloc' in op) {
              const p = m.alloc(op.alloc);
              expect(p % 16).toBe(0);
              expect(p).toBeGreaterThanOrEqual(kHeapBase);
              expect(m.sizeOf(p)).toBeGreaterThanOrEqual(op.alloc);
              expect(p + op.alloc).toBeLessThanOrEqual(m.byteLength);
              expect(live.has(p)).toBe(false);
              live.set(p, m.sizeOf(p));
            } else if (live.size > 0) {
              const keys = [...live.keys()];
              const p = keys[op.free % keys.length]!;
              m.free(p);
              live.delete(p);
            }
            const spans = [...live.entries()].sort((a, b) => a[0] - b[0]);
            for (let i = 1; i < spans.length; i++) expect(spans[i - 1]![0] + spans[i - 1]![1]).toBeLessThanOrEqual(spans[i]![0]);
          }
          expect(m.stats().allocatedBlocks).toBe(live.size);
          for (const p of live.keys()) m.free(p);
          expect(m.stats().allocatedBytes).toBe(0);
          // all large spans coalesced back into the top
          expect(m.stats().top).toBeLessThanOrEqual(m.byteLength);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reuses freed blocks and returns large spans to the top', () => {
    const m = new SharedMemory({ initialPages: 1 });
    const a = m.alloc(100);
    m.free(a);
    expect(m.alloc(120)).toBe(a);
    const top = m.stats().top;
    const big1 = m.alloc(100_000);
    const big2 = m.alloc(200_000);
    m.free(big1);
    m.free(big2);
    expect(m.stats().top).toBe(top);
  });

  it('rejects bad frees and sizes, and throws when the maximum is reached', () => {
    const m = new SharedMemory({ initialPages: 1, maximumPages: 4 });
    expect(() => m.free(12345)).toThrow(RangeError);
    const p = m.alloc(8);
    m.free(p);
    expect(() => m.free(p)).toThrow(RangeError);
    expect(() => m.alloc(-1)).toThrow(RangeError);
    expect(() => m.alloc(1.5)).toThrow(RangeError);
    expect(() => m.alloc(4 * kWasmPageSize)).toThrow(/out of memory/);
    expect(() => new SharedMemory({ maximumPages: 70000 })).toThrow(RangeError);
  });

  it('refreshes its views after growth; old views stay valid (no copy)', () => {
    const m = new SharedMemory({ initialPages: 1 });
    const p = m.alloc(16);
    const v = m.view(p, 16);
    v.write('hello');
    const before = m.bytes;
    const q = m.alloc(10 * kWasmPageSize);
    expect(m.bytes).not.toBe(before);
    expect(m.bytes.length).toBeGreaterThanOrEqual(q + 10 * kWasmPageSize);
    m.bytes[q] = 7;
    expect(m.view(q, 1)[0]).toBe(7);
    // the old view still aliases the same bytes
    m.bytes[p] = 'j'.charCodeAt(0);
    expect(v.toString('latin1', 0, 5)).toBe('jello');
    expect(m.dataView.byteLength).toBe(m.byteLength);
    m.write(Uint8Array.of(1, 2, 3), q + 1);
    expect([...m.read(q, 4)]).toEqual([7, 1, 2, 3]);
    expect(() => m.view(m.byteLength - 1, 2)).toThrow(RangeError);
  });

  // Node 20 accepts SharedArrayBuffer-backed Buffers for file and socket writes.
  it('fs.writeSync accepts a view of the shared memory', () => {
    const m = new SharedMemory({ initialPages: 1 });
    const p = m.alloc(11);
    m.write(Buffer.from('hello world'), p);
    const dir = mkdtempSync(join(tmpdir(), 'gregor-shm-'));
    try {
      const fd = openSync(join(dir, 'f'), 'w');
      expect(writeSync(fd, m.view(p, 11))).toBe(11);
      closeSync(fd);
      expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('hello world');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('socket.write accepts a view of the shared memory', async () => {
    const m = new SharedMemory({ initialPages: 1 });
    const p = m.alloc(11);
    m.write(Buffer.from('hello there'), p);
    const received = await new Promise<string>((resolve, reject) => {
      const server = createServer((s) => {
        const chunks: Buffer[] = [];
        s.on('data', (d) => chunks.push(d));
        s.on('end', () => {
          server.close();
          resolve(Buffer.concat(chunks).toString());
        });
      });
      server.listen(0, '127.0.0.1', () => {
        const c = connect((server.address() as AddressInfo).port, '127.0.0.1', () => {
          c.end(m.view(p, 11));
        });
        c.on('error', reject);
      });
    });
    expect(received).toBe('hello there');
  });
});
