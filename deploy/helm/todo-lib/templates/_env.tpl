{{/*
Container environment. A service chart's `config` map is keyed by environment
variable name (the service's settings field, upper-cased); null values are
left out, so the service's own default applies.
*/}}

{{/* One env value as a string; whole numbers print without an exponent. */}}
{{- define "todo-lib.envValue" -}}
{{- if and (kindIs "float64" .) (eq (floor .) .) }}
{{- printf "%d" (int64 .) | quote }}
{{- else }}
{{- toString . | quote }}
{{- end }}
{{- end }}

{{/* Render a map of variable names to values, sorted by name, skipping nulls. */}}
{{- define "todo-lib.env.map" -}}
{{- range $name, $value := . }}
{{- if not (kindIs "invalid" $value) }}
- name: {{ $name }}
  value: {{ include "todo-lib.envValue" $value }}
{{- end }}
{{- end }}
{{- end }}

{{- define "todo-lib.env.secret" -}}
{{- $root := index . 0 -}}
- name: {{ index . 1 }}
  valueFrom:
    secretKeyRef:
      name: {{ include "todo-lib.secretName" $root }}
      key: {{ index . 2 }}
      {{- if gt (len .) 3 }}
      optional: {{ index . 3 }}
      {{- end }}
{{- end }}

{{/* REDIS_URL and DATABASE_URL, read by every Python service. */}}
{{- define "todo-lib.env.connections" -}}
{{ include "todo-lib.env.secret" (list . "REDIS_URL" "redis-url") }}
{{ include "todo-lib.env.secret" (list . "DATABASE_URL" "database-url") }}
{{- end }}

{{/* Token verification, shared by the gateway and todo-read so both accept the same tokens. */}}
{{- define "todo-lib.env.auth" -}}
{{- $auth := .Values.global.auth -}}
- name: AUTH_MODE
  value: {{ $auth.mode | quote }}
{{- if eq $auth.mode "dev" }}
{{ include "todo-lib.env.secret" (list . "DEV_TOKEN_SECRET" "dev-token-secret") }}
- name: DEV_TOKEN_TTL_SECONDS
  value: {{ include "todo-lib.envValue" $auth.devTokenTtlSeconds }}
{{- else }}
- name: OIDC_ISSUER
  value: {{ required "global.auth.oidc.issuer is required when global.auth.mode is oidc" $auth.oidc.issuer | quote }}
- name: OIDC_AUDIENCE
  value: {{ required "global.auth.oidc.audience is required when global.auth.mode is oidc" $auth.oidc.audience | quote }}
- name: OIDC_JWKS_URL
  value: {{ required "global.auth.oidc.jwksUrl is required when global.auth.mode is oidc" $auth.oidc.jwksUrl | quote }}
{{- with $auth.oidc.clientId }}
- name: OIDC_CLIENT_ID
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
OpenTelemetry SDK variables, when global.otel.enabled. The services turn
tracing on only when an OTLP endpoint is set, so without these they export
nothing.
*/}}
{{- define "todo-lib.env.otel" -}}
{{- $otel := .Values.global.otel -}}
{{- if $otel.enabled }}
- name: OTEL_SERVICE_NAME
  value: {{ include "todo-lib.name" . | quote }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ required "global.otel.endpoint is required when global.otel.enabled is true" $otel.endpoint | quote }}
- name: OTEL_TRACES_SAMPLER
  value: {{ $otel.tracesSampler | quote }}
{{- if not (kindIs "invalid" $otel.tracesSamplerArg) }}
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ include "todo-lib.envValue" $otel.tracesSamplerArg }}
{{- end }}
{{- $attributes := dict "service.namespace" "todo-assistant" "service.version" (.Values.image.tag | default .Values.global.image.tag | default .Chart.AppVersion) "k8s.namespace.name" .Release.Namespace -}}
{{- $attributes = merge (deepCopy $otel.resourceAttributes) $attributes -}}
{{- $pairs := list -}}
{{- range $key, $value := $attributes }}
{{- $pairs = append $pairs (printf "%s=%s" $key (toString $value)) -}}
{{- end }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ join "," $pairs | quote }}
{{- end }}
{{- end }}

{{/* A writable /tmp, the only path the images write to. */}}
{{- define "todo-lib.tmpVolume" -}}
- name: tmp
  emptyDir:
    {{- with .Values.tmpVolume.medium }}
    medium: {{ . }}
    {{- end }}
    sizeLimit: {{ .Values.tmpVolume.sizeLimit }}
{{- end }}

{{- define "todo-lib.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}

{{/*
Init container that waits until `agent-worker migrate` has applied every
migration, so that a pod started before the migration Job finished waits
instead of exiting (the services refuse to start on an unmigrated database).
Argument: (list $ <container security context>).
*/}}
{{- define "todo-lib.waitForSchema" -}}
{{- $root := index . 0 -}}
{{- if $root.Values.waitForSchema.enabled }}
- name: wait-for-schema
  image: {{ include "todo-lib.image" $root }}
  imagePullPolicy: {{ include "todo-lib.imagePullPolicy" $root }}
  command:
    - python3
    - -c
    - |
      import os, sys, time
      import psycopg
      from todo_common.schema import pending_migrations
      deadline = time.monotonic() + float(sys.argv[1])
      while True:
          try:
              with psycopg.connect(os.environ["DATABASE_URL"], connect_timeout=3) as conn:
                  pending = pending_migrations(conn)
          except psycopg.Error as error:
              pending = [f"database unreachable: {error}"]
          if not pending:
              break
          if time.monotonic() > deadline:
              sys.exit(f"timed out waiting for the schema migration: {pending}")
          print(f"waiting for the schema migration: {pending}", flush=True)
          time.sleep(3)
    - {{ $root.Values.waitForSchema.timeoutSeconds | quote }}
  env:
    {{- include "todo-lib.env.secret" (list $root "DATABASE_URL" "database-url") | nindent 4 }}
  resources:
    {{- toYaml $root.Values.waitForSchema.resources | nindent 4 }}
  securityContext:
    {{- toYaml (index . 1) | nindent 4 }}
  volumeMounts:
    {{- include "todo-lib.tmpVolumeMount" $root | nindent 4 }}
{{- end }}
{{- end }}
