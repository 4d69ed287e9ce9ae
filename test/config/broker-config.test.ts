/** Config: Kafka property names from a real server.properties file and flags; clear errors. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, applyProperties, defaultConfig, readPropertiesFile } from '../../src/config/broker-config.js';
import { resolveConfig } from '../../src/broker.js';
import { spawnBroker } from '../helpers/broker-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('broker config', () => {
  it('reads Kafka property names from a server.properties file', () => {
    const dir = makeTempDir();
    const file = join(dir.path, 'server.properties');
    writeFileSync(file, ['# comment', 'node.id=3', 'listeners=PLAINTEXT://127.0.0.1:19092', 'log.dirs=/tmp/a,/tmp/b', 'num.partitions = 6', 'log.roll.hours=2', 'auto.create.topics.enable=false'].join('\n'));
    const config = resolveConfig({ configFile: file, properties: { 'log.segment.bytes': 1048576 } });
    expect(config.nodeId).toBe(3);
    expect(config.listeners).toEqual([{ name: 'PLAINTEXT', host: '127.0.0.1', port: 19092 }]);
    expect(config.advertisedListeners).toEqual(config.listeners);
    expect(config.logDirs).toEqual(['/tmp/a', '/tmp/b']);
    expect(config.numPartitions).toBe(6);
    expect(config.logRollMs).toBe(7_200_000);
    expect(config.autoCreateTopicsEnable).toBe(false);
    expect(config.logSegmentBytes).toBe(1048576);
    expect(readPropertiesFile(file)['num.partitions']).toBe('6');
    dir.remove();
  });

  it.each([
    [{ 'no.such.key': '1' }, /unknown config key "no.such.key"/],
    [{ 'num.partitions': 'many' }, /num.partitions: "many" is not an integer/],
    [{ 'num.partitions': 0 }, /num.partitions: 0 is outside \[1, /],
    [{ 'auto.create.topics.enable': 'yes' }, /is not true or false/],
    [{ listeners: 'localhost:9092' }, /is not NAME:\/\/host:port/],
    [{ 'gregor.engine': 'gpu' }, /is not js or wasm/],
  ])('rejects %o', (props, message) => {
    expect(() => applyProperties(defaultConfig(), props as Record<string, string>)).toThrow(ConfigError);
    expect(() => applyProperties(defaultConfig(), props as Record<string, string>)).toThrow(message);
  });

  it('the CLI exits 1 with one clear line on an invalid key', async () => {
    await expect(spawnBroker(['--port', '0', '--override', 'log.segmnt.bytes=5'])).rejects.toThrow(/exited with 1[\s\S]*unknown config key "log.segmnt.bytes"/);
  });
});
