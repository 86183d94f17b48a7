// docs/reference.md, generated from the WasiApp CRD's schema (`wasi-dev docs`),
// so the reference says what the API server enforces: each field's type,
// limits, default and description, and the CEL rules' messages. A unit test
// fails when the file and the CRD disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';

export interface Schema {
  type?: string;
  format?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  maxItems?: number;
  pattern?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: Array<{ rule: string; message?: string; messageExpression?: string; fieldPath?: string }>;
}

export interface Crd {
  spec: { names: { kind: string; shortNames?: string[] }; group: string; versions: Array<{ name: string; schema: { openAPIV3Schema: Schema } }> };
}

export const REFERENCE_PATH = join('docs', 'reference.md');
export const CRD_PATH = join('crds', 'wasiapps.wasi-operator.dev.yaml');

function typeOf(schema: Schema): string {
  if (schema.type === 'array') return `${schema.items ? typeOf(schema.items) : 'any'}[]`;
  if (schema['x-kubernetes-preserve-unknown-fields']) return 'object (Kubernetes)';
  return schema.format ? `${schema.type} (${schema.format})` : (schema.type ?? 'any');
}

function limitsOf(schema: Schema, required: boolean): string {
  const parts: string[] = [];
  if (required) parts.push('required');
  if (schema.default !== undefined && !(typeof schema.default === 'object' && Object.keys(schema.default as object).length === 0)) {
    parts.push(`default \`${JSON.stringify(schema.default)}\``);
  }
  if (schema.enum) parts.push(`one of ${schema.enum.map((v) => `\`${String(v)}\``).join(', ')}`);
  if (schema.minimum !== undefined && schema.maximum !== undefined) parts.push(`${schema.minimum}–${schema.maximum}`);
  else if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  else if (schema.maximum !== undefined) parts.push(`≤ ${schema.maximum}`);
  if (schema.maxLength !== undefined) parts.push(`≤ ${schema.maxLength} chars`);
  if (schema.maxItems !== undefined) parts.push(`≤ ${schema.maxItems} items`);
  return parts.join('; ');
}

function cell(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
}

function ruleText(rule: { rule: string; message?: string; messageExpression?: string; fieldPath?: string }): string {
  const where = rule.fieldPath ? `\`${rule.fieldPath.replace(/^\./, '')}\`: ` : '';
  return `${where}${rule.message ?? 'a message the API server computes from the object'}`;
}

/** The rows of `schema`'s fields below `prefix`; an object already shown elsewhere is referred to, not repeated. */
function rows(schema: Schema, prefix: string, seen: Map<string, string>, out: string[]): void {
  const required = new Set(schema.required ?? []);
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`;
    const body = child.type === 'array' ? child.items : child;
    const key = body?.properties ? JSON.stringify(body.properties) : undefined;
    const same = key !== undefined ? seen.get(key) : undefined;
    const rules = (child['x-kubernetes-validations'] ?? []).map(ruleText);
    const description = [child.description ?? '', same ? `Same fields as \`${same}\`.` : '', ...rules.map((r) => `Rule: ${r}.`)].filter(Boolean).join(' ');
    out.push(`| \`${path}\` | ${cell(typeOf(child))} | ${cell(limitsOf(child, required.has(name)))} | ${cell(description)} |`);
    if (same || !body?.properties) continue;
    if (key !== undefined) seen.set(key, child.type === 'array' ? `${path}[]` : path);
    rows(body, child.type === 'array' ? `${path}[].` : `${path}.`, seen, out);
  }
}

export function renderCrdReference(crd: Crd): string {
  const version = crd.spec.versions[0]!;
  const root = version.schema.openAPIV3Schema;
  const seen = new Map<string, string>();
  const sections: string[] = [
    `# ${crd.spec.names.kind} reference (${crd.spec.group}/${version.name})`,
    '',
    `Generated from \`${CRD_PATH}\` by \`node dev/bin/wasi-dev.mjs docs\`; do not edit. The API server`,
    'enforces every limit and rule below and names the field when it rejects a WasiApp.',
    `Short name: \`${(crd.spec.names.shortNames ?? []).join('`, `')}\`.`,
  ];
  const objectRules = (root['x-kubernetes-validations'] ?? []).concat(root.properties?.spec?.['x-kubernetes-validations'] ?? []);
  if (objectRules.length > 0) sections.push('', 'Rules across fields:', '', ...objectRules.map((r) => `- ${cell(ruleText(r))}`));
  for (const part of ['spec', 'status'] as const) {
    const schema = root.properties?.[part];
    if (!schema) continue;
    const out: string[] = [];
    rows(schema, `${part}.`, seen, out);
    sections.push('', `## ${part}`, '', cell(schema.description ?? ''), '', '| field | type | limits | description |', '|---|---|---|---|', ...out);
  }
  return `${sections.join('\n')}\n`;
}

/** The reference as it should read for the repository at `root`. */
export function referenceFor(root: string): string {
  return renderCrdReference(yaml.load(readFileSync(join(root, CRD_PATH), 'utf8')) as Crd);
}

export function writeReference(root: string): string {
  const path = join(root, REFERENCE_PATH);
  writeFileSync(path, referenceFor(root));
  return path;
}
