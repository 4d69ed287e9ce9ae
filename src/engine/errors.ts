/**
 * The Kafka error codes the core returns (negated), from the same file the WASM core
 * compiles (`assembly/errors.ts`), and their names.
 */
import { errorName as kafkaErrorName } from '../protocol/error-codes.js';

export { CORRUPT_MESSAGE, INVALID_RECORD, MESSAGE_TOO_LARGE, NONE } from '../../assembly/errors.js';

/** The Kafka name of a core result code (`-2` or `2` → `CORRUPT_MESSAGE`). */
export function errorName(code: number): string {
  return kafkaErrorName(Math.abs(code));
}
