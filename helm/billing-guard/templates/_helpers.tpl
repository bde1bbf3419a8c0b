{{/* Object names and labels. */}}
{{- define "billing-guard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "billing-guard.fullname" -}}
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

{{- define "billing-guard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "billing-guard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "billing-guard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "billing-guard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "billing-guard.serviceAccountName" -}}
{{- default (include "billing-guard.fullname" .) .Values.serviceAccount.name }}
{{- end }}

{{/* The name of both webhook configurations (the self-managed certificate code patches them by this name). */}}
{{- define "billing-guard.webhookName" -}}
{{- default (include "billing-guard.fullname" .) .Values.webhook.configurationName }}
{{- end }}

{{- define "billing-guard.tlsSecretName" -}}
{{- if eq .Values.tls.mode "existingSecret" }}
{{- .Values.tls.existingSecret.name }}
{{- else if eq .Values.tls.mode "selfManaged" }}
{{- default (printf "%s-tls" (include "billing-guard.fullname" .)) .Values.tls.selfManaged.secretName }}
{{- else }}
{{- printf "%s-tls" (include "billing-guard.fullname" .) }}
{{- end }}
{{- end }}

{{- define "billing-guard.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Whether the cluster runs CEL admission (ValidatingAdmissionPolicy v1, webhook matchConditions): Kubernetes 1.30+. */}}
{{- define "billing-guard.celAdmission" -}}
{{- if semverCompare ">=1.30.0-0" .Capabilities.KubeVersion.Version }}true{{ end }}
{{- end }}

{{/* The backstop policies are rendered. */}}
{{- define "billing-guard.backstop" -}}
{{- if and .Values.backstop.enabled (include "billing-guard.celAdmission" .) }}true{{ end }}
{{- end }}

{{/* billing-guard publishes the modes ConfigMaps (only useful to, and only granted with, the backstop). */}}
{{- define "billing-guard.publishModes" -}}
{{- if and (include "billing-guard.backstop" .) .Values.backstop.modes.enabled }}true{{ end }}
{{- end }}

{{/*
The namespaces the webhooks and the backstop guard: the guard label, never kube-system, the release
namespace or excludeNamespaces, and in namespaced mode only the watched namespaces.
*/}}
{{- define "billing-guard.namespaceSelector" -}}
matchExpressions:
  - key: {{ .Values.config.guardedNamespaces.label }}
    operator: In
    values: [{{ .Values.config.guardedNamespaces.value | quote }}]
  - key: kubernetes.io/metadata.name
    operator: NotIn
    values:
      {{- range (concat (list "kube-system" .Release.Namespace) .Values.webhook.excludeNamespaces | uniq) }}
      - {{ . }}
      {{- end }}
  {{- with .Values.watchNamespaces }}
  - key: kubernetes.io/metadata.name
    operator: In
    values:
      {{- range . }}
      - {{ . }}
      {{- end }}
  {{- end }}
{{- end }}

{{/* A CEL string literal; the schema keeps quotes and backslashes out of names, this refuses them anyway. */}}
{{- define "billing-guard.celString" -}}
{{- if or (contains "'" .) (contains "\\" .) }}
{{- fail (printf "%q cannot be used in a CEL expression (quote or backslash)" .) }}
{{- end }}
{{- printf "'%s'" . }}
{{- end }}

{{- define "billing-guard.celList" -}}
[{{ range $i, $v := . }}{{ if $i }}, {{ end }}{{ include "billing-guard.celString" $v }}{{ end }}]
{{- end }}

{{/* Render-time checks of values that contradict each other; each fails with one line. */}}
{{- define "billing-guard.validate" -}}
{{- $tls := .Values.tls }}
{{- if and (ne $tls.mode "existingSecret") (or $tls.existingSecret.name $tls.existingSecret.caBundle) }}
{{- fail (printf "tls.existingSecret is set but tls.mode is %s: set tls.mode=existingSecret or clear tls.existingSecret" $tls.mode) }}
{{- end }}
{{- if and (eq $tls.mode "existingSecret") (not (and $tls.existingSecret.name $tls.existingSecret.caBundle)) }}
{{- fail "tls.mode=existingSecret needs both tls.existingSecret.name and tls.existingSecret.caBundle (see certs/ in the repository)" }}
{{- end }}
{{- if and (ne $tls.mode "certManager") $tls.certManager.issuerRef }}
{{- fail (printf "tls.certManager.issuerRef is set but tls.mode is %s: set tls.mode=certManager or clear the issuerRef" $tls.mode) }}
{{- end }}
{{- if and (ne $tls.mode "selfManaged") $tls.selfManaged.secretName }}
{{- fail (printf "tls.selfManaged.secretName is set but tls.mode is %s" $tls.mode) }}
{{- end }}
{{- if ge (int $tls.selfManaged.renewBeforeDays) (int $tls.selfManaged.validityDays) }}
{{- fail "tls.selfManaged.renewBeforeDays must be less than tls.selfManaged.validityDays" }}
{{- end }}
{{- if ge (int .Values.config.facts.lookupDeadlineMillis) (mul (int .Values.webhook.timeoutSeconds) 1000) }}
{{- fail (printf "config.facts.lookupDeadlineMillis (%d) must stay below webhook.timeoutSeconds (%d s), or the API server gives up before billing-guard's own fail-closed answer" (int .Values.config.facts.lookupDeadlineMillis) (int .Values.webhook.timeoutSeconds)) }}
{{- end }}
{{- if le (int .Values.terminationGracePeriodSeconds) (add .Values.config.server.drainSeconds .Values.config.server.shutdownTimeoutSeconds) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed config.server.drainSeconds + config.server.shutdownTimeoutSeconds (%d)" (int .Values.terminationGracePeriodSeconds) (add .Values.config.server.drainSeconds .Values.config.server.shutdownTimeoutSeconds)) }}
{{- end }}
{{- range .Values.watchNamespaces }}
{{- if or (eq . "kube-system") (eq . $.Release.Namespace) (has . $.Values.webhook.excludeNamespaces) }}
{{- fail (printf "watchNamespaces lists %s, which the webhooks never guard (kube-system, the release namespace and webhook.excludeNamespaces are excluded)" .) }}
{{- end }}
{{- end }}
{{- if and .Values.config.audit.namespace .Values.watchNamespaces (not (has .Values.config.audit.namespace .Values.watchNamespaces)) }}
{{- fail (printf "config.audit.namespace %s is not among watchNamespaces" .Values.config.audit.namespace) }}
{{- end }}
{{- if not (contains "{id}" .Values.config.workspace.secretName) }}
{{- fail "config.workspace.secretName must contain {id}" }}
{{- end }}
{{- end }}

{{/* Where the pod finds its files (one projected volume at /etc/billing-guard). */}}
{{- define "billing-guard.configDir" -}}/etc/billing-guard{{- end }}

{{/* The certificate files come from a mounted Secret (certManager, existingSecret); selfManaged keeps its own. */}}
{{- define "billing-guard.mountsTls" -}}
{{- if ne .Values.tls.mode "selfManaged" }}true{{ end }}
{{- end }}

{{/* config.yaml: the values' config subtree plus the keys the chart owns. */}}
{{- define "billing-guard.config" -}}
{{- $dir := include "billing-guard.configDir" . }}
{{- $tls := include "billing-guard.mountsTls" . }}
{{- $owned := dict
  "server" (dict
    "tlsCert" (ternary (printf "%s/tls/tls.crt" $dir) "" (eq $tls "true"))
    "tlsKey" (ternary (printf "%s/tls/tls.key" $dir) "" (eq $tls "true")))
  "facts" (dict "watchNamespaces" .Values.watchNamespaces)
  "catalog" (dict
    "file" (printf "%s/catalog.yaml" $dir)
    "extraFile" (ternary (printf "%s/catalog-extra.yaml" $dir) "" (gt (len .Values.catalog.extraProviders) 0)))
  "selfManaged" (dict
    "enabled" (eq .Values.tls.mode "selfManaged")
    "namespace" ""
    "secretName" (include "billing-guard.tlsSecretName" .)
    "service" (include "billing-guard.fullname" .)
    "mutatingWebhook" (include "billing-guard.webhookName" .)
    "validatingWebhook" (include "billing-guard.webhookName" .)
    "validityDays" .Values.tls.selfManaged.validityDays
    "renewBeforeDays" .Values.tls.selfManaged.renewBeforeDays)
  "modes" (dict
    "publish" (eq (include "billing-guard.publishModes" .) "true")
    "configMapName" .Values.backstop.modes.configMapName) }}
{{- mustMergeOverwrite (deepCopy .Values.config) $owned | toYaml }}
{{- end }}

{{/*
CEL: whether the pod (template) at the optional expression in `root` is billing-guard's business: it carries
the workspace label, or it references a Secret in any way (the bypass guard must see those).
Argument: list of (context, root expression).
*/}}
{{- define "billing-guard.celOurs" -}}
{{- $ := index . 0 }}{{- $p := index . 1 -}}
({{ $p }}.?metadata.?labels[?{{ include "billing-guard.celString" $.Values.config.workspace.idLabel }}].orValue('') != ''
 || [{{ $p }}.?spec.?containers.orValue([]), {{ $p }}.?spec.?initContainers.orValue([]), {{ $p }}.?spec.?ephemeralContainers.orValue([])].exists(l, l.exists(c,
      c.?env.orValue([]).exists(e, e.?valueFrom.?secretKeyRef.hasValue())
      || c.?envFrom.orValue([]).exists(f, f.?secretRef.hasValue())))
 || {{ $p }}.?spec.?volumes.orValue([]).exists(v, [v.?secret, v.?projected, v.?csi, v.?azureFile, v.?cephfs, v.?rbd,
      v.?iscsi, v.?flexVolume, v.?scaleIO, v.?storageos].exists(s, s.hasValue())))
{{- end }}

{{/* The webhooks' matchConditions (Kubernetes 1.30+): requests they need not see never leave the API server. */}}
{{- define "billing-guard.matchConditions" -}}
{{- if and .Values.webhook.matchConditions (include "billing-guard.celAdmission" .) -}}
matchConditions:
  # Mirror pods (static pods the kubelet reports) cannot reference Secrets and are never changed.
  - name: not-a-mirror-pod
    expression: >-
      object == null || request.kind.kind != 'Pod'
      || !object.metadata.?annotations[?'kubernetes.io/config.mirror'].hasValue()
  # A pod or pod template without the workspace label and without any Secret reference passes untouched.
  - name: workspace-pod-or-secret-reference
    expression: >-
      object == null || (request.kind.kind == 'Pod'
      ? {{ include "billing-guard.celOurs" (list . "object") | indent 6 | trim }}
      : request.kind.kind == 'CronJob'
      ? {{ include "billing-guard.celOurs" (list . "object.?spec.?jobTemplate.?spec.?template") | indent 6 | trim }}
      : {{ include "billing-guard.celOurs" (list . "object.?spec.?template") | indent 6 | trim }})
{{- end }}
{{- end }}

{{/* The rules both webhook configurations carry. */}}
{{- define "billing-guard.webhookRules" -}}
rules:
  - apiGroups: [""]
    apiVersions: ["v1"]
    operations: ["CREATE"]
    resources: ["pods"]
    scope: Namespaced
  # kubectl debug adds ephemeral containers to a running pod.
  - apiGroups: [""]
    apiVersions: ["v1"]
    operations: ["UPDATE"]
    resources: ["pods/ephemeralcontainers"]
    scope: Namespaced
  # Pod controllers are checked at apply time (never mutated): their users see a denial or the warnings at once.
  - apiGroups: ["apps"]
    apiVersions: ["v1"]
    operations: ["CREATE", "UPDATE"]
    resources: ["deployments", "statefulsets", "daemonsets", "replicasets"]
    scope: Namespaced
  - apiGroups: [""]
    apiVersions: ["v1"]
    operations: ["CREATE", "UPDATE"]
    resources: ["replicationcontrollers"]
    scope: Namespaced
  - apiGroups: ["batch"]
    apiVersions: ["v1"]
    operations: ["CREATE", "UPDATE"]
    resources: ["jobs", "cronjobs"]
    scope: Namespaced
{{- end }}

{{- define "billing-guard.clientConfig" -}}
{{- $ := index . 0 }}{{- $path := index . 1 -}}
clientConfig:
  service:
    name: {{ include "billing-guard.fullname" $ }}
    namespace: {{ $.Release.Namespace }}
    path: {{ $path }}
    port: {{ $.Values.service.port }}
  {{- if eq $.Values.tls.mode "existingSecret" }}
  caBundle: {{ $.Values.tls.existingSecret.caBundle | nospace }}
  {{- end }}
{{- end }}

{{- define "billing-guard.webhookAnnotations" -}}
{{- if eq .Values.tls.mode "certManager" -}}
annotations:
  # cert-manager's CA injector keeps both caBundles current.
  cert-manager.io/inject-ca-from: {{ printf "%s/%s" .Release.Namespace (include "billing-guard.fullname" .) }}
{{- end }}
{{- end }}

{{/*
CEL shared by the two pod backstop policies: the pod's workspace, its annotations, and every platform item the
API server can see without a lookup. A Secret counts as a platform credential Secret when its name is in
config.platformCredentials.secretNames or, for the policy with the published modes as params, among the names
billing-guard published under the key _platform-secrets (Secrets known only by their scope label).
Argument: list of (context, whether the policy has the modes ConfigMap as params).
*/}}
{{- define "billing-guard.celPodVariables" -}}
{{- $root := index . 0 }}{{- $published := index . 1 }}
{{- $c := $root.Values.config }}
{{- $platform := include "billing-guard.celList" $c.platformCredentials.secretNames }}
{{- $parts := splitList "{id}" $c.workspace.secretName }}
{{- $prefix := include "billing-guard.celString" (first $parts) }}
{{- $suffix := include "billing-guard.celString" (last $parts) }}
{{- $ann := $c.output.annotationPrefix }}
{{- $forbidden := printf "(@NAME@ in variables.platformSecrets || (variables.workspaceId != '' && @NAME@ != variables.ownSecret && @NAME@.startsWith(%s) && @NAME@.endsWith(%s) && size(@NAME@) > %d))" $prefix $suffix (add (len (first $parts)) (len (last $parts))) }}
{{- if $published }}
# The configured names, and those billing-guard found by the scope label (sorted, comma-separated; a workspace id
# cannot start with '_'). The empty name of "no Secret reference" must never match.
- name: platformSecrets
  expression: >-
    {{ $platform }}
    + params.?data[?'_platform-secrets'].orValue('').split(',').filter(n, n != '')
{{- else }}
- name: platformSecrets
  expression: "{{ $platform }}"
{{- end }}
- name: workspaceId
  expression: "object.metadata.?labels[?{{ include "billing-guard.celString" $c.workspace.idLabel }}].orValue('')"
- name: ownSecret
  expression: "variables.workspaceId == '' ? '' : {{ $prefix }} + variables.workspaceId + {{ $suffix }}"
- name: mode
  expression: "object.metadata.?annotations[?{{ include "billing-guard.celString" (printf "%smode" $ann) }}].orValue('')"
- name: source
  expression: "object.metadata.?annotations[?{{ include "billing-guard.celString" (printf "%ssource" $ann) }}].orValue('')"
# kubectl debug (pods/ephemeralcontainers) may change nothing but the ephemeral containers it adds: only those
# are checked then, like the webhook does; the rest of the pod was admitted before.
- name: ephemeralUpdate
  expression: "request.?subResource.orValue('') == 'ephemeralcontainers'"
- name: containers
  expression: >-
    variables.ephemeralUpdate
    ? object.spec.?ephemeralContainers.orValue([]).filter(c,
        !(c.name in (oldObject == null ? [] : oldObject.spec.?ephemeralContainers.orValue([]).map(o, o.name))))
    : object.spec.?containers.orValue([]) + object.spec.?initContainers.orValue([]) + object.spec.?ephemeralContainers.orValue([])
# env items: a platform Secret (any variable name); for workspace pods also a proxy variable, an LLM credential
# not read from the pod's own workspace secret, another workspace's secret, or a proxy key of its own secret.
- name: envFound
  expression: >-
    variables.containers.map(c, c.?env.orValue([]).filter(e,
      {{ replace "@NAME@" "e.?valueFrom.?secretKeyRef.?name.orValue('')" $forbidden }}
      || (variables.workspaceId != '' && (e.name in {{ include "billing-guard.celList" $c.platformCredentials.proxyNames }}
        || (e.name in {{ include "billing-guard.celList" $c.platformCredentials.llmCredentialNames }}
            && e.?valueFrom.?secretKeyRef.?name.orValue('') != variables.ownSecret)
        || (e.?valueFrom.?secretKeyRef.?name.orValue('') == variables.ownSecret
            && e.?valueFrom.?secretKeyRef.?key.orValue('') in {{ include "billing-guard.celList" $c.platformCredentials.proxyNames }})))
    ).map(e, 'env ' + e.name + ' in container ' + c.name).join(', ')).filter(s, s != '')
- name: envFromFound
  expression: >-
    variables.containers.map(c, c.?envFrom.orValue([]).filter(f,
      {{ replace "@NAME@" "f.?secretRef.?name.orValue('')" $forbidden }}
    ).map(f, 'envFrom Secret ' + f.secretRef.name + ' in container ' + c.name).join(', ')).filter(s, s != '')
- name: platformVolumes
  expression: >-
    object.spec.?volumes.orValue([]).filter(v,
      [v.?secret.?secretName, v.?csi.?nodePublishSecretRef.?name, v.?azureFile.?secretName, v.?cephfs.?secretRef.?name,
       v.?rbd.?secretRef.?name, v.?iscsi.?secretRef.?name, v.?flexVolume.?secretRef.?name, v.?scaleIO.?secretRef.?name,
       v.?storageos.?secretRef.?name].exists(o, {{ replace "@NAME@" "o.orValue('')" $forbidden }})
      || v.?projected.?sources.orValue([]).exists(s, {{ replace "@NAME@" "s.?secret.?name.orValue('')" $forbidden }})
    ).map(v, v.name)
# A new ephemeral container cannot add volumes, but may mount one that holds platform credentials.
- name: volumesFound
  expression: >-
    variables.ephemeralUpdate
    ? variables.containers.map(c, c.?volumeMounts.orValue([]).filter(m, m.name in variables.platformVolumes)
        .map(m, 'mount of volume ' + m.name + ' in container ' + c.name).join(', ')).filter(s, s != '')
    : variables.platformVolumes.map(n, 'volume ' + n)
- name: found
  expression: "variables.envFound + variables.envFromFound + variables.volumesFound"
{{- end }}

{{- define "billing-guard.celSkipMirrorPods" -}}
- name: not-a-mirror-pod
  expression: "!object.metadata.?annotations[?'kubernetes.io/config.mirror'].hasValue()"
{{- end }}

{{- define "billing-guard.backstopPodRules" -}}
matchPolicy: Equivalent
resourceRules:
  - apiGroups: [""]
    apiVersions: ["v1"]
    operations: ["CREATE"]
    resources: ["pods"]
    scope: Namespaced
  - apiGroups: [""]
    apiVersions: ["v1"]
    operations: ["UPDATE"]
    resources: ["pods/ephemeralcontainers"]
    scope: Namespaced
{{- end }}
