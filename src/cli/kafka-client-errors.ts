/**
 * How the console and perf tools describe a @platformatic/kafka failure in one line: the Kafka
 * error name the client carries (`apiId`, e.g. MESSAGE_TOO_LARGE) with the broker's message,
 * found through the client's wrapping (AggregateError `errors`, `cause`); otherwise the
 * outer message with the innermost cause (e.g. `connect ECONNREFUSED 127.0.0.1:9092`).
 */
interface ErrorLike {
  message?: string;
  apiId?: string;
  serverErrorMessage?: string | null;
  errors?: unknown[];
  cause?: unknown;
}

function findKafkaError(err: unknown, depth = 0): ErrorLike | null {
  if (!err || typeof err !== 'object' || depth > 8) return null;
  const e = err as ErrorLike;
  if (typeof e.apiId === 'string') return e;
  for (const inner of [...(e.errors ?? []), e.cause]) {
    const found = findKafkaError(inner, depth + 1);
    if (found) return found;
  }
  return null;
}

function innermost(err: unknown, depth = 0): ErrorLike {
  const e = err as ErrorLike;
  const next = e.cause ?? e.errors?.[0];
  return next && typeof next === 'object' && depth < 8 ? innermost(next, depth + 1) : e;
}

/**
 * One line describing `err`: `ERROR_NAME: detail` for a Kafka error code, else the innermost
 * cause's message (e.g. `connect ECONNREFUSED 127.0.0.1:9092`).
 */
export function describeError(err: unknown): string {
  const kafka = findKafkaError(err);
  if (kafka) return `${kafka.apiId}: ${kafka.serverErrorMessage || kafka.message}`;
  const inner = innermost(err);
  const outer = (err as ErrorLike).message ?? String(err);
  return inner.message && inner.message !== outer ? `${outer.replace(/\.$/, '')}: ${inner.message}` : outer;
}
