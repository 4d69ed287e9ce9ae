/**
 * SaslHandshake (key 17, v0-1): the client names its SASL mechanism; the response lists the
 * listener's enabled mechanisms (always, also on error). v0 is followed by raw SASL tokens,
 * v1 by SaslAuthenticate requests (KIP-152). On a SASL listener: UNSUPPORTED_SASL_MECHANISM
 * (connection closed after the response) or ILLEGAL_SASL_STATE out of turn (closed); on a
 * PLAINTEXT or SSL listener ILLEGAL_SASL_STATE, and the connection stays open, as Kafka.
 * Sending it on an authenticated connection starts re-authentication (KIP-368).
 * Source: protocol guide "SASL Authentication Sequence"; network/sasl-authenticator.ts.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { SaslHandshakeRequest } from '../protocol/generated/sasl-handshake-request.js';
import type { SaslHandshakeResponse } from '../protocol/generated/sasl-handshake-response.js';
import type { ApiHandler } from './api.js';

export const saslHandshakeHandler: ApiHandler<SaslHandshakeRequest, SaslHandshakeResponse> = {
  apiKey: 17,
  name: 'SaslHandshake',
  minVersion: 0,
  maxVersion: 1,
  handle(request, ctx) {
    const sasl = ctx.sasl;
    if (!sasl) return { response: { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] } };
    const { errorCode, close } = sasl.handshake(request.mechanism, ctx.apiVersion);
    return { response: { errorCode, mechanisms: sasl.enabledMechanisms }, closeConnection: close };
  },
};
