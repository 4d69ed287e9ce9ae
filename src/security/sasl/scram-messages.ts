/**
 * The SCRAM messages of RFC 5802 §5.1/§7 (and RFC 7677 for SHA-256), parsed and formatted for
 * both sides. Parsers throw SyntaxError on anything malformed; the mechanisms turn that into
 * an authentication failure. Platform-neutral (no node:buffer): the browser client uses it.
 *
 *   client-first  gs2-header client-first-bare     gs2-header = cbind-flag "," [ "a=" authzid ] ","
 *                 client-first-bare = "n=" saslname ",r=" c-nonce ["," extensions]
 *   server-first  "r=" c-nonce s-nonce ",s=" salt-b64 ",i=" iterations
 *   client-final  "c=" b64(gs2-header) ",r=" nonce ["," extensions] ",p=" proof-b64
 *   server-final  "v=" signature-b64  |  "e=" error
 */

export interface ClientFirst {
  /** The gs2 header as sent (e.g. `n,,`), needed to check the channel-binding echo. */
  gs2Header: string;
  cbindFlag: string;
  authzid: string;
  user: string;
  nonce: string;
  /** Extensions (Kafka's `tokenauth=true`, …) as name → value. */
  extensions: Map<string, string>;
  bare: string;
}

export interface ServerFirst {
  nonce: string;
  salt: Uint8Array;
  iterations: number;
}

export interface ClientFinal {
  channelBinding: string;
  nonce: string;
  proof: Uint8Array;
  /** The message up to (not including) `,p=`: part of AuthMessage. */
  withoutProof: string;
}

const PRINTABLE_NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** saslname decoding: `=2C` → `,`, `=3D` → `=`; any other `=` is an error. */
export function decodeSaslName(name: string): string {
  if (/=(?!2C|3D)/.test(name)) throw new SyntaxError('invalid saslname encoding');
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

export function encodeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

function base64(value: string, what: string): Uint8Array {
  if (!BASE64.test(value) || value.length % 4 !== 0) throw new SyntaxError(`invalid base64 in ${what}`);
  return fromBase64(value);
}

/** Standard base64 (RFC 4648 §4) of bytes, without node:buffer (this file runs in browsers too). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}

/** Bytes of standard base64 text; throws on characters outside the alphabet. */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function attribute(part: string | undefined, name: string): string {
  if (part === undefined || !part.startsWith(`${name}=`)) throw new SyntaxError(`expected attribute ${name}`);
  return part.slice(name.length + 1);
}

function extensions(parts: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new SyntaxError(`invalid extension '${part}'`);
    out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

export function parseClientFirst(text: string): ClientFirst {
  const parts = text.split(',');
  if (parts.length < 4) throw new SyntaxError('client-first-message too short');
  const cbindFlag = parts[0]!;
  if (cbindFlag !== 'n' && cbindFlag !== 'y' && !cbindFlag.startsWith('p=')) throw new SyntaxError('invalid gs2 channel-binding flag');
  const authzidPart = parts[1]!;
  if (authzidPart !== '' && !authzidPart.startsWith('a=')) throw new SyntaxError('invalid gs2 authzid');
  const authzid = authzidPart === '' ? '' : decodeSaslName(authzidPart.slice(2));
  if (parts[2]!.startsWith('m=')) throw new SyntaxError('mandatory extensions are not supported');
  const user = decodeSaslName(attribute(parts[2], 'n'));
  const nonce = attribute(parts[3], 'r');
  if (user.length === 0) throw new SyntaxError('empty user name');
  if (!PRINTABLE_NONCE.test(nonce)) throw new SyntaxError('invalid client nonce');
  return {
    gs2Header: `${cbindFlag},${authzidPart},`,
    cbindFlag,
    authzid,
    user,
    nonce,
    extensions: extensions(parts.slice(4)),
    bare: parts.slice(2).join(','),
  };
}

export function formatClientFirst(user: string, nonce: string, authzid = ''): { message: string; bare: string; gs2Header: string } {
  const gs2Header = `n,${authzid ? `a=${encodeSaslName(authzid)}` : ''},`;
  const bare = `n=${encodeSaslName(user)},r=${nonce}`;
  return { message: gs2Header + bare, bare, gs2Header };
}

export function formatServerFirst(m: ServerFirst): string {
  return `r=${m.nonce},s=${toBase64(m.salt)},i=${m.iterations}`;
}

export function parseServerFirst(text: string): ServerFirst {
  const parts = text.split(',');
  if (parts[0]?.startsWith('m=')) throw new SyntaxError('mandatory extensions are not supported');
  const nonce = attribute(parts[0], 'r');
  const salt = base64(attribute(parts[1], 's'), 'salt');
  const iterations = Number(attribute(parts[2], 'i'));
  if (!PRINTABLE_NONCE.test(nonce)) throw new SyntaxError('invalid server nonce');
  if (!Number.isInteger(iterations) || iterations <= 0) throw new SyntaxError('invalid iteration count');
  return { nonce, salt, iterations };
}

export function parseClientFinal(text: string): ClientFinal {
  const proofAt = text.lastIndexOf(',p=');
  if (proofAt < 0) throw new SyntaxError('client-final-message has no proof');
  const withoutProof = text.slice(0, proofAt);
  const proof = base64(text.slice(proofAt + 3), 'proof');
  const parts = withoutProof.split(',');
  const channelBinding = attribute(parts[0], 'c');
  base64(channelBinding, 'channel binding');
  const nonce = attribute(parts[1], 'r');
  extensions(parts.slice(2));
  return { channelBinding, nonce, proof, withoutProof };
}

export function formatClientFinalWithoutProof(gs2Header: string, nonce: string): string {
  return `c=${toBase64(new TextEncoder().encode(gs2Header))},r=${nonce}`;
}

/** Server-final: the signature, or throws with the server's `e=` error. */
export function parseServerFinal(text: string): Uint8Array {
  if (text.startsWith('e=')) throw new Error(`SCRAM server error: ${text.slice(2)}`);
  return base64(attribute(text.split(',')[0], 'v'), 'server signature');
}
