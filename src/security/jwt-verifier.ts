/**
 * Verifies the JWTs that OAUTHBEARER (KIP-255, RFC 7628) and the WebSocket gateway accept,
 * with jose: a signature by a key from a local JWKS or PEM file named in config (never a URL
 * from the client, never the network), an algorithm from a pinned list (never `none`, never
 * HMAC), `exp` required, and `iss` / `aud` checked when configured — Kafka's
 * OAuthBearerValidatorCallbackHandler settings (KIP-768), read from local files only:
 *
 *   sasl.oauthbearer.jwks.endpoint.url            file:///path/jwks.json (file: URLs only)
 *   gregor.sasl.oauthbearer.public.key.location   a PEM public key (SPKI), instead of a JWKS
 *   gregor.sasl.oauthbearer.allowed.algorithms    default RS256,RS384,RS512,PS256,PS384,PS512,ES256,ES384,ES512,EdDSA
 *   sasl.oauthbearer.expected.audience            comma list; the token's aud must hold one
 *   sasl.oauthbearer.expected.issuer              the token's iss must equal it
 *   sasl.oauthbearer.sub.claim.name               default sub (the principal's name)
 *   sasl.oauthbearer.scope.claim.name             default scope
 *   sasl.oauthbearer.clock.skew.seconds           default 30
 *
 * jose is imported at the first verification, not with this module: a broker without
 * OAUTHBEARER never loads it (issue 12, idle RSS).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JSONWebKeySet, JWTPayload, JWTVerifyGetKey } from 'jose';
import { ConfigError } from '../config/broker-config.js';

/** Asymmetric JWS algorithms only: an HMAC key in a JWKS would let anyone who reads it sign. */
const ASYMMETRIC = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);
const DEFAULT_ALGORITHMS = 'RS256,RS384,RS512,PS256,PS384,PS512,ES256,ES384,ES512,EdDSA';

export interface VerifiedToken {
  /** The principal's name: the sub claim (or `sasl.oauthbearer.sub.claim.name`). */
  principalName: string;
  /** The token's exp, in ms since the epoch. */
  expiresAtMs: number;
  /** The scope claim, split on spaces (or the array as given). */
  scopes: string[];
}

/** A token that failed verification; `message` says why (never echoed secrets). */
export class JwtRejectedError extends Error {
  override name = 'JwtRejectedError';
}

type Get = (key: string) => string | undefined;

/** jose's check on a JWKS (createLocalJWKSet's isJWKSLike), at configuration time: an object whose `keys` is an array of objects. */
function checkJwks(jwks: unknown): JSONWebKeySet {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(keys) || !keys.every((k) => typeof k === 'object' && k !== null && !Array.isArray(k))) {
    throw new Error('JSON Web Key Set malformed');
  }
  return jwks as JSONWebKeySet;
}

export class JwtVerifier {
  /** The JWKS's key lookup, made at the first verification (with jose). */
  private keySet: JWTVerifyGetKey | null = null;

  private constructor(
    private readonly key: JSONWebKeySet | KeyObject,
    private readonly algorithms: string[],
    private readonly audience: string[] | undefined,
    private readonly issuer: string | undefined,
    private readonly subClaim: string,
    private readonly scopeClaim: string,
    private readonly clockSkewSeconds: number,
  ) {}

  /**
   * The verifier the properties describe (`get` answers a key with any listener prefix
   * already applied), or null when neither a JWKS nor a public key is configured.
   * Throws ConfigError for an unreadable file, a non-file URL, or a symmetric / unknown
   * algorithm.
   */
  static fromProperties(get: Get): JwtVerifier | null {
    const jwksUrl = get('sasl.oauthbearer.jwks.endpoint.url');
    const pemPath = get('gregor.sasl.oauthbearer.public.key.location');
    if (!jwksUrl && !pemPath) return null;
    if (jwksUrl && pemPath) throw new ConfigError('sasl.oauthbearer.jwks.endpoint.url and gregor.sasl.oauthbearer.public.key.location: give one, not both');
    const algorithms = (get('gregor.sasl.oauthbearer.allowed.algorithms') ?? DEFAULT_ALGORITHMS).split(',').map((a) => a.trim()).filter(Boolean);
    for (const alg of algorithms) {
      if (!ASYMMETRIC.has(alg)) throw new ConfigError(`gregor.sasl.oauthbearer.allowed.algorithms: ${alg} is not an asymmetric JWS algorithm`);
    }
    if (algorithms.length === 0) throw new ConfigError('gregor.sasl.oauthbearer.allowed.algorithms: empty');
    let key: JSONWebKeySet | KeyObject;
    if (jwksUrl) {
      let path: string;
      try {
        if (!jwksUrl.startsWith('file:')) throw new Error('only file: URLs are read (keys are never fetched over the network)');
        path = fileURLToPath(jwksUrl);
        key = checkJwks(JSON.parse(readFileSync(path, 'utf8')));
      } catch (err) {
        throw new ConfigError(`sasl.oauthbearer.jwks.endpoint.url: ${jwksUrl}: ${(err as Error).message}`);
      }
    } else {
      try {
        key = createPublicKey(readFileSync(pemPath!, 'utf8'));
      } catch (err) {
        throw new ConfigError(`gregor.sasl.oauthbearer.public.key.location: ${pemPath}: ${(err as Error).message}`);
      }
    }
    const audience = get('sasl.oauthbearer.expected.audience')?.split(',').map((a) => a.trim()).filter(Boolean);
    const skew = Number(get('sasl.oauthbearer.clock.skew.seconds') ?? 30);
    if (!Number.isInteger(skew) || skew < 0) throw new ConfigError(`sasl.oauthbearer.clock.skew.seconds: not a non-negative integer: ${skew}`);
    return new JwtVerifier(
      key,
      algorithms,
      audience && audience.length > 0 ? audience : undefined,
      get('sasl.oauthbearer.expected.issuer') || undefined,
      get('sasl.oauthbearer.sub.claim.name') ?? 'sub',
      get('sasl.oauthbearer.scope.claim.name') ?? 'scope',
      skew,
    );
  }

  /**
   * Verifies a compact JWS. Resolves to the principal name, expiry and scopes; rejects with
   * JwtRejectedError when the signature, algorithm, exp, nbf, iss, aud or subject is wrong.
   */
  async verify(token: string, nowMs: number = Date.now()): Promise<VerifiedToken> {
    const { createLocalJWKSet, jwtVerify } = await import('jose');
    let key: JWTVerifyGetKey | KeyObject;
    if ('keys' in this.key) key = this.keySet ??= createLocalJWKSet(this.key);
    else key = this.key;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key as JWTVerifyGetKey, {
        algorithms: this.algorithms,
        audience: this.audience,
        issuer: this.issuer,
        clockTolerance: this.clockSkewSeconds,
        currentDate: new Date(nowMs),
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      throw new JwtRejectedError(`invalid token: ${(err as Error).message}`);
    }
    const subject = payload[this.subClaim];
    if (typeof subject !== 'string' || subject.length === 0) throw new JwtRejectedError(`invalid token: no ${this.subClaim} claim`);
    const scope = payload[this.scopeClaim];
    const scopes = typeof scope === 'string' ? scope.split(' ').filter(Boolean) : Array.isArray(scope) ? scope.map(String) : [];
    return { principalName: subject, expiresAtMs: (payload.exp as number) * 1000, scopes };
  }
}
