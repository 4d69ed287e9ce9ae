/**
 * How the console and perf tools (`gregor produce|consume|perf`) reach any Kafka-compatible
 * broker: they use @platformatic/kafka (a well-kept Kafka client; Gregor's own client speaks
 * WebSocket to a Gregor gateway only), configured from the same inputs as Kafka's tools:
 * `--bootstrap-server host:port[,host:port…]` and a client properties file
 * (`--command-config`, `--producer.config`, `--consumer.config`) plus `key=value` overrides.
 *
 * Security keys follow docs/security.html through clientSecurityFromProperties:
 * `security.protocol`, `sasl.mechanism`, `sasl.jaas.config`, `ssl.truststore.*`,
 * `ssl.keystore.*`. Errors: ConfigError naming the key.
 */
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { readPropertiesFile } from '../config/broker-config.js';
import { clientSecurityFromProperties } from '../security/client-security.js';

/** The connection part of @platformatic/kafka's client options (BaseOptions). */
export interface KafkaConnectionOptions {
  clientId: string;
  bootstrapBrokers: string[];
  tls?: TlsConnectionOptions;
  sasl?: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string };
}

/**
 * Client properties from an optional properties file, then `overrides` (`key=value`
 * strings, later ones win), as kafka-console-producer's `--producer.config` and
 * `--producer-property` combine. Errors: Error for a missing file or an entry without `=`.
 */
export function clientProperties(file: string | undefined, overrides: readonly string[] = []): Record<string, string> {
  const props: Record<string, string> = file ? { ...readPropertiesFile(file) } : {};
  for (const entry of overrides) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error(`"${entry}" is not key=value`);
    props[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  return props;
}

/**
 * @platformatic/kafka connection options for `bootstrap` (comma-separated host:port list)
 * with the security `props` describe. `clientId` defaults to `client.id` or `fallbackClientId`.
 * Errors: ConfigError for invalid security settings; Error for an empty bootstrap list.
 */
export function kafkaConnectionOptions(bootstrap: string, props: Readonly<Record<string, string>>, fallbackClientId: string): KafkaConnectionOptions {
  const bootstrapBrokers = bootstrap.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (bootstrapBrokers.length === 0) throw new Error('--bootstrap-server names no broker');
  const security = clientSecurityFromProperties(props);
  const options: KafkaConnectionOptions = { clientId: props['client.id'] ?? fallbackClientId, bootstrapBrokers };
  if (security.tls) options.tls = security.tls;
  if (security.sasl) {
    options.sasl = {
      mechanism: security.sasl.mechanism as 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512',
      username: security.sasl.username,
      password: security.sasl.password,
    };
  }
  return options;
}
