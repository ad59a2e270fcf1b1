import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import {
  InputError,
  NotAllowedError,
  NotFoundError,
  ResponseError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type {
  DeployStreamEvent,
  PreviewResult,
} from '@periscope/backstage-plugin-module-deploy-common';

/** The backend's own message, with the matching error type. */
async function backendError(res: Response): Promise<Error> {
  const e = await ResponseError.fromResponse(res as any);
  const msg = `module-deploy: ${e.body?.error?.message ?? e.message}`;
  if (res.status === 400) return new InputError(msg);
  if (res.status === 401 || res.status === 403) return new NotAllowedError(msg);
  if (res.status === 404) return new NotFoundError(msg);
  return new ServiceUnavailableError(`${msg} (HTTP ${res.status})`);
}

/** What the actions send to the module-deploy backend (`POST /instances/preview|deploy`). */
export interface InstanceRequest {
  module: string;
  instanceName: string;
  namespace: string;
  clusters?: string[];
  entityRef?: string;
  values?: Record<string, unknown>;
}

/** What the deploy action sends (`POST /instances/deploy`): also why it deploys. */
export interface DeployRequest extends InstanceRequest {
  /** Kept with the revision and in the audit trail (at most 500 characters). */
  changeMessage?: string;
}

/** Calls the module-deploy backend on behalf of the task's initiator, so its permissions and audit apply. */
export class ModuleDeployClient {
  constructor(
    private readonly deps: { discovery: DiscoveryService; auth: AuthService },
  ) {}

  private async post(
    path: string,
    body: InstanceRequest | DeployRequest,
    credentials: BackstageCredentials,
  ): Promise<Response> {
    const base = await this.deps.discovery.getBaseUrl('module-deploy');
    const { token } = await this.deps.auth.getPluginRequestToken({
      onBehalfOf: credentials,
      targetPluginId: 'module-deploy',
    });
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${token}`,
      },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw await backendError(res);
    return res;
  }

  async preview(
    body: InstanceRequest,
    credentials: BackstageCredentials,
  ): Promise<PreviewResult> {
    // JSON.parse of the text rather than res.json(): the objects then belong to this realm (matters under Jest's VM)
    return JSON.parse(
      await (await this.post('/instances/preview', body, credentials)).text(),
    ) as PreviewResult;
  }

  async deploy(
    body: DeployRequest,
    credentials: BackstageCredentials,
    onEvent: (e: DeployStreamEvent) => void,
  ): Promise<Extract<DeployStreamEvent, { type: 'done' }>> {
    const res = await this.post('/instances/deploy', body, credentials);
    const text = res.body ? res.body : undefined;
    let last: DeployStreamEvent | undefined;
    let buffer = '';
    const emit = (line: string) => {
      if (!line.trim()) return;
      last = JSON.parse(line) as DeployStreamEvent;
      onEvent(last);
    };
    if (text) {
      const decoder = new TextDecoder();
      for await (const chunk of text as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        lines.forEach(emit);
      }
    }
    emit(buffer);
    if (!last || last.type !== 'done')
      throw new Error(
        'the module-deploy stream ended before the deploy finished; check the Deploy tab for the state',
      );
    return last;
  }
}
