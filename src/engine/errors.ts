/**
 * Kafka error codes used by the engine (mirror of assembly/errors.ts). Core functions return
 * them negated: a result < 0 is `-code`. Source: Kafka `Errors.java`, docs/protocol.html
 * "Error Codes".
 */
export const NONE = 0;
/** CORRUPT_MESSAGE (2): CRC mismatch, bad magic, bad or truncated lengths, malformed varints. */
export const CORRUPT_MESSAGE = 2;
/** MESSAGE_TOO_LARGE (10): an encoded batch does not fit (output area or int32 length). */
export const MESSAGE_TOO_LARGE = 10;
/** INVALID_RECORD (87): record-level inconsistency: count, offset deltas, max timestamp. */
export const INVALID_RECORD = 87;

const NAMES: Record<number, string> = {
  [NONE]: 'NONE',
  [CORRUPT_MESSAGE]: 'CORRUPT_MESSAGE',
  [MESSAGE_TOO_LARGE]: 'MESSAGE_TOO_LARGE',
  [INVALID_RECORD]: 'INVALID_RECORD',
};

/** Kafka name of an error code, accepting the negated form returned by the core (-2 → 'CORRUPT_MESSAGE'). */
export function errorName(code: number): string {
  return NAMES[Math.abs(code)] ?? `UNKNOWN_ERROR(${code})`;
}
