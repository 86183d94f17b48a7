// A container's environment, resolved the way the kubelet resolves it:
// envFrom first, then env in order (later entries may refer to earlier ones
// with `$(NAME)`), valueFrom read from the API server.
import type { CoreV1Api, V1Container, V1EnvVar, V1Pod } from '@kubernetes/client-node';
import { WasiOperatorError } from '../../util/errors.js';
import { expand } from './env-expansion.js';

const codeOf = (err: unknown): number | undefined => (err as { code?: number }).code;

function configError(pod: V1Pod, container: V1Container, problem: string, cause?: unknown): WasiOperatorError {
  return new WasiOperatorError(
    'ERR_NODE_AGENT_CONTAINER_CONFIG',
    `container ${container.name} of Pod ${pod.metadata?.namespace}/${pod.metadata?.name}: ${problem}`,
    { cause },
  );
}

async function configMapData(core: CoreV1Api, namespace: string, name: string): Promise<Record<string, string> | undefined> {
  try {
    const cm = await core.readNamespacedConfigMap({ name, namespace });
    const binary = Object.fromEntries(Object.entries(cm.binaryData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    return { ...binary, ...(cm.data ?? {}) };
  } catch (err) {
    if (codeOf(err) === 404) return undefined;
    throw err;
  }
}

async function secretData(core: CoreV1Api, namespace: string, name: string): Promise<Record<string, string> | undefined> {
  try {
    const secret = await core.readNamespacedSecret({ name, namespace });
    const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    return { ...data, ...(secret.stringData ?? {}) };
  } catch (err) {
    if (codeOf(err) === 404) return undefined;
    throw err;
  }
}

/** The value of a downward-API fieldRef this agent can know. */
export function fieldValue(pod: V1Pod, fieldPath: string): string | undefined {
  const labelOrAnnotation = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (labelOrAnnotation) return (labelOrAnnotation[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[labelOrAnnotation[2]!];
  const values: Record<string, string | undefined> = {
    'metadata.name': pod.metadata?.name,
    'metadata.namespace': pod.metadata?.namespace,
    'metadata.uid': pod.metadata?.uid,
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
    'status.podIP': '127.0.0.1',
    'status.hostIP': '127.0.0.1',
  };
  return values[fieldPath];
}

async function valueFrom(core: CoreV1Api, pod: V1Pod, container: V1Container, entry: V1EnvVar): Promise<string | undefined> {
  const namespace = pod.metadata!.namespace!;
  const source = entry.valueFrom!;
  if (source.configMapKeyRef) {
    const { name, key, optional } = source.configMapKeyRef;
    const value = (await configMapData(core, namespace, name ?? ''))?.[key];
    if (value === undefined && !optional) throw configError(pod, container, `env ${entry.name}: key ${key} of ConfigMap ${name} not found`);
    return value;
  }
  if (source.secretKeyRef) {
    const { name, key, optional } = source.secretKeyRef;
    const value = (await secretData(core, namespace, name ?? ''))?.[key];
    if (value === undefined && !optional) throw configError(pod, container, `env ${entry.name}: key ${key} of Secret ${name} not found`);
    return value;
  }
  if (source.fieldRef) {
    const value = fieldValue(pod, source.fieldRef.fieldPath);
    if (value === undefined) throw configError(pod, container, `env ${entry.name}: fieldRef ${source.fieldRef.fieldPath} is not supported by the local node agent`);
    return value;
  }
  throw configError(pod, container, `env ${entry.name}: this kind of valueFrom is not supported by the local node agent`);
}

export async function resolveContainerEnv(core: CoreV1Api, pod: V1Pod, container: V1Container): Promise<Record<string, string>> {
  const namespace = pod.metadata!.namespace!;
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const data = from.configMapRef ? await configMapData(core, namespace, ref.name ?? '') : await secretData(core, namespace, ref.name ?? '');
    if (data === undefined && !ref.optional) throw configError(pod, container, `envFrom: ${from.configMapRef ? 'ConfigMap' : 'Secret'} ${ref.name} not found`);
    for (const [key, value] of Object.entries(data ?? {})) env[`${from.prefix ?? ''}${key}`] = value;
  }
  for (const entry of container.env ?? []) {
    if (entry.valueFrom) {
      const value = await valueFrom(core, pod, container, entry);
      if (value !== undefined) env[entry.name] = value;
    } else {
      env[entry.name] = expand(entry.value ?? '', (name) => env[name]);
    }
  }
  return env;
}
