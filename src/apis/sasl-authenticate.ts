/**
 * SaslAuthenticate (key 36, v0-2): one SASL token each way, after SaslHandshake v1 (KIP-152).
 * v1+ responses carry `sessionLifetimeMs` (KIP-368: re-authenticate before it runs out).
 * Errors: SASL_AUTHENTICATION_FAILED (answered after `connection.failed.authentication.delay.ms`,
 * then the connection closes; the message never tells whether the user exists);
 * ILLEGAL_SASL_STATE before a handshake (closed), or on a connection that is not
 * authenticating (PLAINTEXT/SSL listener, or already authenticated: stays open, as Kafka).
 * Source: protocol guide "SASL Authentication Sequence"; network/sasl-authenticator.ts.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { SaslAuthenticateRequest } from '../protocol/generated/sasl-authenticate-request.js';
import type { SaslAuthenticateResponse } from '../protocol/generated/sasl-authenticate-response.js';
import type { ApiHandler, HandlerResult } from './api.js';

const EMPTY = new Uint8Array(0);

export const saslAuthenticateHandler: ApiHandler<SaslAuthenticateRequest, SaslAuthenticateResponse> = {
  apiKey: 36,
  name: 'SaslAuthenticate',
  minVersion: 0,
  maxVersion: 2,
  handle(request, ctx) {
    const sasl = ctx.sasl;
    if (!sasl || sasl.state === 'complete') {
      return { response: { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SaslAuthenticate request received after successful authentication', authBytes: EMPTY, sessionLifetimeMs: 0 } };
    }
    return sasl.step(request.authBytes, false).then(
      (r): HandlerResult<SaslAuthenticateResponse> => ({
        response: { errorCode: r.errorCode, errorMessage: r.errorMessage, authBytes: r.token, sessionLifetimeMs: r.sessionLifetimeMs },
        closeConnection: r.close,
      }),
    );
  },
};
