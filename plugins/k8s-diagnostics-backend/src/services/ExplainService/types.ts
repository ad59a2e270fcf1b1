import { BackstageCredentials } from '@backstage/backend-plugin-api';
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
  }): Promise<ExplainResult>;
}
