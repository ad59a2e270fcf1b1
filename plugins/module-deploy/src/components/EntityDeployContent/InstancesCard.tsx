import { Table, TableColumn } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import {
  Box,
  Button,
  Chip,
  CircularProgress,
  Tooltip,
  Typography,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { ClusterErrorsPanel, PeriscopeCard } from '@periscope/periscope-react';
import { useEffect, useState } from 'react';
import {
  EntityDeployState,
  EntityDriftCheck,
  InstanceState,
  moduleDeployApiRef,
} from '../../api';
import { moduleDeployTranslationRef } from '../../translation';

type Row = InstanceState & { id: string };

const HEALTH_COLOUR: Record<
  InstanceState['health'],
  'primary' | 'secondary' | 'default'
> = {
  healthy: 'primary',
  progressing: 'default',
  degraded: 'secondary',
  unknown: 'default',
};

const columns: TableColumn<Row>[] = [
  { title: 'Cluster', field: 'cluster' },
  { title: 'Namespace', field: 'namespace' },
  {
    title: 'Module',
    render: r =>
      r.deployed
        ? `${r.module?.name ?? ''} ${r.module?.version ?? ''}${
            r.module?.digest ? ` (${r.module.digest.slice(0, 19)})` : ''
          }`
        : 'not deployed',
  },
  { title: 'Revision', render: r => r.revision ?? '' },
  {
    title: 'Health',
    render: r =>
      r.deployed ? (
        <Tooltip
          title={r.objects
            .map(o => `${o.ref}: ${o.state} (${o.message})`)
            .join('\n')}
        >
          <Chip
            size="small"
            color={HEALTH_COLOUR[r.health]}
            label={`${r.health} (${
              r.objects.filter(o => o.state === 'ready').length
            }/${r.objects.length} ready)`}
          />
        </Tooltip>
      ) : (
        ''
      ),
  },
  {
    title: 'Drift',
    render: r => {
      if (!r.drift) return r.deployed ? 'not checked yet' : '';
      if (r.drift.error) return `check failed: ${r.drift.error}`;
      return r.drift.drifted ? (
        <Tooltip
          title={r.drift.objects
            .map(
              o =>
                `${o.ref}: ${
                  o.changes.map(c => c.path).join(', ') || o.action
                }`,
            )
            .join('\n')}
        >
          <Chip
            size="small"
            color="secondary"
            label={`drifted (${r.drift.objects.length})`}
          />
        </Tooltip>
      ) : (
        'in sync'
      );
    },
  },
  {
    title: 'Last change',
    render: r =>
      r.lastOperation
        ? `${r.lastOperation.action} by ${r.lastOperation.actor} at ${r.lastOperation.at} (${r.lastOperation.result})`
        : r.lastTransitionTime ?? '',
  },
];

/** One line per cluster: what the check just found. */
export function driftSummary(check: EntityDriftCheck): string {
  const lines = check.clusters.map(({ cluster, drift }) => {
    if (!drift) return `${cluster}: not deployed, nothing to compare`;
    if (drift.error) return `${cluster}: check failed: ${drift.error}`;
    return drift.drifted
      ? `${cluster}: drifted (${drift.objects.length} object(s))`
      : `${cluster}: in sync`;
  });
  for (const e of check.errors) lines.push(`${e.cluster}: ${e.message}`);
  return lines.join('; ') || 'no target cluster to check';
}

/** "Check drift now": a server-side dry run against the last revision, then the table reloads. */
function CheckDriftButton(props: {
  entityRef: string;
  disabled: boolean;
  onChecked: () => void;
}) {
  const api = useApi(moduleDeployApiRef);
  const { t } = useTranslationRef(moduleDeployTranslationRef);
  const [running, setRunning] = useState(false);
  const [outcome, setOutcome] = useState<
    { ok: boolean; text: string } | undefined
  >();
  const run = async () => {
    setRunning(true);
    setOutcome(undefined);
    try {
      const check = await api.checkDrift(props.entityRef);
      const failed =
        check.errors.length > 0 || check.clusters.some(c => c.drift?.error);
      setOutcome({ ok: !failed, text: driftSummary(check) });
      props.onChecked();
    } catch (e) {
      setOutcome({
        ok: false,
        text: `Drift check failed: ${(e as Error).message}`,
      });
    } finally {
      setRunning(false);
    }
  };
  return (
    <Box mb={2}>
      <Button
        variant="outlined"
        size="small"
        onClick={run}
        disabled={props.disabled || running}
        startIcon={running ? <CircularProgress size={14} /> : undefined}
      >
        {running ? t('instances.checkingDrift') : t('instances.checkDrift')}
      </Button>
      {outcome && (
        <Box mt={1}>
          <Alert severity={outcome.ok ? 'info' : 'warning'}>
            {outcome.text}
          </Alert>
        </Box>
      )}
    </Box>
  );
}

/**
 * The pages of instances after the first (GET /entity `offset`), asked for with "Show more";
 * dropped when the entity changes. The first page is the tab's (refreshed in the background).
 */
function useMorePages(state: EntityDeployState) {
  const api = useApi(moduleDeployApiRef);
  const [pages, setPages] = useState<EntityDeployState[]>([]);
  const [loading, setLoading] = useState(false);
  const [failure, setFailure] = useState<Error | undefined>();
  useEffect(() => {
    setPages([]);
    setFailure(undefined);
  }, [state.entityRef]);
  const last = pages.length ? pages[pages.length - 1] : state;
  const more = async () => {
    if (last.nextOffset === undefined) return;
    setLoading(true);
    setFailure(undefined);
    try {
      const page = await api.getEntity(state.entityRef, {
        offset: last.nextOffset,
      });
      setPages(p => [...p, page]);
    } catch (e) {
      setFailure(e as Error);
    } finally {
      setLoading(false);
    }
  };
  return {
    instances: [...state.instances, ...pages.flatMap(p => p.instances)],
    errors: pages.flatMap(p => p.errors),
    nextOffset: last.nextOffset,
    more,
    loading,
    failure,
  };
}

/** Where the entity's module runs, with object health, drift and the last deploy. @public */
export function InstancesCard(props: {
  state: EntityDeployState;
  /** Called after "Check drift now" stored a result, to reload the state. */
  onDriftChecked?: () => void;
  /** Why the last background refresh failed (the state shown is the one read before). */
  refreshError?: Error;
}) {
  const { target } = props.state;
  const { t } = useTranslationRef(moduleDeployTranslationRef);
  const paged = useMorePages(props.state);
  const rows: Row[] = paged.instances.map(i => ({
    ...i,
    id: `${i.cluster}/${i.namespace}/${i.name}`,
  }));
  const total = props.state.total ?? rows.length;
  return (
    <PeriscopeCard
      title={t('instances.title')}
      subheader={
        target
          ? `module ${target.module} as instance '${
              target.instanceName
            }' in namespace ${
              target.namespace
            }, rolled out to ${target.clusters.join(' → ')}`
          : undefined
      }
    >
      <CheckDriftButton
        entityRef={props.state.entityRef}
        disabled={!rows.some(r => r.deployed)}
        onChecked={() => props.onDriftChecked?.()}
      />
      {rows.every(r => !r.deployed) && rows.length > 0 && (
        <Typography>
          {t('instances.notDeployed', { instance: target?.instanceName ?? '' })}
        </Typography>
      )}
      <Table<Row>
        options={{ paging: false, search: false, toolbar: false }}
        columns={columns}
        data={rows}
      />
      {paged.errors.length > 0 && <ClusterErrorsPanel errors={paged.errors} />}
      {paged.nextOffset !== undefined && (
        <Box mt={1}>
          <Button
            variant="outlined"
            size="small"
            onClick={paged.more}
            disabled={paged.loading}
          >
            {paged.loading
              ? t('instances.loadingMore')
              : t('instances.more', {
                  shown: String(rows.length),
                  total: String(total),
                })}
          </Button>
        </Box>
      )}
      {paged.failure && (
        <Box mt={1}>
          <Alert severity="error">{paged.failure.message}</Alert>
        </Box>
      )}
      {props.state.refreshedAt && (
        <Box mt={1}>
          <Typography variant="caption" color="textSecondary">
            {t('instances.refreshedAt', {
              time: new Date(props.state.refreshedAt).toLocaleString(),
            })}
          </Typography>
        </Box>
      )}
      {props.refreshError && (
        <Box mt={1}>
          <Alert severity="warning">
            {t('instances.refreshFailed', {
              message: props.refreshError.message,
            })}
          </Alert>
        </Box>
      )}
    </PeriscopeCard>
  );
}
