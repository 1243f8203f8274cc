{{/* Grace period: the job time-out plus the drain time, unless set. */}}
{{- define "agent-worker.terminationGracePeriodSeconds" -}}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- add .Values.global.jobTimeoutSeconds .Values.drainSeconds }}
{{- else }}
{{- .Values.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}

{{/* The OpenAI-compatible endpoint, or "" for OpenAI itself. */}}
{{- define "agent-worker.llmBaseUrl" -}}
{{- if .Values.global.localLlm.enabled }}
{{- printf "http://%s:%v/v1" (include "todo-lib.peerFullname" (list . "local-llm")) .Values.global.localLlm.port }}
{{- else }}
{{- .Values.llm.baseUrl }}
{{- end }}
{{- end }}

{{/* Hook events of the migration Job; see migration.hookEvents in values.yaml. */}}
{{- define "agent-worker.migrationHookEvents" -}}
{{- if .Values.migration.hookEvents }}
{{- .Values.migration.hookEvents }}
{{- else if .Values.global.postgresql.internal }}
{{- "post-install,pre-upgrade" }}
{{- else }}
{{- "pre-install,pre-upgrade" }}
{{- end }}
{{- end }}

{{- define "agent-worker.migrateSelectorLabels" -}}
app.kubernetes.io/name: {{ include "todo-lib.name" . }}-migrate
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The worker's environment, shared by the worker and the migration Job. */}}
{{- define "agent-worker.env" -}}
{{ include "todo-lib.env.connections" . }}
{{- with include "agent-worker.llmBaseUrl" . }}
- name: LLM_BASE_URL
  value: {{ . | quote }}
{{- end }}
{{ include "todo-lib.env.secret" (list . "LLM_API_KEY" "llm-api-key" true) }}
{{- include "todo-lib.env.map" .Values.config }}
{{- include "todo-lib.env.otel" . }}
{{- end }}
