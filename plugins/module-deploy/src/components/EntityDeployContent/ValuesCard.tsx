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
import Form from '@rjsf/material-ui';
import validator from '@rjsf/validator-ajv8';
import { useMemo, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import {
  DeployStreamEvent,
  moduleDeployApiRef,
  PreviewResult,
} from '../../api';
import { moduleDeployTranslationRef } from '../../translation';
import { DiffView } from '../common/DiffView';
import { ProgressView } from '../common/ProgressView';
import { extraErrorsFor, formSchema, uiSchemaFor } from '../common/schemaForm';

/**
 * The values form generated from the module's schema, pre-filled with the current values;
 * Preview shows the per-object diff, Deploy streams the rollout. Without the apply permission
 * the card is read-only: Deploy is disabled and says why, Preview still works.
 * @public
 */
export function ValuesCard(props: {
  entityRef: string;
  apply: EntityPermission;
  onDeployed: () => void;
}) {
  const api = useApi(moduleDeployApiRef);
  const { t } = useTranslationRef(moduleDeployTranslationRef);
  const { value, loading, error } = useAsync(
    () => api.getSchema(props.entityRef),
    [api, props.entityRef],
  );
  const [formData, setFormData] = useState<JsonObject | undefined>();
  const [preview, setPreview] = useState<PreviewResult | undefined>();
  const [events, setEvents] = useState<DeployStreamEvent[]>([]);
  const [busy, setBusy] = useState<'preview' | 'deploy' | undefined>();
  const [failure, setFailure] = useState<Error | undefined>();
  const schema = useMemo(
    () => (value?.schema ? formSchema(value.schema) : undefined),
    [value],
  );
  const uiSchema = useMemo(
    () => (value?.schema ? uiSchemaFor(value.schema) : {}),
    [value],
  );

  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!value?.schema || !schema) return null;
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
  const run = async (kind: 'preview' | 'deploy') => {
    if (kind === 'deploy' && !props.apply.allowed) return;
    setBusy(kind);
    setFailure(undefined);
    try {
      if (kind === 'preview') {
        setEvents([]);
        setPreview(await api.preview(props.entityRef, data));
      } else {
        setPreview(undefined);
        const seen: DeployStreamEvent[] = [];
        const done = await api.deploy(props.entityRef, data, e => {
          seen.push(e);
          setEvents([...seen]);
        });
        if (done.type === 'done' && done.ok) props.onDeployed();
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
      <Form
        schema={schema as any}
        uiSchema={uiSchema as any}
        formData={data}
        validator={validator}
        extraErrors={extraErrorsFor(issues) as any}
        onChange={e => setFormData(e.formData as JsonObject)}
        showErrorList={false}
        noHtml5Validate
      >
        <Box mt={2}>
          <Button
            variant="outlined"
            color="primary"
            disabled={!!busy}
            onClick={() => run('preview')}
          >
            {t('values.preview')}
          </Button>{' '}
          <WithReason reason={deployReason}>
            <Button
              variant="contained"
              color="primary"
              disabled={!!busy || !props.apply.allowed}
              onClick={() => run('deploy')}
            >
              {t('values.deploy')}
            </Button>
          </WithReason>
        </Box>
      </Form>
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
