{{/*
Names and labels. Every object of a service chart is called
"<release>-<chart>" (unless fullnameOverride is set), so a chart can name a
peer's Service without reading the peer's values.
*/}}

{{- define "todo-lib.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "todo-lib.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "todo-lib.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* Name of another chart's objects in the same release: (list $ "local-llm"). */}}
{{- define "todo-lib.peerFullname" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" $root.Release.Name (index . 1) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "todo-lib.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: narrow, and never changed after the first install. */}}
{{- define "todo-lib.selectorLabels" -}}
app.kubernetes.io/name: {{ include "todo-lib.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Selector labels of another chart's pods in the same release: (list $ "redis"). */}}
{{- define "todo-lib.peerSelectorLabels" -}}
app.kubernetes.io/name: {{ index . 1 }}
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
{{- end }}

{{- define "todo-lib.labels" -}}
helm.sh/chart: {{ include "todo-lib.chart" . }}
{{ include "todo-lib.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: todo-assistant
{{- with .Values.component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/* Name of the Secret with the connection strings and keys. */}}
{{- define "todo-lib.secretName" -}}
{{- default (printf "%s-secrets" .Release.Name) .Values.global.secretName }}
{{- end }}

{{- define "todo-lib.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "todo-lib.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Image reference: registry/repository:tag, or @digest when one is given. */}}
{{- define "todo-lib.image" -}}
{{- $registry := .Values.image.registry | default .Values.global.image.registry -}}
{{- $repository := .Values.image.repository -}}
{{- if $registry }}
{{- $repository = printf "%s/%s" $registry $repository -}}
{{- end }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repository (.Values.image.tag | default .Values.global.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{- define "todo-lib.imagePullPolicy" -}}
{{- .Values.image.pullPolicy | default .Values.global.image.pullPolicy | default "IfNotPresent" }}
{{- end }}
