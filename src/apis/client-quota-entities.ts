/**
 * Client quota entities as DescribeClientQuotas / AlterClientQuotas name them: a list of
 * (entityType `user` | `client-id`, entityName or null for the default), mapped to and from
 * entity config paths. `ip` entities (KIP-612 connection rates) are not supported.
 */
import { DEFAULT_ENTITY, type Entity, entityPath, parseEntityPath } from '../security/entity-config/entity-config-store.js';

export const USER_ENTITY = 'user';
export const CLIENT_ID_ENTITY = 'client-id';

export interface QuotaEntityComponent {
  entityType: string;
  entityName: string | null;
}

/** The entity config path of a request's entity, or an INVALID_REQUEST message. */
export function quotaEntityPath(components: readonly QuotaEntityComponent[]): { path: string } | { error: string } {
  const entity: Entity = {};
  for (const { entityType, entityName } of components) {
    if (entityName === '') return { error: `An empty ${entityType} name is not supported (null names the default)` };
    const name = entityName ?? DEFAULT_ENTITY;
    if (entityType === USER_ENTITY) {
      if (entity.user !== undefined) return { error: 'Duplicate user entity type' };
      entity.user = name;
    } else if (entityType === CLIENT_ID_ENTITY) {
      if (entity.clientId !== undefined) return { error: 'Duplicate client-id entity type' };
      entity.clientId = name;
    } else if (entityType === 'ip') {
      return { error: 'ip quotas are not supported' };
    } else {
      return { error: `Unknown entity type ${entityType}` };
    }
  }
  if (entity.user === undefined && entity.clientId === undefined) return { error: 'An entity must name a user or a client-id' };
  return { path: entityPath(entity) };
}

/** The components of an entity config path (user first), or null if it is no quota entity. */
export function quotaEntityComponents(path: string): QuotaEntityComponent[] | null {
  const entity = parseEntityPath(path);
  if (!entity) return null;
  const components: QuotaEntityComponent[] = [];
  if (entity.user !== undefined) components.push({ entityType: USER_ENTITY, entityName: entity.user === DEFAULT_ENTITY ? null : entity.user });
  if (entity.clientId !== undefined) components.push({ entityType: CLIENT_ID_ENTITY, entityName: entity.clientId === DEFAULT_ENTITY ? null : entity.clientId });
  return components;
}
