import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { Box, Button, Typography } from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import type { JsonObject } from '@periscope/backstage-plugin-module-deploy-common';
import {
  PeriscopeCard,
  EntityPermission,
  notAllowedReason,
  WithReason,
} from '@periscope/periscope-react';
import { changeMessageProblem } from '@periscope/backstage-plugin-module-deploy-common';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import {
  DeployStreamEvent,
  EntitySchema,
  moduleDeployApiRef,
  PreviewResult,
} from '../../api';
import { moduleDeployTranslationRef } from '../../translation';
import { DiffView } from '../common/DiffView';
import { PreviewWarnings } from './PreviewWarnings';
import { ProgressView } from '../common/ProgressView';
import { ChangeMessageField } from '../common/ChangeMessageField';
import { ValuesEditor } from '../common/ValuesEditor';

/**
 * The values form generated from the module's schema, pre-filled with the current values, common
 * fields first (or the values as YAML), with an optional change message; Preview shows the
 * per-object diff (field table and YAML side by side), Deploy streams the rollout. Without the apply permission
 * the card is read-only: Deploy is disabled and says why, Preview still works.
 * @public
 */
export function ValuesCard(props: {
  entityRef: string;
  apply: EntityPermission;
  onDeployed: () => void;
  /** GET /entity/schema of this entity, already asked for (with the tab's other requests). */
  schema?: Promise<EntitySchema>;
}) {
  const api = useApi(moduleDeployApiRef);
  const { t } = useTranslationRef(moduleDeployTranslationRef);
  const { value, loading, error } = useAsync(
    () => props.schema ?? api.getSchema(props.entityRef),
    [api, props.entityRef, props.schema],
  );
  const [formData, setFormData] = useState<JsonObject | undefined>();
  /** Why the values cannot be sent (YAML that does not parse), else undefined. */
  const [unusable, setUnusable] = useState<string | undefined>();
  const [changeMessage, setChangeMessage] = useState('');
  const [preview, setPreview] = useState<PreviewResult | undefined>();
  const [events, setEvents] = useState<DeployStreamEvent[]>([]);
  const [busy, setBusy] = useState<'preview' | 'deploy' | undefined>();
  const [failure, setFailure] = useState<Error | undefined>();

  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!value?.schema) return null;
  const data = formData ?? value.values ?? {};
  const invalid = events.find(e => e.type === 'invalid') as
    | Extract<DeployStreamEvent, { type: 'invalid' }>
    | undefined;
  const issues =
    preview && !preview.valid ? preview.issues : invalid?.issues ?? [];

  const readOnly = notAllowedReason(
    props.apply,
    "deploy, roll back or delete this entity's module instance",
  );
  const deployReason = notAllowedReason(
    props.apply,
    "deploy this entity's module instance",
  );
  const messageProblem = changeMessageProblem(changeMessage.trim());
  const run = async (kind: 'preview' | 'deploy') => {
    if (kind === 'deploy' && !props.apply.allowed) return;
    if (unusable || (kind === 'deploy' && messageProblem)) return;
    setBusy(kind);
    setFailure(undefined);
    try {
      if (kind === 'preview') {
        setEvents([]);
        setPreview(await api.preview(props.entityRef, data));
      } else {
        setPreview(undefined);
        const seen: DeployStreamEvent[] = [];
        const why = changeMessage.trim();
        const onEvent = (e: DeployStreamEvent) => {
          seen.push(e);
          setEvents([...seen]);
        };
        const done = why
          ? await api.deploy(props.entityRef, data, onEvent, {
              changeMessage: why,
            })
          : await api.deploy(props.entityRef, data, onEvent);
        if (done.type === 'done' && done.ok) {
          setChangeMessage('');
          props.onDeployed();
        }
      }
    } catch (e) {
      setFailure(e as Error);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <PeriscopeCard
      title={t('values.title')}
      subheader={
        value.valuesFrom === 'defaults' || !value.valuesFrom
          ? t('values.defaults')
          : t('values.current', {
              revision: String(value.valuesFrom.revision),
              cluster: value.valuesFrom.cluster,
            })
      }
    >
      {readOnly && (
        <Alert severity="info">
          {t('values.readOnly', { reason: readOnly })}
        </Alert>
      )}
      <ValuesEditor
        schema={value.schema}
        current={value.values ?? {}}
        data={data}
        issues={issues}
        onChange={(next, problem) => {
          if (next) setFormData(next);
          setUnusable(problem);
        }}
      />
      <ChangeMessageField
        value={changeMessage}
        onChange={setChangeMessage}
        disabled={!props.apply.allowed || !!busy}
      />
      <Box mt={1}>
        <Button
          variant="outlined"
          color="primary"
          disabled={!!busy || !!unusable}
          onClick={() => run('preview')}
        >
          {t('values.preview')}
        </Button>{' '}
        <WithReason reason={deployReason ?? unusable ?? messageProblem}>
          <Button
            variant="contained"
            color="primary"
            disabled={
              !!busy || !props.apply.allowed || !!unusable || !!messageProblem
            }
            onClick={() => run('deploy')}
          >
            {t('values.deploy')}
          </Button>
        </WithReason>
      </Box>
      {failure && <ResponseErrorPanel error={failure} />}
      {issues.length > 0 && (
        <Alert severity="error" aria-label="values issues">
          {t('values.rejected')}
          {issues.map(i => (
            <div key={`${i.path}:${i.message}`}>
              <code>{i.valuesPath ?? i.path}</code>: {i.message}
            </div>
          ))}
        </Alert>
      )}
      {busy === 'preview' && <Progress />}
      {preview?.valid && (
        <Box mt={2} aria-label="preview">
          <Typography variant="h6">{t('values.preview')}</Typography>
          <PreviewWarnings
            warnings={preview.warnings}
            notChecked={preview.notChecked}
          />
          {preview.errors.map(e => (
            <Alert key={e.cluster} severity="warning">
              {e.cluster}: {e.message}
            </Alert>
          ))}
          {preview.clusters.length === 0 && (
            <Typography>
              {t('values.noCluster', {
                objects: String(preview.rendered.length),
              })}
            </Typography>
          )}
          {preview.clusters.map(c => (
            <DiffView key={c.cluster} cluster={c.cluster} objects={c.objects} />
          ))}
        </Box>
      )}
      {events.length > 0 && !invalid && (
        <Box mt={2}>
          <ProgressView title={t('values.deploy')} events={events} />
        </Box>
      )}
    </PeriscopeCard>
  );
}
