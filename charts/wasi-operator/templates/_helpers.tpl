{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "wasi-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's objects. A release named like the chart
(`helm install wasi-operator ...`) gets plain "wasi-operator", so its Lease is
the controller's default `wasi-operator-leader`.
*/}}
{{- define "wasi-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "wasi-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object of the release. */}}
{{- define "wasi-operator.labels" -}}
helm.sh/chart: {{ include "wasi-operator.chart" . }}
{{ include "wasi-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: wasi-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Immutable in a Deployment: only name and instance. */}}
{{- define "wasi-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "wasi-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "wasi-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "wasi-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "wasi-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The operator's own image unless hostImage names another. */}}
{{- define "wasi-operator.hostImage" -}}
{{- default (include "wasi-operator.image" .) .Values.hostImage }}
{{- end }}

{{- define "wasi-operator.leaseName" -}}
{{- printf "%s-leader" (include "wasi-operator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
What the controller does with the API, and nothing more (each verb is used in
operator/src/controller; test/integration/helm-chart.test.ts runs the operator
with exactly these permissions). The same rules go into the ClusterRole or
into a Role per watched namespace.
*/}}
{{- define "wasi-operator.rules" -}}
# Informer: list + watch. The controller never GETs a single WasiApp.
- apiGroups: [wasi-operator.dev]
  resources: [wasiapps]
  verbs: [list, watch]
# Status is written as a merge patch of the status subresource.
- apiGroups: [wasi-operator.dev]
  resources: [wasiapps/status]
  verbs: [patch]
# Pods and Components carry owner references with blockOwnerDeletion; where
# the OwnerReferencesPermissionEnforcement admission plugin runs, setting that
# needs update on the owner's finalizers.
- apiGroups: [wasi-operator.dev]
  resources: [wasiapps/finalizers]
  verbs: [update]
# A run is a Job: created once (get when the create finds the name taken, to
# tell our own from someone else's), a merge patch of spec.suspend, delete of
# replaced runs, informer list + watch.
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, list, watch, create, patch, delete]
# A scheduled app's runs come from a CronJob: server-side apply (patch;
# authorized as create when the object is new), delete, list + watch.
- apiGroups: [batch]
  resources: [cronjobs]
  verbs: [list, watch, create, patch, delete]
# The Job controller makes the Pods; the operator only reads their status.
- apiGroups: [""]
  resources: [pods]
  verbs: [list, watch]
- apiGroups: [dapr.io]
  resources: [components]
  verbs: [list, watch, create, patch, delete]
# Events about WasiApps (core/v1): one create per event, and a merge patch
# of its count and lastTimestamp when it repeats.
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- end }}

{{/* Fails the render on values that cannot work. */}}
{{- define "wasi-operator.validate" -}}
{{- if and (gt (int .Values.replicas) 1) (not .Values.leaderElection.enabled) }}
{{- fail "replicas > 1 needs leaderElection.enabled: without it every replica reconciles every WasiApp" }}
{{- end }}
{{- with .Values.leaderElection }}
{{- if not (and (gt (int .leaseDurationSeconds) (int .renewDeadlineSeconds)) (gt (int .renewDeadlineSeconds) (int .retryPeriodSeconds))) }}
{{- fail "leaderElection needs leaseDurationSeconds > renewDeadlineSeconds > retryPeriodSeconds" }}
{{- end }}
{{- end }}
{{- $secret := .Values.defaultRedis.passwordSecret }}
{{- if and (or $secret.name $secret.key) (not (and $secret.name $secret.key)) }}
{{- fail "defaultRedis.passwordSecret needs both name and key" }}
{{- end }}
{{- end }}

{{/* Where `helm test` runs the smoke test: smokeTest.namespace, else the first watched namespace, else the release's. */}}
{{- define "wasi-operator.smokeTestNamespace" -}}
{{- .Values.smokeTest.namespace | default (first .Values.watchNamespaces) | default .Release.Namespace }}
{{- end }}

{{/*
Labels of the smoke test's objects: not the Deployment's selector labels,
or its ReplicaSet would adopt the test Pod.
*/}}
{{- define "wasi-operator.smokeTestLabels" -}}
helm.sh/chart: {{ include "wasi-operator.chart" . }}
app.kubernetes.io/name: {{ printf "%s-smoke-test" (include "wasi-operator.name" .) | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: smoke-test
app.kubernetes.io/part-of: wasi-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "wasi-operator.smokeTestName" -}}
{{- printf "%s-smoke-test" (include "wasi-operator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
`helm test` annotations. The ServiceAccount and its RBAC go once the test has
passed; the Pod stays until the next `helm test`, so `helm test --logs` and
`kubectl logs` can read it.
*/}}
{{- define "wasi-operator.smokeTestHook" -}}
helm.sh/hook: test
helm.sh/hook-weight: "-1"
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end }}
