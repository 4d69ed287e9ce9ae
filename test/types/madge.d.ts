/** The part of madge's API (v8) the architecture test uses; madge ships no types. */
declare module 'madge' {
  interface MadgeResult {
    /** Module → the modules it imports, paths relative to the base directory. */
    obj(): Record<string, string[]>;
    /** Every import cycle, as the modules along it. */
    circular(): string[][];
    warnings(): { skipped: string[] };
  }
  function madge(path: string, config?: { fileExtensions?: string[]; tsConfig?: string }): Promise<MadgeResult>;
  export default madge;
}
