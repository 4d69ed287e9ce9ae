/**
 * The StatefulSet of deploy/k8s on loopback: 3 ZooKeeper servers (an ensemble, as the
 * zookeeper StatefulSet) and 3 brokers started as the pods start — the image's entrypoint
 * (`gregor start --from-env`), the container environment read from
 * deploy/k8s/gregor-statefulset.yaml, HOSTNAME=gregor-0..2 — with only what a pod gets from
 * its network and volumes mapped onto this machine: listener addresses and ports, the
 * ZooKeeper addresses, the data volume, the mounted Secrets and the rack file. Clients use the
 * CLIENT listener as in the cluster: SASL_SSL with a PLAIN user from the JAAS Secret.
 *
 * Then a rolling restart in Kubernetes' StatefulSet order (highest ordinal first; SIGTERM, as
 * the kubelet sends after preStop; the next pod only once the previous one's readinessProbe
 * — GET /health — answers 200) under an acks=all producer, and nothing acknowledged is lost.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type LocalZooKeeperEnsemble, startLocalZooKeeperEnsemble } from '../../src/cluster/local-zookeeper.js';
import { missingFromLog, startAckedLoad } from '../helpers/acked-load.js';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { makeCertificates } from '../helpers/certificates.js';
import { waitUntilReady } from '../helpers/health.js';
import { containerEnv, findManifest, loadKustomization } from '../helpers/k8s-manifests.js';
import { partitionStates } from '../helpers/partition-states.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

const TOPIC = 'orders';
const PARTITIONS = 3;
const APP_USER = { username: 'app', password: 'app-secret' };

/** The variables a pod's network and volumes decide; every other one is taken from the manifest as written. */
const MAPPED = [
  'GREGOR_LISTENERS',
  'GREGOR_ADVERTISED_LISTENERS',
  'GREGOR_ZOOKEEPER_CONNECT',
  'GREGOR_LOG_DIRS',
  'GREGOR_RACK_FILE',
  'GREGOR_LISTENER_NAME_CLIENT_SSL_KEYSTORE_LOCATION',
  'GREGOR_LISTENER_NAME_CLIENT_PLAIN_SASL_JAAS_CONFIG_FILE',
  'GREGOR_GREGOR_WEBSOCKET_PORT',
];

interface Pod {
  ordinal: number;
  env: Record<string, string>;
  replicationPort: number;
  clientPort: number;
  httpPort: number;
  proc: BrokerProcess | null;
}

