/**
 * The broker's layering, checked on the import graph that madge reads from the TypeScript
 * sources (type imports included): no import cycle passes through src/broker.ts, no module
 * below it imports it (handlers, the network layer, the gateway and replication see
 * BrokerServices, src/broker-services.ts), the broker and replication do not import the
 * CLI, and the append workers do not import the request handlers.
 */
import { fileURLToPath } from 'node:url';
import madge from 'madge';
import { beforeAll, describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const TSCONFIG = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));

describe('import graph of src/', () => {
  let graph: Awaited<ReturnType<typeof madge>>;
  beforeAll(async () => {
    graph = await madge(SRC, { fileExtensions: ['ts'], tsConfig: TSCONFIG });
  }, 60_000);

  it('reads the whole tree (a parse failure would hide edges)', () => {
    const modules = Object.keys(graph.obj());
    expect(modules).toContain('broker.ts');
    expect(modules).toContain('apis/produce.ts');
    expect(modules.length).toBeGreaterThan(300);
    expect(graph.warnings().skipped).toEqual([]);
  });

  it('has no cycle through broker.ts', () => {
    expect(graph.circular().filter((cycle) => cycle.includes('broker.ts'))).toEqual([]);
  });

  it('lets only the entry points import broker.ts', () => {
    const importers = Object.entries(graph.obj()).filter(([, deps]) => deps.includes('broker.ts')).map(([m]) => m).sort();
    expect(importers).toEqual(['cli.ts', 'index.ts']);
  });

  it('keeps the broker and replication off the CLI (they use network/kafka-client.ts)', () => {
    const offenders = Object.entries(graph.obj()).filter(([m, deps]) => (m === 'broker.ts' || m.startsWith('replication/')) && deps.some((d) => d.startsWith('cli/')));
    expect(offenders).toEqual([]);
  });

  it('keeps the append workers independent of the request handlers', () => {
    const offenders = Object.entries(graph.obj()).filter(([m, deps]) => m.startsWith('workers/') && deps.some((d) => d.startsWith('apis/')));
    expect(offenders).toEqual([]);
  });
});
