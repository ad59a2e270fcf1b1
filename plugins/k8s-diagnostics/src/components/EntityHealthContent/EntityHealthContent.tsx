import { useMemo, useState } from 'react';
import {
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Box, Button, Grid, Typography } from '@material-ui/core';
import { useTheme } from '@material-ui/core/styles';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { KubernetesClusterLinkFormatterApi } from '@backstage/plugin-kubernetes-react';
import useAsync from 'react-use/esm/useAsync';
import {
  ClusterErrorsPanel,
  EntityStatePanel,
  PeriscopeCard,
  EntityActionPermission,
  useEntityActionPermission,
  usePolledAsync,
} from '@periscope/periscope-react';
import { k8sDiagnosticsExplainPermission } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import {
  ClusterSummary,
  EntityHealthResponse,
  HealthFinding,
  k8sDiagnosticsApiRef,
  WorkloadFindings,
} from '../../api';
import { EvidencePanel } from '../common/EvidencePanel';
import { ExplainPanel } from '../common/ExplainPanel';
import {
  HistoryChart,
  objectLabel,
  SeverityChip,
  SeveritySummary,
} from '../common/severity';
import { SourceChips } from '../common/sources';
import { healthPollMs } from '../common/pollIntervals';
import { k8sDiagnosticsTranslationRef } from '../../translation';
import {
  ClientSideClustersNote,
  DashboardLink,
  useClusterLinkFormatter,
} from './clusterLinks';

type Row = EntityHealthResponse['clusters'][number]['workloads'][number] & {
  cluster: string;
  id: string;
};

/** The entity's clusters by name (dashboard, client-side auth) and the formatter for dashboard links. */
type ClusterLinks = {
  byName: Map<string, ClusterSummary>;
  formatter: KubernetesClusterLinkFormatterApi;
};

function FindingItem(props: {
  finding: HealthFinding;
  entityRef: string;
  isChild: boolean;
  explain: EntityActionPermission;
  links: ClusterLinks;
}) {
  const { finding: f } = props;
  const { t } = useTranslationRef(k8sDiagnosticsTranslationRef);
  const { palette } = useTheme();
  return (
    <Box
      role="group"
      aria-label={`${f.analyzer} finding for ${objectLabel(f.object)}`}
      ml={props.isChild ? 4 : 0}
      mt={2}
      pl={props.isChild ? 2 : 0}
      borderLeft={props.isChild ? `2px solid ${palette.divider}` : undefined}
    >
      <Box display="flex" alignItems="center" style={{ gap: 8 }}>
        <SeverityChip severity={f.severity} />
        <Typography variant="subtitle2">{objectLabel(f.object)}</Typography>
        <SourceChips finding={f} />
        <Typography variant="caption" color="textSecondary">
          {f.analyzer} analyzer · first seen{' '}
          {new Date(f.firstSeen).toLocaleString()} · last seen{' '}
          {new Date(f.lastSeen).toLocaleString()}
        </Typography>
        <DashboardLink
          cluster={props.links.byName.get(f.cluster)}
          object={f.object}
          formatter={props.links.formatter}
        />
      </Box>
      {f.ownerChain.length > 0 && (
        <Typography variant="caption" color="textSecondary">
          owned by {f.ownerChain.map(objectLabel).join(' → ')}
        </Typography>
      )}
      {f.failures.map((x, i) => (
        <Typography key={i} variant="body2" style={{ whiteSpace: 'pre-wrap' }}>
          {x.text}
        </Typography>
      ))}
      {f.events.length > 0 && (
        <Box mt={1}>
          <Typography variant="caption">
            {t('entityContent.relatedEvents')}
          </Typography>
          {f.events.map((e, i) => (
            <Typography key={i} variant="body2" color="textSecondary">
              {e.type} {e.reason} (×{e.count}): {e.message}
            </Typography>
          ))}
        </Box>
      )}
      <EvidencePanel entityRef={props.entityRef} finding={f} />
      <ExplainPanel
        entityRef={props.entityRef}
        findingId={f.id}
        permission={props.explain}
      />
    </Box>
  );
}

function WorkloadGroup(props: {
  group: WorkloadFindings;
  entityRef: string;
  explain: EntityActionPermission;
  links: ClusterLinks;
}) {
  const { group } = props;
  const { t } = useTranslationRef(k8sDiagnosticsTranslationRef);
  const title = `${objectLabel(group.workload)} (${group.cluster})`;
  return (
    <PeriscopeCard
      title={title}
      subheader={t('entityContent.groupSubheader', {
        findings: String(group.findings.length),
        severity: group.severity,
      })}
    >
      {group.findings.map(f => (
        <FindingItem
          key={f.id}
          finding={f}
          entityRef={props.entityRef}
          explain={props.explain}
          links={props.links}
          isChild={
            !(
              f.object.kind === group.workload.kind &&
              f.object.name === group.workload.name
            )
          }
        />
      ))}
    </PeriscopeCard>
  );
}

/**
 * The entity "Health" tab: severity summary, findings by workload (parent → children) with
 * related events and "Explain", history chart, rescan, workloads. "Explain" is disabled, with the
 * reason, unless the explain permission is allowed for the entity; "Rescan" needs only the read
 * permission that loading the tab already required.
 * @public
 */
