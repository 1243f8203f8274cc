{{/*
Labels of an object the umbrella itself runs (redis, postgresql):
(list $ "redis"). The name label is what the service charts' network
policies select.
*/}}
{{- define "todo-assistant.componentLabels" -}}
{{- $root := index . 0 -}}
helm.sh/chart: {{ include "todo-lib.chart" $root }}
{{ include "todo-lib.peerSelectorLabels" . }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/part-of: todo-assistant
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "todo-assistant.labels" -}}
helm.sh/chart: {{ include "todo-lib.chart" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: todo-assistant
{{- end }}

{{/* Image of an in-release dependency: (dict "image" .Values.redis.image). */}}
{{- define "todo-assistant.image" -}}
{{- if .image.digest }}
{{- printf "%s@%s" .image.repository .image.digest }}
{{- else }}
{{- printf "%s:%s" .image.repository .image.tag }}
{{- end }}
{{- end }}

{{/*
Hook events of agent-worker's migration Job, computed as that chart does.
The Secret becomes a hook of the same events when the Job runs pre-install,
because a pre-install hook runs before the release's other objects exist.
*/}}
{{- define "todo-assistant.migrationHookEvents" -}}
{{- $override := (index .Values "agent-worker" "migration" | default dict).hookEvents }}
{{- if $override }}
{{- $override }}
{{- else if .Values.global.postgresql.internal }}
{{- "post-install,pre-upgrade" }}
{{- else }}
{{- "pre-install,pre-upgrade" }}
{{- end }}
{{- end }}

{{- define "todo-assistant.redisHost" -}}
{{- include "todo-lib.peerFullname" (list . "redis") }}
{{- end }}

{{- define "todo-assistant.postgresqlHost" -}}
{{- include "todo-lib.peerFullname" (list . "postgresql") }}
{{- end }}

{{/* Pod and container security contexts of the in-release dependencies (uid 999 in both images). */}}
{{- define "todo-assistant.dependencyPodSecurityContext" -}}
runAsNonRoot: true
runAsUser: 999
runAsGroup: 999
fsGroup: 999
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "todo-assistant.dependencySecurityContext" -}}
runAsNonRoot: true
runAsUser: 999
runAsGroup: 999
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}
