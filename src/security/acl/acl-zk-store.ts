/**
 * ACLs of a cluster in ZooKeeper, in classic Kafka's layout (AclAuthorizer with ZooKeeper):
 *
 *   /kafka-acl/<ResourceType>/<name>                    LITERAL patterns
 *   /kafka-acl-extended/prefixed/<ResourceType>/<name>  PREFIXED patterns
 *     data {"version":1,"acls":[{"principal":"User:alice","permissionType":"Allow","operation":"Read","host":"*"}]}
 *   /kafka-acl-changes/acl_changes_<seq>                "Topic:orders" (a LITERAL pattern changed)
 *   /kafka-acl-extended-changes/acl_changes_<seq>       {"version":1,"resourceType":"Topic","name":"orders-","patternType":"Prefixed"}
 *
 * A broker that changes ACLs writes the resource nodes, then a change notification. Every
 * broker watches both change paths and, on a notification (or a reconnection), reads every
 * ACL again and hands them to its authorizer: changes reach all brokers in seconds.
 * Two brokers changing the same resource at once both take effect: each change is a
 * conditional write on the resource znode's version, retried on conflict.
 */
import type { Logger } from 'pino';
import { type ZkClient, ZkCode, ZkError } from '../../cluster/zk-client.js';
import { PatternType, ResourceType } from '../authorizer.js';
import type { AclStore } from './acl-authorizer.js';
import { type AclBinding, applyAclChange, invalidBinding } from './acl-binding.js';
import { aclFromJson, operations, permissions, resourceTypes } from './acl-names.js';

const LITERAL_ROOT = '/kafka-acl';
const PREFIXED_ROOT = '/kafka-acl-extended/prefixed';
const LITERAL_CHANGES = '/kafka-acl-changes';
const EXTENDED_CHANGES = '/kafka-acl-extended-changes';
const CHANGE_PREFIX = 'acl_changes_';
/** Conditional writes of one resource znode before giving up on a conflict storm. */
const MAX_ATTEMPTS = 20;

function nodePath(b: Pick<AclBinding, 'patternType' | 'resourceType' | 'resourceName'>): string {
  const root = b.patternType === PatternType.PREFIXED ? PREFIXED_ROOT : LITERAL_ROOT;
  return `${root}/${resourceTypes.name(b.resourceType)}/${encodeURIComponent(b.resourceName)}`;
}

