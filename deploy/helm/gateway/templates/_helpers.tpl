{{/* Grace period: the preStop pause, the time open streams get, and 10 s to exit. */}}
{{- define "gateway.terminationGracePeriodSeconds" -}}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- add .Values.preStopSleepSeconds .Values.config.SHUTDOWN_GRACE_SECONDS 10 }}
{{- else }}
{{- .Values.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}
