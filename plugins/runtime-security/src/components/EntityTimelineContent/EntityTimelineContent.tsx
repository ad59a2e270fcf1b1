import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { EntityTimeline } from '@periscope/periscope-react';

/**
 * The entity "Timeline" tab: deploys (module-deploy), health findings (k8s-diagnostics) and
 * runtime-security findings on one time axis. Sources whose plugin is not installed or not
 * permitted show a notice; the others still show.
 * @public
 */
export function EntityTimelineContent() {
  const { entity } = useEntity();
  return <EntityTimeline entityRef={stringifyEntityRef(entity)} />;
}
