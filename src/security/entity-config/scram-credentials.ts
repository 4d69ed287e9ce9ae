/**
 * SCRAM credentials kept in user entity configs (`users/<user>` → `SCRAM-SHA-256` /
 * `SCRAM-SHA-512` in Kafka's text form): what the SASL/SCRAM server looks up
 * (`broker.scramCredentials`) and what Describe/AlterUserScramCredentials read and write.
 */
import { type ScramCredential, type ScramCredentialSource, parseScramCredential } from '../sasl/scram-credential.js';
import { type ScramMechanism } from '../sasl/scram-mechanism.js';
import { type EntityConfigStore, entityPath } from './entity-config-store.js';

export class StoredScramCredentials implements ScramCredentialSource {
  /** `store` is asked at each lookup (null: not open yet, so no credentials). */
  constructor(private readonly store: () => EntityConfigStore | null) {}

  /** The user's credential for `mechanism`, or null (none, or a stored value that does not parse). */
  scramCredential(user: string, mechanism: ScramMechanism): ScramCredential | null {
    const text = this.store()?.get(entityPath({ user }))?.[mechanism];
    if (text === undefined) return null;
    try {
      return parseScramCredential(text);
    } catch {
      return null;
    }
  }
}
