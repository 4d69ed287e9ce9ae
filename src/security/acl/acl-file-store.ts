/**
 * ACLs of a single broker: `<log.dir>/acls.json`, written atomically with mode 0600. Names in
 * the file are Kafka's (as kafka-acls.sh prints them): `{"version":1,"acls":[{"resourceType":
 * "Topic","resourceName":"orders-","patternType":"Prefixed","principal":"User:alice",
 * "host":"*","operation":"Write","permissionType":"Allow"}]}`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../storage/atomic-file.js';
import type { AclStore } from './acl-authorizer.js';
import { type AclBinding, applyAclChange, invalidBinding } from './acl-binding.js';
import { aclFromJson, aclToJson } from './acl-names.js';

export class FileAclStore implements AclStore {
  readonly path: string;

  constructor(logDir: string) {
    this.path = join(logDir, 'acls.json');
  }

  /** The stored ACLs. Throws an Error naming the file when it is unreadable or holds an invalid ACL. */
  load(): AclBinding[] {
    if (!existsSync(this.path)) return [];
    try {
      const doc = JSON.parse(readFileSync(this.path, 'utf8')) as { version: number; acls: unknown[] };
      if (doc.version !== 1 || !Array.isArray(doc.acls)) throw new Error('not a version 1 ACL file');
      return doc.acls.map((raw) => {
        const b = aclFromJson(raw);
        const why = invalidBinding(b);
        if (why) throw new Error(why);
        return b;
      });
    } catch (err) {
      throw new Error(`${this.path}: ${(err as Error).message}`);
    }
  }

  /** Applies the change to the file's ACLs and rewrites it; one broker owns the file, so no other writer races. */
  async apply(add: readonly AclBinding[], remove: readonly AclBinding[]): Promise<AclBinding[]> {
    const acls = applyAclChange(this.load(), add, remove);
    writeFileAtomic(this.path, `${JSON.stringify({ version: 1, acls: acls.map(aclToJson) }, null, 1)}\n`, 0o600);
    return acls;
  }
}
