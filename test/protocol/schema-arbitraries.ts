/**
 * Test helpers: fast-check arbitraries for any generated Kafka message at a given version,
 * driven by the normalized schemas the generator writes to fixtures/message-schemas.json.
 *
 * Fields absent from the version get their default value (what the decoder produces), so
 * `decode(encode(m)) deep-equals m` for every generated `m`.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import * as gen from '../../src/protocol/generated/index.js';
import { bytesToUuid } from '../../src/protocol/primitives.js';

/** [lo, hi] inclusive version range; hi null = open-ended; null = none. */
export type Range = [number, number | null] | null;

export interface FieldSchema {
  name: string;
  prop: string;
  kind: 'prim' | 'struct' | 'array';
  base: string;
  versions: Range;
  nullable: Range;
  typeNullable: boolean;
  tagged: Range;
  tag: number | null;
  defaultExpr: string;
  flexOverride?: Range;
}

export interface MessageSchema {
  file: string;
  type: 'request' | 'response' | 'header';
  apiKey: number | null;
  valid: Range;
  flexible: Range;
  fields: FieldSchema[];
  structs: Record<string, FieldSchema[]>;
}

export const SCHEMAS: Record<string, MessageSchema> = JSON.parse(
  readFileSync(new URL('./fixtures/message-schemas.json', import.meta.url), 'utf8'),
) as Record<string, MessageSchema>;

export const inRange = (r: Range, v: number): boolean => r !== null && v >= r[0] && (r[1] === null || v <= r[1]);

/** All versions of a message. */
export function versionsOf(name: string): number[] {
  const valid = SCHEMAS[name]!.valid!;
  const out: number[] = [];
  for (let v = valid[0]; v <= valid[1]!; v++) out.push(v);
  return out;
}

const generated = gen as unknown as Record<string, unknown>;

/** Look up an exported generated function by name. */
export function genFn<T extends (...args: never[]) => unknown>(name: string): T {
  const f = generated[name];
  if (typeof f !== 'function') throw new Error(`generated export ${name} not found`);
  return f as T;
}

function ifaceName(message: string, struct: string): string {
  return struct.startsWith(message) ? struct : message + struct;
}

/** Evaluate a generator default expression (see gen-codecs.mjs defaultExpr). */
export function defaultValue(expr: string): unknown {
  if (expr === 'null') return null;
  if (expr === '[]') return [];
  if (expr === 'true') return true;
  if (expr === 'false') return false;
  if (expr === 'ZERO_UUID') return 'AAAAAAAAAAAAAAAAAAAAAA';
  if (expr === 'EMPTY_BYTES') return new Uint8Array(0);
  const m = /^(create\w+)\(\)$/.exec(expr);
  if (m) return genFn<() => unknown>(m[1]!)();
  if (expr.startsWith('"')) return JSON.parse(expr);
  const n = Number(expr);
  if (Number.isNaN(n)) throw new Error(`cannot evaluate default ${expr}`);
  return n;
}

const MAX = 2 ** 53;
const stringArb = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 40, maxLength: 70 }) },
);
const bytesArb = fc.oneof(
  { weight: 10, arbitrary: fc.uint8Array({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 4096, maxLength: 4200 }) },
);

function primArb(base: string): fc.Arbitrary<unknown> {
  switch (base) {
    case 'bool':
      return fc.boolean();
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'int32':
      return fc.integer();
    case 'uint32':
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case 'int64':
      return fc.oneof(fc.maxSafeInteger(), fc.integer(), fc.constantFrom(-1, 0, MAX, -MAX));
    case 'float64':
      return fc.double();
    case 'string':
      return stringArb;
    case 'uuid':
      return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => bytesToUuid(b));
    case 'bytes':
    case 'records':
      return bytesArb;
    default:
      throw new Error(`no arbitrary for ${base}`);
  }
}

/** Arbitrary for a whole message (or struct) at version v. */
export function messageArb(message: string, v: number, maxArray = 3): fc.Arbitrary<Record<string, unknown>> {
  const schema = SCHEMAS[message]!;
  const cache = new Map<string, fc.Arbitrary<Record<string, unknown>>>();
  const structArb = (fields: FieldSchema[]): fc.Arbitrary<Record<string, unknown>> => {
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const f of fields) model[f.prop] = fieldArb(f);
    return fc.record(model);
  };
  const named = (struct: string) => {
    let a = cache.get(struct);
    if (!a) {
      const fields = schema.structs[struct];
      if (!fields) throw new Error(`${message}: unknown struct ${struct} (${ifaceName(message, struct)})`);
      a = structArb(fields);
      cache.set(struct, a);
    }
    return a;
  };
  const fieldArb = (f: FieldSchema): fc.Arbitrary<unknown> => {
    if (!inRange(f.versions, v)) return fc.constant(defaultValue(f.defaultExpr));
    let a: fc.Arbitrary<unknown>;
    if (f.kind === 'array') {
      const elem = f.base in schema.structs ? named(f.base) : primArb(f.base);
      a = fc.array(elem, { maxLength: maxArray });
    } else if (f.kind === 'struct') {
      a = named(f.base);
    } else {
      a = primArb(f.base);
    }
    if (inRange(f.nullable, v) && f.typeNullable) a = fc.option(a, { nil: null, freq: 4 });
    return a;
  };
  return structArb(schema.fields);
}

/** Deep copy with byte arrays replaced by hex strings (Buffer views vs Uint8Array compare equal). */
export function normalize(x: unknown): unknown {
  if (x instanceof Uint8Array) return { hex: Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('hex') };
  if (Array.isArray(x)) return x.map(normalize);
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(x)) out[k] = normalize(val);
    return out;
  }
  return x;
}
