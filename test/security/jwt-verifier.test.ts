/**
 * The JWT verifier behind OAUTHBEARER and the gateway: keys from local files only, pinned
 * asymmetric algorithms, exp required, iss/aud checked. Tokens are signed at test time by jose
 * with freshly generated keys.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/broker-config.js';
import { JwtRejectedError, JwtVerifier } from '../../src/security/jwt-verifier.js';
import { makeTempDir } from '../helpers/temp-dir.js';

type Keys = Awaited<ReturnType<typeof generateKeyPair>>;

describe('JwtVerifier', () => {
  const dir = makeTempDir();
  let rsa: Keys;
  let ec: Keys;
  let stranger: Keys;
  let jwksUrl: string;
  let pemPath: string;

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256', { extractable: true });
    ec = await generateKeyPair('ES256', { extractable: true });
    stranger = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    writeFileSync(join(dir.path, 'jwks.json'), JSON.stringify({ keys: [jwk] }));
    jwksUrl = pathToFileURL(join(dir.path, 'jwks.json')).href;
    pemPath = join(dir.path, 'ec.pem');
    writeFileSync(pemPath, await exportSPKI(ec.publicKey));
  });
  afterAll(() => dir.remove());

  const props = (extra: Record<string, string>) => (key: string) => extra[key];
  const sign = (key: Keys['privateKey'], alg: string, claims: Record<string, unknown>, expSeconds: number | null = 300) => {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg, kid: 'k1' }).setIssuedAt();
    if (expSeconds !== null) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + expSeconds);
    return jwt.sign(key);
  };

  it('is off without keys, and refuses network URLs and symmetric algorithms', () => {
    expect(JwtVerifier.fromProperties(props({}))).toBeNull();
    expect(() => JwtVerifier.fromProperties(props({ 'sasl.oauthbearer.jwks.endpoint.url': 'https://idp.example/jwks' }))).toThrow(ConfigError);
    expect(() => JwtVerifier.fromProperties(props({ 'gregor.sasl.oauthbearer.public.key.location': pemPath, 'gregor.sasl.oauthbearer.allowed.algorithms': 'HS256' }))).toThrow(/HS256/);
    expect(() => JwtVerifier.fromProperties(props({ 'gregor.sasl.oauthbearer.public.key.location': join(dir.path, 'missing.pem') }))).toThrow(ConfigError);
  });

  it('accepts a token signed by a JWKS key with the expected issuer and audience', async () => {
    const v = JwtVerifier.fromProperties(props({ 'sasl.oauthbearer.jwks.endpoint.url': jwksUrl, 'sasl.oauthbearer.expected.audience': 'gregor,other', 'sasl.oauthbearer.expected.issuer': 'https://idp.test' }))!;
    const token = await sign(rsa.privateKey, 'RS256', { sub: 'alice', aud: 'gregor', iss: 'https://idp.test', scope: 'read write' });
    const verified = await v.verify(token);
    expect(verified.principalName).toBe('alice');
    expect(verified.scopes).toEqual(['read', 'write']);
    expect(verified.expiresAtMs).toBeGreaterThan(Date.now());
    await expect(v.verify(await sign(rsa.privateKey, 'RS256', { sub: 'alice', aud: 'elsewhere', iss: 'https://idp.test' }))).rejects.toThrow(/aud/);
    await expect(v.verify(await sign(rsa.privateKey, 'RS256', { sub: 'alice', aud: 'gregor', iss: 'https://evil.test' }))).rejects.toThrow(/iss/);
  });

  it('rejects alg none, a wrong key, an expired token, a token without exp or subject, and garbage', async () => {
    const v = JwtVerifier.fromProperties(props({ 'gregor.sasl.oauthbearer.public.key.location': pemPath }))!;
    expect((await v.verify(await sign(ec.privateKey, 'ES256', { sub: 'bob' }))).principalName).toBe('bob');
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${b64({ alg: 'none' })}.${b64({ sub: 'bob', exp: Math.floor(Date.now() / 1000) + 300 })}.`;
    await expect(v.verify(unsigned)).rejects.toThrow(JwtRejectedError);
    await expect(v.verify(await sign(stranger.privateKey, 'RS256', { sub: 'bob' }))).rejects.toThrow(JwtRejectedError);
    await expect(v.verify(await sign(ec.privateKey, 'ES256', { sub: 'bob' }, -120))).rejects.toThrow(/exp/);
    await expect(v.verify(await sign(ec.privateKey, 'ES256', { sub: 'bob' }, null))).rejects.toThrow(/exp/);
    await expect(v.verify(await sign(ec.privateKey, 'ES256', {}))).rejects.toThrow(/sub/);
    await expect(v.verify('not.a.jwt')).rejects.toThrow(JwtRejectedError);
  });

  it('honours the pinned algorithm list', async () => {
    const v = JwtVerifier.fromProperties(props({ 'sasl.oauthbearer.jwks.endpoint.url': jwksUrl, 'gregor.sasl.oauthbearer.allowed.algorithms': 'ES256' }))!;
    await expect(v.verify(await sign(rsa.privateKey, 'RS256', { sub: 'alice' }))).rejects.toThrow(/alg/);
  });
});
