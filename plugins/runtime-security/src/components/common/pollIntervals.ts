/**
 * How often an entity's Security view is asked again while shown (`usePolledAsync` of
 * `@periscope/periscope-react`): the backend answers from the ingested findings (an unchanged
 * answer is a 304 by its ETag), so every 30 s is cheap.
 */
export const SECURITY_POLL_MS = 30_000;
