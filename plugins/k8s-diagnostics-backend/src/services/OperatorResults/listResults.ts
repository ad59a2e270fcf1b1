import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { parseOperatorResult } from './parse';
import { OperatorResult, OperatorResultList, RESULT_RESOURCE } from './types';

const PAGE = 500;

/** The Status code of a client-node ApiException, if the API server answered. */
function statusOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Rejects after `ms` with a TimeoutError (kube-access classifies it as TIMEOUT). */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const e = new Error(
        `listing k8sgpt-operator Results timed out after ${ms} ms`,
      );
      e.name = 'TimeoutError';
      reject(e);
    }, ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Lists every k8sgpt-operator Result of one cluster (all namespaces, paged) and checks each.
 * A cluster without the CRD answers 404: that is "no operator here", not an error. Any other
 * failure (401, 403, timeout, unreachable) is thrown for the caller to classify per cluster.
 */
export async function listOperatorResults(
  kc: KubeConfig,
  options: {
    timeoutMs: number;
    namespace?: string;
    resource?: typeof RESULT_RESOURCE;
    /** Results per list request (default 500). */
    pageSize?: number;
  },
): Promise<OperatorResultList> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const resource = options.resource ?? RESULT_RESOURCE;
  const items: unknown[] = [];
  let next: string | undefined;
  const deadline = Date.now() + options.timeoutMs;
  do {
    let page: {
      items?: unknown[];
      metadata?: { _continue?: string; continue?: string };
    };
    try {
      page = await withTimeout(
        api.listClusterCustomObject({
          ...resource,
          limit: options.pageSize ?? PAGE,
          _continue: next,
        }),
        Math.max(1, deadline - Date.now()),
      );
    } catch (e) {
      if (statusOf(e) === 404)
        return { installed: false, results: [], warnings: [] };
      throw e;
    }
    items.push(...(Array.isArray(page?.items) ? page.items : []));
    next = page?.metadata?._continue ?? page?.metadata?.continue ?? undefined;
  } while (next);
  const results: OperatorResult[] = [];
  const warnings: string[] = [];
  for (const item of items) {
    const r = parseOperatorResult(item);
    if (typeof r === 'string') warnings.push(r);
    else if (!options.namespace || r.object.namespace === options.namespace)
      results.push(r);
  }
  return { installed: true, results, warnings };
}
