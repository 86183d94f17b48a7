// TypeScript shape of Dapr's `Component` custom resource (dapr.io/v1alpha1),
// as in crds/components.dapr.io.yaml and Dapr's documented schema.
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface DaprSecretKeyRef {
  name: string;
  key: string;
}

/** One setting: a literal `value`, or a `secretKeyRef` that daprd resolves. */
export interface DaprComponentMetadataItem {
  name: string;
  value?: JsonValue;
  secretKeyRef?: DaprSecretKeyRef;
}

export interface DaprComponentSpec {
  type: string;
  version: string;
  metadata: DaprComponentMetadataItem[];
  initTimeout?: string;
  ignoreErrors?: boolean;
}

export interface DaprComponent {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta;
  spec: DaprComponentSpec;
  auth?: { secretStore: string };
  /** App ids allowed to load the component; sits beside `spec`, not in it. */
  scopes?: string[];
}

/** A Dapr Component as read back from the API server (any Component, not only ours). */
export type ComponentObject = KubernetesObject & Partial<Pick<DaprComponent, 'spec' | 'scopes'>>;
