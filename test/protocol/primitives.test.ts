import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  Reader,
  Writer,
  ProtocolError,
  ZERO_UUID,
  ZERO_COPY_THRESHOLD,
  uuidToBytes,
  bytesToUuid,
  sizeOfUnsignedVarint,
} from '../../src/protocol/primitives.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

function written(fn: (w: Writer) => void): Buffer {
  const w = new Writer(16);
  fn(w);
  return w.finishSingle();
}

const MAX = 2 ** 53;
const int64Arb = fc.oneof(
  fc.maxSafeInteger(),
  fc.integer(),
  fc.constantFrom(0, -1, 1, MAX, -MAX, MAX - 1, -MAX + 1, 2 ** 32, -(2 ** 32), 2 ** 31, -(2 ** 31) - 1),
);

describe('Reader/Writer fixed-width integers', () => {
  it('encodes big-endian known values', () => {
    expect(hex(written((w) => w.writeInt8(-1)))).toBe('ff');
    expect(hex(written((w) => w.writeInt16(0x1234)))).toBe('1234');
    expect(hex(written((w) => w.writeInt16(-2)))).toBe('fffe');
    expect(hex(written((w) => w.writeUint16(65535)))).toBe('ffff');
    expect(hex(written((w) => w.writeInt32(-1)))).toBe('ffffffff');
    expect(hex(written((w) => w.writeInt32(0x01020304)))).toBe('01020304');
    expect(hex(written((w) => w.writeUint32(0xfffffffe)))).toBe('fffffffe');
    expect(hex(written((w) => w.writeInt64(-1)))).toBe('ffffffffffffffff');
    expect(hex(written((w) => w.writeInt64(0x0102030405)))).toBe('0000000102030405');
    expect(hex(written((w) => w.writeInt64(-(2 ** 32))))).toBe('ffffffff00000000');
    expect(hex(written((w) => w.writeFloat64(1.5)))).toBe('3ff8000000000000');
    expect(hex(written((w) => w.writeBool(true)))).toBe('01');
  });

  it('round-trips int8/int16/uint16/int32/uint32/bool/float64', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -128, max: 127 }),
        fc.integer({ min: -32768, max: 32767 }),
        fc.integer({ min: 0, max: 65535 }),
        fc.integer(),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.boolean(),
        fc.double(),
        (a, b, c, d, e, f, g) => {
          const buf = written((w) => {
            w.writeInt8(a);
            w.writeInt16(b);
            w.writeUint16(c);
            w.writeInt32(d);
            w.writeUint32(e);
            w.writeBool(f);
            w.writeFloat64(g);
          });
          expect(buf.length).toBe(1 + 2 + 2 + 4 + 4 + 1 + 8);
          const r = new Reader(buf);
          expect(r.readInt8()).toBe(a);
          expect(r.readInt16()).toBe(b);
          expect(r.readUint16()).toBe(c);
          expect(r.readInt32()).toBe(d);
          expect(r.readUint32()).toBe(e);
          expect(r.readBool()).toBe(f);
          expect(Object.is(r.readFloat64(), g)).toBe(true);
          expect(r.remaining()).toBe(0);
        },
      ),
    );
  });

  it('round-trips int64 within ±2^53 and matches BigInt encoding', () => {
    fc.assert(
      fc.property(int64Arb, (v) => {
        const buf = written((w) => w.writeInt64(v));
        expect(buf.readBigInt64BE(0)).toBe(BigInt(v));
        expect(new Reader(buf).readInt64()).toBe(v);
      }),
    );
  });

  it('rejects int64 beyond ±2^53 on read and write', () => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(2n ** 53n + 1n);
    expect(() => new Reader(b).readInt64()).toThrow(ProtocolError);
    b.writeBigInt64BE(-(2n ** 53n) - 1n);
    expect(() => new Reader(b).readInt64()).toThrow(ProtocolError);
    b.writeBigInt64BE(9223372036854775807n);
    expect(() => new Reader(b).readInt64()).toThrow(/int64 at offset 0/);
    b.writeBigInt64BE(2n ** 53n);
    expect(new Reader(b).readInt64()).toBe(2 ** 53);
    const w = new Writer();
    expect(() => w.writeInt64(2 ** 53 + 2)).toThrow(ProtocolError);
    expect(() => w.writeInt64(1.5)).toThrow(ProtocolError);
    expect(() => w.writeInt64(Number.NaN)).toThrow(ProtocolError);
  });
});

