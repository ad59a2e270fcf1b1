import { Table, TableColumn } from '@backstage/core-components';
import { Box, Link, MenuItem, TextField } from '@material-ui/core';
import { useMemo, useState } from 'react';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import {
  SecurityFinding,
  Severity,
  SEVERITY_ORDER,
  TriageState,
} from '../../api';
import { SeverityChip } from './severity';
import { runtimeSecurityTranslationRef } from '../../translation';

const TRIAGE_LABEL: Record<TriageState, string> = {
  open: 'open',
  acknowledged: 'acknowledged',
  'false-positive': 'false positive',
};

/** Findings filtered by severity, triage state and a search text (client-side). */
export function filterFindings(
  findings: SecurityFinding[],
  f: {
    severity: Severity | 'all';
    triage: TriageState | 'all';
    search: string;
  },
): SecurityFinding[] {
  const q = f.search.trim().toLowerCase();
  return findings.filter(
    x =>
      (f.severity === 'all' || x.severity === f.severity) &&
      (f.triage === 'all' || x.triage.state === f.triage) &&
      (!q ||
        [
          x.title,
          x.rule,
          x.binary,
          x.workload,
          x.pod,
          x.namespace,
          x.mitre.id,
        ].some(v => v?.toLowerCase().includes(q))),
  );
}

/** The findings table with severity / triage filters and a search box. */
export function FindingsTable(props: {
  findings: SecurityFinding[];
  onOpen?: (f: SecurityFinding) => void;
  showCluster?: boolean;
  title?: string;
}) {
  const { t } = useTranslationRef(runtimeSecurityTranslationRef);
  const [severity, setSeverity] = useState<Severity | 'all'>('all');
  const [triage, setTriage] = useState<TriageState | 'all'>('all');
  const [search, setSearch] = useState('');
  const rows = useMemo(
    () => filterFindings(props.findings, { severity, triage, search }),
    [props.findings, severity, triage, search],
  );
  const columns: TableColumn<SecurityFinding>[] = [
    {
      title: t('findingsTable.severity'),
      render: f => <SeverityChip severity={f.severity} />,
      width: '90px',
    },
    {
      title: t('findingsTable.finding'),
      render: f =>
        props.onOpen ? (
          <Link
            component="button"
            variant="body2"
            onClick={() => props.onOpen!(f)}
          >
            {f.title}
          </Link>
        ) : (
          f.title
        ),
    },
    { title: 'MITRE', render: f => f.mitre.id },
    ...(props.showCluster
      ? [
          {
            title: t('findingsTable.cluster'),
            field: 'cluster',
          } as TableColumn<SecurityFinding>,
        ]
      : []),
    {
      title: t('findingsTable.workload'),
      render: f =>
        f.namespace ? `${f.namespace}/${f.workload}` : f.workload || 'host',
    },
    { title: t('findingsTable.binary'), field: 'binary' },
    { title: t('findingsTable.events'), field: 'count', type: 'numeric' },
    {
      title: t('findingsTable.lastSeen'),
      render: f => f.lastSeen.replace('T', ' ').slice(0, 19),
    },
    {
      title: t('findingsTable.triage'),
      render: f => TRIAGE_LABEL[f.triage.state],
    },
  ];
  return (
    <>
      <Box display="flex" style={{ gap: 16 }} mb={2}>
        <TextField
          select
          label={t('findingsTable.severity')}
          value={severity}
          onChange={e => setSeverity(e.target.value as Severity | 'all')}
          inputProps={{ 'aria-label': 'severity filter' }}
          style={{ minWidth: 140 }}
        >
          <MenuItem value="all">{t('findingsTable.all')}</MenuItem>
          {SEVERITY_ORDER.map(s => (
            <MenuItem key={s} value={s}>
              {s}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          label={t('findingsTable.triage')}
          value={triage}
          onChange={e => setTriage(e.target.value as TriageState | 'all')}
          style={{ minWidth: 160 }}
        >
          <MenuItem value="all">{t('findingsTable.all')}</MenuItem>
          {(Object.keys(TRIAGE_LABEL) as TriageState[]).map(s => (
            <MenuItem key={s} value={s}>
              {TRIAGE_LABEL[s]}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          label={t('findingsTable.search')}
          placeholder={t('findingsTable.searchPlaceholder')}
          value={search}
          onChange={e => setSearch(e.target.value)}
          inputProps={{ 'aria-label': 'search findings' }}
          style={{ flexGrow: 1 }}
        />
      </Box>
      <Table<SecurityFinding>
        title={props.title}
        options={{
          paging: rows.length > 20,
          pageSize: 20,
          search: false,
          padding: 'dense',
        }}
        columns={columns}
        data={rows}
        emptyContent={<Box p={2}>{t('findingsTable.noMatch')}</Box>}
      />
    </>
  );
}
