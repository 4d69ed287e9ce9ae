/**
 * PLACEHOLDER for the merge with the `sasl` branch, which owns this file: the server-side
 * interface every SASL mechanism implements, and the per-listener factory.
 */
export interface SaslServer {
  readonly mechanism: string;
  evaluate(token: Uint8Array): Promise<Uint8Array>;
  readonly complete: boolean;
  readonly authorizationId: string;
  readonly credentialExpiresAtMs: number | null;
}

export interface SaslServerFactory {
  readonly enabledMechanisms: string[];
  create(mechanism: string): SaslServer | null;
}
