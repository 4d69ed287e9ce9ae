/**
 * One line for a failure: the message, then the first nested error's (the client wraps
 * failures as AggregateError `errors` and `cause`), e.g. "metadata failed 4 times: Cannot
 * connect to any broker: Connection to 127.0.0.1:1 failed: connect ECONNREFUSED 127.0.0.1:1".
 * A broker's error is named as Kafka names it (the client's `apiId`, e.g. MESSAGE_TOO_LARGE).
 */
export function describeError(err: unknown, depth = 0): string {
  const e = err as { message?: string; errors?: unknown[]; cause?: unknown; apiId?: unknown };
  const message = (typeof e?.apiId === 'string' ? `${e.apiId}: ` : '') + (e?.message ?? String(err));
  const inner = e?.errors?.[0] ?? e?.cause;
  return inner !== undefined && depth < 4 ? `${message.replace(/\.$/, '')}: ${describeError(inner, depth + 1)}` : message;
}
