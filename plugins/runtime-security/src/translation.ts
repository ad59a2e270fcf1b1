import { createTranslationRef } from '@backstage/frontend-plugin-api';

/**
 * The strings of Periscope Security, English shipped. An app translates or rewords them with a
 * translation resource for this ref (`TranslationBlueprint`, or `__experimentalTranslations` in a
 * legacy app).
 * @alpha
 */
export const runtimeSecurityTranslationRef = createTranslationRef({
  id: 'plugin.runtime-security',
  messages: {
    feature: 'Security',
    severitySummary: 'open findings by severity',
    entityContent: {
      openTitle: 'Open findings',
      openSubheader: 'workloads matching {{selector}}',
      overTimeTitle: 'Findings over time',
      overTimeSubheader: 'events per day, last 14 days',
      overTimeError: 'Could not load findings over time',
      findingsTitle: 'Runtime findings',
      findingsSubheader: 'Tetragon events that matched a detection rule',
      noFindings:
        "No findings: no Tetragon event from this entity's workloads matched a detection rule.",
      truncated:
        'Showing the {{shown}} most severe and recent findings of this entity; more matched. Show more, or narrow them on the Security overview page (namespace, rule, severity).',
      truncatedOf:
        'Showing {{shown}} of the {{total}} findings of this entity, the most severe and recent first. Show more, or narrow them on the Security overview page (namespace, rule, severity).',
      more: 'Show more findings',
      loadingMore: 'Loading…',
    },
    entityCard: {
      title: 'Runtime security',
      subheader: 'open Tetragon findings',
      deepLink: 'Open the Security tab',
      notConfigured:
        'Security is not configured: no Kubernetes cluster is set up for this portal.',
      notAnnotated:
        'Not linked to workloads: add the backstage.io/kubernetes-id annotation.',
      noFindings: 'No findings.',
      partial:
        '{{sources}} ingest source(s) report errors; findings may be incomplete.',
    },
    overviewPage: {
      title: 'Tetragon runtime findings across clusters',
      healthLink: 'Kubernetes health findings',
      allFindingsTitle: 'All findings',
      findingsError: 'Could not load findings',
      noFindings:
        'No findings: no Tetragon event matched a detection rule yet.',
      policiesTitle: 'TracingPolicies',
      policiesError: 'Could not load TracingPolicies',
      noPolicies:
        'No TracingPolicy found: only process exec/exit rules can fire.',
      unfedRulesTitle: 'Rules with no policy feeding them',
      allRulesFed: 'Every rule receives the events it needs.',
      ingestTitle: 'Ingest health',
      ingestError: 'Could not load ingest health',
      noSources:
        'No source has delivered events yet. Configure runtimeSecurity.sources, or post NDJSON to /api/runtime-security/ingest.',
      unknownTitle: 'Unknown events',
      unknownError: 'Could not load unknown events',
      noUnknown: 'Every event received had a known type and known fields.',
    },
    findingsTable: {
      severity: 'Severity',
      finding: 'Finding',
      cluster: 'Cluster',
      workload: 'Workload',
      binary: 'Binary',
      events: 'Events',
      lastSeen: 'Last seen',
      triage: 'Triage',
      all: 'all',
      search: 'Search',
      searchPlaceholder: 'rule, binary, pod, MITRE id',
      noMatch: 'No finding matches these filters.',
    },
    findingDetail: {
      fallbackTitle: 'Finding',
      remediation: 'Remediation',
      evidence: 'Evidence',
      processTree: 'Process tree',
      triage: 'Triage',
      notTriaged: 'Open: nobody has triaged this finding.',
      rawEvent: 'Raw event',
      rawDropped: 'The raw event was larger than the limit and was not kept.',
      markAs: 'Mark as',
      why: 'Why',
      save: 'Save',
      close: 'Close',
    },
    chart: {
      empty: 'No events in this period.',
    },
  },
});
