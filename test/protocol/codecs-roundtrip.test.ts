import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Reader, Writer, ProtocolError } from '../../src/protocol/primitives.js';
import { API_DEFINITIONS, ALL_APIS, ApiKeys } from '../../src/protocol/generated/index.js';
import { SCHEMAS, versionsOf, messageArb, normalize, genFn } from './schema-arbitraries.js';

type Decode = (r: Reader, version: number) => unknown;
type Encode = (w: Writer, version: number, m: unknown) => void;

/** APIs exercised with many property-based runs per version. */
const KEY_APIS = new Set(['Produce', 'Fetch', 'Metadata', 'ApiVersions', 'CreateTopics', 'ListOffsets']);

const messageNames = Object.keys(SCHEMAS).sort();

function roundTrip(name: string, version: number, m: Record<string, unknown>): void {
  const encode = genFn<Encode>(`encode${name}`);
  const decode = genFn<Decode>(`decode${name}`);
  const w = new Writer(16); // small, to exercise growth and chunking
  encode(w, version, m);
  const len = w.length;
  const chunks = w.finish();
  const bytes = Buffer.concat(chunks);
  expect(bytes.length).toBe(len);
  const r = new Reader(bytes);
  const decoded = decode(r, version);
  expect(r.remaining()).toBe(0);
  expect(normalize(decoded)).toEqual(normalize(m));
  // Canonical: re-encoding the decoded message yields identical bytes.
  const w2 = new Writer();
  encode(w2, version, decoded);
  expect(w2.finishSingle().equals(bytes)).toBe(true);
}

describe('generated codecs: encode → decode round trip for every message and version', () => {
  for (const name of messageNames) {
    const schema = SCHEMAS[name]!;
    const api = name.replace(/(Request|Response)$/, '');
    const numRuns = KEY_APIS.has(api) ? 100 : 12;
    it(`${name} v${schema.valid![0]}-${schema.valid![1]} (${numRuns} runs/version)`, () => {
      for (const v of versionsOf(name)) {
        fc.assert(
          fc.property(messageArb(name, v), (m) => roundTrip(name, v, m)),
          { numRuns, seed: 0x6e60 + v, endOnFailure: true },
        );
      }
    });
  }
});

describe('generated codecs: truncation and corruption', () => {
  for (const name of messageNames) {
    it(`${name}: every strict prefix throws ProtocolError; corrupted bytes never throw anything else`, () => {
      const encode = genFn<Encode>(`encode${name}`);
      const decode = genFn<Decode>(`decode${name}`);
      for (const v of versionsOf(name)) {
        const samples = fc.sample(messageArb(name, v, 2), { numRuns: 3, seed: v });
        for (const m of samples) {
          const w = new Writer();
          encode(w, v, m);
          const bytes = w.finishSingle();
          for (let cut = 0; cut < bytes.length; cut++) {
            expect(() => decode(new Reader(bytes.subarray(0, cut)), v)).toThrow(ProtocolError);
          }
          for (let i = 0; i < Math.min(bytes.length, 40); i++) {
            const corrupt = Buffer.from(bytes);
            corrupt[(i * 7919) % corrupt.length] ^= 0xff;
            try {
              decode(new Reader(corrupt), v);
            } catch (e) {
              expect(e).toBeInstanceOf(ProtocolError);
            }
          }
        }
      }
    });
  }

  it('random garbage only ever yields ProtocolError', () => {
    const defs = ALL_APIS;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: defs.length - 1 }),
        fc.nat(),
        fc.uint8Array({ maxLength: 64 }),
        fc.boolean(),
        (i, vSeed, bytes, response) => {
          const def = defs[i]!;
          const v = def.minVersion + (vSeed % (def.maxVersion - def.minVersion + 1));
          try {
            if (response) def.decodeResponse(new Reader(bytes), v);
            else def.decodeRequest(new Reader(bytes), v);
          } catch (e) {
            expect(e).toBeInstanceOf(ProtocolError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('rejects unsupported versions', () => {
    const r = new Reader(new Uint8Array(64));
    expect(() => API_DEFINITIONS[ApiKeys.Produce]!.decodeRequest(r, 99)).toThrow(/unsupported ProduceRequest version 99/);
    expect(() => API_DEFINITIONS[ApiKeys.Fetch]!.encodeResponse(new Writer(), -1, {})).toThrow(ProtocolError);
  });
});
