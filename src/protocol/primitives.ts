/**
 * Kafka wire-protocol primitive types: a bounds-checked {@link Reader} and a chunked,
 * zero-copy-capable {@link Writer}.
 *
 * Source: Kafka protocol guide (`docs/protocol.html`), section "Protocol Primitive Types"
 * (BOOLEAN, INT8..INT64, UINT16, UINT32, VARINT, VARLONG, UUID, FLOAT64, STRING,
 * COMPACT_STRING, NULLABLE_STRING, COMPACT_NULLABLE_STRING, BYTES, COMPACT_BYTES,
 * NULLABLE_BYTES, COMPACT_NULLABLE_BYTES, RECORDS, COMPACT_RECORDS, ARRAY, COMPACT_ARRAY,
 * UNSIGNED_VARINT) and KIP-482 tagged fields ("Request and Response Headers" / flexible versions).
 *
 * All multi-byte integers are big-endian. 64-bit integers are represented as JS `number`s and
 * must lie within ±2^53 (checked on both read and write); no BigInt on the hot path.
 *
 * Reads never allocate based on an unchecked length: every length prefix is validated against
 * the remaining bytes before use, and byte/record fields are returned as views (subarrays) of
 * the input, never copies.
 */

/**
 * Thrown for any malformed, truncated or out-of-range wire data (and for values that cannot be
 * encoded, e.g. a null in a non-nullable field or an int64 outside ±2^53).
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  /** Byte offset (into the reader's buffer) where the problem was detected, or -1. */
  readonly offset: number;

  constructor(message: string, offset = -1) {
    super(message);
    this.offset = offset;
  }
}

/** Kafka's all-zero UUID (`Uuid.ZERO_UUID`) in its `Uuid.toString()` form. */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** Shared zero-length byte array (the default for non-nullable `bytes` fields). Never mutate. */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/** Byte fields at least this large are referenced by the {@link Writer} instead of copied. */
export const ZERO_COPY_THRESHOLD = 4096;

const TWO_POW_32 = 4294967296;
const MAX_INT64_ABS = 9007199254740992; // 2^53
const MAX_STRING_BYTES = 0x7fff;
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** base64url char code -> 6-bit value, or -1. */
const B64URL_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64URL_VALUE[B64URL.charCodeAt(i)] = i;

/** Encode 16 bytes at `o` as 22-char base64url without padding (Kafka `Uuid.toString()`). */
function encodeUuid(b: Uint8Array, o: number): string {
  let s = '';
  for (let i = o, end = o + 15; i < end; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += B64URL[n >>> 18]! + B64URL[(n >>> 12) & 63]! + B64URL[(n >>> 6) & 63]! + B64URL[n & 63]!;
  }
  const last = b[o + 15]!;
  return s + B64URL[last >>> 2]! + B64URL[(last & 3) << 4]!;
}

/**
 * Decode a 22-char base64url UUID into `out` at `o`. Returns false (leaving `out` partly
 * written) if the string is not exactly 22 valid chars encoding 16 bytes (zero padding bits).
 */
function decodeUuidInto(uuid: string, out: Uint8Array, o: number): boolean {
  if (uuid.length !== 22) return false;
  let j = o;
  for (let i = 0; i < 20; i += 4) {
    const c0 = uuid.charCodeAt(i);
    const c1 = uuid.charCodeAt(i + 1);
    const c2 = uuid.charCodeAt(i + 2);
    const c3 = uuid.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) >= 128) return false;
    const v0 = B64URL_VALUE[c0]!;
    const v1 = B64URL_VALUE[c1]!;
    const v2 = B64URL_VALUE[c2]!;
    const v3 = B64URL_VALUE[c3]!;
    if ((v0 | v1 | v2 | v3) < 0) return false;
    const n = (v0 << 18) | (v1 << 12) | (v2 << 6) | v3;
    out[j++] = n >>> 16;
    out[j++] = (n >>> 8) & 0xff;
    out[j++] = n & 0xff;
  }
  const c0 = uuid.charCodeAt(20);
  const c1 = uuid.charCodeAt(21);
  if ((c0 | c1) >= 128) return false;
  const v0 = B64URL_VALUE[c0]!;
  const v1 = B64URL_VALUE[c1]!;
  if ((v0 | v1) < 0 || (v1 & 15) !== 0) return false;
  out[j] = (v0 << 2) | (v1 >>> 4);
  return true;
}

