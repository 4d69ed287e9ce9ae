/**
 * TLS material for a listener (server side) or for a connection to another broker (client
 * side), from Kafka's `ssl.*` properties (docs/security.html "Encryption and Authentication
 * using SSL"; KIP-651 for PEM), resolved per listener (`listener.name.<l>.ssl.*` first):
 *
 *   ssl.keystore.type             PEM (default) or PKCS12; JKS is refused (convert it to PEM)
 *   ssl.keystore.certificate.chain / ssl.keystore.key
 *                                 inline PEM (KIP-651); or
 *   ssl.keystore.location         a PEM file with the key and the chain (or a PKCS12 file)
 *   ssl.key.password              the passphrase of an encrypted PEM key
 *   ssl.keystore.password         the PKCS12 password
 *   ssl.truststore.certificates / ssl.truststore.location
 *                                 trusted CA certificates (PEM), for client certificates
 *                                 (server side) or the peer broker (client side)
 *   ssl.client.auth               none | requested | required (server side)
 *   ssl.enabled.protocols         TLSv1.2,TLSv1.3 (default both)
 *   ssl.cipher.suites             OpenSSL cipher names for TLS 1.2 (TLS 1.3 suites are fixed)
 *   ssl.endpoint.identification.algorithm
 *                                 https (default: check the peer's host name) or empty (client side)
 *
 * Errors: ConfigError naming the key (missing material, unreadable file, bad value).
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions, PeerCertificate, SecureVersion, TlsOptions } from 'node:tls';
import { ConfigError } from '../config/broker-config.js';
import { listenerProperty, listenerPropertyName } from '../config/security-keys.js';

export type SslClientAuth = 'none' | 'requested' | 'required';

export interface ServerTls {
  options: TlsOptions;
  clientAuth: SslClientAuth;
}

type Props = Readonly<Record<string, string>>;

function readText(props: Props, listener: string, key: string): string {
  const path = listenerProperty(props, listener, key)!;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${listenerPropertyName(props, listener, key)}: cannot read ${path}: ${(err as Error).message}`);
  }
}

/** The PEM text of a keystore or truststore; inline values may use `\n` escapes, as in properties files. */
function pem(text: string): string {
  return text.includes('-----BEGIN') ? text.replace(/\\n/g, '\n') : text;
}

function keystore(props: Props, listener: string): Pick<TlsOptions, 'cert' | 'key' | 'passphrase' | 'pfx'> | null {
  const get = (key: string) => listenerProperty(props, listener, key);
  const type = (get('ssl.keystore.type') ?? 'PEM').toUpperCase();
  const chain = get('ssl.keystore.certificate.chain');
  const key = get('ssl.keystore.key');
  const location = get('ssl.keystore.location');
  const passphrase = get('ssl.key.password');
  if (type === 'PKCS12') {
    if (!location) throw new ConfigError(`${listenerPropertyName(props, listener, 'ssl.keystore.location')}: a PKCS12 keystore needs a location`);
    try {
      return { pfx: readFileSync(location), passphrase: get('ssl.keystore.password') ?? '' };
    } catch (err) {
      throw new ConfigError(`${listenerPropertyName(props, listener, 'ssl.keystore.location')}: cannot read ${location}: ${(err as Error).message}`);
    }
  }
  if (type !== 'PEM') throw new ConfigError(`${listenerPropertyName(props, listener, 'ssl.keystore.type')}: ${type} is not supported (use PEM or PKCS12)`);
  if (chain !== undefined || key !== undefined) {
    if (chain === undefined || key === undefined) {
      throw new ConfigError(`${listenerPropertyName(props, listener, chain === undefined ? 'ssl.keystore.certificate.chain' : 'ssl.keystore.key')}: PEM keystores need both ssl.keystore.certificate.chain and ssl.keystore.key`);
    }
    if (location !== undefined) throw new ConfigError(`${listenerPropertyName(props, listener, 'ssl.keystore.location')}: give either ssl.keystore.location or inline PEM, not both`);
    return { cert: pem(chain), key: pem(key), passphrase };
  }
  if (location === undefined) return null;
  const text = readText(props, listener, 'ssl.keystore.location');
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text) || !text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError(`${listenerPropertyName(props, listener, 'ssl.keystore.location')}: ${location} must hold a PEM private key and certificate chain`);
  }
  return { cert: text, key: text, passphrase };
}

