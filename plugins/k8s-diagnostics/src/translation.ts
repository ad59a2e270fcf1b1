import { createTranslationRef } from '@backstage/frontend-plugin-api';

/**
 * The strings of Periscope Health, English shipped. An app translates or rewords them with a
 * translation resource for this ref (`TranslationBlueprint`, or `__experimentalTranslations` in a
 * legacy app).
 * @alpha
 */
export const k8sDiagnosticsTranslationRef = createTranslationRef({
  id: 'plugin.k8s-diagnostics',
  messages: {
    feature: 'Health',
    entityContent: {
      summaryTitle: 'Health',
      lastScan: 'last scan {{time}}',
      staleRefreshing:
        'last scan {{time}}; a newer scan is running and shows here when it is done',
      notScanned: 'not scanned yet',
      rescan: 'Rescan',
      scanning: 'Scanning…',
      allHealthy: "All healthy: no problems found in this entity's workloads.",
      historyTitle: 'History',
      historySubheader: 'open findings per scan',
      resolvedTitle: 'Recently resolved',
      resolvedSubheader: 'last 7 days',
      workloadsTitle: 'Workloads',
      noWorkloads:
        "No workloads match this entity's selector in any configured cluster.",
      relatedEvents: 'Related events',
      groupSubheader: '{{findings}} finding(s), worst: {{severity}}',
      openInDashboard: 'Open in dashboard',
      clientSideClusters:
        'Read with your own Kubernetes credentials: {{clusters}}. Scheduled scans skip these clusters; Rescan to refresh their findings.',
    },
    columns: {
      cluster: 'Cluster',
      namespace: 'Namespace',
      kind: 'Kind',
      name: 'Name',
      ready: 'Ready / phase',
      severity: 'Severity',
      workload: 'Workload',
      problem: 'Problem',
      since: 'Since',
    },
    entityCard: {
      title: 'Kubernetes health',
      deepLink: 'Open the Health tab',
      notConfigured:
        'Health is not configured: no Kubernetes cluster is set up for this portal.',
      notAnnotated:
        'This entity is not linked to Kubernetes workloads (add backstage.io/kubernetes-id).',
      partial:
        '{{clusters}} cluster(s) could not be read; results are partial.',
      allHealthy: 'All healthy.',
    },
    overviewPage: {
      title: 'Kubernetes health overview',
      notConfiguredTitle: 'Health is not configured',
      notConfiguredDescription:
        'No Kubernetes cluster is configured for this portal: add clusters to the kubernetes section of app-config.yaml.',
      noFindings: 'All healthy: no findings match these filters.',
      findingsTitle: '{{findings}} finding(s)',
      filterAll: 'All',
      securityLink: 'Runtime security findings',
    },
    explain: {
      button: 'Explain',
      failed: 'Explanation failed: {{message}}',
      fromCatalog: 'Built-in remediation guide (no AI configured)',
      fromModel: 'AI explanation ({{model}})',
      fromModelCached: 'AI explanation ({{model}}, cached)',
      likelyCause: 'Likely cause:',
      commands:
        'Commands to review (text only: Periscope never runs them, and secret values are never filled in)',
    },
    history: {
      empty: 'No scans recorded yet.',
    },
    evidence: {
      button: 'Evidence',
      hide: 'Hide evidence',
      unreadable: 'The cluster could not be read: {{message}}',
      missingReferences: 'Missing references',
      warningEvents: 'Warning events',
      lastLines: 'Last log lines of {{container}}',
      lastLinesPrevious: 'Last log lines of {{container}} (previous instance)',
      logs: 'Logs',
      logsTitle: 'Logs of {{pod}} / {{container}}',
      current: 'Current',
      previous: 'Previous',
      noLog: 'No log: {{message}}',
      emptyLog: '(empty)',
      lastN: 'the last {{lines}} lines',
      close: 'Close',
    },
  },
});
