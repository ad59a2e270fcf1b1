import {
  Content,
  ContentHeader,
  Link,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
  WarningPanel,
} from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { Grid, Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { ClusterErrorsPanel, PeriscopeCard } from '@periscope/periscope-react';
import { runtimeSecurityApiRef, SourceHealth, TracingPolicy } from '../../api';
import { healthOverviewExternalRouteRef } from '../../routes';
import { runtimeSecurityTranslationRef } from '../../translation';
import { FindingsTable } from '../shared/FindingsTable';
import { SeveritySummary } from '../shared/severity';

const policyColumns: TableColumn<TracingPolicy>[] = [
  { title: 'Cluster', field: 'cluster' },
  {
    title: 'Policy',
    render: p => (p.namespace ? `${p.namespace}/${p.name}` : p.name),
  },
  { title: 'Kind', field: 'kind' },
  { title: 'Mode', field: 'mode' },
  { title: 'Hooks', render: p => p.calls.join(', ') || p.hooks.join(', ') },
  { title: 'Findings produced', field: 'findings', type: 'numeric' },
];

function ago(iso?: string): string {
  if (!iso) return 'never';
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (s < 120) return `${s} s ago`;
  return s < 7200 ? `${Math.round(s / 60)} min ago` : iso;
}

const sourceColumns: TableColumn<SourceHealth>[] = [
  { title: 'Source', field: 'id' },
  { title: 'Kind', field: 'kind' },
  { title: 'Events', field: 'eventsTotal', type: 'numeric' },
  { title: 'Events/s', field: 'eventsPerSecond', type: 'numeric' },
  {
    title: 'Skipped',
    render: s =>
      Object.entries(s.skipped ?? {})
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ') || '0',
  },
  { title: 'Last event', render: s => s.lastEventTime ?? 'none' },
  {
    title: 'Lag',
    render: s =>
      s.lagMs !== undefined ? `${Math.round(s.lagMs / 1000)} s` : '-',
  },
  { title: 'Last delivery', render: s => ago(s.lastIngestAt) },
  {
    title: 'Status',
    render: s =>
      s.error ? (
        <Typography color="error" variant="body2">
          {s.error}
        </Typography>
      ) : (
        'ok'
      ),
  },
];

function Findings() {
  const api = useApi(runtimeSecurityApiRef);
  const { t } = useTranslationRef(runtimeSecurityTranslationRef);
  const { value, loading, error } = useAsync(() => api.listFindings({}), [api]);
  if (loading) return <Progress />;
  if (error)
    return (
      <ResponseErrorPanel
        error={error}
        title={t('overviewPage.findingsError')}
      />
    );
  if (!value?.findings.length)
    return <Typography>{t('overviewPage.noFindings')}</Typography>;
  return (
    <>
      <SeveritySummary findings={value.findings} />
      <div style={{ marginTop: 16 }}>
        <FindingsTable findings={value.findings} showCluster />
      </div>
    </>
  );
}

function Policies() {
  const api = useApi(runtimeSecurityApiRef);
  const { t } = useTranslationRef(runtimeSecurityTranslationRef);
  const { value, loading, error } = useAsync(() => api.getPolicies(), [api]);
  if (loading) return <Progress />;
  if (error)
    return (
      <ResponseErrorPanel
        error={error}
        title={t('overviewPage.policiesError')}
      />
    );
  if (!value) return null;
  return (
    <>
      <ClusterErrorsPanel errors={value.errors} />
      {value.notInstalled.length > 0 && (
        <WarningPanel
          severity="info"
          title={`TracingPolicy CRDs are not installed in ${value.notInstalled.join(
            ', ',
          )}`}
        >
          Install Tetragon (its Helm chart installs the cilium.io TracingPolicy
          CRDs) to list policies there.
        </WarningPanel>
      )}
      {value.policies.length === 0 ? (
        <Typography>{t('overviewPage.noPolicies')}</Typography>
      ) : (
        <Table<TracingPolicy>
          options={{ paging: false, search: false, padding: 'dense' }}
          columns={policyColumns}
          data={value.policies}
        />
      )}
      <Typography variant="subtitle2" style={{ marginTop: 16 }}>
        {t('overviewPage.unfedRulesTitle')}
      </Typography>
      {value.unfedRules.length === 0 ? (
        <Typography variant="body2">{t('overviewPage.allRulesFed')}</Typography>
      ) : (
        <ul aria-label="rules with no policy">
          {value.unfedRules.map(r => (
            <li key={r.rule}>
              <Typography variant="body2">
                <strong>{r.rule}</strong> ({r.title}) needs{' '}
                {r.eventTypes.join(' or ')} events
              </Typography>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function Ingest() {
  const api = useApi(runtimeSecurityApiRef);
  const { t } = useTranslationRef(runtimeSecurityTranslationRef);
  const { value, loading, error } = useAsync(
    () => api.getIngestHealth(),
    [api],
  );
  if (loading) return <Progress />;
  if (error)
    return (
      <ResponseErrorPanel error={error} title={t('overviewPage.ingestError')} />
    );
  if (!value?.sources.length) {
    return <Typography>{t('overviewPage.noSources')}</Typography>;
  }
  return (
    <Table<SourceHealth>
      options={{ paging: false, search: false, padding: 'dense' }}
      columns={sourceColumns}
      data={value.sources}
      title={`Sources (${value.queuedLines} lines queued)`}
    />
  );
}

/**
 * The platform page: all findings, TracingPolicies per cluster, rules without
 * a feeding policy, and ingest health per source.
 * @public
 */
export function SecurityOverviewPage() {
  const { t } = useTranslationRef(runtimeSecurityTranslationRef);
  const healthOverview = useRouteRef(healthOverviewExternalRouteRef);
  return (
    // The app's page layout draws the page header (title "Security overview", from the PageBlueprint).
    <Content>
      <ContentHeader title={t('overviewPage.title')}>
        {healthOverview && (
          <Link to={healthOverview()}>{t('overviewPage.healthLink')}</Link>
        )}
      </ContentHeader>
      <Grid container spacing={3}>
        <Grid item xs={12}>
          <PeriscopeCard title={t('overviewPage.allFindingsTitle')}>
            <Findings />
          </PeriscopeCard>
        </Grid>
        <Grid item xs={12}>
          <PeriscopeCard title={t('overviewPage.policiesTitle')}>
            <Policies />
          </PeriscopeCard>
        </Grid>
        <Grid item xs={12}>
          <PeriscopeCard title={t('overviewPage.ingestTitle')}>
            <Ingest />
          </PeriscopeCard>
        </Grid>
      </Grid>
    </Content>
  );
}
