import { createTranslationRef } from '@backstage/frontend-plugin-api';

/**
 * The strings of Periscope Deploy, English shipped. An app translates or rewords them with a
 * translation resource for this ref (`TranslationBlueprint`, or `__experimentalTranslations` in a
 * legacy app).
 * @alpha
 */
export const moduleDeployTranslationRef = createTranslationRef({
  id: 'plugin.module-deploy',
  messages: {
    feature: 'Deploy',
    instances: {
      title: 'Instances',
      checkDrift: 'Check drift now',
      checkingDrift: 'Checking drift…',
      notDeployed:
        "Not deployed yet: no instance '{{instance}}' exists in any target cluster.",
    },
    values: {
      title: 'Values',
      defaults: 'module defaults (nothing deployed yet)',
      current: 'current values: revision {{revision}} in {{cluster}}',
      readOnly: 'Read-only: you may preview changes. {{reason}}',
      preview: 'Preview',
      deploy: 'Deploy',
      rejected: 'The module rejected these values:',
      noCluster: 'Renders {{objects}} object(s); no cluster to diff against.',
    },
    history: {
      title: 'History',
      subheader:
        'revisions kept in each cluster; select two to compare their values',
      empty: 'No revision yet: deploy once to start the history.',
      rollBackTo: 'Roll back to {{revision}}',
      sameValues: 'Same values.',
      rollback: 'Rollback',
    },
    delete: {
      title: 'Delete',
      button: 'Delete instance {{instance}}',
      confirmLabel: 'Type {{instance}} to confirm',
      cancel: 'Cancel',
      confirm: 'Delete',
    },
    progress: {
      inProgress: 'In progress…',
    },
    modulesPage: {
      title: 'Timoni modules that services deploy from the portal',
      tableTitle: 'Modules',
      emptyTitle: 'No modules configured',
      emptyDescription:
        'A platform engineer lists the Timoni modules developers may deploy in app-config.yaml:',
      createComponent: 'Create a service',
    },
  },
});
