import { Table, TableColumn } from '@backstage/core-components';
import { Chip, Tooltip, Typography } from '@material-ui/core';
import { PeriscopeCard } from '@periscope/periscope-react';
import type { EntityDeployState, InstanceState } from '../../api';

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

/** Where the entity's module runs, with object health, drift and the last deploy. @public */
export function InstancesCard(props: { state: EntityDeployState }) {
  const { target, instances } = props.state;
  const rows: Row[] = instances.map(i => ({
    ...i,
    id: `${i.cluster}/${i.namespace}/${i.name}`,
  }));
  return (
    <PeriscopeCard
      title="Instances"
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
      {rows.every(r => !r.deployed) && rows.length > 0 && (
        <Typography>
          Not deployed yet: no instance '{target?.instanceName}' exists in any
          target cluster.
        </Typography>
      )}
      <Table<Row>
        options={{ paging: false, search: false, toolbar: false }}
        columns={columns}
        data={rows}
      />
    </PeriscopeCard>
  );
}
