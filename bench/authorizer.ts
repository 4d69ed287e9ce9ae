/**
 * Authorizer cost per decision (`npm run bench:authorizer`): Kafka's AclAuthorizer semantics
 * over 10,000 ACLs (5,000 LITERAL topic ACLs for 100 principals, 4,000 PREFIXED of 40 prefix
 * lengths, 1,000 group ACLs), deciding WRITE on topics that hit a literal ACL, a prefixed one,
 * and none; next to the allow-all authorizer (no `authorizer.class.name`). Median ns per
 * decision over `--runs` (default 7) rounds of 1,000,000 decisions, in one process.
 *
 *   npm run bench:authorizer [-- --acls 10000 --runs 7]
 */
import { AclAuthorizer } from '../src/security/acl/acl-authorizer.js';
import type { AclBinding } from '../src/security/acl/acl-binding.js';
import { ALLOW_ALL_AUTHORIZER, AclOperation, AclPermissionType, type Authorizer, PatternType, ResourceType, topicResource } from '../src/security/authorizer.js';
import { anonymousSession } from '../src/security/auth-session.js';
import { userPrincipal } from '../src/security/principal.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const total = arg('--acls', 10_000);
const runs = arg('--runs', 7);
const acls: AclBinding[] = [];
const allow = (resourceType: ResourceType, resourceName: string, patternType: PatternType, user: number): AclBinding => ({
  resourceType, resourceName, patternType, principal: `User:user-${user}`, host: '*', operation: AclOperation.WRITE, permissionType: AclPermissionType.ALLOW,
});
for (let i = 0; i < total / 2; i++) acls.push(allow(ResourceType.TOPIC, `topic-${i}`, PatternType.LITERAL, i % 100));
for (let i = 0; i < (total * 2) / 5; i++) acls.push(allow(ResourceType.TOPIC, `p${i}-`.padEnd(4 + (i % 40), 'x'), PatternType.PREFIXED, i % 100));
for (let i = 0; i < total / 10; i++) acls.push(allow(ResourceType.GROUP, `group-${i}`, PatternType.LITERAL, i % 100));

const acl = new AclAuthorizer({ load: () => acls, apply: async () => acls }, { superUsers: ['User:admin'], allowEveryoneIfNoAclFound: false });
const session = { ...anonymousSession('PLAINTEXT', 'PLAINTEXT', '127.0.0.1'), principal: userPrincipal('user-7') };
const resources = [topicResource('topic-1207'), topicResource(`${'p207-'.padEnd(4 + (207 % 40), 'x')}orders`), topicResource('unrelated-topic')];

function nsPerDecision(authorizer: Authorizer, n = 1_000_000): number {
  let allowed = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (authorizer.authorize(session, AclOperation.WRITE, resources[i % 3]!)) allowed++;
  const ns = Number(process.hrtime.bigint() - start) / n;
  if (authorizer === acl && allowed !== Math.ceil(n / 3) + Math.ceil((n - 1) / 3)) throw new Error(`unexpected decisions: ${allowed} allowed of ${n}`);
  return ns;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
nsPerDecision(acl, 200_000); // warm-up
nsPerDecision(ALLOW_ALL_AUTHORIZER, 200_000);
const aclNs: number[] = [];
const allNs: number[] = [];
for (let r = 0; r < runs; r++) {
  aclNs.push(nsPerDecision(acl));
  allNs.push(nsPerDecision(ALLOW_ALL_AUTHORIZER));
}
console.log(`${acl.size} ACLs; WRITE on a literal-matched, a prefix-matched and an unmatched topic in turn; median of ${runs} × 1,000,000 decisions`);
console.table([
  { authorizer: 'AclAuthorizer', nsPerDecision: +median(aclNs).toFixed(1) },
  { authorizer: 'allow-all (no authorizer.class.name)', nsPerDecision: +median(allNs).toFixed(1) },
]);
