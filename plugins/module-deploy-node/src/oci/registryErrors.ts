/** Registry errors: the registry's own explanation, time-outs, unreachable hosts, refused answers and what to do about each. */
import { REGISTRY_LIMIT_KEYS, registryTimeoutMs } from './registryOptions';
import {
  RegistryContext,
  RegistryRequest,
  RegistryResponse,
} from './registryTypes';

/** The registry's own explanation (`{"errors":[{"code","message","detail"}]}`), if it sent one. */
export function registryErrorText(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as {
      errors?: { code?: string; message?: string; detail?: unknown }[];
    };
    const parts = (parsed.errors ?? []).map(e => {
      const detail =
        e.detail === undefined || e.detail === null
          ? ''
          : ` (${
              typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail)
            })`;
      return `${e.code ?? 'ERROR'}: ${e.message ?? ''}${detail}`;
    });
    return parts.join('; ');
  } catch {
    return '';
  }
}

/** Whether an error is (or was caused by) an AbortSignal time-out. */
export function isTimeout(e: unknown): boolean {
  const name = (e as { name?: string })?.name;
  const causeName = (e as { cause?: { name?: string } })?.cause?.name;
  return name === 'TimeoutError' || causeName === 'TimeoutError';
}

/** A byte count for messages: whole MiB as `N MiB`, anything else in bytes. */
export function mib(bytes: number): string {
  return bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0
    ? `${bytes / 1024 / 1024} MiB`
    : `${bytes} bytes`;
}

/**
 * How to give credentials for a host, for error messages: the backend config and the CLI.
 *
 * @public
 */
export function credentialsHint(host: string): string {
  return `give credentials for ${host}: in the backend a moduleDeploy.registries entry { host: '${host}', username, password } (or token); for the periscope CLI an entry in its registry config file (--registry-config, $PERISCOPE_REGISTRY_CONFIG or ~/.config/periscope/registries.yaml), or for a push PERISCOPE_REGISTRY_USERNAME and PERISCOPE_REGISTRY_PASSWORD (or PERISCOPE_REGISTRY_TOKEN)`;
}

/** The error of a request (or an answer body) that ran past the time limit. */
export function timeoutError(
  c: RegistryContext,
  subject: string,
  url: string,
): Error {
  return new Error(
    `${c.what}: the registry at ${
      new URL(url).host
    } did not finish ${subject} within ${registryTimeoutMs(
      c.opts,
    )} ms; check that the registry is healthy, or raise ${
      REGISTRY_LIMIT_KEYS.timeoutMs
    }`,
  );
}

/** The error of a request that got no answer (a time-out, a refused connection, a wrong host). */
export function unreachable(
  c: RegistryContext,
  e: unknown,
  url: string,
): Error {
  if (isTimeout(e)) return timeoutError(c, `answering ${url}`, url);
  const cause = (e as { cause?: { message?: string } }).cause?.message;
  return new Error(
    `${c.what}: cannot reach the registry at ${
      url.startsWith(c.origin) ? c.base : new URL(url).origin
    } (${(e as Error).message}${
      cause ? `: ${cause}` : ''
    }); is it running, and is the host right?`,
  );
}

/** The error of an answer whose status the request did not expect. */
export function failure(
  c: RegistryContext,
  req: RegistryRequest,
  res: RegistryResponse,
): Error {
  const op = `${req.method ?? 'GET'} ${req.path.replace(/\?.*$/, '')}`;
  const why = registryErrorText(res.body);
  if (res.status === 404 && (req.method ?? 'GET') === 'GET')
    return new Error(
      req.path.startsWith('/tags/list')
        ? `${c.what}: the repository does not exist in the registry; push a version first, or fix the oci:// reference`
        : `${c.what}: not found in the registry (${req.path})`,
    );
  if (res.status === 401)
    return new Error(
      `${c.what}: the registry ${c.host} refused ${
        c.auth.kind === 'anonymous' ? 'anonymous access' : c.auth.source
      } (HTTP 401 for ${op})${why ? `: ${why}` : ''}; ${
        c.auth.kind === 'anonymous' ? credentialsHint(c.host) : 'check them'
      }`,
    );
  if (res.status === 403)
    return new Error(
      `${c.what}: access denied (HTTP 403 for ${op})${
        why ? `: ${why}` : ''
      }; the credentials lack the permission for this repository`,
    );
  if (res.status >= 300 && res.status < 400)
    return new Error(
      `${c.what}: the registry answered ${op} with a redirect (HTTP ${res.status}) that is not followed for this request; check the registry host`,
    );
  return new Error(
    `${c.what}: registry answered HTTP ${res.status} for ${op}${
      why ? `: ${why}` : ''
    }`,
  );
}
