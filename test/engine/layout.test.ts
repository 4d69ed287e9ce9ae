import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tsLayout from '../../src/engine/layout.js';
import { SharedMemory } from '../../src/engine/shared-memory.js';
import { loadWasmCore } from '../../src/engine/wasm.js';

describe('layout', () => {
  it('matches the record batch v2 offsets of the Kafka docs', () => {
    const L = tsLayout;
    expect([L.BATCH_LENGTH_OFFSET, L.PARTITION_LEADER_EPOCH_OFFSET, L.MAGIC_OFFSET, L.CRC_OFFSET]).toEqual([8, 12, 16, 17]);
    expect([L.ATTRIBUTES_OFFSET, L.LAST_OFFSET_DELTA_OFFSET, L.BASE_TIMESTAMP_OFFSET, L.MAX_TIMESTAMP_OFFSET]).toEqual([21, 23, 27, 35]);
    expect([L.PRODUCER_ID_OFFSET, L.PRODUCER_EPOCH_OFFSET, L.BASE_SEQUENCE_OFFSET, L.RECORDS_COUNT_OFFSET]).toEqual([43, 51, 53, 57]);
    expect([L.RECORDS_OFFSET, L.RECORD_BATCH_OVERHEAD, L.LOG_OVERHEAD]).toEqual([61, 61, 12]);
    expect([L.OFFSET_INDEX_ENTRY_SIZE, L.TIME_INDEX_ENTRY_SIZE]).toEqual([8, 12]);
  });

  it('memory map: regions are ordered, aligned and below the heap', () => {
    const L = tsLayout;
    expect(L.kBatchInfoAddress + L.kBatchInfoSize).toBeLessThanOrEqual(L.kCoreStateAddress);
    expect(L.kCoreStateAddress + 4).toBeLessThanOrEqual(L.kCrcScratchAddress);
    expect(L.kCrcScratchAddress % 16).toBe(0);
    expect(L.kCrcScratchAddress + L.kCrcScratchSize).toBeLessThanOrEqual(L.kScratchAddress + L.kScratchSize);
    expect(L.kScratchAddress + L.kScratchSize).toBeLessThanOrEqual(L.kWasmDataAddress);
    expect(L.kWasmDataAddress + L.kWasmDataSize).toBeLessThanOrEqual(L.kCrcTablesAddress);
    expect(L.kCrcTablesAddress + L.kCrcTablesSize).toBeLessThanOrEqual(L.kCrcNibbleTablesAddress);
    expect(L.kCrcNibbleTablesAddress % 16).toBe(0);
    expect(L.kCrcNibbleTablesAddress + L.kCrcNibbleTablesSize).toBeLessThanOrEqual(L.kCrcShiftTablesAddress);
    expect(L.kCrcShiftTablesEnd).toBeLessThanOrEqual(L.kHeapBase);
    expect(L.kHeapBase % L.kWasmPageSize).toBe(0);
  });

  it('asconfig memoryBase is kWasmDataAddress and the WASM static data fits its area', () => {
    const asconfig = JSON.parse(readFileSync(new URL('../../asconfig.json', import.meta.url), 'utf8'));
    expect(asconfig.options.memoryBase).toBe(tsLayout.kWasmDataAddress);
    const core = loadWasmCore(new SharedMemory({ initialPages: 2 }));
    const heapBase = core.heapBase() >>> 0;
    expect(heapBase).toBeGreaterThanOrEqual(tsLayout.kWasmDataAddress);
    expect(heapBase).toBeLessThanOrEqual(tsLayout.kWasmDataAddress + tsLayout.kWasmDataSize);
  });
});