export function EntityHealthContent() {
  const { entity } = useEntity();
  const api = useApi(k8sDiagnosticsApiRef);
  const entityRef = stringifyEntityRef(entity);
  const { t } = useTranslationRef(k8sDiagnosticsTranslationRef);
  const [rescanning, setRescanning] = useState(false);
  const [rescanError, setRescanError] = useState<Error>();
  // the stored scan at once, then asked again in the background (sooner while a newer scan runs)
  const { value, loading, error, set } = usePolledAsync(
    () => api.getEntityHealth(entityRef),
    [api, entityRef],
    healthPollMs,
  );
  const explain = useEntityActionPermission(
    k8sDiagnosticsExplainPermission,
    entityRef,
    "ask for explanations of this entity's findings",
  );
  // the dashboard links and the client-side note are extras: without the cluster list the tab still shows
  const { value: clusters = [] } = useAsync(
    () =>
      api.getClusters(entityRef).then(
        r => r.items,
        () => [],
      ),
    [api, entityRef],
  );
  const formatter = useClusterLinkFormatter();
  const links = useMemo<ClusterLinks>(
    () => ({ byName: new Map(clusters.map(c => [c.name, c])), formatter }),
    [clusters, formatter],
  );

  const rescan = async () => {
    setRescanning(true);
    setRescanError(undefined);
    try {
      set(await api.rescanEntity(entityRef));
    } catch (e) {
      setRescanError(e as Error);
    } finally {
      setRescanning(false);
    }
  };

  if (loading && !value) return <Progress />;
  if (error && !value) return <ResponseErrorPanel error={error} />;
  if (!value) return null;
  if (value.status !== 'ok') {
    return (
      <EntityStatePanel
        status={value.status}
        feature={t('feature')}
        annotationHelp={`metadata:\n  annotations:\n    backstage.io/kubernetes-id: ${entity.metadata.name}\n    backstage.io/kubernetes-namespace: <namespace>   # optional`}
      />
    );
  }
  const rows: Row[] = value.clusters.flatMap(c =>
    c.workloads.map(w => ({
      ...w,
      cluster: c.name,
      id: `${c.name}/${w.kind}/${w.namespace}/${w.name}`,
    })),
  );
  const open = value.groups.reduce((n, g) => n + g.findings.length, 0);
  // the clusters this entity has workloads, findings or errors in
  const relevantClusters = new Set([
    ...value.clusters.filter(c => c.workloads.length > 0).map(c => c.name),
    ...value.groups.map(g => g.cluster),
    ...value.errors.map(e => e.cluster),
  ]);
  const columns: TableColumn<Row>[] = [
    { title: t('columns.cluster'), field: 'cluster' },
    { title: t('columns.kind'), field: 'kind' },
    { title: t('columns.namespace'), field: 'namespace' },
    { title: t('columns.name'), field: 'name' },
    { title: t('columns.ready'), field: 'ready' },
  ];
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <ClusterErrorsPanel errors={value.errors} />
        {rescanError && <ResponseErrorPanel error={rescanError} />}
      </Grid>
      <Grid item xs={12} md={6}>
        <PeriscopeCard
          title={t('entityContent.summaryTitle')}
          subheader={
            value.scannedAt
              ? t(
                  value.stale && value.refreshing
                    ? 'entityContent.staleRefreshing'
                    : 'entityContent.lastScan',
                  {
                    time: new Date(value.scannedAt).toLocaleString(),
                  },
                )
              : t('entityContent.notScanned')
          }
        >
          <SeveritySummary summary={value.summary} />
          <Box mt={2} display="flex" alignItems="center" style={{ gap: 16 }}>
            <Button
              variant="contained"
              color="primary"
              onClick={rescan}
              disabled={rescanning}
            >
              {rescanning
                ? t('entityContent.scanning')
                : t('entityContent.rescan')}
            </Button>
            {open === 0 && value.errors.length === 0 && (
              <Typography>{t('entityContent.allHealthy')}</Typography>
            )}
          </Box>
          {explain.reason && value.groups.length > 0 && (
            <Typography variant="caption" color="textSecondary" component="p">
              {explain.reason}
            </Typography>
          )}
          <ClientSideClustersNote
            clusters={clusters}
            relevant={relevantClusters}
          />
          {value.warnings.map(w => (
            <Typography
              key={w}
              variant="caption"
              color="textSecondary"
              component="p"
            >
              {w}
            </Typography>
          ))}
        </PeriscopeCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <PeriscopeCard
          title={t('entityContent.historyTitle')}
          subheader={t('entityContent.historySubheader')}
        >
          <HistoryChart history={value.history} />
        </PeriscopeCard>
      </Grid>
      {value.groups.map(g => (
        <Grid
          item
          xs={12}
          key={`${g.cluster}/${g.workload.kind}/${g.workload.namespace}/${g.workload.name}`}
        >
          <WorkloadGroup
            group={g}
            entityRef={entityRef}
            explain={explain}
            links={links}
          />
        </Grid>
      ))}
      {value.resolved.length > 0 && (
        <Grid item xs={12}>
          <PeriscopeCard
            title={t('entityContent.resolvedTitle')}
            subheader={t('entityContent.resolvedSubheader')}
          >
            {value.resolved.map(f => (
              <Typography key={f.id} variant="body2">
                {objectLabel(f.object)} ({f.analyzer}): resolved{' '}
                {new Date(f.resolvedAt ?? f.lastSeen).toLocaleString()}, open
                since {new Date(f.firstSeen).toLocaleString()}
              </Typography>
            ))}
          </PeriscopeCard>
        </Grid>
      )}
      <Grid item xs={12}>
        <PeriscopeCard
          title={t('entityContent.workloadsTitle')}
          subheader={`selector ${value.labelSelector}${
            value.namespace ? ` in ${value.namespace}` : ''
          }`}
        >
          {rows.length === 0 ? (
            <Typography>{t('entityContent.noWorkloads')}</Typography>
          ) : (
            <Table<Row>
              options={{ paging: false, search: false, toolbar: false }}
              columns={columns}
              data={rows}
            />
          )}
        </PeriscopeCard>
      </Grid>
    </Grid>
  );
}
