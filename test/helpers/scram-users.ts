/**
 * Stores a SCRAM credential the way AlterUserScramCredentials does: in the broker's entity
 * configs (`users/<user>` → mechanism → Kafka's text form), where `broker.scramCredentials`
 * reads it.
 */
import type { Broker } from '../../src/broker.js';
import { entityPath } from '../../src/security/entity-config/entity-config-store.js';
import { type ScramCredential, formatScramCredential } from '../../src/security/sasl/scram-credential.js';
import { type ScramMechanism } from '../../src/security/sasl/scram-mechanism.js';

export async function setScramCredential(broker: Broker, user: string, mechanism: ScramMechanism, credential: ScramCredential): Promise<void> {
  const store = broker.entityConfigs;
  if (!store) throw new Error('the broker has no entity config store yet');
  const path = entityPath({ user });
  await store.alter(new Map([[path, { ...store.get(path), [mechanism]: formatScramCredential(credential) }]]));
}
