/**
 * `gregor quotas …`: client quotas on a running broker (KIP-546), like kafka-configs.sh:
 *
 *   gregor quotas describe [--entity-type users|clients [--entity-name x | --entity-default]] ...
 *   gregor quotas alter --entity-type users|clients (--entity-name x | --entity-default) [...]
 *                       [--add-config producer_byte_rate=1048576,consumer_byte_rate=2097152]
 *                       [--delete-config request_percentage]
 *
 * `--entity-type` may be given twice (users then clients) for a user + client-id entity; each
 * `--entity-name` / `--entity-default` goes with the `--entity-type` before it.
 * describe prints one line per entity: `user=alice client-id=<default>  producer_byte_rate=1048576`.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { errorName } from '../protocol/error-codes.js';
import type { AlterClientQuotasResponse } from '../protocol/generated/alter-client-quotas-response.js';
import type { DescribeClientQuotasResponse } from '../protocol/generated/describe-client-quotas-response.js';
import { adminOptions, withAdminClient } from './admin-client.js';

const DESCRIBE_CLIENT_QUOTAS = 48;
const ALTER_CLIENT_QUOTAS = 49;
const ENTITY_TYPES: Record<string, string> = { users: 'user', clients: 'client-id' };

interface EntityArg {
  entityType: string;
  /** undefined: any (describe only); null: the default entity. */
  entityName?: string | null;
}

/** Reads the entity options in command-line order (commander keeps no order across options). */
function entitiesFrom(argv: readonly string[]): EntityArg[] {
  const entities: EntityArg[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') && arg.startsWith('--') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--entity-type') {
      const type = ENTITY_TYPES[value() ?? ''];
      if (!type) throw new InvalidArgumentError('--entity-type is users or clients');
      entities.push({ entityType: type });
    } else if (flag === '--entity-name' || flag === '--entity-default') {
      const last = entities[entities.length - 1];
      if (!last || last.entityName !== undefined) throw new InvalidArgumentError(`${flag} must follow an --entity-type`);
      last.entityName = flag === '--entity-default' ? null : value()!;
    }
  }
  return entities;
}

function parseConfigs(text: string | undefined): Array<{ key: string; value: number }> {
  if (!text) return [];
  return text.split(',').map((pair) => {
    const eq = pair.indexOf('=');
    const value = Number(pair.slice(eq + 1));
    if (eq <= 0 || pair.slice(eq + 1).trim() === '' || !Number.isFinite(value)) throw new InvalidArgumentError(`"${pair}" is not key=<number>`);
    return { key: pair.slice(0, eq).trim(), value };
  });
}

function formatEntity(entity: Array<{ entityType: string; entityName: string | null }>): string {
  return entity.map((e) => `${e.entityType}=${e.entityName ?? '<default>'}`).join(' ');
}

/** Adds the `quotas` command and its subcommands to the `gregor` program. */
export function registerQuotasCommand(program: Command): void {
  const quotas = program.command('quotas').description('describe and alter client quotas (producer_byte_rate, consumer_byte_rate, request_percentage)');
  const common = (cmd: Command) =>
    adminOptions(cmd)
      .option('--entity-type <type>', 'users or clients (twice for a user + client-id entity)')
      .option('--entity-name <name>', 'the entity name')
      .option('--entity-default', 'the default entity');

  common(quotas.command('describe').description('quotas of the matching entities (all if none named)')).action(async (opts: { bootstrapServer: string }) => {
    await withAdminClient(opts, async (client) => {
      const components = entitiesFrom(process.argv).map((e) => ({
        entityType: e.entityType,
        matchType: e.entityName === undefined ? 2 : e.entityName === null ? 1 : 0,
        match: e.entityName ?? null,
      }));
      const { response } = await client.request<DescribeClientQuotasResponse>(DESCRIBE_CLIENT_QUOTAS, { components, strict: components.length > 0 });
      if (response.errorCode !== 0) throw new Error(`${errorName(response.errorCode)}: ${response.errorMessage ?? 'describe failed'}`);
      return (response.entries ?? [])
        .map((entry) => `${formatEntity(entry.entity)}\t${entry.values.map((v) => `${v.key}=${v.value}`).sort().join(',')}`)
        .sort()
        .join('\n');
    });
  });

  common(
    quotas
      .command('alter')
      .description('set or remove quotas of one entity')
      .option('--add-config <k=v,...>', 'quotas to set')
      .option('--delete-config <k,...>', 'quotas to remove'),
  ).action(async (opts: { bootstrapServer: string; addConfig?: string; deleteConfig?: string }) => {
    await withAdminClient(opts, async (client) => {
      const entity = entitiesFrom(process.argv);
      if (entity.length === 0 || entity.some((e) => e.entityName === undefined)) throw new Error('alter needs --entity-type with --entity-name or --entity-default');
      const ops = [
        ...parseConfigs(opts.addConfig).map(({ key, value }) => ({ key, value, remove: false })),
        ...(opts.deleteConfig ? opts.deleteConfig.split(',').map((key) => ({ key: key.trim(), value: 0, remove: true })) : []),
      ];
      if (ops.length === 0) throw new Error('alter needs --add-config or --delete-config');
      const { response } = await client.request<AlterClientQuotasResponse>(ALTER_CLIENT_QUOTAS, {
        entries: [{ entity: entity.map((e) => ({ entityType: e.entityType, entityName: e.entityName ?? null })), ops }],
        validateOnly: false,
      });
      const failed = response.entries.find((e) => e.errorCode !== 0);
      if (failed) throw new Error(`${errorName(failed.errorCode)}: ${failed.errorMessage ?? 'alter failed'}`);
      return '';
    });
  });
}