describe('the Gregor StatefulSet, simulated on loopback', () => {
  const dir = makeTempDir('gregor-sts-');
  let ensemble: LocalZooKeeperEnsemble;
  let caPem: string;
  let caPath: string;
  const pods: Pod[] = [];
  const manifestEnv = containerEnv(findManifest(loadKustomization().manifests, 'StatefulSet', 'gregor'), 'gregor');

  const start = async (pod: Pod) => {
    pod.proc = await spawnBroker(['--from-env'], pod.env);
  };
  const bootstrap = () => pods.filter((p) => p.proc).map((p) => `127.0.0.1:${p.clientPort}`);
  const kcatSecurity = () => ['-X', 'security.protocol=SASL_SSL', '-X', 'sasl.mechanisms=PLAIN', '-X', `sasl.username=${APP_USER.username}`, '-X', `sasl.password=${APP_USER.password}`, '-X', `ssl.ca.location=${caPath}`];

  beforeAll(async () => {
    ensemble = await startLocalZooKeeperEnsemble({ servers: 3 });
    // The Secrets, as mounted: gregor-tls (keystore.pem) and gregor-sasl (jaas.conf).
    mkdirSync(join(dir.path, 'tls'));
    const certs = makeCertificates(join(dir.path, 'tls'));
    caPem = certs.ca.certPem;
    caPath = certs.ca.certPath;
    const jaas = join(dir.path, 'jaas.conf');
    writeFileSync(jaas, `org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-secret" user_${APP_USER.username}="${APP_USER.password}";\n`);
    for (const ordinal of [0, 1, 2]) {
      const [replicationPort, clientPort, httpPort] = [await freePort(), await freePort(), await freePort()];
      const volume = join(dir.path, `pod-${ordinal}`);
      mkdirSync(join(volume, 'rack'), { recursive: true });
      // Three nodes in three zones: what the rack init container writes.
      writeFileSync(join(volume, 'rack', 'zone'), `zone-${'abc'[ordinal]}\n`);
      const listeners = `REPLICATION://127.0.0.1:${replicationPort},CLIENT://127.0.0.1:${clientPort}`;
      const mapped: Record<string, string> = {
        GREGOR_LISTENERS: listeners,
        GREGOR_ADVERTISED_LISTENERS: listeners,
        GREGOR_ZOOKEEPER_CONNECT: ensemble.connectString,
        GREGOR_LOG_DIRS: join(volume, 'data'),
        GREGOR_RACK_FILE: join(volume, 'rack', 'zone'),
        GREGOR_LISTENER_NAME_CLIENT_SSL_KEYSTORE_LOCATION: certs.server.keystorePath,
        GREGOR_LISTENER_NAME_CLIENT_PLAIN_SASL_JAAS_CONFIG_FILE: jaas,
        GREGOR_GREGOR_WEBSOCKET_PORT: String(httpPort),
      };
      expect(Object.keys(mapped).sort()).toEqual([...MAPPED].sort());
      for (const name of MAPPED) expect(manifestEnv, `the manifest sets ${name}`).toHaveProperty(name);
      pods.push({
        ordinal,
        replicationPort,
        clientPort,
        httpPort,
        proc: null,
        // The gateway's host is the one setting a pod does not need (it has its own network).
        env: { ...manifestEnv, ...mapped, GREGOR_GREGOR_WEBSOCKET_HOST: '127.0.0.1', HOSTNAME: `gregor-${ordinal}` },
      });
    }
    // podManagementPolicy: Parallel — all pods start at once.
    await Promise.all(pods.map(start));
    for (const pod of pods) await waitUntilReady(pod.httpPort, 30_000, `gregor-${pod.ordinal}`);
  }, 90_000);

  afterAll(async () => {
    for (const pod of pods) await pod.proc?.stop('SIGKILL');
    await ensemble?.stop();
    dir.remove();
  });

  it('rolls gregor-2, gregor-1, gregor-0 under acks=all load and loses nothing acknowledged', async () => {
    const kafka = new Kafka({
      clientId: 'sts',
      brokers: bootstrap(),
      ssl: { ca: [caPem] },
      sasl: { mechanism: 'plain', ...APP_USER },
      logLevel: logLevel.NOTHING,
      retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    const admin = kafka.admin();
    await admin.connect();
    // Replication factor and min.insync.replicas from the manifest's broker defaults (3, 2).
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
    const described = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    await admin.disconnect();
    expect(described.topics[0]!.partitions.map((p) => p.replicas.length)).toEqual([3, 3, 3]);
    // The brokers' ids are the ordinals of their HOSTNAMEs.
    const cluster = await partitionStates(pods.map((p) => p.replicationPort), TOPIC);
    expect(cluster.every((p) => [...p.replicas].sort().join() === '0,1,2')).toBe(true);

    const load = await startAckedLoad(kafka, TOPIC, PARTITIONS);
    try {
      // Kubernetes' RollingUpdate: highest ordinal first, each pod Ready before the next.
      for (const pod of [...pods].reverse()) {
        const before = load.acked.length;
        await waitFor(() => load.acked.length >= before + 100, 30_000, `producer progress before restarting gregor-${pod.ordinal}`);
        expect(await pod.proc!.stop('SIGTERM'), `gregor-${pod.ordinal} exits cleanly on SIGTERM`).toBe(0);
        pod.proc = null;
        await start(pod);
        const answers = await waitUntilReady(pod.httpPort, 60_000, `gregor-${pod.ordinal} after its restart`);
        // Ready means back in every ISR: the next pod may go (its own metadata says so).
        const states = await partitionStates([pod.replicationPort], TOPIC);
        expect(states.map((p) => p.isr.includes(pod.ordinal)), `gregor-${pod.ordinal} in every ISR once ready (${answers.length} probes)`).toEqual([true, true, true]);
      }
      const after = load.acked.length;
      await waitFor(() => load.acked.length >= after + 100, 30_000, 'producer progress after the last restart');
    } finally {
      await load.stop();
    }
    expect(load.acked.length).toBeGreaterThan(300);
    expect(await missingFromLog(bootstrap().join(','), TOPIC, load.acked, kcatSecurity()), 'acknowledged records missing from the log').toEqual([]);
    console.log(`statefulset simulation: ${load.acked.length} records acknowledged; longest write gap per partition, ms: ${load.maxGap.join(', ')}`);
  }, 180_000);
});
