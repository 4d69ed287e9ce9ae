/**
 * The client side of PLAIN (RFC 4616) and SCRAM-SHA-256/512 (RFC 5802, RFC 7677): one
 * implementation for KafkaClient (brokers towards each other, the CLI) and for
 * `gregor/client` towards the WebSocket gateway, in Node and in browsers. It uses only Web Crypto
 * (`globalThis.crypto.subtle`: PBKDF2, HMAC, SHA-2) and TextEncoder, never node:crypto, so the
 * browser bundle carries it unchanged (browsers offer Web Crypto in secure contexts: https://
 * pages and localhost).
 *
 * `start()` gives the first token; `evaluate(serverToken)` the next one, or null when the
 * exchange is over. The SCRAM client checks that the server's nonce extends ours and that the
 * iteration count is within Kafka's bounds, and verifies the ServerSignature (mutual
 * authentication): a server that does not know the credential fails here.
 */
import { formatClientFinalWithoutProof, formatClientFirst, parseServerFinal, parseServerFirst, toBase64 } from './scram-messages.js';
import { SCRAM_MAX_ITERATIONS, SCRAM_MIN_ITERATIONS, type ScramMechanism, isScramMechanism } from './scram-mechanism.js';

export interface SaslClient {
  readonly mechanism: string;
  /** The client's first token. */
  start(): Promise<Uint8Array>;
  /** The reply to a server token, or null when done. Rejects when the server's token is wrong. */
  evaluate(serverToken: Uint8Array): Promise<Uint8Array | null>;
  readonly complete: boolean;
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

export class PlainSaslClient implements SaslClient {
  readonly mechanism = 'PLAIN';
  complete = false;
  constructor(private readonly username: string, private readonly password: string) {}
  async start(): Promise<Uint8Array> {
    this.complete = true;
    return utf8.encode(`\u0000${this.username}\u0000${this.password}`);
  }
  async evaluate(): Promise<Uint8Array | null> {
    return null;
  }
}

/** 24 random bytes as base64url: printable and free of ',' as RFC 5802 requires of a nonce. */
function randomNonce(): string {
  return toBase64(globalThis.crypto.getRandomValues(new Uint8Array(24))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Constant-time equality of two byte strings of any length. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export class ScramSaslClient implements SaslClient {
  complete = false;
  private state: 'start' | 'first' | 'final' | 'done' = 'start';
  private bare = '';
  private gs2Header = '';
  private serverSignature: Uint8Array | null = null;
  private readonly hash: 'SHA-256' | 'SHA-512';

  /** `clientNonce` is for test vectors only; by default 24 random bytes. */
  constructor(
    readonly mechanism: ScramMechanism,
    private readonly username: string,
    private readonly password: string,
    private readonly clientNonce: string = randomNonce(),
  ) {
    this.hash = mechanism === 'SCRAM-SHA-256' ? 'SHA-256' : 'SHA-512';
  }

  async start(): Promise<Uint8Array> {
    if (this.state !== 'start') throw new Error('SCRAM client already started');
    const first = formatClientFirst(this.username, this.clientNonce);
    this.bare = first.bare;
    this.gs2Header = first.gs2Header;
    this.state = 'first';
    return utf8.encode(first.message);
  }

  async evaluate(serverToken: Uint8Array): Promise<Uint8Array | null> {
    if (this.state === 'first') return this.final(text.decode(serverToken));
    if (this.state === 'final') {
      const signature = parseServerFinal(text.decode(serverToken));
      if (!equalBytes(signature, this.serverSignature!)) throw new Error('SCRAM: invalid server signature (the server does not know the credential)');
      this.state = 'done';
      this.complete = true;
      return null;
    }
    throw new Error(`SCRAM client: unexpected server token in state ${this.state}`);
  }

  private async final(serverFirst: string): Promise<Uint8Array> {
    const m = parseServerFirst(serverFirst);
    if (!m.nonce.startsWith(this.clientNonce) || m.nonce.length === this.clientNonce.length) throw new Error('SCRAM: the server nonce does not extend the client nonce');
    if (m.iterations < SCRAM_MIN_ITERATIONS || m.iterations > SCRAM_MAX_ITERATIONS) throw new Error(`SCRAM: iterations ${m.iterations} outside ${SCRAM_MIN_ITERATIONS}..${SCRAM_MAX_ITERATIONS}`);
    const subtle = globalThis.crypto.subtle;
    const passwordKey = await subtle.importKey('raw', utf8.encode(this.password), 'PBKDF2', false, ['deriveBits']);
    const bits = this.hash === 'SHA-256' ? 256 : 512;
    const salted = new Uint8Array(await subtle.deriveBits({ name: 'PBKDF2', hash: this.hash, salt: new Uint8Array(m.salt), iterations: m.iterations }, passwordKey, bits));
    const hmac = async (key: Uint8Array<ArrayBuffer>, data: string): Promise<Uint8Array<ArrayBuffer>> => {
      const k = await subtle.importKey('raw', key, { name: 'HMAC', hash: this.hash }, false, ['sign']);
      return new Uint8Array(await subtle.sign('HMAC', k, utf8.encode(data)));
    };
    const clientKey = await hmac(salted, 'Client Key');
    const storedKey = new Uint8Array(await subtle.digest(this.hash, clientKey));
    const withoutProof = formatClientFinalWithoutProof(this.gs2Header, m.nonce);
    const authMessage = `${this.bare},${serverFirst},${withoutProof}`;
    const clientSignature = await hmac(storedKey, authMessage);
    const proof = new Uint8Array(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    this.serverSignature = await hmac(await hmac(salted, 'Server Key'), authMessage);
    this.state = 'final';
    return utf8.encode(`${withoutProof},p=${toBase64(proof)}`);
  }
}

/** The SASL mechanisms this client speaks. */
export const CLIENT_SASL_MECHANISMS: readonly string[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** A client for `mechanism`; throws for mechanisms the client side does not implement. */
export function createSaslClient(mechanism: string, username: string, password: string): SaslClient {
  if (mechanism === 'PLAIN') return new PlainSaslClient(username, password);
  if (isScramMechanism(mechanism)) return new ScramSaslClient(mechanism, username, password);
  throw new Error(`SASL mechanism ${mechanism} is not supported by Gregor's client (${CLIENT_SASL_MECHANISMS.join(', ')})`);
}
