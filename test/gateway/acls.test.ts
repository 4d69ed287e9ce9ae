/**
 * The gateway under the same Authorizer as the Kafka listeners: a WebSocket session (principal
 * User:ANONYMOUS until gateway authentication is configured) allowed only to READ topic `a`
 * may subscribe to `a` and list its offsets, but not produce to `a`, read `b`, join a group
 * it has no READ on, nor create or delete topics; Metadata shows it `a` only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AclAuthorizer } from '../../src/security/acl/acl-authorizer.js';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../src/security/authorizer.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { RawSocket } from './raw-socket.js';

describe('gateway operations under ACLs', () => {
  let t: TestBroker;
  let s: RawSocket;

  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer' } });
    t.broker.logs.createTopic('a', 1);
    t.broker.logs.createTopic('b', 1);
    await (t.broker.authorizer as AclAuthorizer).create([
      { resourceType: ResourceType.TOPIC, resourceName: 'a', patternType: PatternType.LITERAL, principal: 'User:ANONYMOUS', host: '*', operation: AclOperation.READ, permissionType: AclPermissionType.ALLOW },
    ]);
    s = await RawSocket.open(t.broker.websocketPort);
  });
  afterAll(async () => {
    s?.close();
    await t?.stop();
  });

  it('READ on a: subscribe and listOffsets work on a; produce to a and anything on b are refused', async () => {
    expect(await s.request('subscribe', { topic: 'a', partition: 0, offset: -2, credit: 10 })).toMatchObject({ type: 'result', topic: 'a' });
    expect(await s.request('listOffsets', { topic: 'a', partition: 0, timestamp: -1 })).toMatchObject({ type: 'result', offset: 0 });
    expect(await s.request('produce', { topic: 'a', partition: 0, records: [{ value: 'v' }] })).toMatchObject({ name: 'TOPIC_AUTHORIZATION_FAILED' });
    expect(await s.request('subscribe', { topic: 'b', partition: 0, offset: -2, credit: 10 })).toMatchObject({ type: 'error', name: 'TOPIC_AUTHORIZATION_FAILED' });
    expect(await s.request('listOffsets', { topic: 'b', partition: 0, timestamp: -1 })).toMatchObject({ type: 'error', name: 'TOPIC_AUTHORIZATION_FAILED' });
    expect(t.broker.logs.partition('a', 0)!.logEndOffset).toBe(0);
  });

  it('metadata lists a only; topic admin and groups without ACLs are refused', async () => {
    const meta = await s.request('metadata', {});
    expect(JSON.stringify(meta)).toContain('"a"');
    expect(JSON.stringify(meta)).not.toContain('"b"');
    expect(JSON.stringify(await s.request('createTopic', { topic: 'c', partitions: 1 }))).toContain('TOPIC_AUTHORIZATION_FAILED');
    expect(JSON.stringify(await s.request('deleteTopic', { topic: 'b' }))).toContain('TOPIC_AUTHORIZATION_FAILED');
    expect(t.broker.logs.topic('b')).toBeDefined();
    expect(await s.request('joinGroup', { groupId: 'g', protocolType: 'consumer', protocols: [{ name: 'range', metadata: new Uint8Array(0) }] })).toMatchObject({ name: 'GROUP_AUTHORIZATION_FAILED' });
  });
});
