import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  DeployEvent,
  JsonObject,
  ModuleReference,
  ObjectDiff,
  ValuesIssue,
  ValuesJsonSchema,
} from '@periscope/backstage-plugin-module-deploy-common';
import {
  fetchPluginJson,
  PeriscopeEntityEnvelope,
} from '@periscope/periscope-react';

/** Mirrors the backend's types (plugins/module-deploy-backend/src/types.ts). @public */
export interface DeployTarget {
  entityRef: string;
  module: string;
  source: string;
  instanceName: string;
  namespace: string;
  clusters: string[];
}

/** @public */
export interface InstanceState {
  cluster: string;
  namespace: string;
  name: string;
  deployed: boolean;
  module?: ModuleReference;
  lastTransitionTime?: string;
  revision?: number;
  health: 'healthy' | 'progressing' | 'degraded' | 'unknown';
  objects: Array<{ ref: string; state: string; message: string }>;
  drift?: {
    checkedAt: string;
    drifted: boolean;
    objects: ObjectDiff[];
    error?: string;
  };
  lastOperation?: {
    action: string;
    actor: string;
    at: string;
    result: 'success' | 'failure';
    revision?: number;
    message?: string;
  };
}

/** GET /entity. @public */
export interface EntityDeployState extends PeriscopeEntityEnvelope {
  entityRef: string;
  target?: DeployTarget;
  instances: InstanceState[];
}

/** GET /entity/schema. @public */
export interface EntitySchema {
  entityRef: string;
  status: PeriscopeEntityEnvelope['status'];
  target?: DeployTarget;
  schema?: ValuesJsonSchema;
  values?: JsonObject;
  valuesFrom?: { cluster: string; revision: number } | 'defaults';
}

/** POST /entity/preview. @public */
export interface PreviewResult {
  status: PeriscopeEntityEnvelope['status'];
  valid: boolean;
  issues: ValuesIssue[];
  rendered: string[];
  clusters: Array<{ cluster: string; objects: ObjectDiff[] }>;
  errors: NonNullable<PeriscopeEntityEnvelope['errors']>;
}

/** @public */
export interface ClusterResult {
  cluster: string;
  status: 'healthy' | 'deleted' | 'failed' | 'skipped';
  revision?: number;
  message?: string;
}

/** One line of a deploy, rollback or delete stream. @public */
export type DeployStreamEvent =
  | {
      type: 'start';
      action: string;
      instanceName: string;
      namespace: string;
      clusters: string[];
    }
  | { type: 'invalid'; message: string; issues: ValuesIssue[] }
  | {
      type: 'cluster';
      cluster: string;
      status: 'started' | ClusterResult['status'];
      revision?: number;
      message?: string;
    }
  | { type: 'step'; cluster: string; event: DeployEvent }
  | { type: 'done'; ok: boolean; results: ClusterResult[]; error?: string };

/** @public */
export interface RevisionInfo {
  cluster: string;
  revision: number;
  appliedAt: string;
  action: 'apply' | 'rollback';
  module: ModuleReference;
  values: JsonObject;
  objects: string[];
  actor?: string;
  current: boolean;
}

/** @public */
export interface EntityHistory {
  entityRef: string;
  status: PeriscopeEntityEnvelope['status'];
  revisions: RevisionInfo[];
  audit: Array<{
    at: string;
    actor: string;
    cluster: string;
    action: string;
    revision?: number;
    result: string;
    message?: string;
  }>;
  errors: NonNullable<PeriscopeEntityEnvelope['errors']>;
}

/** GET /modules. @public */
export interface ModuleInfo {
  name: string;
  title?: string;
  description?: string;
  kind: 'local' | 'oci';
  location: string;
  moduleName?: string;
  versions: string[];
  schema?: ValuesJsonSchema;
  error?: string;
}

/** @public */
export type StreamListener = (event: DeployStreamEvent) => void;

/** @public */
export interface ModuleDeployApi {
  getEntity(entityRef: string): Promise<EntityDeployState>;
  getSchema(entityRef: string): Promise<EntitySchema>;
  preview(entityRef: string, values: JsonObject): Promise<PreviewResult>;
  /** Resolves with the final `done` event; `onEvent` sees every event as it arrives. */
  deploy(
    entityRef: string,
    values: JsonObject,
    onEvent: StreamListener,
  ): Promise<DeployStreamEvent>;
  getHistory(entityRef: string): Promise<EntityHistory>;
  rollback(
    entityRef: string,
    body: { revision: number; cluster?: string },
    onEvent: StreamListener,
  ): Promise<DeployStreamEvent>;
  deleteInstance(
    entityRef: string,
    confirm: string,
    onEvent: StreamListener,
  ): Promise<DeployStreamEvent>;
  listModules(): Promise<{ modules: ModuleInfo[] }>;
}

/** @public */
export const moduleDeployApiRef = createApiRef<ModuleDeployApi>({
  id: 'plugin.module-deploy.api',
});

/** Reads an NDJSON body line by line. */
export async function readNdjson(
  body: ReadableStream<Uint8Array> | null,
  onEvent: StreamListener,
): Promise<DeployStreamEvent> {
  if (!body) throw new Error('the deploy stream had no body');
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let last: DeployStreamEvent | undefined;
  const emit = (line: string) => {
    if (!line.trim()) return;
    last = JSON.parse(line) as DeployStreamEvent;
    onEvent(last);
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    lines.forEach(emit);
  }
  emit(buffer);
  if (!last || last.type !== 'done')
    throw new Error(
      'the deploy stream ended before the operation finished; reload to see the current state',
    );
  return last;
}

/** @public */
export class ModuleDeployClient implements ModuleDeployApi {
  constructor(
    private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {}

  private q(entityRef: string) {
    return `?entityRef=${encodeURIComponent(entityRef)}`;
  }

  private json<T>(path: string, body?: object): Promise<T> {
    return fetchPluginJson<T>(
      this.deps,
      'module-deploy',
      path,
      body
        ? {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(body),
          }
        : undefined,
    );
  }

  private async stream(
    path: string,
    body: object,
    onEvent: StreamListener,
  ): Promise<DeployStreamEvent> {
    const base = await this.deps.discoveryApi.getBaseUrl('module-deploy');
    const res = await this.deps.fetchApi.fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return readNdjson(res.body, onEvent);
  }

  getEntity(entityRef: string) {
    return this.json<EntityDeployState>(`/entity${this.q(entityRef)}`);
  }
  getSchema(entityRef: string) {
    return this.json<EntitySchema>(`/entity/schema${this.q(entityRef)}`);
  }
  preview(entityRef: string, values: JsonObject) {
    return this.json<PreviewResult>(`/entity/preview${this.q(entityRef)}`, {
      values,
    });
  }
  deploy(entityRef: string, values: JsonObject, onEvent: StreamListener) {
    return this.stream(
      `/entity/deploy${this.q(entityRef)}`,
      { values },
      onEvent,
    );
  }
  getHistory(entityRef: string) {
    return this.json<EntityHistory>(`/entity/history${this.q(entityRef)}`);
  }
  rollback(
    entityRef: string,
    body: { revision: number; cluster?: string },
    onEvent: StreamListener,
  ) {
    return this.stream(`/entity/rollback${this.q(entityRef)}`, body, onEvent);
  }
  deleteInstance(entityRef: string, confirm: string, onEvent: StreamListener) {
    return this.stream(
      `/entity/delete${this.q(entityRef)}`,
      { confirm },
      onEvent,
    );
  }
  listModules() {
    return this.json<{ modules: ModuleInfo[] }>('/modules');
  }
}
