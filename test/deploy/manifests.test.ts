/**
 * deploy/k8s validates against the Kubernetes API schemas, offline: the JSON schemas that the
 * `kubernetes-models` package ships (its validate(), ajv underneath; resource.k8s.io/v1 is in
 * it, so Kubernetes 1.34 or later), the YAML parsed with the `yaml` package. A broken manifest
 * fails. Then what the deployment promises, read from the manifests: 3 ZooKeeper and 3 Gregor
 * pods, a headless Service, per-pod advertised.listeners, a PVC under log.dirs, a
 * PodDisruptionBudget of maxUnavailable 1, readiness from /health, a grace period sized for
 * controlled shutdown, anti-affinity, broker.rack from the zone, security material from
 * Secrets — and the container environment passes the entrypoint's own checks.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { propertiesFromEnvironment } from '../../src/deploy/env-config.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { fieldErrors } from '../helpers/k8s-strict-fields.js';
import { K8S_DIR, type Manifest, containerEnv, findManifest, loadKustomization, parseManifestFile } from '../helpers/k8s-manifests.js';

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
};

/** Validates against the API schema of its apiVersion/kind; throws the schema's errors. */
function validate(manifest: Manifest): void {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!Model) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
  new Model(structuredClone(manifest) as never).validate();
}

const { kustomization, manifests } = loadKustomization();
const gregor = findManifest(manifests, 'StatefulSet', 'gregor');
const pod = gregor.spec.template.spec;
const broker = pod.containers.find((c: { name: string }) => c.name === 'gregor');
const env = containerEnv(gregor, 'gregor');

describe('deploy/k8s against the Kubernetes API schemas', () => {
  it('parses, and every object validates', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(10);
    for (const { file, manifest } of manifests) {
      expect(() => validate(manifest), `${file}: ${manifest.kind} ${manifest.metadata.name}`).not.toThrow();
    }
  });

  it('has no field the API does not define (strict field validation, from the models\' types)', () => {
    const misspelt = structuredClone(gregor);
    misspelt.metadata.name = 'misspelt';
    misspelt.spec.template.spec.containers[0].readinesProbe = misspelt.spec.template.spec.containers[0].readinessProbe;
    delete misspelt.spec.template.spec.containers[0].readinessProbe;
    // One compile for all: the deployment's objects have no complaint, the misspelt copy has one.
    expect(fieldErrors([...manifests.map((m) => m.manifest), misspelt])).toEqual([
      `StatefulSet misspelt: Object literal may only specify known properties, and '"readinesProbe"' does not exist in type 'IContainer'.`,
    ]);
  }, 60_000);

  it('a broken manifest fails', () => {
    const broken = structuredClone(gregor);
    broken.spec.replicas = 'three';
    broken.spec.template.spec.containers[0].ports[0].containerPort = '9091/tcp';
    delete broken.spec.selector;
    expect(() => validate(broken)).toThrow(/must have required property 'selector'|replicas must be integer/);
    const unquoted = structuredClone(gregor);
    unquoted.spec.template.spec.containers[0].env[0].value = 9092;
    expect(() => validate(unquoted)).toThrow(/env\/0\/value must be string/);
    expect(() => validate({ apiVersion: 'apps/v1', kind: 'StatefulSett', metadata: { name: 'x' } })).toThrow(/no schema/);
    const dir = makeTempDir('gregor-yaml-');
    try {
      writeFileSync(join(dir.path, 'bad.yaml'), readFileSync(`${K8S_DIR}gregor-pdb.yaml`, 'utf8').replace('  maxUnavailable: 1', 'maxUnavailable: 1\n   selector: x'));
      expect(() => parseManifestFile(join(dir.path, 'bad.yaml'))).toThrow(/bad\.yaml/);
    } finally {
      dir.remove();
    }
  });
});

