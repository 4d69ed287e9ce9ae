import type { AuthSession } from '../auth-session.js';

/**
 * Client quotas as the connection applies them (KIP-13, KIP-124, KIP-219): told each
 * request's usage once its response is encoded, it returns the throttle time (ms) — put into
 * the response's `throttleTimeMs` — after which the connection reads nothing for that long.
 */
export interface RequestQuotas {
  /**
   * Records one request: `requestBytes` / `responseBytes` (bytes on the wire; produce counts
   * the request, fetch the response), `handlerTimeMs` (time the broker spent on it).
   * Returns the throttle time in ms (0: within quota).
   */
  record(session: AuthSession, clientId: string, apiKey: number, requestBytes: number, responseBytes: number, handlerTimeMs: number, nowMs: number): number;
}