describe('varints', () => {
  it('encodes unsigned varints like the spec examples', () => {
    expect(hex(written((w) => w.writeUnsignedVarint(0)))).toBe('00');
    expect(hex(written((w) => w.writeUnsignedVarint(1)))).toBe('01');
    expect(hex(written((w) => w.writeUnsignedVarint(127)))).toBe('7f');
    expect(hex(written((w) => w.writeUnsignedVarint(128)))).toBe('8001');
    expect(hex(written((w) => w.writeUnsignedVarint(300)))).toBe('ac02');
    expect(hex(written((w) => w.writeUnsignedVarint(0xffffffff)))).toBe('ffffffff0f');
  });

  it('encodes zigzag varints/varlongs', () => {
    expect(hex(written((w) => w.writeVarint(0)))).toBe('00');
    expect(hex(written((w) => w.writeVarint(-1)))).toBe('01');
    expect(hex(written((w) => w.writeVarint(1)))).toBe('02');
    expect(hex(written((w) => w.writeVarint(-2)))).toBe('03');
    expect(hex(written((w) => w.writeVarint(2147483647)))).toBe('feffffff0f');
    expect(hex(written((w) => w.writeVarint(-2147483648)))).toBe('ffffffff0f');
    expect(hex(written((w) => w.writeVarlong(-1)))).toBe('01');
    expect(hex(written((w) => w.writeVarlong(63)))).toBe('7e');
    expect(hex(written((w) => w.writeVarlong(64)))).toBe('8001');
  });

  it('round-trips unsigned varints and checks sizeOfUnsignedVarint', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (v) => {
        const buf = written((w) => w.writeUnsignedVarint(v));
        expect(buf.length).toBe(sizeOfUnsignedVarint(v));
        const r = new Reader(buf);
        expect(r.readUnsignedVarint()).toBe(v);
        expect(r.remaining()).toBe(0);
      }),
    );
  });

  it('round-trips varints (int32)', () => {
    fc.assert(
      fc.property(fc.integer(), (v) => {
        expect(new Reader(written((w) => w.writeVarint(v))).readVarint()).toBe(v);
      }),
    );
  });

  it('round-trips varlongs and matches a BigInt zigzag reference', () => {
    const ref = (v: number): string => {
      let z = BigInt.asUintN(64, (BigInt(v) << 1n) ^ (BigInt(v) >> 63n));
      let out = '';
      while (z >= 0x80n) {
        out += ((Number(z & 0x7fn) | 0x80).toString(16)).padStart(2, '0');
        z >>= 7n;
      }
      return out + Number(z).toString(16).padStart(2, '0');
    };
    fc.assert(
      fc.property(int64Arb, (v) => {
        const buf = written((w) => w.writeVarlong(v));
        expect(hex(buf)).toBe(ref(v));
        const r = new Reader(buf);
        expect(r.readVarlong()).toBe(v);
        expect(r.remaining()).toBe(0);
      }),
    );
  });

  it('rejects over-long or oversized varints', () => {
    expect(() => new Reader(bytes('ffffffff10')).readUnsignedVarint()).toThrow(/exceeds 32 bits/);
    expect(() => new Reader(bytes('ffffffffff01')).readUnsignedVarint()).toThrow(ProtocolError);
    expect(() => new Reader(bytes('8080')).readUnsignedVarint()).toThrow(/truncated unsigned varint/);
    expect(() => new Reader(bytes('ffffffffffffffffffff01')).readVarlong()).toThrow(/longer than 10 bytes/);
    // zigzag(2^53 + 1) is beyond the supported range
    expect(() => new Reader(bytes('8280808080808080' + '40')).readVarlong()).toThrow(ProtocolError);
  });
});

describe('uuid', () => {
  it('uses Kafka Uuid.toString() form', () => {
    expect(bytesToUuid(new Uint8Array(16))).toBe(ZERO_UUID);
    expect(ZERO_UUID).toBe('AAAAAAAAAAAAAAAAAAAAAA');
    const b = bytes('000102030405060708090a0b0c0d0e0f');
    expect(bytesToUuid(b)).toBe('AAECAwQFBgcICQoLDA0ODw');
    expect(hex(uuidToBytes('AAECAwQFBgcICQoLDA0ODw'))).toBe('000102030405060708090a0b0c0d0e0f');
    const ff = new Uint8Array(16).fill(0xff);
    expect(bytesToUuid(ff)).toBe('_____________________w');
  });

  it('round-trips through Reader/Writer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (raw) => {
        const id = bytesToUuid(raw);
        expect(id).toHaveLength(22);
        const buf = written((w) => w.writeUuid(id));
        expect(hex(buf)).toBe(hex(raw));
        expect(new Reader(buf).readUuid()).toBe(id);
        expect(hex(uuidToBytes(id))).toBe(hex(raw));
      }),
    );
  });

  it('rejects malformed uuids', () => {
    expect(() => uuidToBytes('abc')).toThrow(ProtocolError);
    expect(() => uuidToBytes('AAAAAAAAAAAAAAAAAAAAAB')).toThrow(ProtocolError); // non-zero padding bits
    expect(() => uuidToBytes('AAAAAAAAAAAAAAAAAAAA=A')).toThrow(ProtocolError);
    expect(() => new Writer().writeUuid('not-a-uuid')).toThrow(ProtocolError);
    expect(() => new Reader(new Uint8Array(15)).readUuid()).toThrow(/truncated uuid/);
  });
});

