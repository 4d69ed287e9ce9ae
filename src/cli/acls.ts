/**
 * `gregor acls add|list|remove`: ACLs on a running broker through CreateAcls, DescribeAcls and
 * DeleteAcls, with kafka-acls.sh's options (--allow-principal, --deny-principal,
 * --allow-host, --deny-host, --operation, --topic, --group, --cluster, --transactional-id,
 * --resource-pattern-type, --producer, --consumer). Lines print as kafka-acls.sh's do:
 * `(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)` under each resource.
 */
import type { Command } from 'commander';
import { errorName } from '../protocol/error-codes.js';
import type { CreateAclsResponse } from '../protocol/generated/create-acls-response.js';
import type { DeleteAclsResponse } from '../protocol/generated/delete-acls-response.js';
import type { DescribeAclsResponse } from '../protocol/generated/describe-acls-response.js';
import { operations, patternTypes, permissions, resourceTypes } from '../security/acl/acl-names.js';
import { AclOperation, AclPermissionType, CLUSTER_NAME, PatternType, ResourceType } from '../security/authorizer.js';
import { type AdminTarget, adminOptions, withAdminClient } from './admin-client.js';
import { type KafkaClient } from '../network/kafka-client.js';

interface AclOptions extends AdminTarget {
  allowPrincipal: string[];
  denyPrincipal: string[];
  allowHost: string[];
  denyHost: string[];
  operation: string[];
  topic: string[];
  group: string[];
  cluster?: boolean;
  transactionalId: string[];
  resourcePatternType: string;
  producer?: boolean;
  consumer?: boolean;
}

interface Pattern {
  resourceType: number;
  resourceName: string;
  patternType: number;
}

const collect = (v: string, acc: string[]) => [...acc, v];

function patterns(o: AclOptions, patternType: number): Pattern[] {
  return [
    ...o.topic.map((n) => ({ resourceType: ResourceType.TOPIC, resourceName: n, patternType })),
    ...o.group.map((n) => ({ resourceType: ResourceType.GROUP, resourceName: n, patternType })),
    ...o.transactionalId.map((n) => ({ resourceType: ResourceType.TRANSACTIONAL_ID, resourceName: n, patternType })),
    ...(o.cluster ? [{ resourceType: ResourceType.CLUSTER, resourceName: CLUSTER_NAME, patternType: PatternType.LITERAL }] : []),
  ];
}

function operationCodes(o: AclOptions, resourceType: number): number[] {
  const ops = o.operation.map((name) => {
    const code = operations.code(name);
    if (code === AclOperation.UNKNOWN || code === AclOperation.ANY) throw new Error(`unknown operation ${name}`);
    return code;
  });
  // kafka-acls.sh conveniences.
  if (o.producer) {
    if (resourceType === ResourceType.TOPIC) ops.push(AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.CREATE);
    if (resourceType === ResourceType.TRANSACTIONAL_ID) ops.push(AclOperation.WRITE, AclOperation.DESCRIBE);
  }
  if (o.consumer) {
    if (resourceType === ResourceType.TOPIC) ops.push(AclOperation.READ, AclOperation.DESCRIBE);
    if (resourceType === ResourceType.GROUP) ops.push(AclOperation.READ);
  }
  return [...new Set(ops)];
}

function patternType(name: string): number {
  const code = patternTypes.code(name);
  if (code === PatternType.UNKNOWN) throw new Error(`unknown --resource-pattern-type ${name} (literal, prefixed, any, match)`);
  return code;
}

async function add(client: KafkaClient, o: AclOptions): Promise<string> {
  const type = patternType(o.resourcePatternType);
  if (type !== PatternType.LITERAL && type !== PatternType.PREFIXED) throw new Error('add takes --resource-pattern-type literal or prefixed');
  const entries = [
    ...o.allowPrincipal.map((principal) => ({ principal, permissionType: AclPermissionType.ALLOW, hosts: o.allowHost.length ? o.allowHost : ['*'] })),
    ...o.denyPrincipal.map((principal) => ({ principal, permissionType: AclPermissionType.DENY, hosts: o.denyHost.length ? o.denyHost : ['*'] })),
  ];
  const creations = patterns(o, type).flatMap((p) =>
    entries.flatMap((e) => e.hosts.flatMap((host) => operationCodes(o, p.resourceType).map((operation) => ({ ...p, resourcePatternType: p.patternType, principal: e.principal, host, operation, permissionType: e.permissionType })))),
  );
  if (creations.length === 0) throw new Error('nothing to add: name a principal, a resource and an operation');
  const { response } = await client.request<CreateAclsResponse>(30, { creations });
  const failed = response.results.map((r, i) => (r.errorCode === 0 ? null : `${describeCreation(creations[i]!)}: ${errorName(r.errorCode)} ${r.errorMessage ?? ''}`)).filter(Boolean);
  if (failed.length > 0) throw new Error(failed.join('\n'));
  return `Added ${creations.length} ACL(s).`;
}

