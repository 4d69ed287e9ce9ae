/** Types for the compression packages that ship none (used by src/storage/cleaner/compression.ts). */
declare module 'snappyjs' {
  /** Raw (unframed) Snappy. */
  export function compress(input: Uint8Array): Uint8Array;
  export function uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
}

declare module 'lz4js' {
  /** LZ4 frame format (magic 0x184D2204). */
  export function compress(src: Uint8Array, maxSize?: number): Uint8Array;
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
}
