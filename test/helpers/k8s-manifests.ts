/**
 * The Kubernetes manifests of deploy/k8s, parsed with the `yaml` package: every document of
 * every file named in kustomization.yaml, and the Gregor StatefulSet's container environment
 * (what the simulation starts brokers with).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const K8S_DIR = fileURLToPath(new URL('../../deploy/k8s/', import.meta.url));

/** One Kubernetes object as parsed (free-form below the top level). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any; [k: string]: any };

/** The documents of one YAML file. Errors: the parser's first error (with its line), or a document that is not an object. */
export function parseManifestFile(path: string): Manifest[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as Manifest;
    if (value === null || typeof value !== 'object') throw new Error(`${path}: a document is not a mapping`);
    return value;
  });
}

/** kustomization.yaml and the resources it names, in its order. */
export function loadKustomization(): { kustomization: { resources: string[]; namespace?: string }; manifests: Array<{ file: string; manifest: Manifest }> } {
  const [kustomization] = parseManifestFile(`${K8S_DIR}kustomization.yaml`) as unknown as [{ resources: string[]; namespace?: string }];
  const manifests = kustomization.resources.flatMap((file) => parseManifestFile(`${K8S_DIR}${file}`).map((manifest) => ({ file, manifest })));
  return { kustomization, manifests };
}

/** The manifest of `kind` named `name`. Errors: none or several. */
export function findManifest(manifests: ReadonlyArray<{ manifest: Manifest }>, kind: string, name: string): Manifest {
  const found = manifests.filter((m) => m.manifest.kind === kind && m.manifest.metadata?.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0]!.manifest;
}

/** The literal `env` of the StatefulSet's container `container` as a name → value map. Errors: a valueFrom entry (not literal). */
export function containerEnv(statefulSet: Manifest, container: string): Record<string, string> {
  const c = (statefulSet.spec.template.spec.containers as Array<{ name: string; env?: Array<{ name: string; value?: string; valueFrom?: unknown }> }>).find((x) => x.name === container);
  if (!c) throw new Error(`no container ${container}`);
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.value === undefined) throw new Error(`${e.name} is not a literal value`);
    env[e.name] = e.value;
  }
  return env;
}
