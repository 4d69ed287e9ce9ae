/**
 * How the CLI's admin commands reach a broker: `--bootstrap-server` and, like Kafka's tools,
 * `--command-config`, over the KafkaClient (src/network/kafka-client.ts).
 */
import type { Command } from 'commander';
import { readPropertiesFile } from '../config/broker-config.js';
import { KafkaClient } from '../network/kafka-client.js';
import type { MetadataResponse } from '../protocol/generated/metadata-response.js';
import { createMetadataRequest } from '../protocol/generated/metadata-request.js';
import { NO_CLIENT_SECURITY, clientSecurityFromProperties } from '../security/client-security.js';

/** Where a CLI command connects: `--bootstrap-server` and, like Kafka's tools, `--command-config`. */
export interface AdminTarget {
  bootstrapServer: string;
  /** A Kafka client properties file (security.protocol, sasl.*, ssl.*). */
  commandConfig?: string;
}

/** Adds `--bootstrap-server` and `--command-config` to a CLI command. */
export function adminOptions(cmd: Command): Command {
  return cmd
    .option('-b, --bootstrap-server <host:port>', 'the broker to talk to', 'localhost:9092')
    .option('--command-config <file>', 'Kafka client properties: security.protocol, sasl.mechanism, sasl.jaas.config, ssl.truststore.location, ssl.keystore.location …');
}

/**
 * The CLI's request pattern: connects to `bootstrap`, runs `body`, prints what it returns,
 * and maps any failure onto one line `gregor: <message>` on stderr and exit code 1. `body`
 * may open further connections (e.g. to the controller) with the same security through
 * `connectTo(host:port)`; it closes them itself.
 */
export async function withAdminClient(target: AdminTarget, body: (client: KafkaClient, connectTo: (hostPort: string) => Promise<KafkaClient>) => Promise<string>): Promise<void> {
  let client: KafkaClient | null = null;
  try {
    const security = target.commandConfig ? clientSecurityFromProperties(readPropertiesFile(target.commandConfig)) : NO_CLIENT_SECURITY;
    client = await KafkaClient.connect(target.bootstrapServer, 10_000, security);
    const out = await body(client, (hostPort) => KafkaClient.connect(hostPort, 10_000, security));
    if (out) process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
  } catch (err) {
    process.stderr.write(`gregor: ${(err as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    client?.close();
  }
}

/**
 * A connection to the cluster's controller, found through `client`'s Metadata (ElectLeaders
 * and the reassignment APIs go there). Errors: no controller known; connection errors.
 */
export async function connectToController(client: KafkaClient, connectTo: (hostPort: string) => Promise<KafkaClient>): Promise<KafkaClient> {
  const { response: meta } = await client.request<MetadataResponse>(3, createMetadataRequest({ topics: [], allowAutoTopicCreation: false }));
  const controller = meta.brokers.find((b) => b.nodeId === meta.controllerId);
  if (!controller) throw new Error(`no controller is known (controller id ${meta.controllerId})`);
  return connectTo(`${controller.host}:${controller.port}`);
}
