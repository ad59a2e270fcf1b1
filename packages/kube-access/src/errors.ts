/**
 * Why one cluster could not answer. Mirrors the Kubernetes plugin's `KubernetesErrorIndicator`:
 * partial failure is data, the other clusters still show.
 * @public
 */
export type ClusterErrorType =
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'TIMEOUT'
  | 'UNREACHABLE'
  | 'SYSTEM_ERROR';

/** @public */
export interface ClusterError {
  cluster: string;
  errorType: ClusterErrorType;
  statusCode?: number;
  message: string;
}

const NETWORK_CODES = [
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ECONNRESET',
  'ENETUNREACH',
  'EAI_AGAIN',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
];

function findCode(e: any): string | undefined {
  for (let cur = e, i = 0; cur && i < 5; cur = cur.cause, i++) {
    if (typeof cur.code === 'string') return cur.code;
    if (typeof cur.errno === 'string') return cur.errno;
  }
  return undefined;
}

/**
 * Turns anything `@kubernetes/client-node` (or fetch) throws into a typed per-cluster error
 * whose message says what to do.
 * @public
 */
export function classifyClusterError(
  cluster: string,
  e: unknown,
): ClusterError {
  const err = e as any;
  for (let cur = err, i = 0; cur && i < 5; cur = cur.cause, i++) {
    if (cur.name === 'ClusterCredentialError') {
      return {
        cluster,
        errorType: 'UNAUTHORIZED',
        message: String(cur.message),
      };
    }
  }
  const status: number | undefined =
    err?.code && typeof err.code === 'number'
      ? err.code
      : err?.statusCode ?? err?.response?.statusCode;
  if (
    err?.name === 'TimeoutError' ||
    err?.name === 'AbortError' ||
    err?.type === 'request-timeout'
  ) {
    return {
      cluster,
      errorType: 'TIMEOUT',
      message: `cluster '${cluster}' did not answer in time: check that its API server is up and reachable from the backend, or raise periscope.clusterTimeoutMs`,
    };
  }
  if (status === 401) {
    return {
      cluster,
      errorType: 'UNAUTHORIZED',
      statusCode: 401,
      message: `cluster '${cluster}' rejected the credentials (401): renew the cluster's credentials in the kubernetes config (serviceAccountToken, or the auth provider's), or sign in again when it uses your own token`,
    };
  }
  if (status === 403) {
    return {
      cluster,
      errorType: 'FORBIDDEN',
      statusCode: 403,
      message:
        `cluster '${cluster}' forbids this request (403): the identity it ran as (the backend's, or yours for clusters with client-side auth) lacks the RBAC role; for reads grant at least the 'view' ClusterRole. ${shortBody(
          err,
        )}`.trim(),
    };
  }
  if (status === 404) {
    return {
      cluster,
      errorType: 'NOT_FOUND',
      statusCode: 404,
      message:
        `cluster '${cluster}' does not serve this resource (404). ${shortBody(
          err,
        )}`.trim(),
    };
  }
  const code = findCode(err);
  if (code && NETWORK_CODES.includes(code)) {
    return {
      cluster,
      errorType: 'UNREACHABLE',
      message: `cluster '${cluster}' is unreachable (${code}): check its url and CA in the kubernetes config and that the API server is running`,
    };
  }
  if (
    /fetch failed|ECONNREFUSED|socket hang up|getaddrinfo/i.test(
      String(err?.message),
    )
  ) {
    return {
      cluster,
      errorType: 'UNREACHABLE',
      message: `cluster '${cluster}' is unreachable (${err.message}): check its url and that the API server is running`,
    };
  }
  return {
    cluster,
    errorType: 'SYSTEM_ERROR',
    statusCode: typeof status === 'number' ? status : undefined,
    message: `cluster '${cluster}' failed: ${err?.message ?? String(e)}`,
  };
}

function shortBody(err: any): string {
  const body = err?.body;
  if (!body) return '';
  try {
    const parsed = typeof body === 'string' ? JSON.parse(body) : body;
    return parsed?.message ? `API server said: ${parsed.message}` : '';
  } catch {
    return '';
  }
}

/**
 * Runs `fn` for every cluster in parallel with a timeout each; one failing cluster becomes a
 * typed error, the others still return.
 * @public
 */
export async function fanOutClusters<C extends { name: string }, T>(
  clusters: C[],
  fn: (cluster: C, signal: AbortSignal) => Promise<T>,
  options: { timeoutMs?: number } = {},
): Promise<{
  results: Array<{ cluster: string; value: T }>;
  errors: ClusterError[];
}> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const settled = await Promise.all(
    clusters.map(async cluster => {
      const ctrl = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          ctrl.abort();
          const te = new Error(`timed out after ${timeoutMs} ms`);
          te.name = 'TimeoutError';
          reject(te);
        }, timeoutMs);
      });
      try {
        const value = await Promise.race([fn(cluster, ctrl.signal), timeout]);
        return { ok: true as const, cluster: cluster.name, value };
      } catch (e) {
        return {
          ok: false as const,
          error: classifyClusterError(cluster.name, e),
        };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const results: Array<{ cluster: string; value: T }> = [];
  const errors: ClusterError[] = [];
  for (const s of settled) {
    if (s.ok) results.push({ cluster: s.cluster, value: s.value });
    else errors.push(s.error);
  }
  return { results, errors };
}
