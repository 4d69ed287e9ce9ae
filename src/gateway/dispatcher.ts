/**
 * Turns one incoming WebSocket message into an operation call and its answer.
 *
 * Bad input never closes the connection and never writes anything; it is answered with an
 * error frame (the request's id when one could be read):
 *   - a text frame, malformed MessagePack, or a frame that is not a map → INVALID_REQUEST
 *   - a frame larger than `maxFrameBytes` → MESSAGE_TOO_LARGE (frames larger than uWS's
 *     `maxPayloadLength`, twice that, make uWS drop the connection unread: the client
 *     sees an abnormal closure, 1006)
 *   - a missing or invalid id, an unknown `op` → INVALID_REQUEST
 *   - a field of the wrong type → INVALID_REQUEST naming it (see fields.ts)
 * Answers come as operations finish, so a long-polling fetch does not hold back the answers
 * to later requests (clients match answers by id). Requests that append (produce) are
 * handled synchronously in arrival order.
 */
import { ErrorCode, KafkaError, errorName } from '../protocol/error-codes.js';
import type { Frame } from './fields.js';
import { type GatewayContext, type Operation, OperationError, type Reply } from './operation.js';
import { OPERATIONS, credit } from './operations/index.js';
import { POLICY_VIOLATION, PRE_AUTH_MAX_BYTES } from './gateway-authenticator.js';
import type { FrameCodec } from './protocol.js';
import type { Session } from './session.js';

const MAX_ID = 2 ** 53 - 1;

export class Dispatcher {
  constructor(
    private readonly ctx: GatewayContext,
    private readonly codec: FrameCodec,
    private readonly maxFrameBytes: number,
  ) {}

  /** uWS message handler body: `message` is only valid during this call. */
  onMessage(session: Session, message: ArrayBuffer, isBinary: boolean): void {
    const started = performance.now();
    const authenticator = this.ctx.authenticator;
    if (authenticator && !session.authenticated && message.byteLength > PRE_AUTH_MAX_BYTES) {
      session.end(POLICY_VIOLATION, 'frame too large before authentication');
      return;
    }
    if (!isBinary) return this.fail(session, 'invalid', started, undefined, new KafkaError(ErrorCode.INVALID_REQUEST, 'frames must be binary MessagePack, not text'));
    let frame: unknown;
    try {
      frame = this.codec.unpack(new Uint8Array(message));
    } catch (err) {
      return this.fail(session, 'invalid', started, undefined, new KafkaError(ErrorCode.INVALID_REQUEST, `malformed MessagePack: ${(err as Error).message}`));
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame) || frame instanceof Uint8Array) {
      return this.fail(session, 'invalid', started, undefined, new KafkaError(ErrorCode.INVALID_REQUEST, 'a frame must be a MessagePack map'));
    }
    const request = frame as Frame;
    const rawId = request['id'];
    const id = typeof rawId === 'number' && Number.isSafeInteger(rawId) && rawId > 0 && rawId <= MAX_ID ? rawId : undefined;
    const opName = typeof request['op'] === 'string' ? request['op'] : '';
    const operation = OPERATIONS.get(opName);
    const label = operation || opName === 'credit' ? opName : 'unknown';
    if (authenticator && (opName === 'authenticate' || !session.authenticated)) {
      const refuse = (err: unknown): void => {
        this.fail(session, 'authenticate', started, id, err);
        session.authenticationFailed();
        setTimeout(() => session.end(POLICY_VIOLATION, 'authentication failed'), authenticator.failureDelayMs).unref();
      };
      if (opName !== 'authenticate') return refuse(new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, 'authenticate first: {op: "authenticate", ...}'));
      authenticator.authenticate(session, request).then((fields) => this.answer(session, 'authenticate', started, id ?? 0, { fields }), refuse);
      return;
    }
    if (message.byteLength > this.maxFrameBytes) {
      return this.fail(session, label, started, id, new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, `frame of ${message.byteLength} bytes exceeds the gateway's ${this.maxFrameBytes}`));
    }
    if (opName === 'credit') {
      try {
        credit(request, session, this.ctx);
      } catch (err) {
        this.fail(session, label, started, undefined, err);
      }
      return;
    }
    if (id === undefined) {
      const why = rawId === undefined ? 'a request needs an "id"' : `invalid request id ${JSON.stringify(rawId)}: a positive integer`;
      return this.fail(session, label, started, undefined, new KafkaError(ErrorCode.INVALID_REQUEST, why));
    }
    if (!operation) {
      return this.fail(session, label, started, id, new KafkaError(ErrorCode.INVALID_REQUEST, `unknown operation ${JSON.stringify(request['op'] ?? null)}`));
    }
    this.run(operation, label, request, id, session, started);
  }

  private run(operation: Operation, op: string, request: Frame, id: number, session: Session, started: number): void {
    let result: Reply | null | Promise<Reply | null>;
    try {
      result = operation(request, session, this.ctx);
    } catch (err) {
      return this.fail(session, op, started, id, err);
    }
    if (result instanceof Promise) {
      result.then(
        (reply) => this.answer(session, op, started, id, reply),
        (err) => this.fail(session, op, started, id, err),
      );
    } else {
      this.answer(session, op, started, id, result);
    }
  }

  private answer(session: Session, op: string, started: number, id: number, reply: Reply | null): void {
    if (reply) {
      try {
        session.send({ type: 'result', id, ...reply.fields });
      } finally {
        reply.release?.();
      }
      reply.after?.();
    }
    this.ctx.metrics.request(op, (performance.now() - started) / 1000);
  }

  private fail(session: Session, op: string, started: number, id: number | undefined, err: unknown): void {
    if (!(err instanceof KafkaError)) this.ctx.logger.error({ err, op }, 'websocket operation failed unexpectedly');
    const code = err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR;
    session.sendError(id, err, err instanceof OperationError ? err.fields : {});
    this.ctx.metrics.request(op, (performance.now() - started) / 1000, errorName(code));
  }
}