function invalidUuid(uuid: string): ProtocolError {
  return new ProtocolError(`invalid uuid ${JSON.stringify(uuid)} (expected 22-char base64url of 16 bytes)`);
}

/**
 * Convert a UUID in Kafka's `Uuid.toString()` form (22-char base64url, no padding) to its
 * 16 bytes.
 * @throws ProtocolError if the string is not a valid 22-char base64url encoding of 16 bytes.
 */
export function uuidToBytes(uuid: string): Uint8Array {
  const out = new Uint8Array(16);
  if (!decodeUuidInto(uuid, out, 0)) throw invalidUuid(uuid);
  return out;
}

/**
 * Convert 16 bytes (starting at `offset`) to Kafka's `Uuid.toString()` form: 22-char base64url
 * without padding. The all-zero UUID yields {@link ZERO_UUID}.
 * @throws ProtocolError if fewer than 16 bytes are available.
 */
export function bytesToUuid(bytes: Uint8Array, offset = 0): string {
  if (offset < 0 || bytes.length - offset < 16) {
    throw new ProtocolError(`uuid needs 16 bytes at offset ${offset}, have ${bytes.length - offset}`, offset);
  }
  return encodeUuid(bytes, offset);
}

/**
 * Return `value`, or throw if it is null. Used by generated encoders for fields whose type is
 * nullable in some versions but not in the version being written.
 * @throws ProtocolError naming `field` when `value` is null.
 */
export function nonNull<T>(value: T | null, field: string): T {
  if (value === null) throw new ProtocolError(`non-nullable field ${field} is null`);
  return value;
}

/** One raw tagged field (KIP-482): its tag and a view of its payload bytes. */
export interface RawTaggedField {
  tag: number;
  data: Uint8Array;
}

type Utf8Sliceable = { utf8Slice(start: number, end: number): string };

/**
 * UTF-8 decode `b[start, end)`. Uses Buffer's internal `utf8Slice` when present (about twice as
 * fast as `toString('utf8', ...)`, which adds argument normalization), else `toString`.
 */
const utf8Slice: (b: Buffer, start: number, end: number) => string =
  typeof (Buffer.prototype as unknown as Partial<Utf8Sliceable>).utf8Slice === 'function'
    ? (b, start, end) => (b as unknown as Utf8Sliceable).utf8Slice(start, end)
    : (b, start, end) => b.toString('utf8', start, end);

