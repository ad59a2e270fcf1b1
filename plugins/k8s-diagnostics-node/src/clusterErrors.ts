/**
 * The client's errors: {@link ClusterRequestError}, and the messages that say what to fix for an
 * error status (401, 403 with the role to grant), a TLS failure, a timeout or an unreachable server.
 */

/**
 * A failed request to the API server, with a message that says what to do.
 *
 * @public
 */
export class ClusterRequestError extends Error {
  readonly status?: number;
  readonly code?: string;
  constructor(
    message: string,
    opts: { status?: number; code?: string; cause?: unknown } = {},
  ) {
    super(
      message,
      opts.cause === undefined ? undefined : { cause: opts.cause },
    );
    this.name = 'ClusterRequestError';
    this.status = opts.status;
    this.code = opts.code;
  }
}

/** The cluster a request went to, for messages. */
export interface ClusterNames {
  readonly server: string;
  readonly context: string;
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

function statusMessage(body: string): string {
  try {
    const parsed = JSON.parse(body);
    if (parsed && typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not a Status object
  }
  return body.slice(0, 200).trim();
}

/**
 * Which role gives read access to what a path lists: the built-in `view` ClusterRole covers the
 * namespaced kinds except Secrets, not the cluster-scoped ones (IngressClasses, Nodes...).
 */
function grantHint(path: string): string {
  const resource = path.split('?')[0].split('/').filter(Boolean).pop() ?? '';
  if (path.includes('/namespaces/') && resource !== 'secrets')
    return "for example the 'view' ClusterRole";
  return `a ClusterRole with get/list on ${resource}, bound with a ClusterRoleBinding: the 'view' ClusterRole does not include it`;
}

export function httpError(
  http_: ClusterNames,
  path: string,
  status: number,
  body: string,
): ClusterRequestError {
  const said = statusMessage(body);
  if (status === 401) {
    return new ClusterRequestError(
      `the cluster at ${http_.server} rejected the credentials of context '${http_.context}' (401 Unauthorized): ` +
        `refresh the token or client certificate in the kubeconfig`,
      { status },
    );
  }
  if (status === 403) {
    return new ClusterRequestError(
      `forbidden (403) to read ${path}: ${said}. Grant the user of context '${http_.context}' get/list on it ` +
        `(${grantHint(path)})`,
      { status },
    );
  }
  return new ClusterRequestError(
    `GET ${path} failed with HTTP ${status}: ${said}`,
    { status },
  );
}

export function networkError(
  http_: ClusterNames,
  e: NodeJS.ErrnoException,
  timeoutMs: number,
): ClusterRequestError {
  const code = e.code ?? '';
  if (code === 'ETIMEDOUT_PERISCOPE') {
    return new ClusterRequestError(
      `the cluster at ${http_.server} did not answer within ${
        timeoutMs / 1000
      }s: check that its API server is up`,
      { code: 'ETIMEDOUT' },
    );
  }
  if (TLS_CODES.has(code)) {
    return new ClusterRequestError(
      `TLS verification of ${http_.server} failed (${code}): check certificate-authority-data of the cluster ` +
        `in the kubeconfig`,
      { code },
    );
  }
  return new ClusterRequestError(
    `cannot reach the cluster at ${http_.server} (context '${
      http_.context
    }'): ${code || e.message}. ` +
      `Is the API server running, and is this the right kubeconfig and context?`,
    { code },
  );
}

export function timeoutError(): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error('timeout');
  e.code = 'ETIMEDOUT_PERISCOPE';
  return e;
}
