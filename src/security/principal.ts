/**
 * Kafka principals: `<type>:<name>`, e.g. `User:alice`, `User:CN=broker1,O=Example`.
 * The type is `User` for every principal Gregor builds (SASL user, TLS subject DN, JWT
 * `sub`, or `ANONYMOUS` on a PLAINTEXT/SSL listener without client authentication).
 * Source: Kafka's KafkaPrincipal (docs/security.html, "Authorization and ACLs").
 */

export interface KafkaPrincipal {
  /** Principal type: `User` (Kafka's KafkaPrincipal.USER_TYPE); ACLs may name other types. */
  readonly type: string;
  readonly name: string;
}

export const USER_TYPE = 'User';

/** The principal of an unauthenticated connection (PLAINTEXT, or SSL without a client certificate). */
export const ANONYMOUS: KafkaPrincipal = Object.freeze({ type: USER_TYPE, name: 'ANONYMOUS' });

/** `User:alice` for a user name. */
export function userPrincipal(name: string): KafkaPrincipal {
  return { type: USER_TYPE, name };
}

/** Formats a principal as Kafka does: `type:name`. */
export function formatPrincipal(p: KafkaPrincipal): string {
  return `${p.type}:${p.name}`;
}

/**
 * Parses `type:name` (the type is what precedes the first `:`; the name may contain `:`).
 * Returns null when there is no `:` or either side is empty (Kafka's
 * SecurityUtils.parseKafkaPrincipal throws IllegalArgumentException there).
 */
export function parsePrincipal(text: string): KafkaPrincipal | null {
  const at = text.indexOf(':');
  if (at <= 0 || at === text.length - 1) return null;
  return { type: text.slice(0, at), name: text.slice(at + 1) };
}

export function samePrincipal(a: KafkaPrincipal, b: KafkaPrincipal): boolean {
  return a.type === b.type && a.name === b.name;
}
