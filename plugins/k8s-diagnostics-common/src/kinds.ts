/**
 * Minimal typings of the fields the analyzers read. Every field is optional: input
 * objects come from files or the API server and are never trusted to be complete.
 */
import { KubeObject } from './model';

export interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

export interface LabelSelectorSpec {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: Array<{
    key: string;
    operator: string;
    values?: string[];
  }> | null;
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string } | null;
  running?: { startedAt?: string } | null;
  terminated?: { exitCode?: number; reason?: string; message?: string } | null;
}

export interface ContainerStatus {
  name?: string;
  ready?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface ResourceRequirements {
  requests?: Record<string, string | number> | null;
  limits?: Record<string, string | number> | null;
}

export interface EnvSource {
  configMapRef?: { name?: string } | null;
  secretRef?: { name?: string } | null;
}

export interface Container {
  name?: string;
  image?: string;
  env?: Array<{
    name?: string;
    valueFrom?: { configMapKeyRef?: { name?: string } | null } | null;
  }> | null;
  envFrom?: EnvSource[] | null;
  resources?: ResourceRequirements | null;
  securityContext?: { privileged?: boolean } | null;
}

export interface Volume {
  name?: string;
  configMap?: { name?: string } | null;
  projected?: {
    sources?: Array<{ configMap?: { name?: string } | null }> | null;
  } | null;
}

export interface PodSpec {
  containers?: Container[] | null;
  initContainers?: Container[] | null;
  volumes?: Volume[] | null;
  imagePullSecrets?: Array<{ name?: string }> | null;
  serviceAccountName?: string;
  securityContext?: Record<string, unknown> | null;
}

export interface Pod extends KubeObject {
  spec?: PodSpec;
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: Condition[] | null;
    containerStatuses?: ContainerStatus[] | null;
    initContainerStatuses?: ContainerStatus[] | null;
  };
}

export interface PodTemplateOwner extends KubeObject {
  spec?: {
    replicas?: number | null;
    selector?: LabelSelectorSpec | null;
    template?: { spec?: PodSpec } | null;
  };
}

export interface Deployment extends PodTemplateOwner {
  status?: {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: Condition[] | null;
  };
}

export interface ReplicaSet extends PodTemplateOwner {
  status?: { replicas?: number; conditions?: Condition[] | null };
}

export interface DaemonSet extends PodTemplateOwner {
  status?: { desiredNumberScheduled?: number; numberReady?: number };
}

export interface StatefulSet extends KubeObject {
  spec?: {
    replicas?: number | null;
    serviceName?: string;
    volumeClaimTemplates?: Array<{
      spec?: { storageClassName?: string | null };
    }> | null;
    template?: { spec?: PodSpec } | null;
  };
  status?: { availableReplicas?: number };
}

export interface Service extends KubeObject {
  spec?: {
    selector?: Record<string, string> | null;
    ports?: Array<{ port?: number; name?: string }> | null;
  };
}

export interface Endpoints extends KubeObject {
  subsets?: Array<{
    addresses?: EndpointAddress[] | null;
    notReadyAddresses?: EndpointAddress[] | null;
  }> | null;
}

export interface EndpointAddress {
  ip?: string;
  targetRef?: { kind?: string; name?: string; namespace?: string } | null;
}

export interface Ingress extends KubeObject {
  spec?: {
    ingressClassName?: string | null;
    rules?: Array<{
      host?: string;
      http?: {
        paths?: Array<{
          path?: string;
          backend?: {
            service?: { name?: string } | null;
            resource?: unknown;
          };
        }> | null;
      } | null;
    }> | null;
    tls?: Array<{ hosts?: string[]; secretName?: string | null }> | null;
  };
}

export interface PersistentVolumeClaim extends KubeObject {
  spec?: {
    storageClassName?: string | null;
    volumeName?: string;
    resources?: { requests?: Record<string, string | number> | null } | null;
  };
  status?: { phase?: string };
}

export interface PersistentVolume extends KubeObject {
  spec?: { capacity?: Record<string, string | number> | null };
  status?: { phase?: string };
}

export interface StorageClass extends KubeObject {
  provisioner?: string;
}

export interface Job extends KubeObject {
  spec?: { suspend?: boolean | null };
  status?: {
    failed?: number;
    succeeded?: number;
    conditions?: Condition[] | null;
  };
}

export interface CronJob extends KubeObject {
  spec?: {
    schedule?: string;
    suspend?: boolean | null;
    startingDeadlineSeconds?: number | null;
  };
}

export interface Node extends KubeObject {
  status?: { conditions?: Condition[] | null };
}

export interface WebhookConfiguration extends KubeObject {
  webhooks?: Array<{
    name?: string;
    clientConfig?: {
      service?: { name?: string; namespace?: string } | null;
      url?: string;
    };
  }> | null;
}

export interface ConfigMap extends KubeObject {
  data?: Record<string, string> | null;
  binaryData?: Record<string, string> | null;
}

export interface HorizontalPodAutoscaler extends KubeObject {
  spec?: {
    scaleTargetRef?: { kind?: string; name?: string; apiVersion?: string };
    minReplicas?: number | null;
    maxReplicas?: number;
  };
  status?: {
    desiredReplicas?: number;
    currentReplicas?: number;
    conditions?: Condition[] | null;
  };
}

export interface PodDisruptionBudget extends KubeObject {
  spec?: { selector?: LabelSelectorSpec | null };
  status?: { conditions?: Condition[] | null };
}

export interface NetworkPolicy extends KubeObject {
  spec?: { podSelector?: LabelSelectorSpec | null };
}

export interface GatewayClass extends KubeObject {
  spec?: { controllerName?: string };
  status?: { conditions?: Condition[] | null };
}

export interface Gateway extends KubeObject {
  spec?: {
    gatewayClassName?: string;
    listeners?: Array<{
      name?: string;
      allowedRoutes?: {
        namespaces?: { from?: string; selector?: LabelSelectorSpec | null };
      } | null;
    }> | null;
  };
  status?: { conditions?: Condition[] | null };
}

export interface HTTPRoute extends KubeObject {
  spec?: {
    parentRefs?: Array<{
      name?: string;
      namespace?: string;
      kind?: string;
      group?: string;
    }> | null;
    rules?: Array<{
      backendRefs?: Array<{
        name?: string;
        namespace?: string;
        kind?: string;
        group?: string;
        port?: number;
      }> | null;
    }> | null;
  };
}

export interface Role extends KubeObject {
  rules?: Array<{ verbs?: string[]; resources?: string[] }> | null;
}

export interface RoleBinding extends KubeObject {
  roleRef?: { kind?: string; name?: string; apiGroup?: string };
}

export interface KubeEvent extends KubeObject {
  involvedObject?: { kind?: string; name?: string; namespace?: string };
  regarding?: { kind?: string; name?: string; namespace?: string };
  reason?: string;
  message?: string;
  note?: string;
  type?: string;
  count?: number;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  deprecatedLastTimestamp?: string | null;
  series?: { count?: number; lastObservedTime?: string } | null;
}
