/**
 * The client side of PLAIN (RFC 4616) and SCRAM-SHA-256/512 (RFC 5802, RFC 7677), used by the
 * broker towards other brokers and by the CLI's AdminClient. `start()` gives the first token;
 * `evaluate(serverToken)` the next one, or null when the exchange is over. The SCRAM client
 * checks the server's nonce extends ours and verifies the ServerSignature (mutual
 * authentication): a server that does not know the password fails here.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type ScramMechanism, SCRAM_MAX_ITERATIONS, SCRAM_MIN_ITERATIONS, digest, hmac, isScramMechanism, saltedPassword } from './scram-credential.js';
import { formatClientFinalWithoutProof, formatClientFirst, parseServerFinal, parseServerFirst } from './scram-messages.js';

export interface SaslClient {
  readonly mechanism: string;
  start(): Buffer;
  /** The reply to a server token, or null when done. Throws when the server's token is wrong. */
  evaluate(serverToken: Buffer): Buffer | null;
  readonly complete: boolean;
}

export class PlainSaslClient implements SaslClient {
  readonly mechanism = 'PLAIN';
  complete = false;
  constructor(private readonly username: string, private readonly password: string) {}
  start(): Buffer {
    this.complete = true;
    return Buffer.from(`\u0000${this.username}\u0000${this.password}`, 'utf8');
  }
  evaluate(): Buffer | null {
    return null;
  }
}

export class ScramSaslClient implements SaslClient {
  complete = false;
  private state: 'start' | 'first' | 'final' | 'done' = 'start';
  private bare = '';
  private gs2Header = '';
  private serverSignature: Buffer | null = null;

  /** `nonce` is for test vectors only; by default 24 random bytes. */
  constructor(
    readonly mechanism: ScramMechanism,
    private readonly username: string,
    private readonly password: string,
    private readonly clientNonce: string = randomBytes(24).toString('base64url'),
  ) {}

  start(): Buffer {
    if (this.state !== 'start') throw new Error('SCRAM client already started');
    const first = formatClientFirst(this.username, this.clientNonce);
    this.bare = first.bare;
    this.gs2Header = first.gs2Header;
    this.state = 'first';
    return Buffer.from(first.message, 'utf8');
  }

  evaluate(serverToken: Buffer): Buffer | null {
    if (this.state === 'first') return this.final(serverToken.toString('utf8'));
    if (this.state === 'final') {
      const signature = parseServerFinal(serverToken.toString('utf8'));
      if (signature.length !== this.serverSignature!.length || !timingSafeEqual(signature, this.serverSignature!)) {
        throw new Error('SCRAM: invalid server signature (the server does not know the credential)');
      }
      this.state = 'done';
      this.complete = true;
      return null;
    }
    throw new Error(`SCRAM client: unexpected server token in state ${this.state}`);
  }

  private final(serverFirst: string): Buffer {
    const m = parseServerFirst(serverFirst);
    if (!m.nonce.startsWith(this.clientNonce) || m.nonce.length === this.clientNonce.length) throw new Error('SCRAM: the server nonce does not extend the client nonce');
    if (m.iterations < SCRAM_MIN_ITERATIONS || m.iterations > SCRAM_MAX_ITERATIONS) throw new Error(`SCRAM: iterations ${m.iterations} outside ${SCRAM_MIN_ITERATIONS}..${SCRAM_MAX_ITERATIONS}`);
    const salted = saltedPassword(this.mechanism, this.password, m.salt, m.iterations);
    const clientKey = hmac(this.mechanism, salted, 'Client Key');
    const storedKey = digest(this.mechanism, clientKey);
    const withoutProof = formatClientFinalWithoutProof(this.gs2Header, m.nonce);
    const authMessage = `${this.bare},${serverFirst},${withoutProof}`;
    const clientSignature = hmac(this.mechanism, storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    this.serverSignature = hmac(this.mechanism, hmac(this.mechanism, salted, 'Server Key'), authMessage);
    this.state = 'final';
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  }
}

/** A client for `mechanism`; throws for mechanisms the client side does not implement. */
export function createSaslClient(mechanism: string, username: string, password: string): SaslClient {
  if (mechanism === 'PLAIN') return new PlainSaslClient(username, password);
  if (isScramMechanism(mechanism)) return new ScramSaslClient(mechanism, username, password);
  throw new Error(`SASL mechanism ${mechanism} is not supported by Gregor's client (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)`);
}
