/**
 * Kafka's ACL authorizer (kafka.security.authorizer.AclAuthorizer semantics, docs/security.html
 * "Authorization and ACLs"; KIP-290 prefixed ACLs):
 *
 * - `super.users` are allowed everything.
 * - The ACLs that apply to a resource: LITERAL with its name, LITERAL `*`, and PREFIXED whose
 *   prefix starts its name. None at all → `allow.everyone.if.no.acl.found` decides.
 * - An entry applies to a session when its principal is the session's (or `User:*`) and its
 *   host is the client's address (or `*`).
 * - A DENY entry for the operation (or ALL) wins; then an ALLOW entry for the operation, ALL,
 *   or an operation that implies it: READ, WRITE, DELETE and ALTER imply DESCRIBE;
 *   ALTER_CONFIGS implies DESCRIBE_CONFIGS.
 *
 * Lookups never scan every ACL: LITERAL entries are in a map by type and name; PREFIXED entries
 * in a map by type and prefix, probed once per distinct prefix length of that type.
 * The set of ACLs lives in an AclStore (a file on a single broker); changes made through this
 * broker are written there before they are answered.
 */
import type { AuthSession } from '../auth-session.js';
import { AclOperation, AclPermissionType, type Authorizer, PatternType, type Resource, type ResourceType } from '../authorizer.js';
import { formatPrincipal } from '../principal.js';
import { type AclBinding, type AclBindingFilter, WILDCARD, filterMatches, sameBinding } from './acl-binding.js';

/** Where ACLs persist: loaded at start, replaced as a whole on change. */
export interface AclStore {
  load(): AclBinding[];
  /**
   * Adds `add` and removes `remove` (compared with sameBinding) against the stored ACLs, not a
   * cached copy, so concurrent changes from other brokers are kept; resolves to every ACL
   * afterwards.
   */
  apply(add: readonly AclBinding[], remove: readonly AclBinding[]): Promise<AclBinding[]>;
}


const IMPLIES_DESCRIBE = [AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER];
const IMPLIES_DESCRIBE_CONFIGS = [AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS];

function allowingOperations(op: AclOperation): readonly AclOperation[] {
  if (op === AclOperation.DESCRIBE) return IMPLIES_DESCRIBE;
  if (op === AclOperation.DESCRIBE_CONFIGS) return IMPLIES_DESCRIBE_CONFIGS;
  return [op];
}

export interface AclAuthorizerOptions {
  /** `super.users`: principals (`User:admin`) allowed everything. */
  superUsers: readonly string[];
  /** `allow.everyone.if.no.acl.found`. */
  allowEveryoneIfNoAclFound: boolean;
}

export class AclAuthorizer implements Authorizer {
  readonly enabled = true;
  private acls: AclBinding[] = [];
  private literal = new Map<string, AclBinding[]>();
  private prefixed = new Map<string, AclBinding[]>();
  /** Distinct prefix lengths per resource type, longest first. */
  private prefixLengths = new Map<ResourceType, number[]>();
  private readonly superUsers: ReadonlySet<string>;

  constructor(private store: AclStore, private readonly options: AclAuthorizerOptions) {
    this.superUsers = new Set(options.superUsers);
    this.replaceAll(store.load());
  }

  /** Whether `session` may perform `operation` on `resource` (see the file comment). */
  authorize(session: AuthSession, operation: AclOperation, resource: Resource): boolean {
    const principal = formatPrincipal(session.principal);
    if (this.superUsers.has(principal)) return true;
    const entries = this.applicable(resource);
    if (entries.length === 0) return this.options.allowEveryoneIfNoAclFound;
    const wildcardPrincipal = `${session.principal.type}:*`;
    const applies = (b: AclBinding) =>
      (b.principal === principal || b.principal === wildcardPrincipal) && (b.host === WILDCARD || b.host === session.clientAddress);
    for (const b of entries) {
      if (b.permissionType === AclPermissionType.DENY && (b.operation === operation || b.operation === AclOperation.ALL) && applies(b)) return false;
    }
    const allowing = allowingOperations(operation);
    for (const b of entries) {
      if (b.permissionType === AclPermissionType.ALLOW && (b.operation === AclOperation.ALL || allowing.includes(b.operation)) && applies(b)) return true;
    }
    return false;
  }