describe('strings', () => {
  const strArb = fc.oneof(
    fc.string({ maxLength: 50 }),
    fc.string({ unit: 'binary', maxLength: 50 }),
    fc.string({ unit: 'grapheme', minLength: 40, maxLength: 200 }),
  );

  it('encodes STRING / COMPACT_STRING / nullable variants', () => {
    expect(hex(written((w) => w.writeString('abc')))).toBe('0003616263');
    expect(hex(written((w) => w.writeNullableString(null)))).toBe('ffff');
    expect(hex(written((w) => w.writeCompactString('abc')))).toBe('04616263');
    expect(hex(written((w) => w.writeCompactNullableString(null)))).toBe('00');
    expect(hex(written((w) => w.writeCompactString('')))).toBe('01');
    expect(hex(written((w) => w.writeString('é')))).toBe('0002c3a9');
    expect(hex(written((w) => w.writeCompactString('é')))).toBe('03c3a9');
    const long = 'x'.repeat(200);
    expect(hex(written((w) => w.writeCompactString(long))).slice(0, 4)).toBe('c901');
  });

  it('round-trips all string forms', () => {
    fc.assert(
      fc.property(strArb, fc.option(strArb, { nil: null }), (s, ns) => {
        const buf = written((w) => {
          w.writeString(s);
          w.writeNullableString(ns);
          w.writeCompactString(s);
          w.writeCompactNullableString(ns);
        });
        const r = new Reader(buf);
        expect(r.readString()).toBe(s);
        expect(r.readNullableString()).toBe(ns);
        expect(r.readCompactString()).toBe(s);
        expect(r.readCompactNullableString()).toBe(ns);
        expect(r.remaining()).toBe(0);
        const utf8 = Buffer.byteLength(s);
        expect(buf.subarray(0, 2).readInt16BE(0)).toBe(utf8);
      }),
    );
  });

  it('rejects null/invalid lengths for strings', () => {
    expect(() => new Reader(bytes('ffff')).readString()).toThrow(/non-nullable string at offset 0/);
    expect(() => new Reader(bytes('fffe')).readNullableString()).toThrow(/invalid length -2/);
    expect(() => new Reader(bytes('00')).readCompactString()).toThrow(/is null/);
    expect(() => new Reader(bytes('0005616263')).readString()).toThrow(/truncated string body at offset 2/);
    expect(() => new Reader(bytes('81800201')).readCompactString()).toThrow(/invalid length/);
    expect(() => new Writer().writeString('x'.repeat(0x8000))).toThrow(ProtocolError);
  });
});

