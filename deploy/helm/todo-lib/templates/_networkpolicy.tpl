{{/*
NetworkPolicy peers and rules. The umbrella chart denies all traffic to and
from the release's pods; each service chart then allows only its own flows.
Egress to the cloud metadata address (global.networkPolicy.metadataCidr) is
never allowed: every ipBlock that contains it lists it under `except`.
*/}}

{{/* "true" when IPv4 CIDR `.cidr` contains the address of CIDR `.address`. */}}
{{- define "todo-lib.np.cidrContains" -}}
{{- $outer := splitList "/" .cidr -}}
{{- $inner := splitList "/" .address -}}
{{- if and (eq (len $outer) 2) (not (contains ":" .cidr)) }}
{{- $a := splitList "." (index $outer 0) -}}
{{- $b := splitList "." (index $inner 0) -}}
{{- $outerIp := add (mul (atoi (index $a 0)) 16777216) (mul (atoi (index $a 1)) 65536) (mul (atoi (index $a 2)) 256) (atoi (index $a 3)) -}}
{{- $innerIp := add (mul (atoi (index $b 0)) 16777216) (mul (atoi (index $b 1)) 65536) (mul (atoi (index $b 2)) 256) (atoi (index $b 3)) -}}
{{- $size := 1 -}}
{{- range until (sub 32 (atoi (index $outer 1)) | int) }}
{{- $size = mul $size 2 -}}
{{- end }}
{{- if eq (div $outerIp $size) (div $innerIp $size) }}true{{ end }}
{{- end }}
{{- end }}

{{/* ipBlock peers for a list of CIDRs: (list $ cidrs). */}}
{{- define "todo-lib.np.ipBlocks" -}}
{{- $root := index . 0 -}}
{{- $metadata := $root.Values.global.networkPolicy.metadataCidr -}}
{{- range index . 1 }}
{{- if include "todo-lib.np.cidrContains" (dict "cidr" . "address" $metadata) }}
{{- if eq . $metadata }}
{{- fail (printf "egress to %s (the cloud metadata address) is never allowed; remove it from the CIDR lists" $metadata) }}
{{- end }}
- ipBlock:
    cidr: {{ . }}
    except:
      - {{ $metadata }}
{{- else }}
- ipBlock:
    cidr: {{ . }}
{{- end }}
{{- end }}
{{- end }}

{{/* TCP ports of a rule: (list 443 8443). */}}
{{- define "todo-lib.np.tcpPorts" -}}
{{- range . }}
- protocol: TCP
  port: {{ . }}
{{- end }}
{{- end }}

{{- define "todo-lib.np.dnsEgress" -}}
{{- $dns := .Values.global.networkPolicy.dns -}}
- to:
    - namespaceSelector:
        {{- toYaml $dns.namespaceSelector | nindent 8 }}
      podSelector:
        {{- toYaml $dns.podSelector | nindent 8 }}
  ports:
    - protocol: UDP
      port: 53
    - protocol: TCP
      port: 53
{{- end }}

{{/* Egress to Redis: the in-chart StatefulSet, or external CIDRs. */}}
{{- define "todo-lib.np.redisEgress" -}}
{{- $redis := .Values.global.redis -}}
{{- if $redis.internal }}
- to:
    - podSelector:
        matchLabels:
          {{- include "todo-lib.peerSelectorLabels" (list . "redis") | nindent 10 }}
  ports:
    - protocol: TCP
      port: {{ $redis.port }}
{{- else if $redis.externalCidrs }}
- to:
    {{- include "todo-lib.np.ipBlocks" (list . $redis.externalCidrs) | nindent 4 }}
  ports:
    - protocol: TCP
      port: {{ $redis.port }}
{{- end }}
{{- end }}

{{/* Egress to PostgreSQL: the in-chart StatefulSet, or external CIDRs. */}}
{{- define "todo-lib.np.postgresEgress" -}}
{{- $postgres := .Values.global.postgresql -}}
{{- if $postgres.internal }}
- to:
    - podSelector:
        matchLabels:
          {{- include "todo-lib.peerSelectorLabels" (list . "postgresql") | nindent 10 }}
  ports:
    - protocol: TCP
      port: {{ $postgres.port }}
{{- else if $postgres.externalCidrs }}
- to:
    {{- include "todo-lib.np.ipBlocks" (list . $postgres.externalCidrs) | nindent 4 }}
  ports:
    - protocol: TCP
      port: {{ $postgres.port }}
{{- end }}
{{- end }}

{{/* Egress to the OTLP collector, when tracing is on and its peers are given. */}}
{{- define "todo-lib.np.otelEgress" -}}
{{- $collector := .Values.global.networkPolicy.otelCollector -}}
{{- if and .Values.global.otel.enabled (or $collector.cidrs $collector.namespaceSelector) }}
- to:
    {{- if $collector.namespaceSelector }}
    - namespaceSelector:
        {{- toYaml $collector.namespaceSelector | nindent 8 }}
      {{- with $collector.podSelector }}
      podSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
    {{- include "todo-lib.np.ipBlocks" (list . $collector.cidrs) | nindent 4 }}
  ports:
    {{- include "todo-lib.np.tcpPorts" $collector.ports | nindent 4 }}
{{- end }}
{{- end }}

{{/* Egress to the OIDC issuer's JWKS endpoint, in OIDC mode. */}}
{{- define "todo-lib.np.oidcEgress" -}}
{{- $oidc := .Values.global.networkPolicy.oidc -}}
{{- if and (eq .Values.global.auth.mode "oidc") $oidc.cidrs }}
- to:
    {{- include "todo-lib.np.ipBlocks" (list . $oidc.cidrs) | nindent 4 }}
  ports:
    {{- include "todo-lib.np.tcpPorts" $oidc.ports | nindent 4 }}
{{- end }}
{{- end }}

{{/* Ingress from the ingress controller's pods to `port`: (list $ port). */}}
{{- define "todo-lib.np.fromIngressController" -}}
{{- $controller := (index . 0).Values.global.networkPolicy.ingressController -}}
- from:
    - namespaceSelector:
        {{- toYaml $controller.namespaceSelector | nindent 8 }}
      podSelector:
        {{- toYaml $controller.podSelector | nindent 8 }}
  ports:
    - protocol: TCP
      port: {{ index . 1 }}
{{- end }}

{{/* Ingress from Prometheus to the metrics port, when monitoring is on: (list $ port). */}}
{{- define "todo-lib.np.fromMonitoring" -}}
{{- $root := index . 0 -}}
{{- if $root.Values.global.monitoring.enabled }}
{{- $prometheus := $root.Values.global.networkPolicy.monitoring -}}
- from:
    - namespaceSelector:
        {{- toYaml $prometheus.namespaceSelector | nindent 8 }}
      {{- with $prometheus.podSelector }}
      podSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
  ports:
    - protocol: TCP
      port: {{ index . 1 }}
{{- end }}
{{- end }}
