/**
 * The server side of one SASL exchange (RFC 4422), as each mechanism implements it, and the
 * per-listener factory that makes one for each SaslHandshake. The connection's state machine
 * (src/network/sasl-authenticator.ts) drives it: `evaluate` takes each client token and
 * returns the server's reply; once `complete`, `authorizationId` is the authenticated user.
 *
 * A mechanism rejects bad credentials or malformed input by throwing SaslAuthenticationError,
 * whose message is sent to the client (SASL_AUTHENTICATION_FAILED), so it must never say
 * whether a user exists.
 */
export interface SaslServer {
  readonly mechanism: string;
  /** Evaluates one client token; resolves to the reply (empty when none). Throws SaslAuthenticationError. */
  evaluate(token: Uint8Array): Promise<Uint8Array>;
  readonly complete: boolean;
  /** The authenticated user name (valid once complete). */
  readonly authorizationId: string;
  /** When the credential itself expires (an OAUTHBEARER token's exp), ms since the epoch; null: never. */
  readonly credentialExpiresAtMs: number | null;
}

export interface SaslServerFactory {
  readonly enabledMechanisms: string[];
  /** A fresh server for `mechanism`, or null when the listener does not offer it. */
  create(mechanism: string): SaslServer | null;
  /**
   * The mechanism by which `password` is `user`'s, of the password mechanisms this listener
   * offers (PLAIN's configured users, SCRAM's stored credentials), or null: for HTTP Basic
   * authentication (RFC 7617) with the same users as SASL. Null for an unknown user; never rejects.
   */
  passwordMechanism(user: string, password: string): Promise<string | null>;
}

/** An authentication failure; its message goes to the client, so it never tells whether a user exists. */
export class SaslAuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SaslAuthenticationError';
  }
}

export const EMPTY_TOKEN = new Uint8Array(0);
