/**
 * Entity configs on a single broker: `entity-configs.json` in the first log dir, written
 * atomically (temp file, fsync, rename) with mode 0600 since it holds SCRAM credentials
 * (salted, never passwords).
 *
 *   {"version":1,"entities":{"users/alice":{"SCRAM-SHA-256":"salt=…"},"clients/app":{…}}}
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../storage/atomic-file.js';
import { join } from 'node:path';
import type { EntityConfig, EntityConfigStore } from './entity-config-store.js';

export const ENTITY_CONFIGS_FILE = 'entity-configs.json';

export class FileEntityConfigStore implements EntityConfigStore {
  private readonly configs = new Map<string, EntityConfig>();
  private readonly listeners: Array<(paths: readonly string[]) => void> = [];
  readonly file: string;

  /** Reads `<logDir>/entity-configs.json` if present. Throws SyntaxError on a corrupt file. */
  constructor(logDir: string) {
    this.file = join(logDir, ENTITY_CONFIGS_FILE);
    if (!existsSync(this.file)) return;
    const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as { version?: number; entities?: Record<string, Record<string, string>> };
    if (parsed.version !== 1 || typeof parsed.entities !== 'object' || parsed.entities === null) {
      throw new SyntaxError(`${this.file}: not an entity config file (version 1)`);
    }
    for (const [path, config] of Object.entries(parsed.entities)) this.configs.set(path, Object.freeze({ ...config }));
  }

  all(): ReadonlyMap<string, EntityConfig> {
    return this.configs;
  }

  get(path: string): EntityConfig {
    return this.configs.get(path) ?? {};
  }

  async alter(changes: ReadonlyMap<string, EntityConfig>): Promise<void> {
    // Written first: if the disk refuses, memory keeps what the file says.
    const next = new Map(this.configs);
    for (const [path, config] of changes) {
      if (Object.keys(config).length === 0) next.delete(path);
      else next.set(path, Object.freeze({ ...config }));
    }
    this.write(next);
    this.configs.clear();
    for (const [path, config] of next) this.configs.set(path, config);
    const paths = [...changes.keys()];
    for (const listener of this.listeners) listener(paths);
  }

  onChange(listener: (paths: readonly string[]) => void): void {
    this.listeners.push(listener);
  }

  close(): void {}

  private write(configs: ReadonlyMap<string, EntityConfig>): void {
    writeFileAtomic(this.file, JSON.stringify({ version: 1, entities: Object.fromEntries(configs) }, null, 1), 0o600);
  }
}