describe('bytes and records', () => {
  it('returns views, not copies', () => {
    const buf = bytes('00000003 010203 04 0a0b0c 00000002 eeff');
    const r = new Reader(buf);
    const a = r.readBytes();
    const b = r.readCompactBytes();
    const c = r.readRecords();
    expect(hex(a)).toBe('010203');
    expect(hex(b)).toBe('0a0b0c');
    expect(hex(c!)).toBe('eeff');
    expect(a.buffer).toBe(buf.buffer);
    expect(c!.buffer).toBe(buf.buffer);
    buf[4] = 0x99;
    expect(a[0]).toBe(0x99);
  });

  it('handles null bytes/records', () => {
    const r = new Reader(bytes('ffffffff 00 ffffffff 00'));
    expect(r.readNullableBytes()).toBeNull();
    expect(r.readCompactNullableBytes()).toBeNull();
    expect(r.readRecords()).toBeNull();
    expect(r.readCompactRecords()).toBeNull();
    expect(() => new Reader(bytes('ffffffff')).readBytes()).toThrow(ProtocolError);
    expect(() => new Reader(bytes('fffffffe')).readNullableBytes()).toThrow(/invalid length -2/);
    expect(() => new Reader(bytes('00')).readCompactBytes()).toThrow(ProtocolError);
  });

  it('round-trips bytes of any size', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 4000, maxLength: 9000 })),
        fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null }),
        (b, nb) => {
          const w = new Writer(32);
          w.writeBytes(b);
          w.writeNullableBytes(nb);
          w.writeCompactBytes(b);
          w.writeCompactNullableBytes(nb);
          w.writeRecords(nb);
          w.writeCompactRecords(b);
          const out = w.finishSingle();
          const r = new Reader(out);
          expect(hex(r.readBytes())).toBe(hex(b));
          expect(r.readNullableBytes()).toEqual(nb === null ? null : Buffer.from(nb));
          expect(hex(r.readCompactBytes())).toBe(hex(b));
          expect(r.readCompactNullableBytes()).toEqual(nb === null ? null : Buffer.from(nb));
          expect(r.readRecords()).toEqual(nb === null ? null : Buffer.from(nb));
          expect(hex(r.readCompactRecords()!)).toBe(hex(b));
          expect(r.remaining()).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('references large payloads instead of copying them', () => {
    const big = new Uint8Array(ZERO_COPY_THRESHOLD + 10).fill(7);
    const small = new Uint8Array(10).fill(3);
    const w = new Writer(64);
    const at = w.reserveInt32();
    w.writeInt16(1);
    w.writeRecords(big);
    w.writeBytes(small);
    w.writeCompactRecords(big);
    w.patchInt32(at, w.length - 4);
    expect(w.length).toBe(4 + 2 + 4 + big.length + 4 + 10 + 2 + big.length);
    const chunks = w.finish();
    expect(chunks.filter((c) => c === big)).toHaveLength(2);
    const total = chunks.reduce((n, c) => n + c.length, 0);
    expect(total).toBe(4 + 2 + 4 + big.length + 4 + 10 + 2 + big.length);
    const joined = Buffer.concat(chunks);
    expect(joined.readInt32BE(0)).toBe(total - 4);
    const r = new Reader(joined, 4);
    expect(r.readInt16()).toBe(1);
    expect(r.readRecords()!.length).toBe(big.length);
    expect(hex(r.readBytes())).toBe(hex(small));
    expect(r.readCompactRecords()!.length).toBe(big.length);
    expect(() => w.finish()).toThrow(ProtocolError);
  });
});

describe('Writer growth and patching', () => {
  it('grows across many writes and patches reserved ints in earlier chunks', () => {
    const w = new Writer(16);
    const first = w.reserveInt32();
    const expected: number[] = [];
    for (let i = 0; i < 5000; i++) {
      w.writeInt32(i);
      expected.push(i);
    }
    const second = w.reserveInt32();
    w.writeString('tail');
    w.patchInt32(first, 0x11223344);
    w.patchInt32(second, -5);
    const out = w.finishSingle();
    expect(out.length).toBe(4 + 5000 * 4 + 4 + 2 + 4);
    const r = new Reader(out);
    expect(r.readInt32()).toBe(0x11223344);
    for (const v of expected) expect(r.readInt32()).toBe(v);
    expect(r.readInt32()).toBe(-5);
    expect(r.readString()).toBe('tail');
  });

  it('finish() returns the chunks in order', () => {
    const w = new Writer(16);
    for (let i = 0; i < 100; i++) w.writeInt8(i);
    const chunks = w.finish();
    expect(chunks.length).toBeGreaterThan(1);
    expect([...Buffer.concat(chunks)]).toEqual([...Array(100).keys()]);
  });
});

