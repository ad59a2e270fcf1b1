/**
 * Raised when the cluster refuses or fails an operation on one object; names the object.
 *
 * @public
 */
export class DeployError extends Error {
  constructor(
    readonly object: string,
    readonly reason:
      | 'conflict'
      | 'forbidden'
      | 'invalid'
      | 'not-found'
      | 'timeout'
      | 'failed'
      | 'error',
    message: string,
  ) {
    super(`${object}: ${message}`);
    this.name = 'DeployError';
  }
}

interface StatusBody {
  message?: string;
  reason?: string;
}

function parseBody(body: unknown): StatusBody {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  return (body ?? {}) as StatusBody;
}

/** The HTTP status of a client-node ApiException, if it is one. */
export function httpStatus(e: unknown): number | undefined {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Turns a Kubernetes API failure into a {@link DeployError} naming the object and what to do.
 *
 * @public
 */
export function toDeployError(
  object: string,
  verb: string,
  e: unknown,
): DeployError {
  const status = httpStatus(e);
  const body = parseBody((e as { body?: unknown })?.body);
  const msg = body.message ?? (e as Error)?.message ?? String(e);
  switch (status) {
    case 409:
      return new DeployError(
        object,
        'conflict',
        `${verb} conflict: ${msg} (another field manager owns these fields; re-run with force, or remove the other owner)`,
      );
    case 403:
      return new DeployError(
        object,
        'forbidden',
        /admission webhook|denied the request/.test(msg)
          ? `${verb} rejected by admission: ${msg}`
          : `${verb} forbidden: ${msg} (grant the deploying identity RBAC for this kind and namespace)`,
      );
    case 400:
    case 422:
      return new DeployError(
        object,
        'invalid',
        `${verb} rejected by the API server: ${msg}`,
      );
    case 404:
      return new DeployError(
        object,
        'not-found',
        `${verb} failed, not found: ${msg} (is the namespace or the CRD missing?)`,
      );
    default:
      return new DeployError(
        object,
        'error',
        `${verb} failed${status ? ` (HTTP ${status})` : ''}: ${msg}`,
      );
  }
}