describe('what the deployment promises', () => {
  it('ZooKeeper: a StatefulSet of 3 with a myid per ordinal and a PDB', () => {
    const zk = findManifest(manifests, 'StatefulSet', 'zookeeper');
    expect(zk.spec.replicas).toBe(3);
    const servers = zk.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === 'ZOO_SERVERS').value.split(/\s+/);
    expect(servers).toEqual([0, 1, 2].map((i) => `server.${i + 1}=zookeeper-${i}.zookeeper-headless:2888:3888;2181`));
    expect(findManifest(manifests, 'Service', zk.spec.serviceName).spec.clusterIP).toBe('None');
    expect(findManifest(manifests, 'PodDisruptionBudget', 'zookeeper').spec.maxUnavailable).toBe(1);
    const connect = env['GREGOR_ZOOKEEPER_CONNECT']!.split(',');
    expect(connect).toEqual([0, 1, 2].map((i) => `zookeeper-${i}.${zk.spec.serviceName}:2181`));
  });

  it('Gregor: 3 brokers behind a headless Service, each advertising its own name', () => {
    expect(gregor.spec.replicas).toBe(3);
    const headless = findManifest(manifests, 'Service', gregor.spec.serviceName);
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    expect(headless.spec.selector).toEqual(gregor.spec.selector.matchLabels);
    for (const ordinal of [0, 1, 2]) {
      const props = propertiesFromEnvironment({ ...env, HOSTNAME: `gregor-${ordinal}` }, () => 'zone-a\n');
      expect(props['node.id']).toBe(String(ordinal));
      expect(props['advertised.listeners']).toBe(`REPLICATION://gregor-${ordinal}.gregor-headless:9091,CLIENT://gregor-${ordinal}.gregor-headless:9092`);
      expect(props['broker.rack']).toBe('zone-a');
    }
    const ports = Object.fromEntries(broker.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]));
    expect(headless.spec.ports.map((p: { name: string; port: number }) => [p.name, p.port])).toEqual(Object.entries(ports));
  });

  it('keeps log.dirs on a PersistentVolumeClaim and is guarded by a PDB of maxUnavailable 1', () => {
    const [claim] = gregor.spec.volumeClaimTemplates;
    const mount = broker.volumeMounts.find((m: { name: string }) => m.name === claim.metadata.name);
    expect(env['GREGOR_LOG_DIRS']!.startsWith(`${mount.mountPath}/`)).toBe(true);
    const pdb = findManifest(manifests, 'PodDisruptionBudget', 'gregor');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(gregor.spec.selector.matchLabels);
  });

  it('is ready from /health on the gateway port, and has time for a controlled shutdown', () => {
    expect(broker.readinessProbe.httpGet.path).toBe('/health');
    const http = broker.ports.find((p: { name: string }) => p.name === broker.readinessProbe.httpGet.port);
    expect(String(http.containerPort)).toBe(env['GREGOR_GREGOR_WEBSOCKET_PORT']);
    expect(env['GREGOR_CONTROLLED_SHUTDOWN_ENABLE']).toBe('true');
    const preStopSeconds = Number(broker.lifecycle.preStop.exec.command[1]);
    // src/broker.ts: controlled shutdown gives up after 10 s; closing the logs needs a few more.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStopSeconds + 10 + 15);
  });

  it('spreads brokers over nodes, and takes broker.rack from the node zone', () => {
    const [term] = pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    expect(term.topologyKey).toBe('kubernetes.io/hostname');
    expect(term.labelSelector.matchLabels).toEqual(gregor.spec.selector.matchLabels);
    const rack = pod.initContainers.find((c: { name: string }) => c.name === 'rack');
    expect(rack.command.at(-1)).toBe(env['GREGOR_RACK_FILE']);
    expect(rack.env[0].valueFrom.fieldRef.fieldPath).toBe('spec.nodeName');
    const binding = findManifest(manifests, 'ClusterRoleBinding', 'gregor-node-reader');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: pod.serviceAccountName, namespace: kustomization.namespace }]);
    expect(findManifest(manifests, 'ClusterRole', binding.roleRef.name).rules).toEqual([{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }]);
  });

  it('reads its TLS keystore and SASL users from Secrets mounted as files', () => {
    const secretOf = (path: string) => {
      const mount = broker.volumeMounts.find((m: { mountPath: string }) => path.startsWith(`${m.mountPath}/`));
      return pod.volumes.find((v: { name: string }) => v.name === mount?.name)?.secret?.secretName;
    };
    expect(secretOf(env['GREGOR_LISTENER_NAME_CLIENT_SSL_KEYSTORE_LOCATION']!)).toBe('gregor-tls');
    expect(secretOf(env['GREGOR_LISTENER_NAME_CLIENT_PLAIN_SASL_JAAS_CONFIG_FILE']!)).toBe('gregor-sasl');
    expect(env['GREGOR_LISTENER_SECURITY_PROTOCOL_MAP']).toContain('CLIENT:SASL_SSL');
  });
});
