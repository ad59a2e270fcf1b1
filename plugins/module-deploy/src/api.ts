import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  DeployStreamEvent,
  EntityDeployState,
  EntityDriftCheck,
  EntityHistory,
  EntitySchema,
  JsonObject,
  ModuleInfo,
  PreviewResult,
} from '@periscope/backstage-plugin-module-deploy-common';
import {
  fetchPluginJson,
  KubernetesUserAuth,
  readNdjsonLines,
  withUserClusterAuth,
} from '@periscope/periscope-react';

/**
 * The wire types live in the common package, shared with the backend; the names the frontend
 * has always exported stay available.
 */
export type {
  ClusterDrift,
  ClusterResult,
  DeployStreamEvent,
  DeployTarget,
  EntityDeployState,
  EntityDriftCheck,
  EntityHistory,
  EntitySchema,
  InstanceState,
  ModuleInfo,
  PreviewResult,
  RevisionInfo,
} from '@periscope/backstage-plugin-module-deploy-common';

/** @public */
export type StreamListener = (event: DeployStreamEvent) => void;

/** @public */
export interface ModuleDeployApi {
  /**
   * The entity's instances as the backend stored them: one page of its target clusters
   * (`limit` instances after `offset`; default the first 50), `nextOffset` when more follow.
   */
  getEntity(
    entityRef: string,
    page?: { limit?: number; offset?: number },
  ): Promise<EntityDeployState>;
  getSchema(entityRef: string): Promise<EntitySchema>;
  preview(entityRef: string, values: JsonObject): Promise<PreviewResult>;
  /**
   * Resolves with the final `done` event; `onEvent` sees every event as it arrives.
   * `changeMessage`: why, stored with the revision and in the audit trail.
   */
  deploy(
    entityRef: string,
    values: JsonObject,
    onEvent: StreamListener,
    opts?: { changeMessage?: string },
  ): Promise<DeployStreamEvent>;
  /** The revisions and one page of the audit trail (`limit` records after the newest `offset`). */
  getHistory(
    entityRef: string,
    page?: { limit?: number; offset?: number },
  ): Promise<EntityHistory>;
  /** Runs a drift check now (dry run against the last revision), in every target cluster or `cluster`. */
  checkDrift(entityRef: string, cluster?: string): Promise<EntityDriftCheck>;
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

/**
 * Reads an NDJSON body line by line.
 * @public
 */
export async function readNdjson(
  body: ReadableStream<Uint8Array> | null,
  onEvent: StreamListener,
): Promise<DeployStreamEvent> {
  if (!body) throw new Error('the deploy stream had no body');
  let last: DeployStreamEvent | undefined;
  for await (const event of readNdjsonLines<DeployStreamEvent>(body)) {
    last = event;
    onEvent(event);
  }
  if (!last || last.type !== 'done')
    throw new Error(
      'the deploy stream ended before the operation finished; reload to see the current state',
    );
  return last;
}

/** `&limit=…&offset=…` for the parameters given (offset 0 left out). */
function pageQuery(page: { limit?: number; offset?: number }): string {
  return [
    page.limit !== undefined ? `&limit=${page.limit}` : '',
    page.offset ? `&offset=${page.offset}` : '',
  ].join('');
}

/** @public */
export class ModuleDeployClient implements ModuleDeployApi {
  /** `userAuth`: sends the signed-in user's Kubernetes tokens for clusters with client-side auth. */
  constructor(
    private readonly deps: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
      userAuth?: KubernetesUserAuth;
    },
  ) {}

  private q(entityRef: string) {
    return `?entityRef=${encodeURIComponent(entityRef)}`;
  }

  /** The clusters of the entity in the path (`?entityRef=`); none for the other routes. */
  private clusterAuth(path: string) {
    const at = path.indexOf('?entityRef=');
    if (at < 0) return undefined;
    return {
      userAuth: this.deps.userAuth,
      clustersPath: `/clusters${path.slice(at).split('&')[0]}`,
    };
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
      this.clusterAuth(path),
    );
  }

  private async stream(
    path: string,
    body: object,
    onEvent: StreamListener,
  ): Promise<DeployStreamEvent> {
    const base = await this.deps.discoveryApi.getBaseUrl('module-deploy');
    const init = await withUserClusterAuth(
      'module-deploy',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      },
      this.clusterAuth(path),
    );
    const res = await this.deps.fetchApi.fetch(`${base}${path}`, init);
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return readNdjson(res.body, onEvent);
  }

  getEntity(entityRef: string, page: { limit?: number; offset?: number } = {}) {
    return this.json<EntityDeployState>(
      `/entity${this.q(entityRef)}${pageQuery(page)}`,
    );
  }
  getSchema(entityRef: string) {
    return this.json<EntitySchema>(`/entity/schema${this.q(entityRef)}`);
  }
  preview(entityRef: string, values: JsonObject) {
    return this.json<PreviewResult>(`/entity/preview${this.q(entityRef)}`, {
      values,
    });
  }
  deploy(
    entityRef: string,
    values: JsonObject,
    onEvent: StreamListener,
    opts: { changeMessage?: string } = {},
  ) {
    return this.stream(
      `/entity/deploy${this.q(entityRef)}`,
      opts.changeMessage
        ? { values, changeMessage: opts.changeMessage }
        : { values },
      onEvent,
    );
  }
  getHistory(
    entityRef: string,
    page: { limit?: number; offset?: number } = {},
  ) {
    return this.json<EntityHistory>(
      `/entity/history${this.q(entityRef)}${pageQuery(page)}`,
    );
  }
  checkDrift(entityRef: string, cluster?: string) {
    return this.json<EntityDriftCheck>(
      `/entity/drift${this.q(entityRef)}`,
      cluster ? { cluster } : {},
    );
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
