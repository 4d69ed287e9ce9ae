/**
 * SASL settings that stop start-up with a ConfigError naming the key (docs/security.html;
 * CVE-2023-25194: no config value selects code), and the broker's own client credentials for
 * inter-broker connections (`sasl.mechanism.inter.broker.protocol` + the listener's JAAS entry).
 */
import { describe, expect, it } from 'vitest';
import { type BrokerConfig, ConfigError, applyProperties, defaultConfig, validateListeners } from '../../../src/config/broker-config.js';
import { clientSecurityFromProperties, interBrokerClientSecurity } from '../../../src/security/client-security.js';
import { startTestBroker } from '../../helpers/in-process.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const SASL = { 'gregor.websocket.port': '-1', listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'advertised.listeners': 'SASL_PLAINTEXT://127.0.0.1:0' };

describe('SASL configuration', () => {
  it.each([
    [{ 'sasl.enabled.mechanisms': 'GSSAPI' }, /sasl\.enabled\.mechanisms: GSSAPI \(Kerberos\) is not supported/],
    [{ 'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'SCRAM-SHA-256,FOO' }, /listener\.name\.sasl_plaintext\.sasl\.enabled\.mechanisms: unknown SASL mechanism FOO/],
    [{ 'sasl.enabled.mechanisms': 'PLAIN' }, /plain\.sasl\.jaas\.config: PLAIN is enabled .* no .*PlainLoginModule/],
    [{ 'sasl.enabled.mechanisms': 'OAUTHBEARER' }, /OAUTHBEARER is enabled .* no JWKS file or public key/],
    [{ 'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'com.sun.security.auth.module.JndiLoginModule required user.provider.url="ldap://x";' },
      /listener\.name\.sasl_plaintext\.plain\.sasl\.jaas\.config: login module com\.sun\.security\.auth\.module\.JndiLoginModule is not supported/],
    [{ 'sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_a="b"' }, /sasl\.jaas\.config: JAAS config must end with ';'/],
  ])('%o stops start-up', async (props, message) => {
    const dir = makeTempDir();
    const err = await startTestBroker({ port: undefined, host: undefined, logDirs: dir.path, properties: { ...SASL, ...props } }).then(
      async (t) => { await t.stop(); return null; },
      (e: unknown) => e,
    );
    dir.remove();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
  });

  function config(props: Record<string, string>): BrokerConfig {
    const c = defaultConfig();
    applyProperties(c, { ...SASL, ...props });
    return c;
  }

  it('inter-broker credentials come from the mechanism\'s JAAS entry of the inter-broker listener', () => {
    const c = config({
      'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
      'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="b-secret";',
    });
    const listener = validateListeners(c)[0]!;
    expect(interBrokerClientSecurity(c, listener)).toEqual({ tls: null, sasl: { mechanism: 'SCRAM-SHA-512', username: 'broker', password: 'b-secret' } });
    expect(() => interBrokerClientSecurity(config({}), listener)).toThrow(/sasl\.mechanism\.inter\.broker\.protocol: must be set/);
    expect(() => interBrokerClientSecurity(config({ 'sasl.mechanism.inter.broker.protocol': 'PLAIN' }), listener)).toThrow(/sasl\.jaas\.config: the broker's own PLAIN credentials/);
    expect(() => interBrokerClientSecurity(config({ 'sasl.mechanism.inter.broker.protocol': 'GSSAPI' }), listener)).toThrow(ConfigError);
  });

  it('client properties (--command-config) map onto ClientSecurity; bad values name the key', () => {
    expect(clientSecurityFromProperties({})).toEqual({ tls: null, sasl: null });
    expect(clientSecurityFromProperties({
      'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN',
      'sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";',
    })).toEqual({ tls: null, sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' } });
    expect(() => clientSecurityFromProperties({ 'security.protocol': 'KERBEROS' })).toThrow(/security\.protocol/);
    expect(() => clientSecurityFromProperties({ 'security.protocol': 'SASL_PLAINTEXT' })).toThrow(/sasl\.mechanism: GSSAPI is not supported/);
    expect(() => clientSecurityFromProperties({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN' })).toThrow(/sasl\.jaas\.config: security.protocol SASL_PLAINTEXT needs the client's credentials/);
    expect(() => clientSecurityFromProperties({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': 'x.Y required;' })).toThrow(/sasl\.jaas\.config: login module x\.Y is not supported/);
  });
});
