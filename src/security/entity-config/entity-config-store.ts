/**
 * Configs of users and client ids (classic Kafka's "entity configs"): SCRAM credentials and
 * client quotas. An entity is named by its path as under ZooKeeper's `/config`:
 *
 *   users/<user>                      users/<default>
 *   clients/<client-id>               clients/<default>
 *   users/<user>/clients/<client-id>  users/<default>/clients/<default>  (and mixes)
 *
 * Names in paths are sanitized as Kafka's Sanitizer does (URL-encoded, `*` as %2A), except
 * the `<default>` entity. Each entity holds string properties (`producer_byte_rate` →
 * `1048576.0`, `SCRAM-SHA-256` → `salt=…,stored_key=…,…`).
 */

/** Kafka's name for the default entity (ConfigEntityName.Default). */
export const DEFAULT_ENTITY = '<default>';

export type EntityConfig = Readonly<Record<string, string>>;

/** One entity: a user and/or a client id; `DEFAULT_ENTITY` for a default; undefined: not part of it. */
export interface Entity {
  user?: string;
  clientId?: string;
}

/**
 * Where entity configs live: a file on a single broker, ZooKeeper in a cluster. Reads come
 * from an in-memory copy kept current (ZooKeeper change notifications in a cluster).
 */
export interface EntityConfigStore {
  /** Every entity that has a config, by path. */
  all(): ReadonlyMap<string, EntityConfig>;
  /** The config of one entity path ({} when none). */
  get(path: string): EntityConfig;
  /**
   * Replaces the configs of the given entity paths (an empty config deletes the entity) and
   * tells every broker. Resolves once stored.
   */
  alter(changes: ReadonlyMap<string, EntityConfig>): Promise<void>;
  /** Told the paths whose configs changed (here or on another broker). */
  onChange(listener: (paths: readonly string[]) => void): void;
  close(): void;
}

/** Kafka's Sanitizer.sanitize: URL-encoding (UTF-8) with `*` as %2A and `~` kept. */
export function sanitizeEntityName(name: string): string {
  if (name === DEFAULT_ENTITY) return name;
  return encodeURIComponent(name).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

export function desanitizeEntityName(name: string): string {
  return name === DEFAULT_ENTITY ? name : decodeURIComponent(name);
}

/** The path of an entity, e.g. `users/alice/clients/<default>`. Throws RangeError for an empty entity. */
export function entityPath(entity: Entity): string {
  const parts: string[] = [];
  if (entity.user !== undefined) parts.push('users', sanitizeEntityName(entity.user));
  if (entity.clientId !== undefined) parts.push('clients', sanitizeEntityName(entity.clientId));
  if (parts.length === 0) throw new RangeError('an entity names a user, a client id or both');
  return parts.join('/');
}

/** The entity of a path; null if the path is not one of the shapes above. */
export function parseEntityPath(path: string): Entity | null {
  const parts = path.split('/');
  try {
    if (parts.length === 2 && parts[0] === 'users') return { user: desanitizeEntityName(parts[1]!) };
    if (parts.length === 2 && parts[0] === 'clients') return { clientId: desanitizeEntityName(parts[1]!) };
    if (parts.length === 4 && parts[0] === 'users' && parts[2] === 'clients') {
      return { user: desanitizeEntityName(parts[1]!), clientId: desanitizeEntityName(parts[3]!) };
    }
  } catch {
    return null; // malformed %-escape
  }
  return null;
}
