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
 * Concurrent changes of the same resource from two brokers: the last write wins.
 */
import type { Logger } from 'pino';
import type { ZkClient } from '../../cluster/zk-client.js';
import { PatternType } from '../authorizer.js';
import type { AclStore } from './acl-authorizer.js';
import { type AclBinding, invalidBinding } from './acl-binding.js';
import { aclFromJson, operations, permissions, resourceTypes } from './acl-names.js';

const LITERAL_ROOT = '/kafka-acl';
const PREFIXED_ROOT = '/kafka-acl-extended/prefixed';
const LITERAL_CHANGES = '/kafka-acl-changes';
const EXTENDED_CHANGES = '/kafka-acl-extended-changes';
const CHANGE_PREFIX = 'acl_changes_';

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
    await store.reload();
    await store.watch();
    zk.on('connected', () => store.schedule(async () => {
      await store.reload();
      await store.watch();
      store.onChange(store.acls);
    }));
    return store;
  }

  load(): AclBinding[] {
    return [...this.acls];
  }

  /** Writes every resource node whose ACLs differ from `acls`, then a change notification per pattern type. */
  async save(acls: readonly AclBinding[]): Promise<void> {
    const group = (list: readonly AclBinding[]) => {
      const byNode = new Map<string, AclBinding[]>();
      for (const b of list) {
        const path = nodePath(b);
        const entries = byNode.get(path);
        if (entries) entries.push(b);
        else byNode.set(path, [b]);
      }
      return byNode;
    };
    const before = group(this.acls);
    const after = group(acls);
    const changed = new Map<string, AclBinding>();
    for (const path of new Set([...before.keys(), ...after.keys()])) {
      const next = after.get(path) ?? [];
      const body = JSON.stringify({ version: 1, acls: next.map((b) => ({ principal: b.principal, permissionType: permissions.name(b.permissionType), operation: operations.name(b.operation), host: b.host })) });
      const prev = before.get(path) ?? [];
      if (prev.length === next.length && prev.every((b, i) => b === next[i])) continue;
      const sample = (next[0] ?? prev[0])!;
      changed.set(path, sample);
      if (next.length === 0) await this.zk.remove(path).catch(() => {});
      else if (await this.zk.exists(path)) await this.zk.setData(path, Buffer.from(body), -1);
      else {
        await this.zk.mkdirp(path.slice(0, path.lastIndexOf('/')));
        await this.zk.create(path, Buffer.from(body));
      }
    }
    this.acls = [...acls];
    for (const b of changed.values()) {
      if (b.patternType === PatternType.LITERAL) {
        await this.zk.createSequential(`${LITERAL_CHANGES}/${CHANGE_PREFIX}`, Buffer.from(`${resourceTypes.name(b.resourceType)}:${b.resourceName}`));
      } else {
        await this.zk.createSequential(`${EXTENDED_CHANGES}/${CHANGE_PREFIX}`, Buffer.from(JSON.stringify({ version: 1, resourceType: resourceTypes.name(b.resourceType), name: b.resourceName, patternType: 'Prefixed' })));
      }
    }
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
      await this.reload();
      await this.watch();
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
    for (const [root, patternType] of [[LITERAL_ROOT, 'Literal'], [PREFIXED_ROOT, 'Prefixed']] as const) {
      for (const type of await this.zk.getChildren(root)) {
        if (root === LITERAL_ROOT && type === 'prefixed') continue;
        for (const encoded of await this.zk.getChildren(`${root}/${type}`)) {
          const node = await this.zk.getData(`${root}/${type}/${encoded}`);
          if (!node) continue;
          try {
            const doc = JSON.parse(node.data.toString('utf8')) as { acls: Array<Record<string, string>> };
            for (const entry of doc.acls) {
              const b = aclFromJson({ ...entry, resourceType: type, resourceName: decodeURIComponent(encoded), patternType });
              if (invalidBinding(b) === null) out.push(b);
            }
          } catch (err) {
            this.logger.warn({ path: `${root}/${type}/${encoded}`, err: (err as Error).message }, 'ignoring an unreadable ACL node');
          }
        }
      }
    }
    this.acls = out;
  }
}
