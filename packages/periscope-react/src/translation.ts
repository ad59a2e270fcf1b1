import { createTranslationRef } from '@backstage/frontend-plugin-api';

/**
 * The strings of the pieces the Periscope plugins share (the not-configured, not-annotated and
 * partial-error states, the entity timeline), English shipped.
 * @alpha
 */
export const periscopeReactTranslationRef = createTranslationRef({
  id: 'periscope-react',
  messages: {
    entityState: {
      notConfiguredTitle: '{{feature}} is not configured',
      notConfiguredDescription:
        "No Kubernetes cluster is configured for this portal. A platform engineer adds clusters once, in Backstage's standard kubernetes section of app-config.yaml:",
      notAnnotatedTitle: 'This entity is not linked to Kubernetes workloads',
      notAnnotatedDescription:
        'Add an annotation to its catalog-info.yaml so {{feature}} knows what to look at:',
    },
    clusterErrors: {
      title: '{{clusters}} cluster(s) could not be read; results are partial',
    },
    timeline: {
      title: 'Timeline',
      subheader:
        'deploys, health and security findings of the last {{days}} days',
      emptyTitle: 'Nothing happened',
      emptyDescription: 'No deploys and no findings in the last {{days}} days.',
    },
  },
});
