/**
 * Kafka protocol error codes returned (negated) by the core. Source: Kafka `Errors.java`,
 * docs/protocol.html "Error Codes". Core functions return `-CODE` so that any result < 0 is an
 * error and results >= 0 are sizes / slots.
 */

/** No error. */
export const NONE = 0;
/** CORRUPT_MESSAGE (2): CRC mismatch, bad magic, bad or truncated lengths, malformed varints. */
export const CORRUPT_MESSAGE = 2;
/** MESSAGE_TOO_LARGE (10): the encoded batch does not fit the output area / int32. */
export const MESSAGE_TOO_LARGE = 10;
/** INVALID_RECORD (87): record-level inconsistency: count, offset deltas, max timestamp. */
export const INVALID_RECORD = 87;
