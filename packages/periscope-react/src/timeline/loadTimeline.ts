import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import { fetchPluginJson } from '../client';
import {
  TimelineDeployInput,
  TimelineHealthInput,
  TimelineSecurityInput,
  TimelineSource,
} from './model';

/**
 * What one source contributed: its data, or why it could not (so the others still show).
 * `not-installed`: the plugin's route answered 404 (its backend is not part of this portal);
 * `denied`: the user lacks the plugin's read permission (403);
 * `not-configured` / `not-annotated`: as in the plugin's own tab.
 * @public
 */
export type TimelineSourceState<T> =
  | {
      state: 'ok';
      data: T;
      errors: Array<{ cluster: string; message: string }>;
    }
  | { state: 'denied' | 'not-configured' | 'not-annotated' }
  | { state: 'not-installed' | 'error'; message: string };

/** @public */
export interface EntityTimelineData {
  health: TimelineSourceState<TimelineHealthInput>;
  security: TimelineSourceState<TimelineSecurityInput>;
  deploy: TimelineSourceState<TimelineDeployInput>;
}

interface Envelope {
  status?: 'ok' | 'not-configured' | 'not-annotated';
  errors?: Array<{ cluster: string; message: string }>;
}

/** Where each source's entity data lives (plugin id and route). */
const SOURCES: Record<TimelineSource, { pluginId: string; path: string }> = {
  health: { pluginId: 'k8s-diagnostics', path: '/entity' },
  security: { pluginId: 'runtime-security', path: '/entity' },
  deploy: { pluginId: 'module-deploy', path: '/entity/history' },
};

async function loadSource<T>(
  deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  source: TimelineSource,
  entityRef: string,
): Promise<TimelineSourceState<T>> {
  const { pluginId, path } = SOURCES[source];
  try {
    const body = await fetchPluginJson<T & Envelope>(
      deps,
      pluginId,
      `${path}?entityRef=${encodeURIComponent(entityRef)}`,
    );
    if (body.status === 'not-configured' || body.status === 'not-annotated')
      return { state: body.status };
    return { state: 'ok', data: body, errors: body.errors ?? [] };
  } catch (e) {
    // the backend's own message (which input, what is wrong) when it sent one
    const message =
      e instanceof ResponseError
        ? e.body?.error?.message || e.message
        : String(e);
    if (e instanceof ResponseError && e.response.status === 404)
      return { state: 'not-installed', message };
    if (e instanceof ResponseError && e.response.status === 403)
      return { state: 'denied' };
    return { state: 'error', message };
  }
}

/**
 * Loads the three sources of an entity's timeline in parallel; each failure stays with its source.
 * @public
 */
export async function loadEntityTimeline(
  deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  entityRef: string,
): Promise<EntityTimelineData> {
  const [health, security, deploy] = await Promise.all([
    loadSource<TimelineHealthInput>(deps, 'health', entityRef),
    loadSource<TimelineSecurityInput>(deps, 'security', entityRef),
    loadSource<TimelineDeployInput>(deps, 'deploy', entityRef),
  ]);
  return { health, security, deploy };
}