function describeCreation(c: { resourceType: number; resourceName: string; patternType: number; principal: string; host: string; operation: number; permissionType: number }): string {
  return `${resourceTypes.name(c.resourceType)}:${patternTypes.name(c.patternType).toUpperCase()}:${c.resourceName} (principal=${c.principal}, host=${c.host}, operation=${operations.name(c.operation).toUpperCase()}, permissionType=${permissions.name(c.permissionType).toUpperCase()})`;
}

function filterOf(o: AclOptions, p: Pattern | null) {
  const principal = [...o.allowPrincipal, ...o.denyPrincipal][0] ?? null;
  return {
    resourceTypeFilter: p?.resourceType ?? ResourceType.ANY,
    resourceNameFilter: p?.resourceName ?? null,
    patternTypeFilter: p ? p.patternType : PatternType.ANY,
    principalFilter: principal,
    hostFilter: null,
    operation: AclOperation.ANY,
    permissionType: AclPermissionType.ANY,
  };
}

async function list(client: KafkaClient, o: AclOptions): Promise<string> {
  const ps = patterns(o, patternType(o.resourcePatternType));
  const lines: string[] = [];
  for (const p of ps.length ? ps : [null]) {
    const { response } = await client.request<DescribeAclsResponse>(29, filterOf(o, p));
    if (response.errorCode !== 0) throw new Error(`${errorName(response.errorCode)} ${response.errorMessage ?? ''}`);
    for (const r of response.resources) {
      lines.push(`Current ACLs for resource \`ResourcePattern(resourceType=${resourceTypes.name(r.resourceType).toUpperCase()}, name=${r.resourceName}, patternType=${patternTypes.name(r.patternType).toUpperCase()})\`:`);
      for (const a of r.acls) lines.push(`\t(principal=${a.principal}, host=${a.host}, operation=${operations.name(a.operation).toUpperCase()}, permissionType=${permissions.name(a.permissionType).toUpperCase()})`);
      lines.push('');
    }
  }
  return lines.join('\n');
}

async function remove(client: KafkaClient, o: AclOptions): Promise<string> {
  const ps = patterns(o, patternType(o.resourcePatternType));
  if (ps.length === 0) throw new Error('remove needs a resource (--topic, --group, --cluster, --transactional-id)');
  const filters = ps.flatMap((p) => {
    const ops = operationCodes(o, p.resourceType);
    return (ops.length ? ops : [AclOperation.ANY]).map((operation) => ({ ...filterOf(o, p), operation }));
  });
  const { response } = await client.request<DeleteAclsResponse>(31, { filters });
  let count = 0;
  for (const r of response.filterResults) {
    if (r.errorCode !== 0) throw new Error(`${errorName(r.errorCode)} ${r.errorMessage ?? ''}`);
    count += r.matchingAcls.length;
  }
  return `Removed ${count} ACL(s).`;
}

/** Adds the `acls` command and its subcommands to the `gregor` program. */
export function registerAclsCommand(program: Command): void {
  const acls = program.command('acls').description('add, list and remove ACLs on a running broker (kafka-acls.sh options)');
  const options = (cmd: Command) =>
    adminOptions(cmd)
      .option('--allow-principal <principal>', 'e.g. User:alice (repeatable)', collect, [])
      .option('--deny-principal <principal>', 'e.g. User:mallory (repeatable)', collect, [])
      .option('--allow-host <host>', 'client address the allow entries apply to (default *)', collect, [])
      .option('--deny-host <host>', 'client address the deny entries apply to (default *)', collect, [])
      .option('--operation <op>', 'Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite, All (repeatable)', collect, [])
      .option('--topic <name>', 'a topic (or prefix) (repeatable)', collect, [])
      .option('--group <name>', 'a consumer group (or prefix) (repeatable)', collect, [])
      .option('--cluster', 'the cluster resource')
      .option('--transactional-id <id>', 'a transactional id (or prefix) (repeatable)', collect, [])
      .option('--resource-pattern-type <type>', 'literal, prefixed (add); any, match also for list/remove', 'literal')
      .option('--producer', 'Write, Describe, Create on the topics (and the transactional ids)')
      .option('--consumer', 'Read, Describe on the topics and Read on the groups');
  options(acls.command('add').description('add ACLs')).action((o: AclOptions) => withAdminClient(o, (c) => add(c, o)));
  options(acls.command('list').description('list ACLs (all, or those of the named resources)')).action((o: AclOptions) => withAdminClient(o, (c) => list(c, o)));
  options(acls.command('remove').description('remove the ACLs matching the named resources, principal and operations')).action((o: AclOptions) => withAdminClient(o, (c) => remove(c, o)));
}
