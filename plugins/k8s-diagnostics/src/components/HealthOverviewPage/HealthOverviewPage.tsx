import { useState } from 'react';
import {
  Content,
  ContentHeader,
  EmptyState,
  Link,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import {
  Box,
  FormControl,
  InputLabel,
  MenuItem,
  Select,
  Typography,
} from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { ClusterErrorsPanel } from '@periscope/periscope-react';
import {
  ClusterFindingsFilter,
  HealthFinding,
  k8sDiagnosticsApiRef,
  SEVERITIES,
  Severity,
} from '../../api';
import { SeverityChip } from '../common/severity';
import { SourceChips } from '../common/sources';
import { securityOverviewExternalRouteRef } from '../../routes';
import { k8sDiagnosticsTranslationRef } from '../../translation';

function FilterSelect(props: {
  id: string;
  label: string;
  value?: string;
  options: readonly string[];
  onChange: (v?: string) => void;
}) {
  const { t } = useTranslationRef(k8sDiagnosticsTranslationRef);
  const id = `health-filter-${props.id}`;
  return (
    <FormControl style={{ minWidth: 160 }}>
      <InputLabel id={id}>{props.label}</InputLabel>
      <Select
        labelId={id}
        value={props.value ?? ''}
        onChange={e => props.onChange((e.target.value as string) || undefined)}
        inputProps={{ 'aria-label': props.label }}
      >
        <MenuItem value="">{t('overviewPage.filterAll')}</MenuItem>
        {props.options.map(o => (
          <MenuItem key={o} value={o}>
            {o}
          </MenuItem>
        ))}
      </Select>
    </FormControl>
  );
}

/**
 * Cluster-wide findings for the platform team, with filters by cluster, namespace, kind and severity.
 * @public
 */
export function HealthOverviewPage() {
  const api = useApi(k8sDiagnosticsApiRef);
  const { t } = useTranslationRef(k8sDiagnosticsTranslationRef);
  const securityOverview = useRouteRef(securityOverviewExternalRouteRef);
  const [filter, setFilter] = useState<ClusterFindingsFilter>({});
  const { value, loading, error } = useAsync(
    () => api.listFindings(filter),
    [api, filter],
  );
  const set = (key: keyof ClusterFindingsFilter) => (v?: string) =>
    setFilter(f => ({ ...f, [key]: v }));

  const columns: TableColumn<HealthFinding>[] = [
    {
      title: t('columns.severity'),
      field: 'severity',
      render: f => <SeverityChip severity={f.severity} />,
    },
    { title: t('columns.cluster'), field: 'cluster' },
    { title: t('columns.namespace'), field: 'object.namespace' },
    { title: t('columns.kind'), field: 'object.kind' },
    {
      title: t('columns.name'),
      field: 'object.name',
      render: f => (
        <>
          {f.object.name} <SourceChips finding={f} />
        </>
      ),
    },
    {
      title: t('columns.workload'),
      render: f => `${f.workload.kind}/${f.workload.name}`,
    },
    {
      title: t('columns.problem'),
      render: f => f.failures.map(x => x.text).join('\n'),
    },
    {
      title: t('columns.since'),
      render: f => new Date(f.firstSeen).toLocaleString(),
    },
  ];

  let body;
  if (loading) body = <Progress />;
  else if (error) body = <ResponseErrorPanel error={error} />;
  else if (value?.status === 'not-configured') {
    body = (
      <EmptyState
        missing="info"
        title={t('overviewPage.notConfiguredTitle')}
        description={t('overviewPage.notConfiguredDescription')}
      />
    );
  } else if (value) {
    body = (
      <>
        <ClusterErrorsPanel errors={value.errors} />
        <Box display="flex" flexWrap="wrap" style={{ gap: 16 }} mb={2}>
          <FilterSelect
            id="cluster"
            label={t('columns.cluster')}
            value={filter.cluster}
            options={value.facets.clusters}
            onChange={set('cluster')}
          />
          <FilterSelect
            id="namespace"
            label={t('columns.namespace')}
            value={filter.namespace}
            options={value.facets.namespaces}
            onChange={set('namespace')}
          />
          <FilterSelect
            id="kind"
            label={t('columns.kind')}
            value={filter.kind}
            options={value.facets.kinds}
            onChange={set('kind')}
          />
          <FilterSelect
            id="severity"
            label={t('columns.severity')}
            value={filter.severity}
            options={SEVERITIES}
            onChange={v =>
              setFilter(f => ({ ...f, severity: v as Severity | undefined }))
            }
          />
        </Box>
        {value.findings.length === 0 ? (
          <Typography>{t('overviewPage.noFindings')}</Typography>
        ) : (
          <Table<HealthFinding>
            options={{ paging: true, pageSize: 20, search: true }}
            columns={columns}
            data={value.findings}
            title={t('overviewPage.findingsTitle', {
              findings: String(value.findings.length),
            })}
          />
        )}
      </>
    );
  }
  return (
    <Content>
      <ContentHeader title={t('overviewPage.title')}>
        <Box display="flex" alignItems="center" style={{ gap: 16 }}>
          {value?.scannedAt && (
            <Typography variant="caption">
              {t('entityContent.lastScan', {
                time: new Date(value.scannedAt).toLocaleString(),
              })}
            </Typography>
          )}
          {securityOverview && (
            <Link to={securityOverview()}>
              {t('overviewPage.securityLink')}
            </Link>
          )}
        </Box>
      </ContentHeader>
      {body}
    </Content>
  );
}
