/**
 * `--build NAME=TREE` of the A/B benchmarks: a name for the figures and a built checkout
 * (its `bin/gregor.js` and `dist/`), resolved to an absolute path.
 * Errors: Error naming the argument when NAME or TREE is missing.
 */
import { resolve } from 'node:path';

export function parseBuildArg(spec: string): { name: string; tree: string } {
  const eq = spec.indexOf('=');
  if (eq <= 0 || eq === spec.length - 1) throw new Error(`--build ${spec}: expected NAME=TREE`);
  return { name: spec.slice(0, eq), tree: resolve(spec.slice(eq + 1)) };
}