function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** Number of bytes an unsigned varint encoding of `v` (0 <= v < 2^32) takes. */
export function sizeOfUnsignedVarint(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

/**
 * Bounds-checked big-endian reader over a byte array. `offset` advances as values are read.
 * Every read throws {@link ProtocolError} on truncation or invalid lengths, naming the type
 * being read and the offset; nothing is allocated before its length has been validated.
 */
export class Reader {
  /** The underlying bytes (a Buffer view sharing memory with the constructor argument). */
  readonly buf: Buffer;
  /** Current read position (absolute index into {@link buf}). */
  offset: number;
  /** Exclusive end of readable data (absolute index into {@link buf}). */
  readonly end: number;

  /**
   * @param buf bytes to read (not copied)
   * @param offset start position (default 0)
   * @param end exclusive end position (default `buf.length`)
   */
  constructor(buf: Uint8Array, offset = 0, end = buf.length) {
    if (offset < 0 || end > buf.length || offset > end) {
      throw new ProtocolError(`invalid reader bounds [${offset}, ${end}) for ${buf.length} bytes`, offset);
    }
    this.buf = asBuffer(buf);
    this.offset = offset;
    this.end = end;
  }

  /** Bytes left between {@link offset} and {@link end}. */
  remaining(): number {
    return this.end - this.offset;
  }

  private truncated(what: string, need: number): ProtocolError {
    return new ProtocolError(
      `truncated ${what} at offset ${this.offset}: need ${need} byte(s), ${this.end - this.offset} remaining`,
      this.offset,
    );
  }

  /** Advance by `n` bytes. @throws ProtocolError if fewer than `n` bytes remain. */
  skip(n: number): void {
    if (n < 0 || this.end - this.offset < n) throw this.truncated('skip', n);
    this.offset += n;
  }

  /** Return a view of the next `n` bytes (no copy). @throws ProtocolError if truncated. */
  readRaw(n: number): Uint8Array {
    const o = this.offset;
    if (n < 0 || this.end - o < n) throw this.truncated('raw bytes', n);
    this.offset = o + n;
    return this.buf.subarray(o, o + n);
  }

  /** INT8. */
  readInt8(): number {
    const o = this.offset;
    if (o >= this.end) throw this.truncated('int8', 1);
    this.offset = o + 1;
    return (this.buf[o]! << 24) >> 24;
  }

  /** Unsigned 8-bit integer (not a Kafka schema type; used by record parsing). */
  readUint8(): number {
    const o = this.offset;
    if (o >= this.end) throw this.truncated('uint8', 1);
    this.offset = o + 1;
    return this.buf[o]!;
  }

  /** BOOLEAN: one byte, any non-zero value is true. */
  readBool(): boolean {
    const o = this.offset;
    if (o >= this.end) throw this.truncated('bool', 1);
    this.offset = o + 1;
    return this.buf[o] !== 0;
  }

  /** INT16. */
  readInt16(): number {
    const o = this.offset;
    if (this.end - o < 2) throw this.truncated('int16', 2);
    const b = this.buf;
    this.offset = o + 2;
    return ((b[o]! << 24) | (b[o + 1]! << 16)) >> 16;
  }

  /** UINT16. */
  readUint16(): number {
    const o = this.offset;
    if (this.end - o < 2) throw this.truncated('uint16', 2);
    const b = this.buf;
    this.offset = o + 2;
    return (b[o]! << 8) | b[o + 1]!;
  }

  /** INT32. */
  readInt32(): number {
    const o = this.offset;
    if (this.end - o < 4) throw this.truncated('int32', 4);
    const b = this.buf;
    this.offset = o + 4;
    return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  }

  /** UINT32 (0 .. 2^32-1). */
  readUint32(): number {
    const o = this.offset;
    if (this.end - o < 4) throw this.truncated('uint32', 4);
    const b = this.buf;
    this.offset = o + 4;
    return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  }

  /**
   * INT64 as a JS number (hi * 2^32 + lo).
   * @throws ProtocolError if truncated or if |value| > 2^53 (not exactly representable).
   */
  readInt64(): number {
    const o = this.offset;
    if (this.end - o < 8) throw this.truncated('int64', 8);
    const b = this.buf;
    const hi = (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
    const lo = ((b[o + 4]! << 24) | (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!) >>> 0;
    if (hi >= 0x200000 || hi < -0x200000) {
      if (!(hi === 0x200000 && lo === 0)) {
        throw new ProtocolError(`int64 at offset ${o} exceeds ±2^53 (hi word 0x${(hi >>> 0).toString(16)})`, o);
      }
    }
    this.offset = o + 8;
    return hi * TWO_POW_32 + lo;
  }

  /** FLOAT64 (IEEE 754 double, big-endian). */
  readFloat64(): number {
    const o = this.offset;
    if (this.end - o < 8) throw this.truncated('float64', 8);
    this.offset = o + 8;
    return this.buf.readDoubleBE(o);
  }

  /**
   * UNSIGNED_VARINT (LEB128, up to 5 bytes, value < 2^32).
   * @throws ProtocolError if truncated or longer than 5 bytes / larger than 32 bits.
   */
  readUnsignedVarint(): number {
    const b = this.buf;
    const end = this.end;
    let o = this.offset;
    if (o >= end) throw this.truncated('unsigned varint', 1);
    let byte = b[o++]!;
    if (byte < 0x80) {
      this.offset = o;
      return byte;
    }
    let value = byte & 0x7f;
    let shift = 7;
    for (;;) {
      if (o >= end) throw this.truncated('unsigned varint', 1);
      byte = b[o++]!;
      if (shift === 28) {
        if (byte > 0x0f) {
          throw new ProtocolError(`unsigned varint at offset ${this.offset} exceeds 32 bits`, this.offset);
        }
        value += byte * 0x10000000;
        break;
      }
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) break;
      shift += 7;
    }
    this.offset = o;
    return value;
  }

  /** VARINT: zigzag-encoded signed 32-bit varint (used inside record batches). */
  readVarint(): number {
    const u = this.readUnsignedVarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /**
   * VARLONG: zigzag-encoded signed 64-bit varint (up to 10 bytes) as a JS number.
   * @throws ProtocolError if truncated, malformed, or |value| > 2^53.
   */
  readVarlong(): number {
    const b = this.buf;
    const end = this.end;
    const start = this.offset;
    let o = start;
    // Accumulate the unsigned 64-bit zigzag value as lo (28 bits) + hi * 2^28 to stay exact.
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (;;) {
      if (o >= end) throw this.truncated('varlong', 1);
      const byte = b[o++]!;
      if (shift < 28) {
        lo += (byte & 0x7f) * 2 ** shift;
      } else {
        hi += (byte & 0x7f) * 2 ** (shift - 28);
      }
      if (byte < 0x80) break;
      shift += 7;
      if (shift > 63) throw new ProtocolError(`varlong at offset ${start} is longer than 10 bytes`, start);
    }
    // zigzag value z = hi * 2^28 + lo (may exceed 2^53, so never form it directly):
    // sign = z & 1, magnitude a = z >>> 1 = hi * 2^27 + (lo >>> 1); value = sign ? -a - 1 : a.
    const sign = lo % 2;
    const half = (lo - sign) / 2;
    if (hi > 0x4000000 || (hi === 0x4000000 && (half !== 0 || sign === 1))) {
      throw new ProtocolError(`varlong at offset ${start} exceeds ±2^53`, start);
    }
    this.offset = o;
    const a = hi * 0x8000000 + half;
    return sign === 0 ? a : -a - 1;
  }

  /** UUID: 16 bytes, returned in Kafka's `Uuid.toString()` form (22-char base64url). */
  readUuid(): string {
    const o = this.offset;
    if (this.end - o < 16) throw this.truncated('uuid', 16);
    this.offset = o + 16;
    return encodeUuid(this.buf, o);
  }

  private stringBody(len: number, what: string, lenStart: number): string {
    if (len > MAX_STRING_BYTES) {
      throw new ProtocolError(`${what} at offset ${lenStart} has invalid length ${len}`, lenStart);
    }
    const o = this.offset;
    if (this.end - o < len) throw this.truncated(`${what} body`, len);
    this.offset = o + len;
    return utf8Slice(this.buf, o, o + len);
  }

  /** STRING: int16 length + UTF-8 bytes. @throws ProtocolError on null (-1) or bad length. */
  readString(): string {
    const start = this.offset;
    const len = this.readInt16();
    if (len < 0) throw new ProtocolError(`non-nullable string at offset ${start} has length ${len}`, start);
    return this.stringBody(len, 'string', start);
  }

  /** NULLABLE_STRING: int16 length (-1 = null) + UTF-8 bytes. */
  readNullableString(): string | null {
    const start = this.offset;
    const len = this.readInt16();
    if (len < 0) {
      if (len === -1) return null;
      throw new ProtocolError(`nullable string at offset ${start} has invalid length ${len}`, start);
    }
    return this.stringBody(len, 'nullable string', start);
  }

  /** COMPACT_STRING: unsigned varint (length + 1) + UTF-8 bytes. @throws ProtocolError on null. */
  readCompactString(): string {
    const start = this.offset;
    const n = this.readUnsignedVarint();
    if (n === 0) throw new ProtocolError(`non-nullable compact string at offset ${start} is null`, start);
    return this.stringBody(n - 1, 'compact string', start);
  }

  /** COMPACT_NULLABLE_STRING: unsigned varint (length + 1, 0 = null) + UTF-8 bytes. */
  readCompactNullableString(): string | null {
    const start = this.offset;
    const n = this.readUnsignedVarint();
    if (n === 0) return null;
    return this.stringBody(n - 1, 'compact nullable string', start);
  }

  private bytesBody(len: number, what: string): Uint8Array {
    const o = this.offset;
    if (this.end - o < len) throw this.truncated(`${what} body`, len);
    this.offset = o + len;
    return this.buf.subarray(o, o + len);
  }

  /** BYTES: int32 length + bytes, returned as a view. @throws ProtocolError on null or bad length. */
  readBytes(): Uint8Array {
    const start = this.offset;
    const len = this.readInt32();
    if (len < 0) throw new ProtocolError(`non-nullable bytes at offset ${start} has length ${len}`, start);
    return this.bytesBody(len, 'bytes');
  }

  /** NULLABLE_BYTES: int32 length (-1 = null) + bytes, returned as a view. */
  readNullableBytes(): Uint8Array | null {
    const start = this.offset;
    const len = this.readInt32();
    if (len < 0) {
      if (len === -1) return null;
      throw new ProtocolError(`nullable bytes at offset ${start} has invalid length ${len}`, start);
    }
    return this.bytesBody(len, 'nullable bytes');
  }

  /** COMPACT_BYTES: unsigned varint (length + 1) + bytes, as a view. @throws ProtocolError on null. */
  readCompactBytes(): Uint8Array {
    const start = this.offset;
    const n = this.readUnsignedVarint();
    if (n === 0) throw new ProtocolError(`non-nullable compact bytes at offset ${start} is null`, start);
    return this.bytesBody(n - 1, 'compact bytes');
  }

  /** COMPACT_NULLABLE_BYTES: unsigned varint (length + 1, 0 = null) + bytes, as a view. */
  readCompactNullableBytes(): Uint8Array | null {
    const n = this.readUnsignedVarint();
    if (n === 0) return null;
    return this.bytesBody(n - 1, 'compact nullable bytes');
  }

  /** RECORDS (non-flexible): same wire form as NULLABLE_BYTES; returns a view or null. */
  readRecords(): Uint8Array | null {
    return this.readNullableBytes();
  }

  /** COMPACT_RECORDS (flexible): same wire form as COMPACT_NULLABLE_BYTES; a view or null. */
  readCompactRecords(): Uint8Array | null {
    return this.readCompactNullableBytes();
  }

  private checkCount(n: number, what: string, start: number): number {
    if (n > this.end - this.offset) {
      throw new ProtocolError(
        `${what} at offset ${start} has ${n} elements but only ${this.end - this.offset} bytes remain`,
        start,
      );
    }
    return n;
  }

  /**
   * ARRAY length: int32 element count (>= 0). The count is checked against the remaining
   * bytes (every element takes at least one byte in practice, as Kafka's own check assumes).
   * @throws ProtocolError on null (-1), negative or excessive counts.
   */
  readArrayLength(): number {
    const start = this.offset;
    const n = this.readInt32();
    if (n < 0) throw new ProtocolError(`non-nullable array at offset ${start} has length ${n}`, start);
    return this.checkCount(n, 'array', start);
  }

  /** Nullable ARRAY length: int32 element count, -1 for null. @throws ProtocolError otherwise invalid. */
  readNullableArrayLength(): number {
    const start = this.offset;
    const n = this.readInt32();
    if (n < 0) {
      if (n === -1) return -1;
      throw new ProtocolError(`nullable array at offset ${start} has invalid length ${n}`, start);
    }
    return this.checkCount(n, 'nullable array', start);
  }

  /** COMPACT_ARRAY length: unsigned varint (count + 1). @throws ProtocolError on null or excessive count. */
  readCompactArrayLength(): number {
    const start = this.offset;
    const n = this.readUnsignedVarint();
    if (n === 0) throw new ProtocolError(`non-nullable compact array at offset ${start} is null`, start);
    return this.checkCount(n - 1, 'compact array', start);
  }

  /** Nullable COMPACT_ARRAY length: unsigned varint (count + 1), returns -1 for null (0 on the wire). */
  readCompactNullableArrayLength(): number {
    const start = this.offset;
    const n = this.readUnsignedVarint();
    if (n === 0) return -1;
    return this.checkCount(n - 1, 'compact nullable array', start);
  }

  /**
   * Read the size prefix of one tagged field and return the absolute offset where its payload
   * ends. Use with {@link endTaggedField} after decoding the payload.
   * @throws ProtocolError if the size exceeds the remaining bytes.
   */
  beginTaggedField(tag: number): number {
    const start = this.offset;
    const size = this.readUnsignedVarint();
    if (size > this.end - this.offset) {
      throw new ProtocolError(
        `tagged field ${tag} at offset ${start} has size ${size} but only ${this.end - this.offset} bytes remain`,
        start,
      );
    }
    return this.offset + size;
  }

  /** Verify a known tagged field's payload was consumed exactly. @throws ProtocolError otherwise. */
  endTaggedField(tag: number, end: number): void {
    if (this.offset !== end) {
      throw new ProtocolError(
        `tagged field ${tag} payload ends at offset ${this.offset}, declared end ${end}`,
        this.offset,
      );
    }
  }

  /** Skip a whole tagged-field section (count, then tag/size/payload triples). */
  skipTaggedFields(): void {
    const count = this.readUnsignedVarint();
    for (let i = 0; i < count; i++) {
      const tag = this.readUnsignedVarint();
      this.offset = this.beginTaggedField(tag);
    }
  }

  /** Read a whole tagged-field section, returning each field's tag and a view of its payload. */
  readTaggedFields(): RawTaggedField[] {
    const count = this.readUnsignedVarint();
    const out: RawTaggedField[] = [];
    for (let i = 0; i < count; i++) {
      const tag = this.readUnsignedVarint();
      const end = this.beginTaggedField(tag);
      out.push({ tag, data: this.buf.subarray(this.offset, end) });
      this.offset = end;
    }
    return out;
  }
}

/**
 * Growable big-endian writer. Output is a list of chunks: slices of the writer's own scratch
 * buffers plus references to external byte arrays of at least {@link ZERO_COPY_THRESHOLD}
 * bytes (records / bytes fields are never copied when large). Call {@link finish} once to get
 * the chunks (e.g. for `socket.cork()` + one `write` per chunk), or {@link finishSingle} to get
 * one contiguous Buffer.
 *
 * Integer writes truncate to their width (two's complement) without range checks, like a
 * C cast; int64 values are checked to lie within ±2^53.
 */
export class Writer {
  private buf: Buffer;
  private pos = 0;
  /** Start (in `buf`) of the region not yet pushed to `chunks`. */
  private chunkStart = 0;
  private readonly chunks: Uint8Array[] = [];
  /** Total bytes in `chunks`. */
  private flushed = 0;
  private finished = false;

  /** @param initialCapacity initial scratch buffer size in bytes (default 1024). */
  constructor(initialCapacity = 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialCapacity));
  }

  /** Total bytes written so far, including referenced external chunks. */
  get length(): number {
    return this.flushed + this.pos - this.chunkStart;
  }

  private flushRegion(): void {
    if (this.pos > this.chunkStart) {
      this.chunks.push(this.buf.subarray(this.chunkStart, this.pos));
      this.flushed += this.pos - this.chunkStart;
      this.chunkStart = this.pos;
    }
  }

  /** Make room for `n` more contiguous bytes in the scratch buffer. */
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.finished) throw new ProtocolError('Writer used after finish()');
    // Keep already-written bytes where they are (as a chunk) and continue in a new buffer:
    // no copying of earlier output, and earlier reserved positions stay patchable.
    this.flushRegion();
    const size = Math.max(n, this.buf.length * 2);
    this.buf = Buffer.allocUnsafe(size);
    this.pos = 0;
    this.chunkStart = 0;
  }

  /** INT8. */
  writeInt8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }

  /** BOOLEAN (1 or 0). */
  writeBool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  /** INT16. */
  writeInt16(v: number): void {
    this.ensure(2);
    const b = this.buf;
    const p = this.pos;
    b[p] = (v >>> 8) & 0xff;
    b[p + 1] = v & 0xff;
    this.pos = p + 2;
  }

  /** UINT16. */
  writeUint16(v: number): void {
    this.writeInt16(v);
  }

  /** INT32. */
  writeInt32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = (v >>> 24) & 0xff;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
    this.pos = p + 4;
  }

  /** UINT32. */
  writeUint32(v: number): void {
    this.writeInt32(v);
  }

  /** INT64 from a JS number. @throws ProtocolError if not an integer within ±2^53. */
  writeInt64(v: number): void {
    if (!(v >= -MAX_INT64_ABS && v <= MAX_INT64_ABS) || Math.floor(v) !== v) {
      throw new ProtocolError(`int64 value ${v} is not an integer within ±2^53`);
    }
    const hi = Math.floor(v / TWO_POW_32);
    const lo = v - hi * TWO_POW_32;
    this.ensure(8);
    const b = this.buf;
    const p = this.pos;
    b[p] = (hi >>> 24) & 0xff;
    b[p + 1] = (hi >>> 16) & 0xff;
    b[p + 2] = (hi >>> 8) & 0xff;
    b[p + 3] = hi & 0xff;
    b[p + 4] = (lo >>> 24) & 0xff;
    b[p + 5] = (lo >>> 16) & 0xff;
    b[p + 6] = (lo >>> 8) & 0xff;
    b[p + 7] = lo & 0xff;
    this.pos = p + 8;
  }

  /** FLOAT64 (IEEE 754 double, big-endian). */
  writeFloat64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  /** UNSIGNED_VARINT (0 <= v < 2^32). */
  writeUnsignedVarint(v: number): void {
    this.ensure(5);
    const b = this.buf;
    let p = this.pos;
    let x = v >>> 0;
    while (x >= 0x80) {
      b[p++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    b[p++] = x;
    this.pos = p;
  }

  /** VARINT: zigzag-encoded signed 32-bit value. */
  writeVarint(v: number): void {
    this.writeUnsignedVarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  /** VARLONG: zigzag-encoded signed 64-bit value. @throws ProtocolError if not within ±2^53. */
  writeVarlong(v: number): void {
    if (!(v >= -MAX_INT64_ABS && v <= MAX_INT64_ABS) || Math.floor(v) !== v) {
      throw new ProtocolError(`varlong value ${v} is not an integer within ±2^53`);
    }
    // zigzag without forming 2|v| (which may exceed 2^53): z = 2a + sign, a = v or -v - 1.
    const neg = v < 0;
    let a = neg ? -v - 1 : v;
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    const first = (a % 64) * 2 + (neg ? 1 : 0);
    a = Math.floor(a / 64);
    if (a === 0) {
      b[p++] = first;
    } else {
      b[p++] = first | 0x80;
      while (a >= 0x80) {
        b[p++] = (a % 0x80) | 0x80;
        a = Math.floor(a / 0x80);
      }
      b[p++] = a;
    }
    this.pos = p;
  }

  /** UUID from its `Uuid.toString()` form. @throws ProtocolError if malformed. */
  writeUuid(uuid: string): void {
    this.ensure(16);
    const b = this.buf;
    const p = this.pos;
    if (!decodeUuidInto(uuid, b, p)) throw invalidUuid(uuid);
    this.pos = p + 16;
  }

  /**
   * Write the UTF-8 bytes of `s` at `at` (capacity already ensured) and return the byte count.
   * ASCII strings of moderate length are written with a JS loop (faster than the native call).
   */
  private utf8At(s: string, at: number): number {
    const n = s.length;
    const b = this.buf;
    if (n <= 64) {
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[at + i] = c;
      }
      if (i === n) return n;
    }
    return b.write(s, at, 'utf8');
  }

  private stringWithInt16Length(s: string): void {
    this.ensure(2 + s.length * 3);
    const p = this.pos;
    const len = this.utf8At(s, p + 2);
    if (len > MAX_STRING_BYTES) throw new ProtocolError(`string of ${len} bytes exceeds ${MAX_STRING_BYTES}`);
    this.buf[p] = len >>> 8;
    this.buf[p + 1] = len & 0xff;
    this.pos = p + 2 + len;
  }

  private stringWithVarintLength(s: string): void {
    const max = s.length * 3;
    this.ensure(5 + max);
    if (max + 1 < 0x80) {
      // Length prefix is certainly one byte: write the body right after it.
      const p = this.pos;
      const len = this.utf8At(s, p + 1);
      this.buf[p] = len + 1;
      this.pos = p + 1 + len;
      return;
    }
    const len = Buffer.byteLength(s, 'utf8');
    if (len > MAX_STRING_BYTES) throw new ProtocolError(`string of ${len} bytes exceeds ${MAX_STRING_BYTES}`);
    this.writeUnsignedVarint(len + 1);
    this.pos += this.utf8At(s, this.pos);
  }

  /** STRING: int16 length + UTF-8. @throws ProtocolError if longer than 32767 bytes. */
  writeString(s: string): void {
    this.stringWithInt16Length(s);
  }

  /** NULLABLE_STRING: int16 length (-1 = null) + UTF-8. */
  writeNullableString(s: string | null): void {
    if (s === null) this.writeInt16(-1);
    else this.stringWithInt16Length(s);
  }

  /** COMPACT_STRING: unsigned varint (length + 1) + UTF-8. */
  writeCompactString(s: string): void {
    this.stringWithVarintLength(s);
  }

  /** COMPACT_NULLABLE_STRING: unsigned varint (length + 1, 0 = null) + UTF-8. */
  writeCompactNullableString(s: string | null): void {
    if (s === null) this.writeUnsignedVarint(0);
    else this.stringWithVarintLength(s);
  }

  /**
   * Append raw bytes with no length prefix. Arrays of at least {@link ZERO_COPY_THRESHOLD}
   * bytes are referenced (not copied): the caller must not mutate them until the output has
   * been consumed.
   */
  writeRaw(bytes: Uint8Array): void {
    const n = bytes.length;
    if (n >= ZERO_COPY_THRESHOLD) {
      this.flushRegion();
      this.chunks.push(bytes);
      this.flushed += n;
      return;
    }
    this.ensure(n);
    this.buf.set(bytes, this.pos);
    this.pos += n;
  }

  /** BYTES: int32 length + bytes (large arrays referenced, see {@link writeRaw}). */
  writeBytes(bytes: Uint8Array): void {
    this.writeInt32(bytes.length);
    this.writeRaw(bytes);
  }

  /** NULLABLE_BYTES: int32 length (-1 = null) + bytes. */
  writeNullableBytes(bytes: Uint8Array | null): void {
    if (bytes === null) {
      this.writeInt32(-1);
    } else {
      this.writeInt32(bytes.length);
      this.writeRaw(bytes);
    }
  }

  /** COMPACT_BYTES: unsigned varint (length + 1) + bytes. */
  writeCompactBytes(bytes: Uint8Array): void {
    this.writeUnsignedVarint(bytes.length + 1);
    this.writeRaw(bytes);
  }

  /** COMPACT_NULLABLE_BYTES: unsigned varint (length + 1, 0 = null) + bytes. */
  writeCompactNullableBytes(bytes: Uint8Array | null): void {
    if (bytes === null) {
      this.writeUnsignedVarint(0);
    } else {
      this.writeUnsignedVarint(bytes.length + 1);
      this.writeRaw(bytes);
    }
  }

  /** RECORDS (non-flexible): int32 length (-1 = null) + record batches (referenced when large). */
  writeRecords(records: Uint8Array | null): void {
    this.writeNullableBytes(records);
  }

  /** COMPACT_RECORDS (flexible): unsigned varint (length + 1, 0 = null) + record batches. */
  writeCompactRecords(records: Uint8Array | null): void {
    this.writeCompactNullableBytes(records);
  }

  /** ARRAY length: int32 count; pass -1 for a null array. */
  writeArrayLength(n: number): void {
    this.writeInt32(n);
  }

  /** COMPACT_ARRAY length: unsigned varint (count + 1); pass -1 for a null array. */
  writeCompactArrayLength(n: number): void {
    this.writeUnsignedVarint(n + 1);
  }

  /** An empty tagged-field section (a single 0 varint). */
  writeEmptyTaggedFields(): void {
    this.ensure(1);
    this.buf[this.pos++] = 0;
  }

  /**
   * Append the tag, size and payload of one tagged field whose payload was written into the
   * separate writer `payload` (which must not be used afterwards).
   */
  writeTaggedField(tag: number, payload: Writer): void {
    this.writeUnsignedVarint(tag);
    this.writeUnsignedVarint(payload.length);
    for (const chunk of payload.finish()) this.writeRaw(chunk);
  }

  /** Append a raw tagged field (tag, size, payload bytes). */
  writeRawTaggedField(field: RawTaggedField): void {
    this.writeUnsignedVarint(field.tag);
    this.writeUnsignedVarint(field.data.length);
    this.writeRaw(field.data);
  }

  /**
   * Reserve 4 bytes (e.g. a frame size prefix) to be filled later with {@link patchInt32}.
   * @returns the logical position of the reserved bytes (as counted by {@link length}).
   */
  reserveInt32(): number {
    this.ensure(4);
    const at = this.length;
    this.pos += 4;
    return at;
  }

  /** Fill 4 bytes previously reserved at logical position `at` with the INT32 `value`. */
  patchInt32(at: number, value: number): void {
    let target: Uint8Array;
    let i: number;
    if (at >= this.flushed) {
      target = this.buf;
      i = this.chunkStart + (at - this.flushed);
    } else {
      let start = 0;
      let k = 0;
      for (; k < this.chunks.length; k++) {
        const len = this.chunks[k]!.length;
        if (at < start + len) break;
        start += len;
      }
      const chunk = this.chunks[k];
      if (chunk === undefined || at - start + 4 > chunk.length) {
        throw new ProtocolError(`patchInt32: position ${at} is not a reserved int32`);
      }
      target = chunk;
      i = at - start;
    }
    target[i] = (value >>> 24) & 0xff;
    target[i + 1] = (value >>> 16) & 0xff;
    target[i + 2] = (value >>> 8) & 0xff;
    target[i + 3] = value & 0xff;
  }

  /**
   * Finish writing and return the output chunks in order (scratch slices and referenced
   * external arrays). The writer must not be written to afterwards.
   * @throws ProtocolError if called twice.
   */
  finish(): Uint8Array[] {
    if (this.finished) throw new ProtocolError('Writer.finish() called twice');
    this.flushRegion();
    this.finished = true;
    return this.chunks;
  }

  /** Finish writing and return all output as one contiguous Buffer (copies only if chunked). */
  finishSingle(): Buffer {
    const total = this.length;
    const chunks = this.finish();
    if (chunks.length === 1) return asBuffer(chunks[0]!);
    return Buffer.concat(chunks, total);
  }
}
