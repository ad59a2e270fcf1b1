import { ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  TextField,
  Typography,
} from '@material-ui/core';
import {
  PeriscopeCard,
  EntityPermission,
  notAllowedReason,
  WithReason,
} from '@periscope/periscope-react';
import { useState } from 'react';
import {
  DeployStreamEvent,
  EntityDeployState,
  moduleDeployApiRef,
} from '../../api';
import { moduleDeployTranslationRef } from '../../translation';
import { ProgressView } from '../common/ProgressView';

/**
 * Deletes the instance everywhere, after the user types its name; disabled, with the reason,
 * without the apply permission. @public
 */
export function DeleteCard(props: {
  state: EntityDeployState;
  apply: EntityPermission;
  onDeleted: () => void;
}) {
  const api = useApi(moduleDeployApiRef);
  const { t } = useTranslationRef(moduleDeployTranslationRef);
  const [open, setOpen] = useState(false);
  const [confirm, setConfirm] = useState('');
  const [events, setEvents] = useState<DeployStreamEvent[]>([]);
  const [failure, setFailure] = useState<Error | undefined>();
  const target = props.state.target;
  const deployed = props.state.instances.filter(i => i.deployed);
  if (!target || deployed.length === 0) return null;
  const objects = [
    ...new Set(
      deployed.flatMap(i => i.objects.map(o => `${o.ref} (${i.cluster})`)),
    ),
  ];

  const denied = notAllowedReason(
    props.apply,
    "delete this entity's module instance",
  );
  const remove = async () => {
    setOpen(false);
    if (!props.apply.allowed) return;
    setFailure(undefined);
    const seen: DeployStreamEvent[] = [];
    try {
      await api.deleteInstance(props.state.entityRef, confirm, e => {
        seen.push(e);
        setEvents([...seen]);
      });
      props.onDeleted();
    } catch (e) {
      setFailure(e as Error);
    }
  };

  return (
    <PeriscopeCard title={t('delete.title')}>
      <WithReason reason={denied}>
        <Button
          variant="outlined"
          color="secondary"
          disabled={!props.apply.allowed}
          onClick={() => setOpen(true)}
        >
          {t('delete.button', { instance: target.instanceName })}
        </Button>
      </WithReason>
      {denied && (
        <Typography variant="caption" color="textSecondary" component="p">
          {denied}
        </Typography>
      )}
      <Dialog
        open={open && props.apply.allowed}
        onClose={() => setOpen(false)}
        aria-labelledby="delete-title"
      >
        <DialogTitle id="delete-title">
          Delete {target.namespace}/{target.instanceName} from{' '}
          {deployed.map(i => i.cluster).join(', ')}?
        </DialogTitle>
        <DialogContent>
          <Typography>
            These {objects.length} object(s) will be removed, then the instance
            record and its history:
          </Typography>
          <ul>
            {objects.map(o => (
              <li key={o}>
                <code>{o}</code>
              </li>
            ))}
          </ul>
          <TextField
            fullWidth
            id="module-deploy-delete-confirm"
            label={t('delete.confirmLabel', { instance: target.instanceName })}
            value={confirm}
            onChange={e => setConfirm(e.target.value)}
          />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)}>{t('delete.cancel')}</Button>
          <Button
            color="secondary"
            disabled={confirm !== target.instanceName}
            onClick={remove}
          >
            {t('delete.confirm')}
          </Button>
        </DialogActions>
      </Dialog>
      {failure && <ResponseErrorPanel error={failure} />}
      {events.length > 0 && (
        <ProgressView title={t('delete.title')} events={events} />
      )}
    </PeriscopeCard>
  );
}
