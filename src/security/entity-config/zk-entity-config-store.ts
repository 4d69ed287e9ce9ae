/**
 * Entity configs in a cluster, as classic Kafka keeps them in ZooKeeper:
 *
 *   /config/users/<user>                       {"version":1,"config":{"SCRAM-SHA-256":"…","producer_byte_rate":"1048576.0"}}
 *   /config/users/<user>/clients/<client-id>   {"version":1,"config":{…}}
 *   /config/clients/<client-id>                {"version":1,"config":{…}}
 *   /config/changes/config_change_<seq>        {"version":2,"entity_path":"users/alice"}
 *
 * A write sets the entity's znode (an emptied config stays as `{}`, as Kafka's AdminZkClient
 * leaves it) and then adds a change notification. Every broker watches /config/changes and
 * re-reads the entities named by notifications newer than the last it applied
 * (ZkConfigChangeNotificationListener / ConfigChangeNotificationHandler). Notifications are
 * removed 15 minutes after a broker first saw them, as Kafka purges them.
 */
import type { Logger } from 'pino';
import { type ZkClient, ZkCode, ZkError } from '../../cluster/zk-client.js';
import type { EntityConfig, EntityConfigStore } from './entity-config-store.js';

const CONFIG = '/config';
const CHANGES = '/config/changes';
const CHANGE_PREFIX = 'config_change_';
/** Notifications are removed this long after a broker first saw them (Kafka: 15 minutes). */
const CHANGE_EXPIRY_MS = 15 * 60 * 1000;

export class ZkEntityConfigStore implements EntityConfigStore {
  private readonly configs = new Map<string, EntityConfig>();
  private readonly listeners: Array<(paths: readonly string[]) => void> = [];
  /** Sequence number of the last change notification applied (-1: none). */
  private lastChange = -1;
  private closed = false;
  private processing: Promise<void> = Promise.resolve();
  /** When this broker first saw each notification (by sequence number), for expiry. */
  private readonly seenAt = new Map<number, number>();

  private constructor(
    private readonly zk: ZkClient,
    private readonly logger: Logger,
  ) {}

  /** Creates the persistent paths, loads every entity and starts watching for changes. */
  static async open(zk: ZkClient, logger: Logger): Promise<ZkEntityConfigStore> {
    const store = new ZkEntityConfigStore(zk, logger);
    for (const path of ['/config/users', '/config/clients', CHANGES]) await zk.mkdirp(path);
    // Notifications already there describe state we are about to read in full.
    const existing = await zk.getChildren(CHANGES);
    store.lastChange = Math.max(-1, ...existing.map(sequenceOf));
    await store.loadAll();
    await store.watchChanges();
    // After a reconnection (or a new session) watches may be gone: read everything again.
    zk.on('connected', () => store.schedule(async () => {
      await store.loadAll();
      await store.watchChanges();
    }));
    return store;
  }

  all(): ReadonlyMap<string, EntityConfig> {
    return this.configs;
  }

  get(path: string): EntityConfig {
    return this.configs.get(path) ?? {};
  }

  async alter(changes: ReadonlyMap<string, EntityConfig>): Promise<void> {
    for (const [path, config] of changes) {
      const znode = `${CONFIG}/${path}`;
      const data = Buffer.from(JSON.stringify({ version: 1, config }));
      try {
        await this.zk.setData(znode, data, -1);
      } catch (err) {
        if (!(err instanceof ZkError) || err.code !== ZkCode.NO_NODE) throw err;
        await this.zk.mkdirp(znode);
        await this.zk.setData(znode, data, -1);
      }
      this.apply(path, config);
      await this.zk.createSequential(`${CHANGES}/${CHANGE_PREFIX}`, Buffer.from(JSON.stringify({ version: 2, entity_path: path })));
    }
    this.notify([...changes.keys()]);
  }

  onChange(listener: (paths: readonly string[]) => void): void {
    this.listeners.push(listener);
  }

  close(): void {
    this.closed = true;
  }

  /** Runs ZooKeeper reads one after another (watch callbacks may overlap). */
  private schedule(task: () => Promise<void>): void {
    this.processing = this.processing.then(task).catch((err) => {
      if (!this.closed) this.logger.warn({ err }, 'reading entity config changes from ZooKeeper failed');
    });
  }

  private async loadAll(): Promise<void> {
    const paths: string[] = [];
    for (const user of await this.zk.getChildren('/config/users')) {
      paths.push(`users/${user}`);
      for (const client of await this.zk.getChildren(`/config/users/${user}/clients`)) paths.push(`users/${user}/clients/${client}`);
    }
    for (const client of await this.zk.getChildren('/config/clients')) paths.push(`clients/${client}`);
    this.configs.clear();
    for (const path of paths) await this.reload(path);
  }

  private async reload(path: string): Promise<void> {
    const node = await this.zk.getData(`${CONFIG}/${path}`);
    let config: EntityConfig = {};
    if (node && node.data.length > 0) {
      try {
        const parsed = JSON.parse(node.data.toString('utf8')) as { config?: Record<string, string> };
        config = parsed.config ?? {};
      } catch {
        this.logger.warn({ path }, 'ignoring an entity config znode that is not JSON');
      }
    }
    this.apply(path, config);
  }

  private apply(path: string, config: EntityConfig): void {
    if (Object.keys(config).length === 0) this.configs.delete(path);
    else this.configs.set(path, Object.freeze({ ...config }));
  }

  private async watchChanges(): Promise<void> {
    if (this.closed) return;
    const children = await this.zk.getChildren(CHANGES, () => this.schedule(() => this.watchChanges()));
    await this.expireChanges(children);
    const fresh = children.filter((c) => sequenceOf(c) > this.lastChange).sort((a, b) => sequenceOf(a) - sequenceOf(b));
    const changed: string[] = [];
    for (const child of fresh) {
      const node = await this.zk.getData(`${CHANGES}/${child}`);
      this.lastChange = Math.max(this.lastChange, sequenceOf(child));
      if (!node) continue;
      try {
        const path = (JSON.parse(node.data.toString('utf8')) as { entity_path?: unknown }).entity_path;
        if (typeof path !== 'string') continue;
        await this.reload(path);
        changed.push(path);
      } catch (err) {
        this.logger.warn({ err, child }, 'ignoring a malformed config change notification');
      }
    }
    if (changed.length > 0) this.notify(changed);
  }

  /** Removes notifications first seen more than CHANGE_EXPIRY_MS ago (every broker may; NO_NODE is fine). */
  private async expireChanges(children: readonly string[]): Promise<void> {
    const now = Date.now();
    for (const child of children) {
      const seq = sequenceOf(child);
      if (seq < 0) continue;
      const seen = this.seenAt.get(seq);
      if (seen === undefined) this.seenAt.set(seq, now);
      else if (now - seen > CHANGE_EXPIRY_MS && seq <= this.lastChange) {
        await this.zk.remove(`${CHANGES}/${child}`);
        this.seenAt.delete(seq);
      }
    }
    const present = new Set(children.map(sequenceOf));
    for (const seq of this.seenAt.keys()) if (!present.has(seq)) this.seenAt.delete(seq);
  }

  private notify(paths: readonly string[]): void {
    for (const listener of this.listeners) listener(paths);
  }
}

function sequenceOf(child: string): number {
  return child.startsWith(CHANGE_PREFIX) ? Number(child.slice(CHANGE_PREFIX.length)) : -1;
}
