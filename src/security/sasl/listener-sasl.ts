/**
 * The SASL mechanisms one SASL_PLAINTEXT / SASL_SSL listener offers, built at start-up from
 * Kafka's properties (docs/security.html):
 *
 *   listener.name.<l>.sasl.enabled.mechanisms (or sasl.enabled.mechanisms)
 *       PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER. Kafka's default is GSSAPI, which
 *       Gregor does not implement: GSSAPI is a ConfigError. Unset: SCRAM-SHA-256 and
 *       SCRAM-SHA-512, plus PLAIN when a PlainLoginModule entry with users is configured and
 *       OAUTHBEARER when a JWT key (JWKS file or PEM) is configured.
 *   listener.name.<l>.plain.sasl.jaas.config  PlainLoginModule with user_<name>="<password>"
 *   SCRAM credentials                         the broker's ScramCredentialSource
 *   OAUTHBEARER                               JwtVerifier from listener.name.<l>.oauthbearer.*
 *
 * Errors: ConfigError naming the key for an unknown or unsupported mechanism, a JAAS entry
 * that is malformed or names another login module, PLAIN without users, OAUTHBEARER without
 * keys.
 */
import { ConfigError } from '../../config/broker-config.js';
import { listenerProperty, listenerPropertyName } from '../../config/security-keys.js';
import { JwtVerifier } from '../jwt-verifier.js';
import { parseJaasConfig, plainUsers } from './jaas.js';
import { OAuthBearerSaslServer } from './oauthbearer.js';
import { PlainSaslServer, constantTimeEqual } from './plain.js';
import { type ScramCredentialSource, passwordMatches } from './scram-credential.js';
import { isScramMechanism } from './scram-mechanism.js';
import { ScramSaslServer } from './scram.js';
import type { SaslServer, SaslServerFactory } from './sasl-server.js';

export const SUPPORTED_MECHANISMS: readonly string[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];

const PLAIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';

/** PLAIN users of a listener, or null when no PlainLoginModule entry applies. */
function plainPasswords(props: Readonly<Record<string, string>>, listener: string): Map<string, string> | null {
  const text = listenerProperty(props, listener, 'sasl.jaas.config', 'PLAIN');
  if (text === undefined) return null;
  const key = listenerPropertyName(props, listener, 'sasl.jaas.config', 'PLAIN');
  const entry = parseJaasConfig(text, key);
  if (entry.loginModule !== PLAIN_MODULE) return null;
  return plainUsers(entry);
}

/**
 * The factory for the listener named `l` (a Kafka listener, or WEBSOCKET for the gateway).
 * `credentials` is looked up on every SCRAM authentication (so users added at run time count
 * at once). `only` fixes the mechanism list instead of `sasl.enabled.mechanisms` (the gateway's
 * jwt mode: OAUTHBEARER).
 */
export function listenerSaslServerFactory(props: Readonly<Record<string, string>>, l: string, credentials: ScramCredentialSource, only?: readonly string[]): SaslServerFactory {
  const mechanismsKey = listenerPropertyName(props, l, 'sasl.enabled.mechanisms');
  const explicit = only?.join(',') ?? listenerProperty(props, l, 'sasl.enabled.mechanisms');
  const users = plainPasswords(props, l);
  const verifier = JwtVerifier.fromProperties((key) => listenerProperty(props, l, key, 'OAUTHBEARER'));
  let mechanisms: string[];
  if (explicit !== undefined) {
    mechanisms = explicit.split(',').map((m) => m.trim().toUpperCase()).filter(Boolean);
    if (mechanisms.length === 0) throw new ConfigError(`${mechanismsKey}: no mechanism listed for SASL listener ${l}`);
    for (const m of mechanisms) {
      if (m === 'GSSAPI') throw new ConfigError(`${mechanismsKey}: GSSAPI (Kerberos) is not supported by Gregor; use ${SUPPORTED_MECHANISMS.join(', ')}`);
      if (!SUPPORTED_MECHANISMS.includes(m)) throw new ConfigError(`${mechanismsKey}: unknown SASL mechanism ${m} (supported: ${SUPPORTED_MECHANISMS.join(', ')})`);
    }
  } else {
    mechanisms = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];
    if (users && users.size > 0) mechanisms.unshift('PLAIN');
    if (verifier) mechanisms.push('OAUTHBEARER');
  }
  if (mechanisms.includes('PLAIN') && (!users || users.size === 0)) {
    throw new ConfigError(`listener.name.${l.toLowerCase()}.plain.sasl.jaas.config: PLAIN is enabled on listener ${l} but no ${PLAIN_MODULE} entry with user_<name>="<password>" options is configured`);
  }
  if (mechanisms.includes('OAUTHBEARER') && !verifier) {
    throw new ConfigError(`listener.name.${l.toLowerCase()}.oauthbearer.sasl.oauthbearer.jwks.endpoint.url: OAUTHBEARER is enabled on listener ${l} but no JWKS file or public key is configured`);
  }
  const enabled = [...new Set(mechanisms)];
  return {
    enabledMechanisms: enabled,
    create(mechanism: string): SaslServer | null {
      if (!enabled.includes(mechanism)) return null;
      if (mechanism === 'PLAIN') return new PlainSaslServer((user) => users!.get(user));
      if (isScramMechanism(mechanism)) return new ScramSaslServer(mechanism, credentials);
      if (mechanism === 'OAUTHBEARER') return new OAuthBearerSaslServer(verifier!);
      return null;
    },
    async passwordMechanism(user: string, password: string): Promise<string | null> {
      if (user.length === 0 || password.length === 0) return null;
      if (enabled.includes('PLAIN')) {
        const expected = users!.get(user);
        if (expected !== undefined && constantTimeEqual(password, expected)) return 'PLAIN';
      }
      for (const mechanism of enabled) {
        if (!isScramMechanism(mechanism)) continue;
        const credential = credentials.scramCredential(user, mechanism);
        if (credential && (await passwordMatches(mechanism, credential, password))) return mechanism;
      }
      return null;
    },
  };
}
