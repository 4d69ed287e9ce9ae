/**
 * Entity configs in a cluster, as classic Kafka keeps them in ZooKeeper:
 *
 *   /config/users/<user>                       {"version":1,"config":{"SCRAM-SHA-256":"…","producer_byte_rate":"1048576.0"}}
 *   /config/users/<user>/clients/<client-id>   {"version":1,"config":{…}}
 *   /config/clients/<client-id>                {"version":1,"config":{…}}
 *   /config/changes/config_change_<seq>        {"version":2,"entity_path":"users/alice"}
 *
 * A write sets the entity's znode (an emptied config stays as `{}`, as Kafka's AdminZkClient
 * leaves it) and then adds a change notification (src/cluster/config-change-notifications.ts);
 * every broker re-reads the `users` and `clients` entities its notifications name.
 */
import type { Logger } from 'pino';
import type { ConfigChangeNotifications } from '../../cluster/config-change-notifications.js';
import { type ZkClient, ZkCode, ZkError } from '../../cluster/zk-client.js';
import type { EntityConfig, EntityConfigStore } from './entity-config-store.js';

const CONFIG = '/config';

export class ZkEntityConfigStore implements EntityConfigStore {
  private readonly configs = new Map<string, EntityConfig>();
  private readonly listeners: Array<(paths: readonly string[]) => void> = [];
  private closed = false;
  private processing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly zk: ZkClient,
    private readonly changes: ConfigChangeNotifications,
    private readonly logger: Logger,
  ) {}

  /**
   * Creates the persistent paths, loads every entity and registers for `users` and `clients`
   * change notifications (call before `changes.start()`).
   */
  static async open(zk: ZkClient, changes: ConfigChangeNotifications, logger: Logger): Promise<ZkEntityConfigStore> {
    const store = new ZkEntityConfigStore(zk, changes, logger);
    for (const path of ['/config/users', '/config/clients']) await zk.mkdirp(path);
    await store.loadAll();
    const reload = async (path: string) => {
      await store.reload(path);
      store.notify([path]);
    };
    changes.handle('users', reload);
    changes.handle('clients', reload);
    // After a reconnection (or a new session) everything is read again.
    zk.on('connected', () => store.schedule(() => store.loadAll()));
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
      await this.changes.notify(path);
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
      if (!this.closed) this.logger.warn({ err }, 'reading entity configs from ZooKeeper failed');
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

  private notify(paths: readonly string[]): void {
    for (const listener of this.listeners) listener(paths);
  }
}
