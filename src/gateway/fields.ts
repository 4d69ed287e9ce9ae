/**
 * Reading and checking request fields. A missing or ill-typed field is INVALID_REQUEST
 * naming the field; a bad topic name is INVALID_TOPIC_EXCEPTION (Kafka's Topic.validate).
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { validateTopicName } from '../storage/log-manager.js';

export type Frame = Record<string, unknown>;

function invalid(message: string): never {
  throw new KafkaError(ErrorCode.INVALID_REQUEST, message);
}

/** A required string field. */
export function stringField(frame: Frame, name: string): string {
  const v = frame[name];
  if (typeof v !== 'string') invalid(`field "${name}" must be a string`);
  return v;
}

/** A topic name, checked as Kafka does. */
export function topicField(frame: Frame, name = 'topic'): string {
  const topic = stringField(frame, name);
  validateTopicName(topic);
  return topic;
}

/** An integer field in [min, max]; `fallback` when absent (required if fallback is undefined). */
export function intField(frame: Frame, name: string, min: number, max: number, fallback?: number): number {
  const v = frame[name];
  if (v === undefined || v === null) {
    if (fallback === undefined) invalid(`field "${name}" is required`);
    return fallback;
  }
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    invalid(`field "${name}" must be an integer in [${min}, ${max}], got ${typeof v === 'number' ? v : typeof v}`);
  }
  return v;
}

/** An optional boolean field. */
export function boolField(frame: Frame, name: string, fallback: boolean): boolean {
  const v = frame[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') invalid(`field "${name}" must be a boolean`);
  return v;
}

/** An optional binary field (MessagePack bin). */
export function bytesField(frame: Frame, name: string): Uint8Array | undefined {
  const v = frame[name];
  if (v === undefined || v === null) return undefined;
  if (!(v instanceof Uint8Array)) invalid(`field "${name}" must be binary`);
  return v;
}

/** An optional array field. */
export function arrayField(frame: Frame, name: string): unknown[] | undefined {
  const v = frame[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) invalid(`field "${name}" must be an array`);
  return v;
}

/** An optional map of string → string. */
export function stringMapField(frame: Frame, name: string): Record<string, string> {
  const v = frame[name];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) invalid(`field "${name}" must be a map of strings`);
  for (const [k, value] of Object.entries(v)) {
    if (typeof value !== 'string') invalid(`field "${name}.${k}" must be a string`);
  }
  return v as Record<string, string>;
}

/** A Uint8Array from a binary or string value (UTF-8); null stays null. */
export function bytesOf(value: unknown, what: string): Uint8Array | null {
  if (value === undefined || value === null) return null;
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return new TextEncoder().encode(value);
  return invalid(`${what} must be binary, a string or null`);
}

/** An optional string field that may also be nil (e.g. group.instance.id); `fallback` when absent. */
export function nullableStringField(frame: Frame, name: string, fallback: string | null = null): string | null {
  const v = frame[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') invalid(`field "${name}" must be a string or nil`);
  return v;
}

/** An optional string field with a default. */
export function optionalStringField(frame: Frame, name: string, fallback: string): string {
  const v = frame[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') invalid(`field "${name}" must be a string`);
  return v;
}

/**
 * An array of maps, each checked by `read` (which gets the map and its path, e.g.
 * `protocols[2]`; errors name nested fields by path). Required unless `optional`; an absent
 * optional array reads as null.
 */
export function mapsField<T>(frame: Frame, name: string, read: (item: Frame, path: string) => T, optional = false): T[] | null {
  const list = arrayField(frame, name);
  if (list === undefined) {
    if (optional) return null;
    invalid(`field "${name}" is required`);
  }
  return list.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item) || item instanceof Uint8Array) invalid(`field "${name}[${i}]" must be a map`);
    const path = `${name}[${i}]`;
    try {
      return read(item as Frame, path);
    } catch (err) {
      // Name the nested field by its path: field "protocols[0].metadata" …
      if (err instanceof KafkaError && err.code === ErrorCode.INVALID_REQUEST) invalid(err.message.replace(/^INVALID_REQUEST: field "/, `field "${path}.`));
      throw err;
    }
  });
}
