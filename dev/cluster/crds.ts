// Installs the repo's CRDs (ours and Dapr's Component) with server-side apply
// and waits until the API server serves them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiextensionsV1Api, CustomObjectsApi, KubernetesObjectApi, PatchStrategy, loadYaml, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { DevError } from '../dev-errors.js';
import { packageRoot } from '../../operator/src/util/package-root.js';

const FIELD_MANAGER = 'wasi-operator';

/** `crds/` of the checkout this code runs from. */
export function defaultCrdDir(): string {
  return join(packageRoot(), 'crds');
}

export function readManifests(dir: string): KubernetesObject[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((name) => /\.ya?ml$/.test(name)).sort();
  return files.flatMap((name) =>
    yaml
      .loadAll(readFileSync(join(dir, name), 'utf8'))
      .filter((doc): doc is KubernetesObject => typeof doc === 'object' && doc !== null && 'kind' in doc)
      // client-node serializes a known kind (CustomResourceDefinition) by its
      // TypeScript property names and silently drops every other key, so a raw
      // YAML object would lose `x-kubernetes-validations`, `enum`, `default`,
      // `x-kubernetes-list-type`...; loadYaml maps the wire names first.
      .map((doc) => loadYaml<KubernetesObject>(JSON.stringify(doc))),
  );
}

export async function applyManifests(kc: KubeConfig, manifests: KubernetesObject[]): Promise<void> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  for (const manifest of manifests) {
    try {
      await client.patch(manifest, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (err) {
      const body = (err as { body?: unknown }).body;
      throw new DevError(
        'ERR_CLUSTER_CRDS',
        `applying ${manifest.kind} ${manifest.metadata?.name ?? '?'} failed: ${typeof body === 'string' ? body : String(err)}`,
        { cause: err },
      );
    }
  }
}

const RETRYABLE_WHILE_STARTING = new Set([404, 429, 503]);

/**
 * Waits until each CRD is Established and a list of each served version
 * answers: right after Established the API server still answers 429
 * "storage is (re)initializing" until its watch cache for the new resource
 * is ready, and callers should never see that.
 */
export async function waitForCrdsServed(kc: KubeConfig, names: string[], timeoutMs = 30_000): Promise<void> {
  const crdApi = kc.makeApiClient(ApiextensionsV1Api);
  const objects = kc.makeApiClient(CustomObjectsApi);
  const deadline = Date.now() + timeoutMs;
  const giveUp = (name: string, what: string) =>
    new DevError('ERR_CLUSTER_CRDS', `CRD ${name} is not ${what} after ${timeoutMs / 1000}s; see kubectl describe crd ${name}`);
  for (const name of names) {
    for (;;) {
      const crd = await crdApi.readCustomResourceDefinition({ name });
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() >= deadline) throw giveUp(name, 'Established');
      await sleep(50);
    }
    const crd = await crdApi.readCustomResourceDefinition({ name });
    for (const version of crd.spec.versions.filter((v) => v.served)) {
      for (;;) {
        try {
          await objects.listClusterCustomObject({ group: crd.spec.group, version: version.name, plural: crd.spec.names.plural, limit: 1 });
          break;
        } catch (err) {
          if (!RETRYABLE_WHILE_STARTING.has((err as { code?: number }).code ?? 0)) throw err;
        }
        if (Date.now() >= deadline) throw giveUp(name, `served (${version.name})`);
        await sleep(50);
      }
    }
  }
}

/**
 * Applies every manifest in `dir` (but the CRDs of `skipGroups`) and returns
 * the names of the CRDs among them, once they are served.
 */
export async function installCrds(kc: KubeConfig, dir: string, skipGroups: readonly string[] = []): Promise<string[]> {
  const manifests = readManifests(dir).filter((m) => !(m.kind === 'CustomResourceDefinition' && skipGroups.includes((m as { spec?: { group?: string } }).spec?.group ?? '')));
  await applyManifests(kc, manifests);
  const names = manifests.filter((m) => m.kind === 'CustomResourceDefinition').map((m) => m.metadata?.name ?? '');
  await waitForCrdsServed(kc, names);
  return names;
}
