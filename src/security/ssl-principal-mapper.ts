/**
 * `ssl.principal.mapping.rules`: maps a TLS client certificate's subject DN (RFC 2253 form,
 * e.g. `CN=alice,OU=eng,O=Example,C=US`) to a short name, as Kafka's SslPrincipalMapper:
 *
 *   RULE:pattern/replacement/        replace when the whole DN matches `pattern`
 *   RULE:pattern/replacement/L|U     … then lower- or upper-case the result
 *   DEFAULT                          the DN itself
 *
 * Rules are separated by commas and/or white space (a pattern may itself hold commas; `\/`
 * escapes a slash) and tried in order; the first whose pattern matches the whole DN wins.
 * A DN no rule matches keeps its full form (Kafka throws; a DEFAULT at the end is the norm).
 * Source: docs/security.html ("Customizing SSL User Name"), KIP-371.
 */
import { ConfigError } from '../config/broker-config.js';

interface Rule {
  /** null: DEFAULT. */
  pattern: RegExp | null;
  whole: RegExp | null;
  replacement: string;
  fold: '' | 'L' | 'U';
}

export type PrincipalMapper = (dn: string) => string;

/**
 * Parses the rules. Errors: ConfigError naming `key` for text that is neither `DEFAULT` nor
 * a complete `RULE:…/…/`, or an invalid regular expression.
 */
export function parsePrincipalMappingRules(text: string, key = 'ssl.principal.mapping.rules'): PrincipalMapper {
  const rules: Rule[] = [];
  let i = 0;
  const readUntilSlash = (): string => {
    let out = '';
    while (i < text.length && text[i] !== '/') {
      if (text[i] === '\\' && text[i + 1] === '/') {
        out += '/';
        i += 2;
        continue;
      }
      out += text[i++];
    }
    if (i >= text.length) throw new ConfigError(`${key}: unterminated rule in "${text}"`);
    i++; // the slash
    return out;
  };
  while (i < text.length) {
    if (/[\s,]/.test(text[i]!)) {
      i++;
      continue;
    }
    if (text.startsWith('DEFAULT', i)) {
      rules.push({ pattern: null, whole: null, replacement: '', fold: '' });
      i += 'DEFAULT'.length;
      continue;
    }
    if (!text.startsWith('RULE:', i)) throw new ConfigError(`${key}: expected DEFAULT or RULE:pattern/replacement/ at "${text.slice(i)}"`);
    i += 'RULE:'.length;
    const source = readUntilSlash();
    const replacement = readUntilSlash();
    let fold: Rule['fold'] = '';
    if (text[i] === 'L' || text[i] === 'U') fold = text[i++] as 'L' | 'U';
    try {
      rules.push({ pattern: new RegExp(source, 'g'), whole: new RegExp(`^(?:${source})$`), replacement, fold });
    } catch (err) {
      throw new ConfigError(`${key}: invalid pattern "${source}": ${(err as Error).message}`);
    }
  }
  if (rules.length === 0) rules.push({ pattern: null, whole: null, replacement: '', fold: '' });
  return (dn) => {
    for (const rule of rules) {
      if (!rule.pattern) return dn;
      if (!rule.whole!.test(dn)) continue;
      rule.pattern.lastIndex = 0;
      const mapped = dn.replace(rule.pattern, rule.replacement);
      return rule.fold === 'L' ? mapped.toLowerCase() : rule.fold === 'U' ? mapped.toUpperCase() : mapped;
    }
    return dn;
  };
}
