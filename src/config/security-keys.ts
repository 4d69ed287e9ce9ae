/**
 * The TLS and SASL properties a broker accepts, with Kafka's names (docs/security.html,
 * KIP-651 for PEM material), globally and per listener (`listener.name.<listener>.<key>`,
 * the listener name lower-cased, as Kafka writes them). They are kept as strings here and
 * validated where they are used (src/security/tls-options.ts, the SASL mechanisms), so a bad
 * value still stops start-up with a ConfigError naming the key.
 *
 * Precedence (Kafka's ListenerName config prefix): `listener.name.<l>.<mech>.<key>` over
 * `listener.name.<l>.<key>` over `<key>`.
 */

/** Keys that take a value as they are, globally or with a listener prefix. */
export const SECURITY_KEYS: ReadonlySet<string> = new Set([
  'ssl.keystore.type',
  'ssl.keystore.location',
  'ssl.keystore.password',
  'ssl.keystore.certificate.chain',
  'ssl.keystore.key',
  'ssl.key.password',
  'ssl.truststore.type',
  'ssl.truststore.location',
  'ssl.truststore.password',
  'ssl.truststore.certificates',
  'ssl.client.auth',
  'ssl.enabled.protocols',
  'ssl.protocol',
  'ssl.cipher.suites',
  'ssl.endpoint.identification.algorithm',
  'ssl.principal.mapping.rules',
  'sasl.enabled.mechanisms',
  'sasl.jaas.config',
  'sasl.mechanism.inter.broker.protocol',
  'sasl.oauthbearer.jwks.endpoint.url',
  'sasl.oauthbearer.expected.audience',
  'sasl.oauthbearer.expected.issuer',
  'sasl.oauthbearer.sub.claim.name',
  'sasl.oauthbearer.scope.claim.name',
  'sasl.oauthbearer.clock.skew.seconds',
  'gregor.sasl.oauthbearer.public.key.location',
  'gregor.sasl.oauthbearer.allowed.algorithms',
]);

/** Keys Kafka also takes per mechanism: `listener.name.<l>.<mechanism>.<key>`. */
const MECHANISM_KEYS: ReadonlySet<string> = new Set([
  'sasl.jaas.config',
  'connections.max.reauth.ms',
  'sasl.oauthbearer.jwks.endpoint.url',
  'sasl.oauthbearer.expected.audience',
  'sasl.oauthbearer.expected.issuer',
  'sasl.oauthbearer.sub.claim.name',
  'sasl.oauthbearer.scope.claim.name',
  'sasl.oauthbearer.clock.skew.seconds',
  'gregor.sasl.oauthbearer.public.key.location',
  'gregor.sasl.oauthbearer.allowed.algorithms',
]);

/** Mechanism names as they appear in property prefixes (lower case). */
const MECHANISM_PREFIXES = ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer', 'gssapi'];

const LISTENER_PREFIX = /^listener\.name\.([a-z0-9_]+)\.(.+)$/;

/** Whether `key` is a TLS/SASL property kept for later validation (global or listener-prefixed). */
export function isSecurityKey(key: string): boolean {
  if (SECURITY_KEYS.has(key)) return true;
  const m = LISTENER_PREFIX.exec(key);
  if (!m) return false;
  const rest = m[2]!;
  if (SECURITY_KEYS.has(rest) || rest === 'connections.max.reauth.ms' || rest === 'max.connections') return true;
  const mech = MECHANISM_PREFIXES.find((p) => rest.startsWith(`${p}.`));
  return mech !== undefined && MECHANISM_KEYS.has(rest.slice(mech.length + 1));
}

/**
 * One property as a listener sees it: `listener.name.<l>.<mech>.<key>` (when `mechanism` is
 * given), then `listener.name.<l>.<key>`, then `<key>`; undefined when none is set.
 */
export function listenerProperty(props: Readonly<Record<string, string>>, listenerName: string, key: string, mechanism?: string): string | undefined {
  const prefix = `listener.name.${listenerName.toLowerCase()}.`;
  if (mechanism !== undefined) {
    const v = props[`${prefix}${mechanism.toLowerCase()}.${key}`];
    if (v !== undefined) return v;
  }
  return props[`${prefix}${key}`] ?? props[key];
}

/** The name under which `listenerProperty` found a value (for error messages). */
export function listenerPropertyName(props: Readonly<Record<string, string>>, listenerName: string, key: string, mechanism?: string): string {
  const prefix = `listener.name.${listenerName.toLowerCase()}.`;
  if (mechanism !== undefined && props[`${prefix}${mechanism.toLowerCase()}.${key}`] !== undefined) return `${prefix}${mechanism.toLowerCase()}.${key}`;
  if (props[`${prefix}${key}`] !== undefined) return `${prefix}${key}`;
  return key;
}
