#!/usr/bin/env node
/**
 * Bundles the client library for browsers (src/client/browser.ts → dist/browser/gregor-client.js,
 * one ES module with msgpackr and fflate inside) with esbuild, and copies the WASM core beside
 * it (dist/browser/gregor-core.wasm), where the bundle looks for it by default. The gateway
 * serves both (GET /gregor-client.js, /gregor-core.wasm). Part of `npm run build`.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'browser');
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [join(root, 'src', 'client', 'browser.ts')],
  outfile: join(outdir, 'gregor-client.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
copyFileSync(join(root, 'build', 'gregor-core.wasm'), join(outdir, 'gregor-core.wasm'));
