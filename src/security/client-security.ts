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
import { usesSasl, usesTls } from './auth-session.js';
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
  throw new ConfigError(`inter-broker listener ${listener.name}: SASL is not available in this build yet`);
}
