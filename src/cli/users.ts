/**
 * `gregor users …`: SCRAM users on a running broker (KIP-554), like
 * `kafka-configs.sh --entity-type users --alter --add-config 'SCRAM-SHA-256=[iterations=8192,password=…]'`:
 *
 *   gregor users add <user> [--mechanism SCRAM-SHA-256|SCRAM-SHA-512] [--iterations N] (--password P | --password-file F)
 *   gregor users list [user ...]
 *   gregor users delete <user> [--mechanism M]     (default: every mechanism the user has)
 *
 * `add` salts and hashes the password here (PBKDF2, a random 32-byte salt) and sends only the
 * salt and SaltedPassword in AlterUserScramCredentials. Exit code 1 with
 * `gregor: <ERROR_NAME>: <message>` when the broker refuses (UNACCEPTABLE_CREDENTIAL, …).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { errorName } from '../protocol/error-codes.js';
import type { AlterUserScramCredentialsResponse } from '../protocol/generated/alter-user-scram-credentials-response.js';
import type { DescribeUserScramCredentialsResponse } from '../protocol/generated/describe-user-scram-credentials-response.js';
import { saltedPassword } from '../security/sasl/scram-credential.js';
import { SCRAM_MECHANISM_TYPE, SCRAM_MIN_ITERATIONS, type ScramMechanism, isScramMechanism, scramMechanismOfType } from '../security/sasl/scram-mechanism.js';
import { adminOptions, withAdminClient } from './admin-client.js';
import { type KafkaClient } from '../network/kafka-client.js';

const DESCRIBE_USER_SCRAM_CREDENTIALS = 50;
const ALTER_USER_SCRAM_CREDENTIALS = 51;

function mechanismOption(value: string): ScramMechanism {
  if (!isScramMechanism(value)) throw new InvalidArgumentError('expected SCRAM-SHA-256 or SCRAM-SHA-512');
  return value;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected a whole number');
  return n;
}

async function describe(client: KafkaClient, users: string[] | null): Promise<DescribeUserScramCredentialsResponse> {
  const { response } = await client.request<DescribeUserScramCredentialsResponse>(DESCRIBE_USER_SCRAM_CREDENTIALS, { users: users?.map((name) => ({ name })) ?? null }, 0);
  if (response.errorCode !== 0) throw new Error(`${errorName(response.errorCode)}: ${response.errorMessage ?? 'describe failed'}`);
  return response;
}

async function alter(client: KafkaClient, body: { deletions: unknown[]; upsertions: unknown[] }): Promise<string> {
  const { response } = await client.request<AlterUserScramCredentialsResponse>(ALTER_USER_SCRAM_CREDENTIALS, body, 0);
  const failed = response.results.find((r) => r.errorCode !== 0);
  if (failed) throw new Error(`${errorName(failed.errorCode)}: ${failed.errorMessage ?? failed.user}`);
  return '';
}

/** Adds the `users` command and its subcommands to the `gregor` program. */
export function registerUsersCommand(program: Command): void {
  const users = program.command('users').description('add, list and delete SCRAM users on a running broker');
  const bootstrapOption = adminOptions;

  bootstrapOption(
    users
      .command('add <user>')
      .description('add a SCRAM credential (or replace it)')
      .option('-m, --mechanism <mechanism>', 'SCRAM-SHA-256 or SCRAM-SHA-512', mechanismOption, 'SCRAM-SHA-256' as ScramMechanism)
      .option('-i, --iterations <n>', 'PBKDF2 iterations (4096 to 16384)', integer, SCRAM_MIN_ITERATIONS)
      .option('--password <password>', 'the password (visible to other local users: prefer --password-file)')
      .option('--password-file <file>', 'a file whose first line is the password'),
  ).action(async (user: string, opts: { bootstrapServer: string; mechanism: ScramMechanism; iterations: number; password?: string; passwordFile?: string }) => {
    let password = opts.password;
    if (opts.passwordFile !== undefined) password = readFileSync(opts.passwordFile, 'utf8').split(/\r?\n/)[0];
    if (password === undefined || password === '') {
      process.stderr.write('gregor: users add needs --password or --password-file\n');
      process.exitCode = 1;
      return;
    }
    const salt = randomBytes(32);
    // Kafka refuses iterations outside 4096..16384 (UNACCEPTABLE_CREDENTIAL); the broker decides.
    const iterations = opts.iterations;
    const salted = iterations > 0 && iterations <= 1_000_000 ? saltedPassword(opts.mechanism, password, salt, iterations) : Buffer.alloc(0);
    await withAdminClient(opts, (client) =>
      alter(client, { deletions: [], upsertions: [{ name: user, mechanism: SCRAM_MECHANISM_TYPE[opts.mechanism], iterations, salt, saltedPassword: salted }] }),
    );
  });

  bootstrapOption(users.command('list [users...]').description('users with SCRAM credentials: user, mechanism, iterations')).action(async (names: string[], opts: { bootstrapServer: string }) => {
    await withAdminClient(opts, async (client) => {
      const response = await describe(client, names.length > 0 ? names : null);
      const lines: string[] = [];
      for (const result of response.results.sort((a, b) => a.user.localeCompare(b.user))) {
        if (result.errorCode !== 0) throw new Error(`${errorName(result.errorCode)}: ${result.errorMessage ?? result.user}`);
        for (const info of result.credentialInfos) lines.push(`${result.user}\t${scramMechanismOfType(info.mechanism) ?? info.mechanism}\titerations=${info.iterations}`);
      }
      return lines.join('\n');
    });
  });

  bootstrapOption(
    users.command('delete <user>').description('delete SCRAM credentials').option('-m, --mechanism <mechanism>', 'only this mechanism', mechanismOption),
  ).action(async (user: string, opts: { bootstrapServer: string; mechanism?: ScramMechanism }) => {
    await withAdminClient(opts, async (client) => {
      let mechanisms: number[];
      if (opts.mechanism) mechanisms = [SCRAM_MECHANISM_TYPE[opts.mechanism]];
      else mechanisms = (await describe(client, [user])).results.flatMap((r) => {
        if (r.errorCode !== 0) throw new Error(`${errorName(r.errorCode)}: ${r.errorMessage ?? r.user}`);
        return r.credentialInfos.map((i) => i.mechanism);
      });
      return alter(client, { deletions: mechanisms.map((mechanism) => ({ name: user, mechanism })), upsertions: [] });
    });
  });
}
