/**
 * SCRAM credentials as a broker stores them (RFC 5802 §3, RFC 7677): salt, StoredKey,
 * ServerKey and the iteration count, never the password. The text form is classic Kafka's, as
 * kept in ZooKeeper under `/config/users/<user>` (`SCRAM-SHA-256` →
 * `salt=<b64>,stored_key=<b64>,server_key=<b64>,iterations=<n>`; ScramCredentialUtils).
 *
 *   SaltedPassword = Hi(Normalize(password), salt, i)   (PBKDF2 with HMAC-H)
 *   ClientKey      = HMAC(SaltedPassword, "Client Key")
 *   StoredKey      = H(ClientKey)
 *   ServerKey      = HMAC(SaltedPassword, "Server Key")
 */
import { createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { SCRAM_MAX_ITERATIONS, SCRAM_MIN_ITERATIONS, type ScramMechanism } from './scram-mechanism.js';

export interface ScramCredential {
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
  iterations: number;
}

/** Looks up a user's stored credential for one mechanism; null when the user has none. */
export interface ScramCredentialSource {
  scramCredential(user: string, mechanism: ScramMechanism): ScramCredential | null;
}

/** The hash of a mechanism, as node:crypto names it. */
export function scramHash(mechanism: ScramMechanism): 'sha256' | 'sha512' {
  return mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
}

/** Hi(password, salt, i) of RFC 5802 §2.2 (PBKDF2-HMAC; the password as UTF-8, SASLprep'd as Kafka does: not at all). */
export function saltedPassword(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  const hash = scramHash(mechanism);
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, createHash(hash).digest().length, hash);
}

export function hmac(mechanism: ScramMechanism, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(scramHash(mechanism), key).update(data).digest();
}

export function digest(mechanism: ScramMechanism, data: Buffer): Buffer {
  return createHash(scramHash(mechanism)).update(data).digest();
}

/**
 * The stored credential for a salted password (AlterUserScramCredentials carries the salt
 * and SaltedPassword, computed by the client; KIP-554).
 */
export function credentialFromSaltedPassword(mechanism: ScramMechanism, salted: Buffer, salt: Buffer, iterations: number): ScramCredential {
  const clientKey = hmac(mechanism, salted, 'Client Key');
  return {
    salt: Buffer.from(salt),
    storedKey: digest(mechanism, clientKey),
    serverKey: hmac(mechanism, salted, 'Server Key'),
    iterations,
  };
}

/**
 * The stored credential for a password, with a fresh random 32-byte salt unless one is given.
 * Throws RangeError for iterations outside 4096..16384 (Kafka: UNACCEPTABLE_CREDENTIAL).
 */
export function credentialFromPassword(mechanism: ScramMechanism, password: string, iterations = SCRAM_MIN_ITERATIONS, salt: Buffer = randomBytes(32)): ScramCredential {
  checkIterations(iterations);
  return credentialFromSaltedPassword(mechanism, saltedPassword(mechanism, password, salt, iterations), salt, iterations);
}

/**
 * Whether `password` derives `credential` (StoredKey = H(HMAC(Hi(password, salt, i), "Client
 * Key")), compared in constant time): a password check against what the broker stores, for
 * HTTP Basic authentication. Its PBKDF2 of `iterations` rounds (milliseconds of CPU) runs on
 * libuv's thread pool, not on the event loop every client shares.
 */
export function passwordMatches(mechanism: ScramMechanism, credential: ScramCredential, password: string): Promise<boolean> {
  const hash = scramHash(mechanism);
  return new Promise((resolve, reject) =>
    pbkdf2(Buffer.from(password, 'utf8'), credential.salt, credential.iterations, createHash(hash).digest().length, hash, (err, salted) => {
      if (err) return reject(err);
      const storedKey = digest(mechanism, hmac(mechanism, salted, 'Client Key'));
      resolve(storedKey.length === credential.storedKey.length && timingSafeEqual(storedKey, credential.storedKey));
    }),
  );
}

export function checkIterations(iterations: number): void {
  if (!Number.isInteger(iterations) || iterations < SCRAM_MIN_ITERATIONS || iterations > SCRAM_MAX_ITERATIONS) {
    throw new RangeError(`SCRAM iterations must be between ${SCRAM_MIN_ITERATIONS} and ${SCRAM_MAX_ITERATIONS}, got ${iterations}`);
  }
}

/** Kafka's text form: `salt=<b64>,stored_key=<b64>,server_key=<b64>,iterations=<n>`. */
export function formatScramCredential(credential: ScramCredential): string {
  return `salt=${credential.salt.toString('base64')},stored_key=${credential.storedKey.toString('base64')},` +
    `server_key=${credential.serverKey.toString('base64')},iterations=${credential.iterations}`;
}

/** Parses Kafka's text form; throws SyntaxError on a missing or malformed field. */
export function parseScramCredential(text: string): ScramCredential {
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new SyntaxError(`malformed SCRAM credential field '${part}'`);
    fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const base64 = (name: string): Buffer => {
    const value = fields.get(name);
    if (value === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) throw new SyntaxError(`SCRAM credential lacks a valid ${name}`);
    return Buffer.from(value, 'base64');
  };
  const iterations = Number(fields.get('iterations'));
  if (!Number.isInteger(iterations) || iterations <= 0) throw new SyntaxError('SCRAM credential lacks a valid iterations');
  return { salt: base64('salt'), storedKey: base64('stored_key'), serverKey: base64('server_key'), iterations };
}
