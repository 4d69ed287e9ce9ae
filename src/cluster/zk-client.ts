/**
 * A promise face on node-zookeeper-client for the cluster code: one session to the
 * ensemble in `zookeeper.connect` (e.g. "127.0.0.1:2181,127.0.0.1:2182/gregor": a chroot
 * after the first slash is honoured by the library).
 *
 * Errors: every call rejects with a ZkError whose `code` is ZooKeeper's (NODE_EXISTS,
 * NO_NODE, BAD_VERSION, …) so callers branch on names, not numbers. Versioned writes
 * (`setData(path, data, version)`) are how a stale controller or leader is kept from
 * overwriting newer state: BAD_VERSION means someone else wrote first.
 *
 * Session: 'expired' is emitted when the ensemble dropped our session (ephemeral nodes and
 * watches are gone); the owner then calls reconnect() and re-registers. 'disconnected' /
 * 'connected' track connectivity within one session (the library reconnects by itself).
 *
 * Read timeout (ZooKeeper's ClientCnxn: no answer within 2/3 of the session timeout means the
 * connection is dead): the library pings but never notices a silent network partition (no
 * RST, no FIN: TCP retransmits for minutes), so the session would be expired on the server
 * while this side still believes it is connected, and learns it only when TCP gives up. A
 * heartbeat (`exists /`) every third of the session timeout that is unanswered for 2/3 of it
 * drops the socket; the library reconnects, and the server then reports the expiry.
 */
import { EventEmitter } from 'node:events';
import type { Client, Watcher } from 'node-zookeeper-client';

/** node-zookeeper-client, loaded on first connect: a single broker never pays for it (memory). */
let zookeeper: typeof import('node-zookeeper-client').default | null = null;

export const ZkCode = {
  // ZooKeeper's KeeperException codes, as node-zookeeper-client reports them.
  NODE_EXISTS: -110,
  NO_NODE: -101,
  BAD_VERSION: -103,
  NOT_EMPTY: -111,
} as const;

/** ZooKeeper's create modes (CreateMode). */
const CREATE_MODE = { PERSISTENT: 0, EPHEMERAL: 1, PERSISTENT_SEQUENTIAL: 2 } as const;

export class ZkError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'ZkError';
  }
}

function wrap(err: unknown, what: string): Error {
  const code = typeof (err as { getCode?: () => number }).getCode === 'function' ? (err as { getCode: () => number }).getCode() : 0;
  return new ZkError(code, `${what}: ${(err as Error).message}`);
}

export interface ZkNode {
  data: Buffer;
  /** The znode's data version, for conditional writes. */
  version: number;
}

export class ZkClient extends EventEmitter {
  private client: Client;
  private closed = false;
  private connected = false;
  /** When the unanswered heartbeat was sent (0: none in flight). */
  private heartbeatSentMs = 0;
  private lastCheckMs = 0;
  private readonly checkIntervalMs: number;
  private readonly heartbeat: NodeJS.Timeout;

  private constructor(
    private readonly connectString: string,
    private readonly sessionTimeoutMs: number,
  ) {
    super();
    this.client = this.newClient();
    this.checkIntervalMs = Math.max(50, Math.floor(sessionTimeoutMs / 3));
    this.heartbeat = setInterval(() => this.checkLiveness(), this.checkIntervalMs);
    this.heartbeat.unref();
  }

  /**
   * The read timeout: a heartbeat unanswered for 2/3 of the session timeout drops the connection.
   * A check that runs late (this event loop was blocked: GC, a long task) restarts the clock
   * instead, since the answer may be waiting unread in the socket — only ZooKeeper's silence
   * counts, not this process's.
   */
  private checkLiveness(): void {
    const now = Date.now();
    const late = this.lastCheckMs > 0 && now - this.lastCheckMs > this.checkIntervalMs * 1.5;
    this.lastCheckMs = now;
    if (this.closed || !this.connected) return;
    if (late && this.heartbeatSentMs !== 0) {
      this.heartbeatSentMs = now;
      return;
    }
    const client = this.client;
    if (this.heartbeatSentMs === 0) {
      this.heartbeatSentMs = Date.now();
      client.exists('/', undefined as unknown as Watcher, () => {
        if (client === this.client) this.heartbeatSentMs = 0;
      });
      return;
    }
    if (Date.now() - this.heartbeatSentMs < (this.sessionTimeoutMs * 2) / 3) return;
    this.heartbeatSentMs = 0;
    this.connected = false;
    // node-zookeeper-client's own socket: closing it makes the library reconnect (and fail the
    // requests in flight with CONNECTION_LOSS), as ZooKeeper's SessionTimeoutException does.
    (client as unknown as { connectionManager?: { socket?: { destroy: () => void } } }).connectionManager?.socket?.destroy();
  }

  /**
   * Connects and resolves once the session is established.
   * Errors: a plain Error if no ensemble member answers within `connectTimeoutMs`.
   */
  static async connect(connectString: string, sessionTimeoutMs: number, connectTimeoutMs: number): Promise<ZkClient> {
    zookeeper ??= (await import('node-zookeeper-client')).default;
    const zk = new ZkClient(connectString, sessionTimeoutMs);
    await zk.waitConnected(connectTimeoutMs);
    return zk;
  }

