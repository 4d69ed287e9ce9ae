/**
 * The `gregor` command line (commander).
 *
 *   gregor start [--config server.properties] [--port N] [--ws-port N] [--log-dirs DIR]
 *                [--engine js|wasm] [--workers N] [--override key=value ...] [--from-env]
 *   gregor topics list|create|describe|alter|delete …   (see src/cli/topics.ts)
 *   gregor groups list|describe|reset-offsets …         (see src/cli/groups.ts)
 *   gregor leaders elect …                              (see src/cli/leaders.ts)
 *   gregor reassign --generate|--execute|--verify|--cancel (see src/cli/reassign.ts)
 *   gregor transactions list|describe|describe-producers (see src/cli/transactions.ts)
 *   gregor produce <topic> …  console producer: lines → records (see src/cli/produce.ts)
 *   gregor consume <topic> …  console consumer: records → formatted lines (src/cli/consume.ts)
 *   gregor perf produce|consume                         (see src/cli/perf.ts)
 *
 * Exit codes: 0 after a graceful shutdown (SIGINT/SIGTERM), 1 on a start-up error
 * (invalid config, port in use, unreadable log dir), printed as one clear line.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Broker } from './broker.js';
import { ConfigError, knownKeys } from './config/broker-config.js';
import { createLogger } from './logger.js';
import { holdYoungGeneration } from './startup-heap.js';
import { EnvConfigError, propertiesFromEnvironment } from './deploy/env-config.js';
import { registerGroupsCommand } from './cli/groups.js';
import { registerLeadersCommand } from './cli/leaders.js';
import { registerReassignCommand } from './cli/reassign.js';
import { registerTransactionsCommand } from './cli/transactions.js';
import { registerTopicsCommand } from './cli/topics.js';
import { registerUsersCommand } from './cli/users.js';
import { registerAclsCommand } from './cli/acls.js';
import { registerQuotasCommand } from './cli/quotas.js';
import { registerProduceCommand } from './cli/produce.js';
import { registerConsumeCommand } from './cli/consume.js';
import { registerPerfCommand } from './cli/perf.js';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`"${value}" is not a port in [0, 65535]`);
  return port;
}

function parseWebSocketPort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < -1 || port > 65535) throw new InvalidArgumentError(`"${value}" is not a port in [0, 65535] or -1 (no gateway)`);
  return port;
}

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new InvalidArgumentError(`"${value}" is not a worker count in [0, 64]`);
  return n;
}

function collectOverride(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`"${value}" is not key=value`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command('gregor').description('A Kafka-compatible message broker').showHelpAfterError();
  program
    .command('start')
    .description('run the broker until SIGINT/SIGTERM')
    .option('-c, --config <file>', 'a server.properties file (Kafka property names)')
    .option('-p, --port <port>', 'Kafka listener port (overrides listeners)', parsePort)
    .option('--ws-port <port>', 'WebSocket gateway port (gregor.websocket.port, default 9093; 0 any free port; -1 none)', parseWebSocketPort)
    .option('--log-dirs <dir>', 'where partition logs live (log.dirs)')
    .addOption(new Option('--engine <engine>', 'hot-path core').choices(['wasm', 'js']))
    .option('--workers <n>', 'append worker threads (gregor.workers; 0 = inline on the main thread)', parseWorkers)
    .option('-o, --override <key=value>', `any property; known keys: ${knownKeys().join(', ')}`, collectOverride, {})
    .option('--from-env', 'properties from GREGOR_<PROPERTY> variables, node.id from the StatefulSet ordinal in HOSTNAME (container entrypoint, src/deploy/env-config.ts); --override wins')
    .action(async (opts: { config?: string; port?: number; wsPort?: number; logDirs?: string; engine?: 'js' | 'wasm'; workers?: number; override: Record<string, string>; fromEnv?: boolean }) => {
      const logger = createLogger();
      const releaseYoungGeneration = holdYoungGeneration();
      let broker: Broker;
      try {
        // Imported here: the client commands (topics, produce, consume …) start without the broker.
        const { Broker } = await import('./broker.js');
        const fromEnv = opts.fromEnv ? propertiesFromEnvironment(process.env) : {};
        broker = await Broker.start({
          configFile: opts.config,
          port: opts.port,
          websocketPort: opts.wsPort,
          logDirs: opts.logDirs,
          engine: opts.engine,
          workers: opts.workers,
          properties: { ...fromEnv, ...opts.override },
          logger,
        });
      } catch (err) {
        const message =
          err instanceof ConfigError ? `invalid configuration: ${err.message}` : err instanceof EnvConfigError ? `invalid environment: ${err.message}` : (err as Error).message;
        process.stderr.write(`gregor: ${message}\n`);
        process.exitCode = 1;
        return;
      } finally {
        releaseYoungGeneration();
      }
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down');
        broker.stop().then(
          () => process.exit(0),
          (err) => {
            logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
    });
  registerTopicsCommand(program);
  registerUsersCommand(program);
  registerAclsCommand(program);
  registerQuotasCommand(program);
  registerGroupsCommand(program);
  registerLeadersCommand(program);
  registerReassignCommand(program);
  registerTransactionsCommand(program);
  registerProduceCommand(program);
  registerConsumeCommand(program);
  registerPerfCommand(program);
  await program.parseAsync(argv);
}
