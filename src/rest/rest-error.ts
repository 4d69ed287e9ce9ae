/**
 * Errors of the REST proxy in Confluent REST Proxy's form: an HTTP status and a JSON body
 * `{"error_code": <status × 100 + n, or the status>, "message": "…"}`. The codes are
 * Confluent's (docs.confluent.io kafka-rest api.html, "Errors"):
 *
 *   400   malformed JSON                     40101 / 40301 authentication / authorization
 *   40401 topic not found                    40402 partition not found
 *   40403 consumer instance not found        406   Accept not acceptable
 *   413   request body too large             415   unsupported Content-Type
 *   42206 invalid payload (bad record shape or base64)
 *   50002 Kafka error (the Kafka error name in the message)
 */
import { ErrorCode, KafkaError, errorName } from '../protocol/error-codes.js';

export class RestError extends Error {
  constructor(
    /** HTTP status code. */
    readonly status: number,
    /** Confluent's error_code. */
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'RestError';
  }
}

export const REASONS: Readonly<Record<number, string>> = {
  200: 'OK', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type',
  422: 'Unprocessable Entity', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

export const invalidPayload = (message: string) => new RestError(422, 42206, message);
export const topicNotFound = (topic: string) => new RestError(404, 40401, `Topic ${topic} not found.`);
export const partitionNotFound = (topic: string, partition: number) => new RestError(404, 40402, `Partition ${partition} of topic ${topic} not found.`);

/** The REST form of a Kafka error: not found, not authorized, or 50002 with the Kafka error name. */
export function restErrorOf(err: unknown): RestError {
  if (err instanceof RestError) return err;
  if (err instanceof KafkaError) {
    switch (err.code) {
      case ErrorCode.TOPIC_AUTHORIZATION_FAILED:
      case ErrorCode.GROUP_AUTHORIZATION_FAILED:
      case ErrorCode.CLUSTER_AUTHORIZATION_FAILED:
        return new RestError(403, 40301, `${errorName(err.code)}: ${err.message}`);
      case ErrorCode.SASL_AUTHENTICATION_FAILED:
        return new RestError(401, 40101, err.message);
      default:
        return new RestError(500, 50002, `${errorName(err.code)}: ${err.message}`);
    }
  }
  return new RestError(500, 50001, (err as Error)?.message ?? String(err));
}
