{{/* ServiceMonitor for the chart's Service, when global.monitoring.enabled: (list $ portName). */}}
{{- define "todo-lib.serviceMonitor" -}}
{{- $root := index . 0 -}}
{{- $monitoring := $root.Values.global.monitoring -}}
{{- if $monitoring.enabled }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "todo-lib.fullname" $root }}
  labels:
    {{- include "todo-lib.labels" $root | nindent 4 }}
    {{- with $monitoring.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "todo-lib.selectorLabels" $root | nindent 6 }}
  endpoints:
    - port: {{ index . 1 }}
      path: /metrics
      interval: {{ $monitoring.interval }}
      scrapeTimeout: {{ $monitoring.scrapeTimeout }}
      # The dashboards and alerts select scrape jobs by the service's name.
      relabelings:
        - targetLabel: job
          replacement: {{ $root.Chart.Name }}
{{- end }}
{{- end }}

{{/* PodMonitor for pods with no Service, when global.monitoring.enabled: (list $ portName). */}}
{{- define "todo-lib.podMonitor" -}}
{{- $root := index . 0 -}}
{{- $monitoring := $root.Values.global.monitoring -}}
{{- if $monitoring.enabled }}
apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata:
  name: {{ include "todo-lib.fullname" $root }}
  labels:
    {{- include "todo-lib.labels" $root | nindent 4 }}
    {{- with $monitoring.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "todo-lib.selectorLabels" $root | nindent 6 }}
  podMetricsEndpoints:
    - port: {{ index . 1 }}
      path: /metrics
      interval: {{ $monitoring.interval }}
      scrapeTimeout: {{ $monitoring.scrapeTimeout }}
      # The dashboards and alerts select scrape jobs by the service's name.
      relabelings:
        - targetLabel: job
          replacement: {{ $root.Chart.Name }}
{{- end }}
{{- end }}
