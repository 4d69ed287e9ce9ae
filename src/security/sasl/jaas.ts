/**
 * Kafka's `sasl.jaas.config` string (KIP-85; docs/security.html "JAAS configuration"):
 *
 *   <LoginModuleClass> <flag> key="value" key2=value2 ... ;
 *
 * with flag one of required | requisite | sufficient | optional, values quoted (`\"` and `\\`
 * escapes) or bare words. Exactly one entry is allowed, as Kafka requires for
 * `sasl.jaas.config`. Only the login modules of KNOWN_LOGIN_MODULES are recognised: any other
 * name is a start-up error, since no config value may select code (CVE-2023-25194). Errors are
 * ConfigError naming the property key.
 */
import { ConfigError } from '../../config/broker-config.js';

export const KNOWN_LOGIN_MODULES: readonly string[] = [
  'org.apache.kafka.common.security.plain.PlainLoginModule',
  'org.apache.kafka.common.security.scram.ScramLoginModule',
  'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule',
];

const FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional']);

export interface JaasEntry {
  loginModule: string;
  flag: string;
  options: Map<string, string>;
}

type Token = { kind: 'word' | 'quoted' | 'eq' | 'semi'; text: string };

function tokenize(text: string, key: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '=') { tokens.push({ kind: 'eq', text: c }); i++; continue; }
    if (c === ';') { tokens.push({ kind: 'semi', text: c }); i++; continue; }
    if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new ConfigError(`${key}: unterminated quoted value in JAAS config`);
        const d = text[i]!;
        if (d === '\\' && i + 1 < text.length) { value += text[i + 1]; i += 2; continue; }
        if (d === '"') { i++; break; }
        value += d;
        i++;
      }
      tokens.push({ kind: 'quoted', text: value });
      continue;
    }
    const m = /^[A-Za-z0-9_.$\-/:@+*]+/.exec(text.slice(i));
    if (!m) throw new ConfigError(`${key}: unexpected character '${c}' in JAAS config`);
    tokens.push({ kind: 'word', text: m[0] });
    i += m[0].length;
  }
  return tokens;
}

/**
 * Parses the single login-module entry of a `sasl.jaas.config` value.
 * Errors: ConfigError naming `key` for syntax errors, several entries, or an unknown login module.
 */
export function parseJaasConfig(text: string, key: string): JaasEntry {
  const tokens = tokenize(text, key);
  let at = 0;
  const next = (): Token | undefined => tokens[at++];
  const module = next();
  if (!module || module.kind !== 'word') throw new ConfigError(`${key}: JAAS config must start with a login module class name`);
  if (!KNOWN_LOGIN_MODULES.includes(module.text)) {
    throw new ConfigError(`${key}: login module ${module.text} is not supported (supported: ${KNOWN_LOGIN_MODULES.join(', ')})`);
  }
  const flag = next();
  if (!flag || flag.kind !== 'word' || !FLAGS.has(flag.text.toLowerCase())) throw new ConfigError(`${key}: expected a control flag (required, requisite, sufficient, optional) after ${module.text}`);
  const options = new Map<string, string>();
  for (;;) {
    const t = next();
    if (!t) throw new ConfigError(`${key}: JAAS config must end with ';'`);
    if (t.kind === 'semi') break;
    if (t.kind !== 'word') throw new ConfigError(`${key}: expected an option name, got '${t.text}'`);
    const eq = next();
    if (!eq || eq.kind !== 'eq') throw new ConfigError(`${key}: expected '=' after option ${t.text}`);
    const value = next();
    if (!value || (value.kind !== 'word' && value.kind !== 'quoted')) throw new ConfigError(`${key}: expected a value for option ${t.text}`);
    options.set(t.text, value.text);
  }
  if (at < tokens.length) throw new ConfigError(`${key}: only one login module entry is allowed in sasl.jaas.config`);
  return { loginModule: module.text, flag: flag.text.toLowerCase(), options };
}

/** PLAIN users from `user_<name>="<password>"` options. */
export function plainUsers(entry: JaasEntry): Map<string, string> {
  const users = new Map<string, string>();
  for (const [k, v] of entry.options) if (k.startsWith('user_') && k.length > 5) users.set(k.slice(5), v);
  return users;
}
