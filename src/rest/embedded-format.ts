/**
 * Confluent REST Proxy v2's content types and embedded formats (docs.confluent.io
 * kafka-rest api.html, "Content Types"): `application/vnd.kafka[.embedded].v2+json`, where
 * the embedded format says how keys and values sit in the JSON:
 *
 *   binary  base64 strings (RFC 4648 §4), null for none
 *   json    any JSON value, stored as its JSON text (UTF-8)
 *   string  JSON strings, stored as UTF-8 (Confluent's v3 STRING type, offered in v2 too)
 *
 * `application/json` and `application/vnd.kafka.v2+json` carry no embedded data (metadata,
 * consumer instances). Avro, Protobuf and JSON Schema need a schema registry: 415.
 */
import { RestError, invalidPayload } from './rest-error.js';

export type EmbeddedFormat = 'binary' | 'json' | 'string';

/** The content type of every v2 answer. */
export const V2_JSON = 'application/vnd.kafka.v2+json';

const VENDOR = /^application\/vnd\.kafka(?:\.(binary|json|string|avro|protobuf|jsonschema))?\.v2\+json$/;

/**
 * The embedded format a request's Content-Type names (null: none). Throws RestError 415 for
 * any other type, or for Avro/Protobuf/JSON Schema.
 */
export function requestFormat(contentType: string): EmbeddedFormat | null {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return null;
  const m = VENDOR.exec(type);
  if (!m) throw new RestError(415, 415, `HTTP 415 Unsupported Media Type: ${type || '(none)'}; use application/vnd.kafka.{binary,json,string}.v2+json`);
  if (m[1] === 'avro' || m[1] === 'protobuf' || m[1] === 'jsonschema') throw new RestError(415, 415, `HTTP 415 Unsupported Media Type: ${m[1]} needs a schema registry, which Gregor does not have`);
  return (m[1] as EmbeddedFormat | undefined) ?? null;
}

/**
 * Checks an Accept header against what the proxy answers (v2 JSON, plain JSON, wildcards);
 * returns the content type to answer with, or throws RestError 406. `embedded` lets a
 * consumer's records be asked for as `application/vnd.kafka.<embedded>.v2+json`.
 */
export function responseType(accept: string, embedded: EmbeddedFormat | null = null): string {
  if (!accept) return V2_JSON;
  for (const part of accept.split(',')) {
    const type = part.split(';')[0]!.trim().toLowerCase();
    if (type === '*/*' || type === 'application/*' || type === V2_JSON || type === 'application/vnd.kafka+json') return V2_JSON;
    if (type === 'application/json') return 'application/json';
    if (embedded && type === `application/vnd.kafka.${embedded}.v2+json`) return type;
  }
  throw new RestError(406, 406, `HTTP 406 Not Acceptable: ${accept}`);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The bytes of an embedded key or value (null stays null). Throws RestError 42206 naming `field`. */
export function decodeEmbedded(format: EmbeddedFormat, value: unknown, field: string): Uint8Array | null {
  if (value === null || value === undefined) return null;
  switch (format) {
    case 'binary':
      if (typeof value !== 'string' || !BASE64.test(value)) throw invalidPayload(`${field} is not a base64 string`);
      return Buffer.from(value, 'base64');
    case 'string':
      if (typeof value !== 'string') throw invalidPayload(`${field} is not a string`);
      return Buffer.from(value, 'utf8');
    case 'json':
      return Buffer.from(JSON.stringify(value), 'utf8');
  }
}

/** The JSON form of stored bytes in `format` (for consumers); a json value that does not parse is 50002. */
export function encodeEmbedded(format: EmbeddedFormat, bytes: Uint8Array | null): unknown {
  if (bytes === null) return null;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (format) {
    case 'binary':
      return buf.toString('base64');
    case 'string':
      return buf.toString('utf8');
    case 'json':
      try {
        return JSON.parse(buf.toString('utf8'));
      } catch {
        throw new RestError(500, 50002, 'a record is not JSON; consume it with the binary format');
      }
  }
}

/** Parses a JSON request body; RestError 400 (Confluent answers Jackson's parse errors so) when it does not parse. */
export function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new RestError(400, 400, `malformed JSON: ${(err as Error).message}`);
  }
}
