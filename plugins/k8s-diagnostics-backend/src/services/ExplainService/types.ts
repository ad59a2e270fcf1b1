import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { KubernetesRequestAuth } from '@backstage/plugin-kubernetes-common';
import { ExplainChunk, ExplainResult } from '../../types';

/**
 * Explains findings: through the configured LLM (masked, cached, budgeted, streamed) or, with
 * none configured, from the built-in remediation catalog.
 * @public
 */
export interface ExplainService {
  /**
   * Streams the explanation of one finding of an entity through `onChunk` (deltas, then one
   * `done`) and returns the final result. Errors before the first chunk are thrown as
   * `@backstage/errors` types (404 unknown finding, 429 budget spent, 503 provider failure).
   */
  explain(options: {
    entityRef: string;
    findingId: string;
    credentials: BackstageCredentials;
    onChunk?: (chunk: ExplainChunk) => void;
    /**
     * The signed-in user's Kubernetes tokens, for clusters with client-side auth: with
     * `k8sDiagnostics.ai.maskReferencedSecrets` the referenced Secrets are read with them.
     */
    requestAuth?: KubernetesRequestAuth;
  }): Promise<ExplainResult>;
}