  private newClient(): Client {
    const client = zookeeper!.createClient(this.connectString, { sessionTimeout: this.sessionTimeoutMs, spinDelay: 200, retries: 0 });
    client.on('connected', () => {
      this.connected = true;
      this.heartbeatSentMs = 0;
      this.emit('connected');
    });
    client.on('disconnected', () => {
      this.connected = false;
      this.emit('disconnected');
    });
    client.on('expired', () => {
      if (!this.closed) this.emit('expired');
    });
    client.connect();
    return client;
  }

  private waitConnected(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.removeListener('connected', onConnected);
        reject(new Error(`no ZooKeeper at ${this.connectString} answered within ${timeoutMs} ms`));
      }, timeoutMs);
      const onConnected = () => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once('connected', onConnected);
    });
  }

  /** Opens a new session after the old one expired. */
  async reconnect(timeoutMs: number): Promise<void> {
    this.connected = false;
    this.client.removeAllListeners();
    this.client.close();
    this.client = this.newClient();
    await this.waitConnected(timeoutMs);
  }

  /** The session id as hex (to tell our own ephemeral nodes from a previous session's). */
  get sessionId(): string {
    return this.client.getSessionId().toString('hex');
  }

  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    this.client.removeAllListeners();
    this.client.close();
  }

  create(path: string, data: Buffer, ephemeral = false): Promise<void> {
    const mode = ephemeral ? CREATE_MODE.EPHEMERAL : CREATE_MODE.PERSISTENT;
    return new Promise((resolve, reject) => this.client.create(path, data, mode, (err) => (err ? reject(wrap(err, `create ${path}`)) : resolve())));
  }

  /**
   * Creates a persistent sequential znode `<prefix><10-digit counter>` (Kafka's change
   * notifications, e.g. `/kafka-acl-changes/acl_changes_`, `/config/changes/config_change_`);
   * resolves to the created path. Missing parents are an error (NO_NODE).
   */
  createSequential(prefix: string, data: Buffer): Promise<string> {
    return new Promise((resolve, reject) =>
      this.client.create(prefix, data, CREATE_MODE.PERSISTENT_SEQUENTIAL, (err, path) => (err ? reject(wrap(err, `create ${prefix}`)) : resolve(path))),
    );
  }

  /** Creates `path` and its missing parents (persistent, empty data). */
  mkdirp(path: string): Promise<void> {
    return new Promise((resolve, reject) => this.client.mkdirp(path, null, CREATE_MODE.PERSISTENT, (err) => (err ? reject(wrap(err, `mkdirp ${path}`)) : resolve())));
  }

  /** Data and version of `path`, or null if it does not exist; `watch` fires once on a change. */
  getData(path: string, watch?: Watcher): Promise<ZkNode | null> {
    return new Promise((resolve, reject) =>
      this.client.getData(path, watch, (err, data, stat) => {
        if (!err) return resolve({ data: data ?? Buffer.alloc(0), version: stat.version });
        const e = wrap(err, `getData ${path}`) as ZkError;
        if (e.code === ZkCode.NO_NODE) {
          // Watch for the node's creation instead, so a caller's watch is never lost.
          if (watch) this.watchCreation(path, watch);
          return resolve(null);
        }
        reject(e);
      }),
    );
  }

  /** Writes `data` if the znode is still at `version` (-1: any). Errors: BAD_VERSION, NO_NODE. */
  setData(path: string, data: Buffer, version: number): Promise<number> {
    return new Promise((resolve, reject) => this.client.setData(path, data, version, (err, stat) => (err ? reject(wrap(err, `setData ${path}`)) : resolve(stat.version))));
  }

  /** Children of `path` (empty if it does not exist); `watch` fires once on a change. */
  getChildren(path: string, watch?: Watcher): Promise<string[]> {
    return new Promise((resolve, reject) =>
      this.client.getChildren(path, watch, (err, children) => {
        if (!err) return resolve(children);
        const e = wrap(err, `getChildren ${path}`) as ZkError;
        if (e.code === ZkCode.NO_NODE) {
          if (watch) this.watchCreation(path, watch);
          return resolve([]);
        }
        reject(e);
      }),
    );
  }

  /**
   * After a read found `path` missing: `watch` fires when it is created. If it was created in
   * between (the exists check finds it), `watch` fires at once — an exists watch on a node that
   * exists waits for its next change, and the caller would miss this creation (e.g. a new
   * /controller written right after the old one's session expired).
   */
  private watchCreation(path: string, watch: Watcher): void {
    this.client.exists(path, watch, (err, stat) => {
      if (!err && stat) watch({ type: 1, name: 'NODE_CREATED', path, getType: () => 1, getName: () => 'NODE_CREATED', getPath: () => path, toString: () => `NODE_CREATED[1]@${path}` } as unknown as Parameters<Watcher>[0]);
    });
  }

  exists(path: string, watch?: Watcher): Promise<boolean> {
    return new Promise((resolve, reject) => this.client.exists(path, watch, (err, stat) => (err ? reject(wrap(err, `exists ${path}`)) : resolve(stat !== null))));
  }

  /** Removes `path` if still at `version` (-1: any). NO_NODE is not an error. */
  remove(path: string, version = -1): Promise<void> {
    return new Promise((resolve, reject) =>
      this.client.remove(path, version, (err) => {
        if (!err) return resolve();
        const e = wrap(err, `remove ${path}`) as ZkError;
        if (e.code === ZkCode.NO_NODE) return resolve();
        reject(e);
      }),
    );
  }

  /** Removes `path` and everything below it. */
  async removeRecursive(path: string): Promise<void> {
    for (const child of await this.getChildren(path)) await this.removeRecursive(`${path}/${child}`);
    await this.remove(path);
  }
}
