/**
 * SCRAM-SHA-256 / SCRAM-SHA-512, server side (RFC 5802, RFC 7677; Kafka's ScramSaslServer,
 * KIP-84). Two rounds:
 *
 *   1. client-first  → server-first: our fresh nonce appended to the client's, the user's salt
 *      and iterations. Channel binding is refused (`y` and `p=` flags: Kafka offers none); an
 *      authzid must equal the user. An unknown user gets a fake salt (a keyed hash of the name,
 *      stable across attempts) and 4096 iterations, so the reply does not reveal existence.
 *   2. client-final  → server-final `v=<ServerSignature>`: the channel-binding echo must be
 *      the gs2 header, the nonce exactly the one we issued (a replayed or altered nonce fails;
 *      librdkafka up to 2.x sends the client nonce once more in front of it, which Kafka accepts
 *      by checking only the end, so that exact form is accepted too),
 *      and H(ClientProof XOR HMAC(StoredKey, AuthMessage)) must equal StoredKey, compared with
 *      timingSafeEqual.
 *
 * Any malformed message, unknown user or wrong proof throws SaslAuthenticationError with one
 * message that does not tell which.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type ScramCredential, type ScramCredentialSource, digest, hmac } from './scram-credential.js';
import { type ScramMechanism, SCRAM_MAX_ITERATIONS, SCRAM_MIN_ITERATIONS } from './scram-mechanism.js';
import { type ClientFirst, formatServerFirst, parseClientFinal, parseClientFirst } from './scram-messages.js';
import { SaslAuthenticationError, type SaslServer } from './sasl-server.js';

/** Per-process key for fake salts of unknown users. */
const FAKE_SALT_KEY = randomBytes(32);

function fakeCredential(mechanism: ScramMechanism, user: string): ScramCredential {
  const salt = createHmac('sha256', FAKE_SALT_KEY).update(`${mechanism}\u0000${user}`).digest();
  const len = mechanism === 'SCRAM-SHA-256' ? 32 : 64;
  return { salt, storedKey: randomBytes(len), serverKey: randomBytes(len), iterations: SCRAM_MIN_ITERATIONS };
}

function xor(a: Uint8Array, b: Uint8Array): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

export class ScramSaslServer implements SaslServer {
  complete = false;
  authorizationId = '';
  readonly credentialExpiresAtMs = null;
  private state: 'first' | 'final' | 'done' = 'first';
  private clientFirst: ClientFirst | null = null;
  private serverFirst = '';
  private nonce = '';
  private credential: ScramCredential | null = null;
  private known = false;

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly credentials: ScramCredentialSource,
  ) {}

  private failure(): SaslAuthenticationError {
    this.state = 'done';
    return new SaslAuthenticationError(`Authentication failed during authentication due to invalid credentials with SASL mechanism ${this.mechanism}`);
  }

  async evaluate(token: Uint8Array): Promise<Uint8Array> {
    const text = Buffer.from(token).toString('utf8');
    if (this.state === 'first') return this.first(text);
    if (this.state === 'final') return this.final(text);
    throw this.failure();
  }

  private first(text: string): Uint8Array {
    let m: ClientFirst;
    try {
      m = parseClientFirst(text);
    } catch {
      throw this.failure();
    }
    if (m.cbindFlag !== 'n') throw this.failure();
    if (m.authzid !== '' && m.authzid !== m.user) throw this.failure();
    // Kafka's delegation-token extension (tokenauth) needs delegation tokens, which Gregor has not.
    if (m.extensions.get('tokenauth') === 'true') throw this.failure();
    const stored = this.credentials.scramCredential(m.user, this.mechanism);
    this.known = stored !== null && stored.iterations >= SCRAM_MIN_ITERATIONS && stored.iterations <= SCRAM_MAX_ITERATIONS;
    this.credential = this.known ? stored : fakeCredential(this.mechanism, m.user);
    this.clientFirst = m;
    this.nonce = m.nonce + randomBytes(18).toString('base64url').replace(/[-_]/g, 'x');
    this.serverFirst = formatServerFirst({ nonce: this.nonce, salt: this.credential!.salt, iterations: this.credential!.iterations });
    this.state = 'final';
    return Buffer.from(this.serverFirst, 'utf8');
  }

  private final(text: string): Uint8Array {
    const first = this.clientFirst!;
    const credential = this.credential!;
    let proof: Uint8Array;
    let authMessage: string;
    try {
      const m = parseClientFinal(text);
      if (Buffer.from(m.channelBinding, 'base64').toString('utf8') !== first.gs2Header) throw new Error('channel binding mismatch');
      if (m.nonce !== this.nonce && m.nonce !== first.nonce + this.nonce) throw new Error('nonce mismatch');
      proof = m.proof;
      authMessage = `${first.bare},${this.serverFirst},${m.withoutProof}`;
    } catch {
      throw this.failure();
    }
    const clientSignature = hmac(this.mechanism, credential.storedKey, authMessage);
    if (proof.length !== clientSignature.length) throw this.failure();
    const computedStoredKey = digest(this.mechanism, xor(proof, clientSignature));
    const match = timingSafeEqual(computedStoredKey, credential.storedKey);
    if (!match || !this.known) throw this.failure();
    const serverSignature = hmac(this.mechanism, credential.serverKey, authMessage);
    this.authorizationId = first.user;
    this.complete = true;
    this.state = 'done';
    return Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8');
  }
}
