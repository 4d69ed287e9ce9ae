/**
 * A ScramCredentialSource over a Map (user → mechanism → credential): the default store of a
 * broker until the ZooKeeper/file-backed store is configured; tests fill it with
 * credentialFromPassword.
 */
import type { ScramCredential, ScramCredentialSource } from './scram-credential.js';
import type { ScramMechanism } from './scram-mechanism.js';

export class InMemoryScramCredentials implements ScramCredentialSource {
  readonly users = new Map<string, Map<ScramMechanism, ScramCredential>>();

  scramCredential(user: string, mechanism: ScramMechanism): ScramCredential | null {
    return this.users.get(user)?.get(mechanism) ?? null;
  }

  set(user: string, mechanism: ScramMechanism, credential: ScramCredential): void {
    let byMechanism = this.users.get(user);
    if (!byMechanism) this.users.set(user, (byMechanism = new Map()));
    byMechanism.set(mechanism, credential);
  }
}
