import type { EntityHealthResponse } from '../../api';

/**
 * How often an entity's Health is asked again while shown (`usePolledAsync` of
 * `@periscope/periscope-react`): every minute (the backend serves the stored scan, so this is
 * cheap), every 5 s while the backend says a newer scan is running.
 */
export function healthPollMs(value: EntityHealthResponse | undefined): number {
  return value?.refreshing ? 5_000 : 60_000;
}
