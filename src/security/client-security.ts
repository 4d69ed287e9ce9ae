/**
 * How Gregor connects as a client: to another broker on the inter-broker listener
 * (replication, controlled shutdown — authenticated like any client), and from the CLI.
 *
 *   tls   node:tls options (truststore, optional keystore for mutual TLS), or null
 *   sasl  the mechanism and the credentials to authenticate with, or null
 *
 * The broker's own credentials come from the inter-broker listener's JAAS entry
 * (`listener.name.<l>.<mechanism>.sasl.jaas.config` `username=… password=…`), its mechanism
 * from `sasl.mechanism.inter.broker.protocol`.
 * Source: docs/security.html ("Configuring Kafka Brokers", inter-broker security).
 */
import type { ConnectionOptions } from 'node:tls';
import { type BrokerConfig, ConfigError, type SecuredListener } from '../config/broker-config.js';
import { type SecurityProtocol, usesSasl, usesTls } from './auth-session.js';
import { listenerProperty, listenerPropertyName } from '../config/security-keys.js';
import { parseJaasConfig } from './sasl/jaas.js';
import { clientTlsOptions } from './tls-options.js';

export interface SaslClientCredentials {
  mechanism: string;
  username: string;
  password: string;
}

export interface ClientSecurity {
  tls: ConnectionOptions | null;
  sasl: SaslClientCredentials | null;
}

export const NO_CLIENT_SECURITY: ClientSecurity = Object.freeze({ tls: null, sasl: null });

/**
 * The security this broker uses towards other brokers' `listener`.
 * Errors: ConfigError for missing credentials or invalid TLS settings.
 */
export function interBrokerClientSecurity(config: BrokerConfig, listener: SecuredListener): ClientSecurity {
  const tls = usesTls(listener.securityProtocol) ? clientTlsOptions(config.securityProps, listener.name) : null;
  if (!usesSasl(listener.securityProtocol)) return { tls, sasl: null };
  const mechanism = config.securityProps['sasl.mechanism.inter.broker.protocol'];
  if (mechanism === undefined) {
    throw new ConfigError(`sasl.mechanism.inter.broker.protocol: must be set (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512) when the inter-broker listener ${listener.name} uses ${listener.securityProtocol} (Kafka's default GSSAPI is not supported)`);
  }
  if (mechanism !== 'PLAIN' && mechanism !== 'SCRAM-SHA-256' && mechanism !== 'SCRAM-SHA-512') {
    throw new ConfigError(`sasl.mechanism.inter.broker.protocol: ${mechanism} cannot be used between brokers (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)`);
  }
  return { tls, sasl: { mechanism, ...jaasCredentials(config.securityProps, listener.name, mechanism) } };
}

/**
 * The `username` / `password` options of the JAAS entry a listener uses for `mechanism`
 * (`listener.name.<l>.<mech>.sasl.jaas.config`, then `listener.name.<l>.sasl.jaas.config`,
 * then `sasl.jaas.config`). Errors: ConfigError naming the key when absent or malformed.
 */
export function jaasCredentials(props: Readonly<Record<string, string>>, listenerName: string, mechanism: string): { username: string; password: string } {
  const key = listenerPropertyName(props, listenerName, 'sasl.jaas.config', mechanism);
  const text = listenerProperty(props, listenerName, 'sasl.jaas.config', mechanism);
  if (text === undefined) throw new ConfigError(`${key}: the broker's own ${mechanism} credentials (username="…" password="…") are not configured for listener ${listenerName}`);
  const entry = parseJaasConfig(text, key);
  const username = entry.options.get('username');
  const password = entry.options.get('password');
  if (!username || password === undefined) throw new ConfigError(`${key}: the JAAS entry has no username and password options`);
  return { username, password };
}

const CLIENT_PROTOCOLS = new Set(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']);

/**
 * A Kafka client's security from its properties, as a `--command-config` file gives them to
 * Kafka's tools: `security.protocol` (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL),
 * `sasl.mechanism` (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512; Kafka's default GSSAPI is refused)
 * with `sasl.jaas.config` `username="…" password="…"`, and the client's `ssl.*` keys
 * (truststore to verify the broker, a keystore for mutual TLS).
 * Errors: ConfigError naming the key.
 */
export function clientSecurityFromProperties(props: Readonly<Record<string, string>>): ClientSecurity {
  const protocol = (props['security.protocol'] ?? 'PLAINTEXT').toUpperCase();
  if (!CLIENT_PROTOCOLS.has(protocol)) throw new ConfigError(`security.protocol: ${protocol} is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL`);
  const tls = usesTls(protocol as SecurityProtocol) ? clientTlsOptions(props, 'CLIENT') : null;
  if (!usesSasl(protocol as SecurityProtocol)) return { tls, sasl: null };
  const mechanism = props['sasl.mechanism'] ?? 'GSSAPI';
  if (mechanism !== 'PLAIN' && mechanism !== 'SCRAM-SHA-256' && mechanism !== 'SCRAM-SHA-512') {
    throw new ConfigError(`sasl.mechanism: ${mechanism} is not supported by Gregor's tools (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)`);
  }
  const jaas = props['sasl.jaas.config'];
  if (jaas === undefined) throw new ConfigError(`sasl.jaas.config: security.protocol ${protocol} needs the client's credentials (${mechanism === 'PLAIN' ? 'PlainLoginModule' : 'ScramLoginModule'} required username="…" password="…";)`);
  return { tls, sasl: { mechanism, ...jaasCredentials(props, 'CLIENT', mechanism) } };
}
