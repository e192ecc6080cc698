{{/* Names and labels. */}}
{{- define "soccer.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "soccer.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "soccer.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "soccer.selectorLabels" -}}
app.kubernetes.io/name: {{ include "soccer.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "soccer.labels" -}}
helm.sh/chart: {{ include "soccer.chart" . }}
{{ include "soccer.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: soccer
{{- end -}}

{{/* Labels of one component: (dict "root" $ "component" "api") */}}
{{- define "soccer.componentLabels" -}}
{{ include "soccer.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "soccer.componentSelector" -}}
{{ include "soccer.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "soccer.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "soccer.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "soccer.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "soccer.apiUrl" -}}
{{- printf "http://%s-api:%v" (include "soccer.fullname" .) .Values.api.port -}}
{{- end -}}

{{- define "soccer.mlflowTrackingUri" -}}
{{- if .Values.mlflowClient.trackingUri -}}
{{- .Values.mlflowClient.trackingUri -}}
{{- else if .Values.mlflow.enabled -}}
{{- printf "http://%s-mlflow:%v" (include "soccer.fullname" .) .Values.mlflow.port -}}
{{- end -}}
{{- end -}}

{{- define "soccer.dagsterHome" -}}/opt/dagster/dagster_home{{- end -}}

{{/* Shared pod settings. */}}
{{- define "soccer.podDefaults" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end -}}

{{/* Environment of every process that runs project code: the shared ConfigMap and S3 credentials. */}}
{{- define "soccer.envFrom" -}}
- configMapRef:
    name: {{ include "soccer.fullname" . }}-env
{{- if .Values.storage.s3.credentialsSecret }}
- secretRef:
    name: {{ .Values.storage.s3.credentialsSecret }}
{{- end }}
{{- end -}}

{{/* A writable /tmp on a read-only root filesystem. */}}
{{- define "soccer.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 1Gi
{{- end -}}
{{- define "soccer.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/* Fail when a required Secret name is empty. */}}
{{- define "soccer.requireSecret" -}}
{{- if not .value -}}
{{- fail (printf "%s must name an existing Secret (the chart never creates secret data)" .name) -}}
{{- end -}}
{{- end -}}
