/**
 * Byte layouts shared by the TypeScript side (engine wrapper, JS twin, storage) and the WASM
 * core: one file, `assembly/layout.ts`, which is valid AssemblyScript and TypeScript alike
 * (plain `export const NAME = <int expression>`), so the two sides cannot drift apart.
 */
export * from '../../assembly/layout.js';
