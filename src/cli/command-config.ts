/**
 * The connection options every CLI command shares: `-b, --bootstrap-server` and
 * `--command-config <file>`, a Kafka client properties file as kafka-topics.sh takes it:
 *
 *   security.protocol   PLAINTEXT (default) | SSL | SASL_PLAINTEXT | SASL_SSL
 *   sasl.mechanism      PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512 (SASL_* only)
 *   sasl.jaas.config    <LoginModule> required username="…" password="…";
 *   ssl.truststore.location / ssl.truststore.certificates, ssl.keystore.* (PEM, PKCS12),
 *   ssl.endpoint.identification.algorithm
 *
 * Errors: ConfigError naming the key for an unknown protocol or mechanism, a bad JAAS entry,
 * missing credentials, or unreadable TLS material.
 */
import type { Command } from 'commander';
import { ConfigError, readPropertiesFile } from '../config/broker-config.js';
import { type ClientSecurity, NO_CLIENT_SECURITY } from '../security/client-security.js';
import { parseJaasConfig } from '../security/sasl/jaas.js';
import { clientTlsOptions } from '../security/tls-options.js';

export interface ConnectionArgs {
  bootstrapServer: string;
  commandConfig?: string;
}

/** Adds `-b, --bootstrap-server` and `--command-config` to a command. */
export function connectionOptions(cmd: Command): Command {
  return cmd
    .option('-b, --bootstrap-server <host:port>', 'the broker to talk to', 'localhost:9092')
    .option('--command-config <file>', 'Kafka client properties (security.protocol, sasl.mechanism, sasl.jaas.config, ssl.*)');
}

const PROTOCOLS = new Set(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']);
const MECHANISMS = new Set(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);

/** The client security Kafka client properties describe. */
export function clientSecurityFromProperties(props: Readonly<Record<string, string>>): ClientSecurity {
  const protocol = (props['security.protocol'] ?? 'PLAINTEXT').toUpperCase();
  if (!PROTOCOLS.has(protocol)) throw new ConfigError(`security.protocol: "${protocol}" is not one of ${[...PROTOCOLS].join(', ')}`);
  // The client's properties have no listener: clientTlsOptions reads the unprefixed keys.
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL' ? clientTlsOptions(props, 'client') : null;
  if (!protocol.startsWith('SASL_')) return { tls, sasl: null };
  const mechanism = (props['sasl.mechanism'] ?? 'GSSAPI').toUpperCase();
  if (!MECHANISMS.has(mechanism)) throw new ConfigError(`sasl.mechanism: "${mechanism}" is not supported (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)`);
  const jaas = props['sasl.jaas.config'];
  if (jaas === undefined) throw new ConfigError('sasl.jaas.config: required for SASL (username="…" password="…")');
  const entry = parseJaasConfig(jaas, 'sasl.jaas.config');
  const username = entry.options.get('username');
  const password = entry.options.get('password');
  if (!username || password === undefined) throw new ConfigError('sasl.jaas.config: needs username and password options');
  return { tls, sasl: { mechanism, username, password } };
}

/** The security of a CLI invocation (`--command-config` read, or none). */
export function clientSecurityOf(args: ConnectionArgs): ClientSecurity {
  if (!args.commandConfig) return NO_CLIENT_SECURITY;
  return clientSecurityFromProperties(readPropertiesFile(args.commandConfig));
}
