import { useState } from 'react';
import { Content, ContentHeader, EmptyState, Progress, ResponseErrorPanel, Table, TableColumn } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { Box, FormControl, InputLabel, MenuItem, Select, Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { ClusterErrorsPanel } from '@periscope/periscope-react';
import { ClusterFindingsFilter, HealthFinding, k8sDiagnosticsApiRef, SEVERITIES, Severity } from '../../api';
import { SeverityChip } from '../common/severity';
import { SourceChips } from '../common/sources';

const columns: TableColumn<HealthFinding>[] = [
  { title: 'Severity', field: 'severity', render: f => <SeverityChip severity={f.severity} /> },
  { title: 'Cluster', field: 'cluster' },
  { title: 'Namespace', field: 'object.namespace' },
  { title: 'Kind', field: 'object.kind' },
  { title: 'Name', field: 'object.name', render: f => <>{f.object.name} <SourceChips finding={f} /></> },
  { title: 'Workload', render: f => `${f.workload.kind}/${f.workload.name}` },
  { title: 'Problem', render: f => f.failures.map(x => x.text).join('\n') },
  { title: 'Since', render: f => new Date(f.firstSeen).toLocaleString() },
];

function FilterSelect(props: { label: string; value?: string; options: readonly string[]; onChange: (v?: string) => void }) {
  const id = `health-filter-${props.label.toLowerCase()}`;
  return (
    <FormControl style={{ minWidth: 160 }}>
      <InputLabel id={id}>{props.label}</InputLabel>
      <Select
        labelId={id}
        value={props.value ?? ''}
        onChange={e => props.onChange((e.target.value as string) || undefined)}
        inputProps={{ 'aria-label': props.label }}
      >
        <MenuItem value="">All</MenuItem>
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
  const [filter, setFilter] = useState<ClusterFindingsFilter>({});
  const { value, loading, error } = useAsync(() => api.listFindings(filter), [api, filter]);
  const set = (key: keyof ClusterFindingsFilter) => (v?: string) => setFilter(f => ({ ...f, [key]: v }));

  let body;
  if (loading) body = <Progress />;
  else if (error) body = <ResponseErrorPanel error={error} />;
  else if (value?.status === 'not-configured') {
    body = <EmptyState missing="info" title="Health is not configured" description="No Kubernetes cluster is configured for this portal: add clusters to the kubernetes section of app-config.yaml." />;
  } else if (value) {
    body = (
      <>
        <ClusterErrorsPanel errors={value.errors} />
        <Box display="flex" flexWrap="wrap" style={{ gap: 16 }} mb={2}>
          <FilterSelect label="Cluster" value={filter.cluster} options={value.facets.clusters} onChange={set('cluster')} />
          <FilterSelect label="Namespace" value={filter.namespace} options={value.facets.namespaces} onChange={set('namespace')} />
          <FilterSelect label="Kind" value={filter.kind} options={value.facets.kinds} onChange={set('kind')} />
          <FilterSelect label="Severity" value={filter.severity} options={SEVERITIES} onChange={v => setFilter(f => ({ ...f, severity: v as Severity | undefined }))} />
        </Box>
        {value.findings.length === 0 ? (
          <Typography>All healthy: no findings match these filters.</Typography>
        ) : (
          <Table<HealthFinding> options={{ paging: true, pageSize: 20, search: true }} columns={columns} data={value.findings} title={`${value.findings.length} finding(s)`} />
        )}
      </>
    );
  }
  return (
    <Content>
      <ContentHeader title="Kubernetes health overview">
        {value?.scannedAt && <Typography variant="caption">last scan {new Date(value.scannedAt).toLocaleString()}</Typography>}
      </ContentHeader>
      {body}
    </Content>
  );
}
