import {
  CodeSnippet,
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
import {
  Button,
  Dialog,
  DialogContent,
  DialogTitle,
  Grid,
  Typography,
} from '@material-ui/core';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { ClusterErrorsPanel, PeriscopeCard } from '@periscope/periscope-react';
import {
  runtimeSecurityApiRef,
  SourceHealth,
  TracingPolicy,
  UnknownEventSummary,
} from '../../api';
import { EnforcementDialog } from './EnforcementDialog';
import { healthOverviewExternalRouteRef } from '../../routes';
import { runtimeSecurityTranslationRef } from '../../translation';
import { FindingsTable } from '../common/FindingsTable';
import { SeveritySummary } from '../common/severity';

const policyName = (p: TracingPolicy) =>
  p.namespace ? `${p.namespace}/${p.name}` : p.name;

/** Hits per day as small bars (the window's days with events). */
function HitsPerDay(props: { days: Array<{ start: string; hits: number }> }) {
  const max = Math.max(1, ...props.days.map(d => d.hits));
  return (
    <span
      role="img"
      aria-label={`hits per day: ${props.days
        .map(d => `${d.start.slice(0, 10)} ${d.hits}`)
        .join(', ')}`}
      style={{ display: 'inline-flex', alignItems: 'flex-end', height: 16 }}
    >
      {props.days.map(d => (
        <span
          key={d.start}
          title={`${d.start.slice(0, 10)}: ${d.hits}`}
          style={{
            width: 4,
            marginRight: 1,
            height: Math.max(2, Math.round((d.hits / max) * 16)),
            background: 'currentColor',
          }}
        />
      ))}
    </span>
  );
}

function Matches(props: { policy: TracingPolicy }) {
  const m = props.policy.matches;
  if (!m) return <>-</>;
  if (!m.hits) return <>none in {m.windowDays} d</>;
  return (
    <div aria-label={`matches of ${policyName(props.policy)}`}>
      <Typography variant="body2">
        {m.hits} hits in {m.windowDays} d <HitsPerDay days={m.days} />
      </Typography>
      <Typography variant="caption" display="block">
        {m.acknowledged} acknowledged · {m.falsePositive} false positive ·{' '}
        {m.open} open
      </Typography>
      {m.rules.map(r => (
        <Typography key={r.rule} variant="caption" display="block">
          {r.rule}: {r.hits} ({r.workloads.join(', ')}){' '}
          <HitsPerDay days={r.days} />
        </Typography>
      ))}
    </div>
  );
}

function policyColumns(
  onPropose: (p: TracingPolicy) => void,
): TableColumn<TracingPolicy>[] {
  return [
    { title: 'Cluster', field: 'cluster' },
    { title: 'Policy', render: policyName },
    { title: 'Kind', field: 'kind' },
    {
      title: 'Mode',
      render: p => (
        <span aria-label={`mode of ${policyName(p)}`}>{p.mode}</span>
      ),
    },
    { title: 'Hooks', render: p => p.calls.join(', ') || p.hooks.join(', ') },
    { title: 'Findings produced', field: 'findings', type: 'numeric' },
    { title: 'Matches', render: p => <Matches policy={p} /> },
    {
      title: 'Enforcement',
      render: p => {
        if (!p.enforcement) return p.mode === 'enforcement' ? 'enforcing' : '-';
        if (p.enforcement.eligible) {
          return (
            <Button
              size="small"
              variant="outlined"
              color="primary"
              aria-label={`propose enforcement of ${policyName(p)}`}
              onClick={() => onPropose(p)}
            >
              Propose enforcement
            </Button>
          );
        }
        return (
          <Typography
            variant="caption"
            title={p.enforcement.reasons.join('\n')}
          >
            Not yet: {p.enforcement.reasons[0]}
          </Typography>
        );
      },
    },
  ];
}

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
  const { value, loading, error, retry } = useAsyncRetry(
    () => api.getPolicies(),
    [api],
  );
  const [proposing, setProposing] = useState<TracingPolicy>();
  if (loading && !value) return <Progress />;
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
          columns={policyColumns(setProposing)}
          data={value.policies}
        />
      )}
      {proposing && (
        <EnforcementDialog
          policy={proposing}
          onClose={changed => {
            setProposing(undefined);
            if (changed) retry();
          }}
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

function UnknownEvents() {
  const api = useApi(runtimeSecurityApiRef);
  const { t } = useTranslationRef(runtimeSecurityTranslationRef);
  const { value, loading, error } = useAsync(
    () => api.getUnknownEvents(),
    [api],
  );
  const [sample, setSample] = useState<UnknownEventSummary>();
  if (loading) return <Progress />;
  if (error)
    return (
      <ResponseErrorPanel
        error={error}
        title={t('overviewPage.unknownError')}
      />
    );
  if (!value?.events.length) {
    return <Typography>{t('overviewPage.noUnknown')}</Typography>;
  }
  return (
    <>
      <Table<UnknownEventSummary>
        options={{ paging: false, search: false, padding: 'dense' }}
        columns={[
          { title: 'Source', field: 'source' },
          { title: 'Kind', field: 'kind' },
          { title: 'Name', field: 'name' },
          { title: 'Count', field: 'count', type: 'numeric' },
          { title: 'Last seen', field: 'lastSeen' },
          {
            title: 'Raw sample',
            render: u =>
              u.sample === undefined ? (
                'not kept (too large)'
              ) : (
                <Button
                  size="small"
                  aria-label={`raw sample of ${u.name}`}
                  onClick={() => setSample(u)}
                >
                  Show
                </Button>
              ),
          },
        ]}
        data={value.events}
      />
      {sample && (
        <Dialog
          open
          onClose={() => setSample(undefined)}
          maxWidth="md"
          fullWidth
        >
          <DialogTitle>
            {sample.kind === 'type' ? 'Event type' : 'Field'} {sample.name}
          </DialogTitle>
          <DialogContent>
            <CodeSnippet
              language="json"
              text={JSON.stringify(sample.sample, null, 2)}
            />
          </DialogContent>
        </Dialog>
      )}
    </>
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
        <Grid item xs={12}>
          <PeriscopeCard title={t('overviewPage.unknownTitle')}>
            <UnknownEvents />
          </PeriscopeCard>
        </Grid>
      </Grid>
    </Content>
  );
}