function truststore(props: Props, listener: string): string | undefined {
  const type = (listenerProperty(props, listener, 'ssl.truststore.type') ?? 'PEM').toUpperCase();
  if (type !== 'PEM') throw new ConfigError(`${listenerPropertyName(props, listener, 'ssl.truststore.type')}: ${type} is not supported (use PEM)`);
  const inline = listenerProperty(props, listener, 'ssl.truststore.certificates');
  if (inline !== undefined) return pem(inline);
  if (listenerProperty(props, listener, 'ssl.truststore.location') !== undefined) return readText(props, listener, 'ssl.truststore.location');
  return undefined;
}

function protocols(props: Props, listener: string): { minVersion: SecureVersion; maxVersion: SecureVersion } {
  const raw = listenerProperty(props, listener, 'ssl.enabled.protocols') ?? 'TLSv1.2,TLSv1.3';
  const versions = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const v of versions) {
    if (v !== 'TLSv1.2' && v !== 'TLSv1.3') throw new ConfigError(`${listenerPropertyName(props, listener, 'ssl.enabled.protocols')}: "${v}" is not TLSv1.2 or TLSv1.3`);
  }
  if (versions.length === 0) throw new ConfigError(`${listenerPropertyName(props, listener, 'ssl.enabled.protocols')}: no protocol given`);
  const sorted = [...versions].sort() as SecureVersion[];
  return { minVersion: sorted[0]!, maxVersion: sorted[sorted.length - 1]! };
}

/**
 * Server-side TLS options for `listener`.
 * Errors: ConfigError when no keystore is configured, or any `ssl.*` value is invalid.
 */
export function serverTlsOptions(props: Props, listener: string): ServerTls {
  const material = keystore(props, listener);
  if (!material) throw new ConfigError(`listener ${listener} uses TLS but has no keystore: set ssl.keystore.certificate.chain and ssl.keystore.key, or ssl.keystore.location`);
  const clientAuthRaw = (listenerProperty(props, listener, 'ssl.client.auth') ?? 'none').trim().toLowerCase();
  if (clientAuthRaw !== 'none' && clientAuthRaw !== 'requested' && clientAuthRaw !== 'required') {
    throw new ConfigError(`${listenerPropertyName(props, listener, 'ssl.client.auth')}: "${clientAuthRaw}" is not none, requested or required`);
  }
  const clientAuth = clientAuthRaw as SslClientAuth;
  const ca = truststore(props, listener);
  if (clientAuth !== 'none' && !ca) throw new ConfigError(`${listenerPropertyName(props, listener, 'ssl.client.auth')}: client certificates need a truststore (ssl.truststore.certificates or ssl.truststore.location)`);
  const ciphers = listenerProperty(props, listener, 'ssl.cipher.suites');
  return {
    clientAuth,
    options: {
      ...material,
      ...protocols(props, listener),
      ...(ca ? { ca } : {}),
      ...(ciphers ? { ciphers: ciphers.split(',').map((s) => s.trim()).join(':') } : {}),
      requestCert: clientAuth !== 'none',
      rejectUnauthorized: clientAuth === 'required',
    },
  };
}

/**
 * Client-side TLS options for connecting on `listener` (to another broker): the truststore
 * verifies the peer, a keystore (if any) is presented for mutual TLS, and the host name is
 * checked unless `ssl.endpoint.identification.algorithm` is empty.
 * Errors: ConfigError for invalid `ssl.*` values.
 */
export function clientTlsOptions(props: Props, listener: string): ConnectionOptions {
  const material = keystore(props, listener);
  const ca = truststore(props, listener);
  const identification = (listenerProperty(props, listener, 'ssl.endpoint.identification.algorithm') ?? 'https').trim();
  return {
    ...(material ?? {}),
    ...protocols(props, listener),
    ...(ca ? { ca } : {}),
    rejectUnauthorized: true,
    ...(identification === '' ? { checkServerIdentity: () => undefined } : {}),
  };
}

/**
 * A certificate subject in RFC 2253 form, as Java's X500Principal.getName() gives it (what
 * Kafka puts after `User:`): the RDNs from the most specific (CN) to the least (C), joined by
 * commas, values escaped per RFC 2253.
 */
export function subjectDistinguishedName(cert: PeerCertificate): string | null {
  if (!cert.raw || cert.raw.length === 0) return null;
  // Node prints one RDN per line, in certificate order (C first), values RFC 2253-escaped.
  const lines = new X509Certificate(cert.raw).subject.split('\n').filter((l) => l.length > 0);
  return lines.reverse().join(',');
}
