import { useTranslationRef } from '@backstage/frontend-plugin-api';
import {
  Box,
  Chip,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import type { ObjectDiff } from '@periscope/backstage-plugin-module-deploy-common';
import { moduleDeployTranslationRef } from '../../translation';
import { YamlDiff } from './YamlDiff';

const COLOURS: Record<
  ObjectDiff['action'],
  'primary' | 'secondary' | 'default'
> = {
  create: 'primary',
  change: 'secondary',
  prune: 'secondary',
  unchanged: 'default',
};

const show = (v: unknown) => (v === undefined ? '' : JSON.stringify(v));

/**
 * Per-object, per-field diff of one cluster; where the diff carries the objects (a preview), a
 * side-by-side YAML diff of each object that changes. @public
 */
export function DiffView(props: { cluster: string; objects: ObjectDiff[] }) {
  const { t } = useTranslationRef(moduleDeployTranslationRef);
  const changed = props.objects.filter(o => o.action !== 'unchanged');
  return (
    <Box mb={2}>
      <Typography variant="subtitle1">
        Cluster {props.cluster}: {changed.length} of {props.objects.length}{' '}
        object(s) change
      </Typography>
      {props.objects.map(o => (
        <Box key={o.id} ml={1} mt={1}>
          <Chip size="small" label={o.action} color={COLOURS[o.action]} />{' '}
          <code>{o.ref}</code>
          {o.changes.length > 0 && (
            <Table size="small" aria-label={`changes of ${o.ref}`}>
              <TableHead>
                <TableRow>
                  <TableCell>field</TableCell>
                  <TableCell>op</TableCell>
                  <TableCell>before</TableCell>
                  <TableCell>after</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {o.changes.map(c => (
                  <TableRow key={c.path}>
                    <TableCell>
                      <code>{c.path}</code>
                    </TableCell>
                    <TableCell>{c.op}</TableCell>
                    <TableCell>{show(c.before)}</TableCell>
                    <TableCell>{show(c.after)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
          {o.desired && o.action !== 'unchanged' && (
            <YamlDiff
              before={o.live}
              after={o.desired}
              beforeTitle={
                o.live ? t('values.yamlLive') : t('values.yamlNotInCluster')
              }
              afterTitle={t('values.yamlAfterDeploy')}
              label={`yaml diff of ${o.ref}`}
            />
          )}
        </Box>
      ))}
    </Box>
  );
}
