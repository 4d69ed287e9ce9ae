// Minimal typings for node-zookeeper-client 1.1 (the package ships none): what src/cluster uses.
declare module 'node-zookeeper-client' {
  import { EventEmitter } from 'node:events';

  export interface Stat {
    version: number;
    ephemeralOwner: Buffer;
  }
  export interface WatcherEvent {
    type: number;
    name: string;
    path: string;
  }
  export type Watcher = (event: WatcherEvent) => void;
  export class Exception extends Error {
    static NODE_EXISTS: number;
    static NO_NODE: number;
    static BAD_VERSION: number;
    static NOT_EMPTY: number;
    static CONNECTION_LOSS: number;
    static SESSION_EXPIRED: number;
    getCode(): number;
  }
  export const CreateMode: { PERSISTENT: number; EPHEMERAL: number; PERSISTENT_SEQUENTIAL: number; EPHEMERAL_SEQUENTIAL: number };
  export interface Client extends EventEmitter {
    connect(): void;
    close(): void;
    getSessionId(): Buffer;
    create(path: string, data: Buffer | null, mode: number, cb: (err: Exception | Error | null, path: string) => void): void;
    remove(path: string, version: number, cb: (err: Exception | Error | null) => void): void;
    setData(path: string, data: Buffer | null, version: number, cb: (err: Exception | Error | null, stat: Stat) => void): void;
    getData(path: string, watcher: Watcher | undefined, cb: (err: Exception | Error | null, data: Buffer | undefined, stat: Stat) => void): void;
    exists(path: string, watcher: Watcher | undefined, cb: (err: Exception | Error | null, stat: Stat | null) => void): void;
    getChildren(path: string, watcher: Watcher | undefined, cb: (err: Exception | Error | null, children: string[], stat: Stat) => void): void;
    mkdirp(path: string, data: Buffer | null, mode: number, cb: (err: Exception | Error | null, path: string) => void): void;
  }
  export function createClient(connectionString: string, options?: { sessionTimeout?: number; spinDelay?: number; retries?: number }): Client;
  const zookeeper: { createClient: typeof createClient; CreateMode: typeof CreateMode; Exception: typeof Exception };
  export default zookeeper;
}
