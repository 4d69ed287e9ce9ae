/**
 * The container entrypoint's configuration (src/deploy/env-config.ts): GREGOR_* variables to
 * Kafka property names as Confluent's images map KAFKA_*, node.id from the StatefulSet
 * ordinal, per-pod advertised.listeners, broker.rack from the zone file, Secrets as files,
 * and the refusals. Then the real `gregor start --from-env` once, as a pod would run it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EnvConfigError, ordinalOf, propertiesFromEnvironment, propertyName, variableName } from '../../src/deploy/env-config.js';
import { knownKeys } from '../../src/config/broker-config.js';
import { spawnBroker } from '../helpers/broker-process.js';
import { gregorCli } from '../helpers/cli.js';
import { RawClient } from '../helpers/raw-client.js';
import { createMetadataRequest } from '../../src/protocol/generated/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const refused = (env: Record<string, string>, files: Record<string, string> = {}) => {
  try {
    propertiesFromEnvironment(env, (p) => {
      if (!(p in files)) throw new Error(`ENOENT: no such file, open '${p}'`);
      return files[p]!;
    });
  } catch (err) {
    expect(err).toBeInstanceOf(EnvConfigError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
};

describe('GREGOR_<PROPERTY> names', () => {
  it('map as Confluent maps KAFKA_*: _ is ".", __ is "_", ___ is "-", lower-cased', () => {
    expect(propertyName('GREGOR_LOG_DIRS')).toBe('log.dirs');
    expect(propertyName('GREGOR_ZOOKEEPER_CONNECT')).toBe('zookeeper.connect');
    expect(propertyName('GREGOR_LISTENER_SECURITY_PROTOCOL_MAP')).toBe('listener.security.protocol.map');
    expect(propertyName('GREGOR_LISTENER_NAME_SASL__SSL_SCRAM___SHA___256_SASL_JAAS_CONFIG')).toBe('listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config');
    expect(() => propertyName('GREGOR_LOG____DIRS')).toThrow(EnvConfigError);
    expect(() => propertyName('GREGOR__LOG_DIRS')).toThrow(EnvConfigError);
    expect(() => propertyName('GREGOR_log_dirs')).toThrow(EnvConfigError);
  });

  it('round-trip for every property the broker knows', () => {
    for (const key of knownKeys()) expect(propertyName(variableName(key))).toBe(key);
  });
});

describe('StatefulSet ordinals', () => {
  it('come from the pod name and are refused when Kubernetes could not have made them', () => {
    expect(ordinalOf('gregor-0')).toBe(0);
    expect(ordinalOf('gregor-12')).toBe(12);
    expect(ordinalOf('my-kafka-cluster-3')).toBe(3);
    expect(ordinalOf('gregor')).toBeNull();
    expect(ordinalOf('laptop.local')).toBeNull();
    expect(() => ordinalOf('gregor-01')).toThrow(/leading zero/);
    expect(() => ordinalOf('gregor-99999999999')).toThrow(/range/);
  });
});

describe('propertiesFromEnvironment', () => {
  const pod = {
    HOSTNAME: 'gregor-2',
    GREGOR_LISTENERS: 'PLAINTEXT://:9092',
    GREGOR_ADVERTISED_LISTENERS: 'PLAINTEXT://${HOSTNAME}.gregor-headless.kafka.svc.cluster.local:9092',
    GREGOR_ZOOKEEPER_CONNECT: 'zookeeper-0.zookeeper-headless:2181,zookeeper-1.zookeeper-headless:2181',
    GREGOR_LOG_DIRS: '/var/lib/gregor/data',
    GREGOR_DEFAULT_REPLICATION_FACTOR: '3',
    GREGOR_LOG_LEVEL: 'info',
  };

  it('gives a pod its node.id, its own advertised.listeners and every property', () => {
    expect(propertiesFromEnvironment(pod)).toEqual({
      'node.id': '2',
      listeners: 'PLAINTEXT://:9092',
      'advertised.listeners': 'PLAINTEXT://gregor-2.gregor-headless.kafka.svc.cluster.local:9092',
      'zookeeper.connect': 'zookeeper-0.zookeeper-headless:2181,zookeeper-1.zookeeper-headless:2181',
      'log.dirs': '/var/lib/gregor/data',
      'default.replication.factor': '3',
    });
    expect(propertiesFromEnvironment({ ...pod, HOSTNAME: 'gregor-0' })['advertised.listeners']).toBe('PLAINTEXT://gregor-0.gregor-headless.kafka.svc.cluster.local:9092');
  });

  it('accepts an id equal to the ordinal, and an explicit id outside a StatefulSet', () => {
    expect(propertiesFromEnvironment({ ...pod, GREGOR_BROKER_ID: '2', GREGOR_NODE_ID: '2' })['node.id']).toBe('2');
    expect(propertiesFromEnvironment({ HOSTNAME: 'laptop', GREGOR_NODE_ID: '7' })).toEqual({ 'node.id': '7' });
  });

  it('takes broker.rack from the zone file and Secrets from _FILE variables', () => {
    const files = { '/etc/gregor/rack/zone': 'europe-west1-b\n', '/etc/gregor/secrets/jaas': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="s3cret";\n' };
    const props = propertiesFromEnvironment(
      { ...pod, GREGOR_RACK_FILE: '/etc/gregor/rack/zone', GREGOR_LISTENER_NAME_SASL__PLAINTEXT_PLAIN_SASL_JAAS_CONFIG_FILE: '/etc/gregor/secrets/jaas' },
      (p) => files[p as keyof typeof files],
    );
    expect(props['broker.rack']).toBe('europe-west1-b');
    expect(props['listener.name.sasl_plaintext.plain.sasl.jaas.config']).toBe(files['/etc/gregor/secrets/jaas'].trimEnd());
  });

  it('refuses unknown properties, bad ordinals, conflicting ids and bad values with one line naming the variable', () => {
    expect(refused({ ...pod, GREGOR_LOG_DIRZ: '/x' })).toBe('GREGOR_LOG_DIRZ: "log.dirz" is not a broker property (GREGOR_<PROPERTY>: "." is _, "_" is __, "-" is ___)');
    expect(refused({ ...pod, HOSTNAME: 'gregor-007' })).toMatch(/^HOSTNAME=gregor-007: "007" is not a StatefulSet ordinal/);
    expect(refused({ ...pod, HOSTNAME: 'laptop' })).toMatch(/^HOSTNAME=laptop: no StatefulSet ordinal/);
    expect(refused({ ...pod, GREGOR_NODE_ID: '1' })).toBe('GREGOR_NODE_ID=1 contradicts the StatefulSet ordinal of HOSTNAME=gregor-2 (2)');
    expect(refused({ HOSTNAME: 'laptop', GREGOR_NODE_ID: '1', GREGOR_BROKER_ID: '2' })).toMatch(/name different ids/);
    expect(refused({ ...pod, GREGOR_NODE_ID: 'two' })).toMatch(/^GREGOR_NODE_ID=two: not a node id/);
    expect(refused({ ...pod, GREGOR_NUM_PARTITIONS: 'many' })).toMatch(/^GREGOR_NUM_PARTITIONS: .*num\.partitions/);
    expect(refused({ ...pod, GREGOR_RACK_FILE: '/missing' })).toMatch(/^GREGOR_RACK_FILE=\/missing: cannot read the file/);
    expect(refused({ ...pod, GREGOR_RACK_FILE: '/z' }, { '/z': '\n' })).toMatch(/the file is empty/);
    expect(refused({ ...pod, GREGOR_BROKER_RACK: 'a', GREGOR_RACK_FILE: '/z' }, { '/z': 'b' })).toMatch(/contradicts the zone/);
    expect(refused({ ...pod, GREGOR_LOG_DIRS_FILE: '/d', GREGOR_LOG_DIRS: '/x' }, { '/d': '/y' })).toMatch(/both set log\.dirs/);
    expect(refused({ HOSTNAME: 'laptop', GREGOR_NODE_ID: '1', GREGOR_ADVERTISED_LISTENERS: 'PLAINTEXT://broker-${ORDINAL}:9092' })).toBe(
      'GREGOR_ADVERTISED_LISTENERS: ${ORDINAL} is used but HOSTNAME (laptop) has no StatefulSet ordinal',
    );
    expect(refused({ GREGOR_NODE_ID: '1', GREGOR_ADVERTISED_LISTENERS: 'PLAINTEXT://${HOSTNAME}:9092' })).toMatch(/\$\{HOSTNAME\} is used but HOSTNAME is unset/);
  });
});

describe('gregor start --from-env (the container entrypoint)', () => {
  const dir = makeTempDir('gregor-env-');
  afterAll(() => dir.remove());

  it('starts a broker as pod gregor-3 would, advertising its own name', async () => {
    const zone = join(dir.path, 'zone');
    writeFileSync(zone, 'zone-a\n');
    const env = {
      HOSTNAME: 'gregor-3',
      GREGOR_LISTENERS: 'PLAINTEXT://127.0.0.1:0',
      GREGOR_ADVERTISED_LISTENERS: 'PLAINTEXT://${HOSTNAME}.gregor-headless:9092',
      GREGOR_LOG_DIRS: join(dir.path, 'data'),
      GREGOR_GREGOR_WEBSOCKET_PORT: '-1',
      GREGOR_GREGOR_METRICS_PORT: '-1',
      GREGOR_RACK_FILE: zone,
    };
    const broker = await spawnBroker(['--from-env'], env);
    try {
      const res = await RawClient.requestOnce(broker.port, 3, 12, createMetadataRequest({ topics: [], allowAutoTopicCreation: false }));
      const brokers = res.brokers as Array<{ nodeId: number; host: string; port: number; rack: string | null }>;
      expect(brokers).toEqual([{ nodeId: 3, host: 'gregor-3.gregor-headless', port: 9092, rack: 'zone-a' }]);
    } finally {
      expect(await broker.stop('SIGTERM')).toBe(0);
    }
  });

  it('refuses an unknown variable with one line and exit code 1, before binding anything', async () => {
    const { code, stdout, stderr } = await gregorCli(['start', '--from-env'], { HOSTNAME: 'gregor-0', GREGOR_LOG_DIRS: join(dir.path, 'data'), GREGOR_NUM_PARTITION: '3' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('gregor: invalid environment: GREGOR_NUM_PARTITION: "num.partition" is not a broker property (GREGOR_<PROPERTY>: "." is _, "_" is __, "-" is ___)\n');
  });
});
