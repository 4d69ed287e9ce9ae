/**
 * ACLs in a real ZooKeeper changed from two brokers at once (two ZkAclStores, each with its own
 * ZooKeeper session, as two brokers have): every change to the same resource survives —
 * conditional writes on the znode version, retried on conflict — and both stores converge
 * through the change notifications.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkClient } from '../../src/cluster/zk-client.js';
import { type AclBinding, sameBinding } from '../../src/security/acl/acl-binding.js';
import { ZkAclStore } from '../../src/security/acl/acl-zk-store.js';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../src/security/authorizer.js';
import { waitFor } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';

const allow = (user: string, resourceName = 'orders'): AclBinding => ({
  resourceType: ResourceType.TOPIC, resourceName, patternType: PatternType.LITERAL, principal: `User:${user}`, host: '*', operation: AclOperation.READ, permissionType: AclPermissionType.ALLOW,
});

describe('ZkAclStore with two writers', () => {
  let zkServer: ZooKeeperServer;
  const clients: ZkClient[] = [];
  const seen: Array<readonly AclBinding[]> = [[], []];
  let stores: ZkAclStore[];

  beforeAll(async () => {
    zkServer = await startZooKeeper();
    for (let i = 0; i < 2; i++) clients.push(await ZkClient.connect(zkServer.connectString, 4000, 10_000));
    const logger = pino({ level: 'silent' });
    stores = await Promise.all(clients.map((zk, i) => ZkAclStore.open(zk, logger, (acls) => { seen[i] = acls; })));
  }, 60_000);
  afterAll(async () => {
    for (const s of stores ?? []) s.close();
    for (const c of clients) c.close();
    await zkServer?.stop();
  });

  it('keeps every ACL added to the same resource concurrently, and both stores see them all', async () => {
    const users = Array.from({ length: 20 }, (_, i) => `user-${i}`);
    // Alternate writers, all in flight at once, all on /kafka-acl/Topic/orders.
    await Promise.all(users.map((u, i) => stores[i % 2]!.apply([allow(u)], [])));
    const has = (acls: readonly AclBinding[]) => users.every((u) => acls.some((b) => sameBinding(b, allow(u))));
    const zk = clients[0]!;
    const node = await zk.getData('/kafka-acl/Topic/orders');
    const stored = JSON.parse(node!.data.toString()) as { acls: Array<{ principal: string }> };
    expect(stored.acls.map((a) => a.principal).sort()).toEqual(users.map((u) => `User:${u}`).sort());
    await waitFor(() => has(seen[0]!) && has(seen[1]!), 10_000, 'both stores to see all 20 ACLs');
  });

  it('removes concurrently from both writers; an emptied resource znode is deleted', async () => {
    const users = Array.from({ length: 20 }, (_, i) => `user-${i}`);
    await Promise.all(users.map((u, i) => stores[i % 2]!.apply([], [allow(u)])));
    expect(await clients[0]!.getData('/kafka-acl/Topic/orders')).toBeNull();
    await waitFor(() => seen[0]!.length === 0 && seen[1]!.length === 0, 10_000, 'both stores to see no ACL');
  });
});
