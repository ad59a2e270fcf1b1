import { List, ListItem, ListItemText, Typography } from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import type { DeployStreamEvent } from '../../api';
import { moduleDeployTranslationRef } from '../../translation';

function line(e: DeployStreamEvent): string | undefined {
  switch (e.type) {
    case 'start':
      return `${e.action} ${e.namespace}/${e.instanceName} to ${e.clusters.join(
        ', ',
      )}`;
    case 'cluster':
      return `cluster ${e.cluster}: ${e.status}${
        e.revision ? ` (revision ${e.revision})` : ''
      }${e.message ? ` — ${e.message}` : ''}`;
    case 'step':
      return `${e.cluster}: [${e.event.phase}] ${
        e.event.object ? `${e.event.object} ` : ''
      }${e.event.message}`;
    case 'invalid':
      return `values rejected: ${e.message}`;
    default:
      return undefined;
  }
}

/** The steps of a deploy, rollback or delete as they stream in. @public */
export function ProgressView(props: {
  events: DeployStreamEvent[];
  title: string;
}) {
  const { t } = useTranslationRef(moduleDeployTranslationRef);
  const done = props.events.find(e => e.type === 'done') as
    | Extract<DeployStreamEvent, { type: 'done' }>
    | undefined;
  return (
    <>
      <Typography variant="subtitle1">{props.title}</Typography>
      <List dense aria-label="progress">
        {props.events.map((e, i) => {
          const text = line(e);
          return text ? (
            <ListItem key={i}>
              <ListItemText primary={text} />
            </ListItem>
          ) : null;
        })}
      </List>
      {!done && (
        <Typography variant="body2">{t('progress.inProgress')}</Typography>
      )}
      {done?.ok && (
        <Alert severity="success">
          Done:{' '}
          {done.results
            .map(
              r =>
                `${r.cluster} ${r.status}${
                  r.revision ? ` (revision ${r.revision})` : ''
                }`,
            )
            .join(', ')}
        </Alert>
      )}
      {done && !done.ok && (
        <Alert severity="error">
          Failed:{' '}
          {done.error ??
            (done.results.find(r => r.status === 'failed')?.message ||
              'the values were rejected')}
        </Alert>
      )}
    </>
  );
}
