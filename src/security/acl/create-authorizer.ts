/**
 * The broker's Authorizer from its config: allow-all without `authorizer.class.name`, else an
 * AclAuthorizer over the ACLs of `<log.dir>/acls.json`. A cluster broker switches it to
 * ZooKeeper (ZkAclStore) once it has joined.
 */
import type { BrokerConfig } from '../../config/broker-config.js';
import { ALLOW_ALL_AUTHORIZER, type Authorizer } from '../authorizer.js';
import { AclAuthorizer } from './acl-authorizer.js';
import { FileAclStore } from './acl-file-store.js';

export function createAuthorizer(config: BrokerConfig, logDir: string): Authorizer {
  if (config.authorizerClassName === '') return ALLOW_ALL_AUTHORIZER;
  return new AclAuthorizer(new FileAclStore(logDir), { superUsers: config.superUsers, allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound });
}