describe('arrays and tagged fields', () => {
  it('reads array lengths with null and bounds checks', () => {
    expect(new Reader(bytes('ffffffff')).readNullableArrayLength()).toBe(-1);
    expect(new Reader(bytes('00')).readCompactNullableArrayLength()).toBe(-1);
    expect(() => new Reader(bytes('ffffffff')).readArrayLength()).toThrow(/non-nullable array/);
    expect(() => new Reader(bytes('00')).readCompactArrayLength()).toThrow(/is null/);
    expect(() => new Reader(bytes('7fffffff 00')).readArrayLength()).toThrow(/2147483647 elements but only 1 bytes remain/);
    expect(() => new Reader(bytes('ffffffff0f')).readCompactArrayLength()).toThrow(ProtocolError);
    expect(new Reader(bytes('00000002 0000')).readArrayLength()).toBe(2);
    expect(new Reader(bytes('03 0000')).readCompactArrayLength()).toBe(2);
  });

  it('skips and iterates tagged fields', () => {
    const w = new Writer();
    w.writeUnsignedVarint(2);
    w.writeRawTaggedField({ tag: 0, data: bytes('aabb') });
    const payload = new Writer();
    payload.writeInt32(7);
    w.writeTaggedField(300, payload);
    w.writeInt8(42);
    const buf = w.finishSingle();
    expect(hex(buf)).toBe('02' + '0002aabb' + 'ac0204' + '00000007' + '2a');
    const r1 = new Reader(buf);
    r1.skipTaggedFields();
    expect(r1.readInt8()).toBe(42);
    const r2 = new Reader(buf);
    const fields = r2.readTaggedFields();
    expect(fields.map((f) => [f.tag, hex(f.data)])).toEqual([
      [0, 'aabb'],
      [300, '00000007'],
    ]);
    expect(r2.readInt8()).toBe(42);
    expect(() => new Reader(bytes('01 00 05 aabb')).skipTaggedFields()).toThrow(/tagged field 0 at offset 2 has size 5/);
  });
});

describe('bounds checking', () => {
  const readers: [string, (r: Reader) => unknown][] = [
    ['int8', (r) => r.readInt8()],
    ['int16', (r) => r.readInt16()],
    ['uint16', (r) => r.readUint16()],
    ['int32', (r) => r.readInt32()],
    ['uint32', (r) => r.readUint32()],
    ['int64', (r) => r.readInt64()],
    ['float64', (r) => r.readFloat64()],
    ['bool', (r) => r.readBool()],
    ['uuid', (r) => r.readUuid()],
    ['unsigned varint', (r) => r.readUnsignedVarint()],
    ['varint', (r) => r.readVarint()],
    ['varlong', (r) => r.readVarlong()],
    ['string', (r) => r.readString()],
    ['nullable string', (r) => r.readNullableString()],
    ['compact string', (r) => r.readCompactString()],
    ['compact nullable string', (r) => r.readCompactNullableString()],
    ['bytes', (r) => r.readBytes()],
    ['nullable bytes', (r) => r.readNullableBytes()],
    ['compact bytes', (r) => r.readCompactBytes()],
    ['compact nullable bytes', (r) => r.readCompactNullableBytes()],
    ['records', (r) => r.readRecords()],
    ['compact records', (r) => r.readCompactRecords()],
    ['array', (r) => r.readArrayLength()],
    ['nullable array', (r) => r.readNullableArrayLength()],
    ['compact array', (r) => r.readCompactArrayLength()],
    ['compact nullable array', (r) => r.readCompactNullableArrayLength()],
    ['tagged fields', (r) => r.skipTaggedFields()],
    ['raw', (r) => r.readRaw(3)],
  ];

  it.each(readers)('%s throws ProtocolError on empty input', (_name, read) => {
    expect(() => read(new Reader(new Uint8Array(0)))).toThrow(ProtocolError);
  });

  it('never reads past `end` and reports offsets', () => {
    const buf = bytes('0000000a 7fffffff');
    const r = new Reader(buf, 0, 4);
    expect(r.readInt32()).toBe(10);
    try {
      r.readInt32();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
      expect((e as ProtocolError).offset).toBe(4);
      expect((e as Error).message).toMatch(/truncated int32 at offset 4/);
    }
  });

  it('any prefix of valid data throws ProtocolError rather than misbehaving', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.uint8Array({ maxLength: 20 }), fc.integer(), (s, b, n) => {
        const full = written((w) => {
          w.writeCompactString(s);
          w.writeBytes(b);
          w.writeVarint(n);
          w.writeInt64(n);
          w.writeNullableString(s);
        });
        for (let cut = 0; cut < full.length; cut++) {
          const r = new Reader(full.subarray(0, cut));
          expect(() => {
            r.readCompactString();
            r.readBytes();
            r.readVarint();
            r.readInt64();
            r.readNullableString();
          }).toThrow(ProtocolError);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('rejects huge declared lengths without allocating', () => {
    expect(() => new Reader(bytes('7fffffff')).readBytes()).toThrow(/need 2147483647 byte/);
    expect(() => new Reader(bytes('ffffffff0f')).readCompactBytes()).toThrow(ProtocolError);
    expect(() => new Reader(bytes('7fffffff')).readArrayLength()).toThrow(ProtocolError);
    expect(() => new Reader(new Uint8Array(4), 2, 5)).toThrow(ProtocolError);
    expect(() => new Reader(new Uint8Array(4)).skip(5)).toThrow(ProtocolError);
  });
});