export class ZkAclStore implements AclStore {
  private acls: AclBinding[] = [];
  private processing: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly zk: ZkClient,
    private readonly logger: Logger,
    private readonly onChange: (acls: readonly AclBinding[]) => void,
  ) {}

  /** Creates the paths, reads every ACL and starts watching; `onChange` gets each re-read set. */
  static async open(zk: ZkClient, logger: Logger, onChange: (acls: readonly AclBinding[]) => void): Promise<ZkAclStore> {
    const store = new ZkAclStore(zk, logger, onChange);
    for (const path of [LITERAL_ROOT, PREFIXED_ROOT, LITERAL_CHANGES, EXTENDED_CHANGES]) await zk.mkdirp(path);
    // Watch first, then read: a change made while reading fires the watch again (read first,
    // and a change between the read and the watch would go unseen).
    await store.watch();
    await store.reload();
    zk.on('connected', () => store.schedule(async () => {
      await store.watch();
      await store.reload();
      store.onChange(store.acls);
    }));
    return store;
  }

  load(): AclBinding[] {
    return [...this.acls];
  }

  /**
   * Applies the change node by node as Kafka's AclAuthorizer does: read the resource's znode
   * with its version, apply the change to what is stored there, write it back only if the
   * version is unchanged (create if absent, delete when empty), and retry from the read when
   * another broker wrote first (BAD_VERSION, NODE_EXISTS). Then one change notification per
   * changed resource. Errors: ZkError after MAX_ATTEMPTS conflicting writes, or when
   * ZooKeeper is unreachable.
   */
  async apply(add: readonly AclBinding[], remove: readonly AclBinding[]): Promise<AclBinding[]> {
    const byNode = new Map<string, { sample: AclBinding; add: AclBinding[]; remove: AclBinding[] }>();
    const note = (b: AclBinding, list: 'add' | 'remove') => {
      const path = nodePath(b);
      let entry = byNode.get(path);
      if (!entry) byNode.set(path, (entry = { sample: b, add: [], remove: [] }));
      entry[list].push(b);
    };
    for (const b of add) note(b, 'add');
    for (const b of remove) note(b, 'remove');
    const changed: AclBinding[] = [];
    for (const [path, change] of byNode) {
      const stored = await this.updateNode(path, change.sample, change.add, change.remove);
      if (stored === null) continue;
      changed.push(change.sample);
      this.acls = [...this.acls.filter((b) => nodePath(b) !== path), ...stored];
    }
    for (const b of changed) {
      if (b.patternType === PatternType.LITERAL) {
        await this.zk.createSequential(`${LITERAL_CHANGES}/${CHANGE_PREFIX}`, Buffer.from(`${resourceTypes.name(b.resourceType)}:${b.resourceName}`));
      } else {
        await this.zk.createSequential(`${EXTENDED_CHANGES}/${CHANGE_PREFIX}`, Buffer.from(JSON.stringify({ version: 1, resourceType: resourceTypes.name(b.resourceType), name: b.resourceName, patternType: 'Prefixed' })));
      }
    }
    return [...this.acls];
  }

  /** One resource's conditional read-modify-write; resolves to its ACLs afterwards, or null when nothing changed. */
  private async updateNode(path: string, resource: AclBinding, add: readonly AclBinding[], remove: readonly AclBinding[]): Promise<AclBinding[] | null> {
    for (let attempt = 1; ; attempt++) {
      const node = await this.zk.getData(path);
      const current = node ? this.parseNode(path, resource, node.data) : [];
      const next = applyAclChange(current, add, remove);
      if (next.length === current.length && next.every((b, i) => b === current[i])) return null;
      const body = Buffer.from(JSON.stringify({ version: 1, acls: next.map((b) => ({ principal: b.principal, permissionType: permissions.name(b.permissionType), operation: operations.name(b.operation), host: b.host })) }));
      try {
        if (!node) {
          await this.zk.mkdirp(path.slice(0, path.lastIndexOf('/')));
          await this.zk.create(path, body);
        } else if (next.length === 0) {
          await this.zk.remove(path, node.version);
        } else {
          await this.zk.setData(path, body, node.version);
        }
        return next;
      } catch (err) {
        const conflict = err instanceof ZkError && (err.code === ZkCode.BAD_VERSION || err.code === ZkCode.NODE_EXISTS || err.code === ZkCode.NO_NODE);
        if (!conflict || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }

  /** The bindings stored in one resource znode; unreadable content is logged and read as none. */
  private parseNode(path: string, resource: Pick<AclBinding, 'resourceType' | 'resourceName' | 'patternType'>, data: Buffer): AclBinding[] {
    const out: AclBinding[] = [];
    try {
      const doc = JSON.parse(data.toString('utf8')) as { acls: Array<Record<string, string>> };
      for (const entry of doc.acls) {
        const b = aclFromJson({
          ...entry,
          resourceType: resourceTypes.name(resource.resourceType),
          resourceName: resource.resourceName,
          patternType: resource.patternType === PatternType.PREFIXED ? 'Prefixed' : 'Literal',
        });
        if (invalidBinding(b) === null) out.push(b);
      }
    } catch (err) {
      this.logger.warn({ path, err: (err as Error).message }, 'ignoring an unreadable ACL node');
    }
    return out;
  }

  close(): void {
    this.closed = true;
  }

  private schedule(task: () => Promise<void>): void {
    this.processing = this.processing.then(task).catch((err) => {
      if (!this.closed) this.logger.warn({ err }, 'reading ACLs from ZooKeeper failed');
    });
  }

  private async watch(): Promise<void> {
    const fire = () => this.schedule(async () => {
      await this.watch();
      await this.reload();
      this.onChange(this.acls);
    });
    let fired = false;
    const once = () => {
      if (!fired) {
        fired = true;
        fire();
      }
    };
    await this.zk.getChildren(LITERAL_CHANGES, once);
    await this.zk.getChildren(EXTENDED_CHANGES, once);
  }

  private async reload(): Promise<void> {
    const out: AclBinding[] = [];
    for (const [root, patternType] of [[LITERAL_ROOT, PatternType.LITERAL], [PREFIXED_ROOT, PatternType.PREFIXED]] as const) {
      for (const type of await this.zk.getChildren(root)) {
        if (root === LITERAL_ROOT && type === 'prefixed') continue;
        for (const encoded of await this.zk.getChildren(`${root}/${type}`)) {
          const path = `${root}/${type}/${encoded}`;
          const node = await this.zk.getData(path);
          if (!node) continue;
          const resourceType = resourceTypes.code(type);
          if (resourceType === ResourceType.UNKNOWN) continue;
          out.push(...this.parseNode(path, { resourceType, resourceName: decodeURIComponent(encoded), patternType }, node.data));
        }
      }
    }
    this.acls = out;
  }
}
