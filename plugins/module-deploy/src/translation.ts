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
      refreshedAt:
        'As read from the clusters at {{time}}; refreshed in the background.',
      refreshFailed:
        'Could not refresh ({{message}}); showing the state read before.',
      more: 'Show more instances ({{shown}} of {{total}})',
      loadingMore: 'Loading…',
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
      formMode: 'Form',
      yamlMode: 'YAML',
      yamlHelp:
        "The values that differ from the module's defaults. A sensitive value shows as ••••; leaving it so keeps the current value.",
      commonSettings: 'Common settings',
      otherSettings: 'Other settings',
      setByPeriscope: 'Set by Periscope ({{fields}})',
      setByPeriscopeHelp:
        'instance name, namespace, versions and values derived from them',
      hasErrors: 'has errors',
      changeMessage: 'Change message (optional)',
      changeMessagePlaceholder:
        'Why you deploy, e.g. raise replicas for the sale (SHOP-12)',
      changeMessageHelp:
        'Shown in the history and the audit trail. {{length}}/{{max}}',
      yamlLive: 'live',
      yamlNotInCluster: '(not in the cluster)',
      yamlAfterDeploy: 'after deploy',
    },
    history: {
      title: 'History',
      subheader:
        'revisions kept in each cluster; select two to compare their values',
      empty: 'No revision yet: deploy once to start the history.',
      rollBackTo: 'Roll back to {{revision}}',
      sameValues: 'Same values.',
      rollback: 'Rollback',
      changeMessage: 'Change message',
      noChangeMessage: 'none',
      auditTrail: 'Audit trail',
      newer: 'Newer',
      older: 'Older',
      records: 'records {{from}}–{{to}}',
      noRecords: 'no records on this page',
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
