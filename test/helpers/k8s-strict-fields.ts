/**
 * Strict field validation, offline: the API schemas in `kubernetes-models` do not reject keys
 * they do not know (a misspelt `readinesProbe` passes validate(), as with a server's
 * fieldValidation=Ignore), but its TypeScript interfaces do: each manifest becomes an object
 * literal typed as the kind's interface, and the TypeScript compiler's excess-property check
 * (and type check) reports every key the API does not have. ~5 s for a compile.
 */
import ts from 'typescript';
import { fileURLToPath } from 'node:url';
import type { Manifest } from './k8s-manifests.js';

/** kind → the module of its interface (`I<kind>`), for the kinds deploy/k8s uses. */
const MODULES: Record<string, string> = {
  'apps/v1/StatefulSet': 'kubernetes-models/apps/v1/StatefulSet',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding',
  'v1/Service': 'kubernetes-models/v1/Service',
  'v1/ServiceAccount': 'kubernetes-models/v1/ServiceAccount',
};

/**
 * The compiler's complaints about `manifests` (first line of each, prefixed with the object's
 * kind and name); empty when every key is one the API defines with a value of its type.
 * Errors: a kind not in the table above.
 */
export function fieldErrors(manifests: readonly Manifest[]): string[] {
  const file = fileURLToPath(new URL('./__k8s_fields__.ts', import.meta.url));
  const lines: string[] = [];
  const names: string[] = [];
  manifests.forEach((m, i) => {
    const module = MODULES[`${m.apiVersion}/${m.kind}`];
    if (!module) throw new Error(`no interface for ${m.apiVersion} ${m.kind}`);
    lines.push(`import type { I${m.kind} as T${i} } from '${module}';`, `export const m${i}: T${i} = ${JSON.stringify(m)};`);
    names.push(`${m.kind} ${m.metadata?.name}`);
  });
  const source = lines.join('\n');
  const host = ts.createCompilerHost({});
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (f) => (f === file ? source : readFile(f));
  host.fileExists = (f) => f === file || fileExists(f);
  const options: ts.CompilerOptions = { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: [] };
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const owner = line >= 0 && d.file === program.getSourceFile(file) ? names[Math.floor(line / 2)] : 'compiler';
    return `${owner}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0]}`;
  });
}
