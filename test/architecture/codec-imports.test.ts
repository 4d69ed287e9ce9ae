/**
 * The broker loads the codecs of an API when a request of it first arrives
 * (src/protocol/generated/api-registry.ts), not all ~180 message modules at start (issue 12,
 * idle RSS). That holds only while no runtime module imports a value from the generated barrel
 * src/protocol/generated/index.ts, which loads every codec: runtime code imports the message
 * modules it uses (e.g. `generated/produce-response.js`) and api-registry.ts. Type-only imports
 * are erased by tsc and allowed.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const GENERATED = join(SRC, 'protocol', 'generated');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** `import …` / `export … from` statements of `source` that name the generated barrel and bring in values. */
function barrelValueImports(source: string): string[] {
  const statements = source.match(/^(?:import|export)\s[^;]*?from\s+'[^']*protocol\/generated\/index\.js';/gms) ?? [];
  return statements.filter((s) => !/^import\s+type\s/.test(s) && !/^export\s+type\s/.test(s));
}

describe('imports of the generated codecs', () => {
  it('finds a value import of the barrel when there is one (the check can fail)', () => {
    expect(barrelValueImports("import { createProduceResponse } from '../protocol/generated/index.js';")).toHaveLength(1);
    expect(barrelValueImports("import type { ProduceResponse } from '../protocol/generated/index.js';")).toHaveLength(0);
  });

  it('no runtime module outside src/protocol/generated imports values from generated/index.js', () => {
    const offenders = tsFiles(SRC)
      .filter((f) => !f.startsWith(GENERATED))
      .filter((f) => barrelValueImports(readFileSync(f, 'utf8')).length > 0)
      .map((f) => relative(SRC, f));
    expect(offenders).toEqual([]);
  });
});
