/**
 * Splits a byte stream of concatenated JSON objects (`{…}{…}` or one per line, as Confluent
 * REST Proxy v3's streamed produce sends them) into whole objects as their bytes arrive,
 * without parsing: it tracks nesting depth and strings (with escapes) only. An object larger
 * than `maxObjectBytes`, or anything but whitespace between objects, is an error: the stream
 * cannot be resynchronised after it.
 */
export class JsonObjectSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly maxObjectBytes: number) {}

  /** Bytes of the object in progress (0 between objects). */
  get partialBytes(): number {
    return this.pendingBytes;
  }

  /**
   * Feeds `chunk`; returns the objects it completed, as JSON text. Throws Error naming the
   * problem for a byte outside an object or an object above the bound.
   */
  push(chunk: Buffer): string[] {
    const out: string[] = [];
    let start = this.depth > 0 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.depth === 0) {
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
        if (c !== 0x7b) throw new Error(`expected '{' at a record's start, got ${JSON.stringify(String.fromCharCode(c))}`);
        start = i;
        this.depth = 1;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
        continue;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d || c === 0x5d) {
        this.depth--;
        if (this.depth === 0) {
          this.pending.push(chunk.subarray(start, i + 1));
          out.push(Buffer.concat(this.pending).toString('utf8'));
          this.pending = [];
          this.pendingBytes = 0;
          start = -1;
        }
      }
    }
    if (this.depth > 0 && start >= 0) {
      const rest = chunk.subarray(start);
      this.pending.push(rest);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.maxObjectBytes) throw new Error(`a record is larger than ${this.maxObjectBytes} bytes`);
    }
    return out;
  }

  /** Whether the stream ended between objects (not inside one). */
  get atBoundary(): boolean {
    return this.depth === 0;
  }
}
