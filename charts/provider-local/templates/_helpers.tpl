{{- define "provider-local.name" -}}
gardener-extension-{{ .Release.Name }}
{{- end -}}

{{- define "provider-local.labels" -}}
app.kubernetes.io/name: {{ include "provider-local.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "provider-local.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- if $tag -}}
{{ .Values.image.repository }}:{{ $tag }}
{{- else -}}
{{ .Values.image.repository }}
{{- end -}}
{{- end -}}
