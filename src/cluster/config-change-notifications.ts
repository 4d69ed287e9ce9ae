/**
 * Config change notifications, as classic Kafka keeps them in ZooKeeper (ZkConfigManager,
 * ZkConfigChangeNotificationListener): whoever changes an entity's config writes its znode
 * under /config (`/config/topics/<t>`, `/config/users/<u>`, …) and then adds
 *
 *   /config/changes/config_change_<seq>   {"version":2,"entity_path":"topics/orders"}
 *
 * Every broker watches /config/changes and hands the entity path of each notification newer
 * than the last it applied to the handler of its entity type (the path's first segment:
 * `topics`, `users`, `clients`, `brokers`), one at a time, in sequence order. Notifications
 * are removed 15 minutes after a broker first saw them, as Kafka purges them.
 *
 *   const changes = new ConfigChangeNotifications(zk, logger);
 *   await changes.capture();                         // before reading the configs in full
 *   changes.handle('topics', async (path) => …);
 *   await changes.start();                           // applies what came after capture()
 *   await changes.notify('topics/orders');           // after writing /config/topics/orders
 */
import type { Logger } from 'pino';
import type { ZkClient } from './zk-client.js';

const CHANGES = '/config/changes';
const CHANGE_PREFIX = 'config_change_';
/** Notifications are removed this long after a broker first saw them (Kafka: 15 minutes). */
const CHANGE_EXPIRY_MS = 15 * 60 * 1000;

/** Applies the change of one entity path, e.g. `topics/orders` or `users/alice/clients/app`. */
export type ConfigChangeHandler = (entityPath: string) => Promise<void> | void;

export class ConfigChangeNotifications {
  private readonly handlers = new Map<string, ConfigChangeHandler>();
  /** Sequence number of the last notification applied (-1: none; null: not captured yet). */
  private lastChange: number | null = null;
  private started = false;
  private closed = false;
  private processing: Promise<void> = Promise.resolve();
  /** When this broker first saw each notification (by sequence number), for expiry. */
  private readonly seenAt = new Map<number, number>();

  constructor(
    private readonly zk: ZkClient,
    private readonly logger: Logger,
  ) {}

  /** Routes notifications for `entityType` (`topics`, `users`, `clients`, `brokers`) to `handler`. */
  handle(entityType: string, handler: ConfigChangeHandler): void {
    this.handlers.set(entityType, handler);
  }

  /**
   * Takes the notifications present now as applied: the handlers' owners read the configs in
   * full after this, so only later notifications need applying.
   */
  async capture(): Promise<void> {
    await this.zk.mkdirp(CHANGES);
    const existing = await this.zk.getChildren(CHANGES);
    this.lastChange = Math.max(-1, ...existing.map(sequenceOf));
  }

  /**
   * Starts watching and applies every notification after the captured ones (capturing now
   * if capture() was not called). After a reconnection the watch is armed again and what was
   * missed meanwhile is applied.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (this.lastChange === null) await this.capture();
    await this.watch();
    this.zk.on('connected', () => this.schedule(() => this.watch()));
  }

  /** Tells every broker (this one included) that `entityPath`'s config changed. */
  async notify(entityPath: string): Promise<void> {
    await this.zk.createSequential(`${CHANGES}/${CHANGE_PREFIX}`, Buffer.from(JSON.stringify({ version: 2, entity_path: entityPath })));
  }

  close(): void {
    this.closed = true;
  }

  /** Runs ZooKeeper reads one after another (watch callbacks may overlap). */
  private schedule(task: () => Promise<void>): void {
    this.processing = this.processing.then(task).catch((err) => {
      if (!this.closed) this.logger.warn({ err }, 'reading config change notifications from ZooKeeper failed');
    });
  }

  private async watch(): Promise<void> {
    if (this.closed) return;
    const children = await this.zk.getChildren(CHANGES, () => this.schedule(() => this.watch()));
    await this.expire(children);
    const applied = this.lastChange ?? -1;
    const fresh = children.filter((c) => sequenceOf(c) > applied).sort((a, b) => sequenceOf(a) - sequenceOf(b));
    for (const child of fresh) {
      const node = await this.zk.getData(`${CHANGES}/${child}`);
      this.lastChange = Math.max(this.lastChange ?? -1, sequenceOf(child));
      if (!node) continue;
      let path: unknown;
      try {
        path = (JSON.parse(node.data.toString('utf8')) as { entity_path?: unknown }).entity_path;
      } catch {
        path = undefined;
      }
      if (typeof path !== 'string') {
        this.logger.warn({ child }, 'ignoring a malformed config change notification');
        continue;
      }
      const handler = this.handlers.get(path.split('/')[0]!);
      if (!handler) continue;
      try {
        await handler(path);
      } catch (err) {
        this.logger.warn({ err, path }, 'applying a config change failed');
      }
    }
  }

  /** Removes notifications first seen more than CHANGE_EXPIRY_MS ago (every broker may; NO_NODE is fine). */
  private async expire(children: readonly string[]): Promise<void> {
    const now = Date.now();
    for (const child of children) {
      const seq = sequenceOf(child);
      if (seq < 0) continue;
      const seen = this.seenAt.get(seq);
      if (seen === undefined) this.seenAt.set(seq, now);
      else if (now - seen > CHANGE_EXPIRY_MS && seq <= (this.lastChange ?? -1)) {
        await this.zk.remove(`${CHANGES}/${child}`);
        this.seenAt.delete(seq);
      }
    }
    const present = new Set(children.map(sequenceOf));
    for (const seq of this.seenAt.keys()) if (!present.has(seq)) this.seenAt.delete(seq);
  }
}

function sequenceOf(child: string): number {
  return child.startsWith(CHANGE_PREFIX) ? Number(child.slice(CHANGE_PREFIX.length)) : -1;
}
