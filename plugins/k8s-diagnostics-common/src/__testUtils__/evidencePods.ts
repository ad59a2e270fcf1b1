/** Pods for the evidence tests: one container `app` (and optionally an init container `migrate`). */
import { KubeObject } from '../model';

/** A pod in namespace shop with container `app` (busybox), its status, and optionally `migrate`. */
export function pod(
  name: string,
  container: Record<string, unknown>,
  status: Record<string, unknown>,
  extra: {
    init?: Record<string, unknown>;
    initStatus?: Record<string, unknown>;
    phase?: string;
  } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'shop',
      creationTimestamp: '2026-12-01T10:00:00Z',
    },
    spec: {
      containers: [{ name: 'app', image: 'busybox:1.36', ...container }],
      ...(extra.init
        ? {
            initContainers: [
              { name: 'migrate', image: 'busybox:1.36', ...extra.init },
            ],
          }
        : {}),
      nodeName: 'node-1',
    },
    status: {
      phase: extra.phase ?? 'Running',
      containerStatuses: [
        { name: 'app', ready: false, restartCount: 0, ...status },
      ],
      ...(extra.initStatus
        ? {
            initContainerStatuses: [
              { name: 'migrate', ready: false, ...extra.initStatus },
            ],
          }
        : {}),
    },
  };
}