  /**
   * Whether some resource of `type` allows `operation` to `session` (KIP-679): a super user, or
   * an ALLOW entry for it with no DENY of the same pattern. Scans the ACLs of `type`.
   */
  authorizeAnyOfType(session: AuthSession, operation: AclOperation, type: ResourceType): boolean {
    const principal = formatPrincipal(session.principal);
    if (this.superUsers.has(principal)) return true;
    const wildcardPrincipal = `${session.principal.type}:*`;
    return this.acls.some((b) => b.resourceType === type && b.permissionType === AclPermissionType.ALLOW &&
      (b.operation === operation || b.operation === AclOperation.ALL) &&
      (b.principal === principal || b.principal === wildcardPrincipal) && (b.host === WILDCARD || b.host === session.clientAddress) &&
      this.authorize(session, operation, { type, name: b.patternType === PatternType.LITERAL && b.resourceName !== WILDCARD ? b.resourceName : `${b.resourceName === WILDCARD ? '' : b.resourceName}x` }));
  }

  /** Every ACL that applies to `resource` (LITERAL name or `*`, and matching PREFIXED). */
  private applicable(resource: Resource): AclBinding[] {
    const out: AclBinding[] = [];
    const exact = this.literal.get(key(resource.type, resource.name));
    if (exact) out.push(...exact);
    const wildcard = this.literal.get(key(resource.type, WILDCARD));
    if (wildcard) out.push(...wildcard);
    for (const length of this.prefixLengths.get(resource.type) ?? []) {
      if (length > resource.name.length) continue;
      const hit = this.prefixed.get(key(resource.type, resource.name.slice(0, length)));
      if (hit) out.push(...hit);
    }
    return out;
  }

  /** The ACLs matching `filter` (DescribeAcls). */
  describe(filter: AclBindingFilter): AclBinding[] {
    return this.acls.filter((b) => filterMatches(filter, b));
  }

  /** Adds bindings (already validated); duplicates are kept once. Persists before resolving. */
  async create(bindings: readonly AclBinding[]): Promise<void> {
    this.replaceAll(await this.store.apply(bindings, []));
  }

  /** Removes every binding matching each filter; returns the removed ones per filter. */
  async delete(filters: readonly AclBindingFilter[]): Promise<AclBinding[][]> {
    const removed = filters.map((f) => this.acls.filter((b) => filterMatches(f, b)));
    const gone = removed.flat();
    if (gone.length > 0) this.replaceAll(await this.store.apply([], gone));
    return removed;
  }

  /** Switches to another store (a cluster broker moves to ZooKeeper once it has joined) and takes its ACLs. */
  useStore(store: AclStore): void {
    this.store = store;
    this.replaceAll(store.load());
  }

  /** Replaces the whole set (start-up, or a change notified by another broker). */
  replaceAll(acls: readonly AclBinding[]): void {
    this.acls = [...acls];
    this.literal = new Map();
    this.prefixed = new Map();
    const lengths = new Map<ResourceType, Set<number>>();
    for (const b of this.acls) {
      const map = b.patternType === PatternType.PREFIXED ? this.prefixed : this.literal;
      const k = key(b.resourceType, b.resourceName);
      const list = map.get(k);
      if (list) list.push(b);
      else map.set(k, [b]);
      if (b.patternType === PatternType.PREFIXED) {
        let set = lengths.get(b.resourceType);
        if (!set) lengths.set(b.resourceType, (set = new Set()));
        set.add(b.resourceName.length);
      }
    }
    this.prefixLengths = new Map([...lengths].map(([type, set]) => [type, [...set].sort((a, b) => b - a)]));
  }

  get size(): number {
    return this.acls.length;
  }
}

function key(type: ResourceType, name: string): string {
  return `${type}\u0000${name}`;
}
