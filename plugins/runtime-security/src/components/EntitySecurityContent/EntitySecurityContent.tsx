import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Grid, Typography } from '@material-ui/core';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { ClusterErrorsPanel, EntityStatePanel, PeriscopeCard } from '@periscope/periscope-react';
import { runtimeSecurityApiRef } from '../../api';
import { runtimeSecurityTranslationRef } from '../../translation';
import { FindingDetailDialog } from '../shared/FindingDetail';
import { FindingsTable } from '../shared/FindingsTable';
import { SeveritySummary } from '../shared/severity';
import { TimelineChart } from '../shared/TimelineChart';

function Timeline(props: { entityRef: string; version: number }) {
  const api = useApi(runtimeSecurityApiRef);
  const { t } = useTranslationRef(runtimeSecurityTranslationRef);
  const { value, loading, error } = useAsync(() => api.getTimeline(props.entityRef, 14), [api, props.entityRef, props.version]);
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} title={t('entityContent.overTimeError')} />;
  return value ? <TimelineChart timeline={value} /> : null;
}

/**
 * The entity "Security" tab: severity summary, findings over time, findings
 * table with filters and search, detail with process tree and triage.
 * @public
 */
export function EntitySecurityContent() {
  const { entity } = useEntity();
  const api = useApi(runtimeSecurityApiRef);
  const entityRef = stringifyEntityRef(entity);
  const { t } = useTranslationRef(runtimeSecurityTranslationRef);
  const [open, setOpen] = useState<{ id: string; title: string }>();
  const [version, setVersion] = useState(0);
  const { value, loading, error, retry } = useAsyncRetry(() => api.getEntitySecurity(entityRef), [api, entityRef]);
  if (loading && !value) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!value) return null;
  if (value.status !== 'ok') {
    return (
      <EntityStatePanel
        status={value.status}
        feature={t('feature')}
        annotationHelp={`metadata:\n  annotations:\n    backstage.io/kubernetes-id: ${entity.metadata.name}`}
      />
    );
  }
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <ClusterErrorsPanel errors={value.errors} />
        {value.truncated && (
          <Typography role="status" variant="body2" color="textSecondary">
            {t('entityContent.truncated', { shown: String(value.findings.length) })}
          </Typography>
        )}
      </Grid>
      <Grid item xs={12} md={5}>
        <PeriscopeCard title={t('entityContent.openTitle')} subheader={t('entityContent.openSubheader', { selector: value.labelSelector ?? '' })}>
          <SeveritySummary findings={value.findings} />
        </PeriscopeCard>
      </Grid>
      <Grid item xs={12} md={7}>
        <PeriscopeCard title={t('entityContent.overTimeTitle')} subheader={t('entityContent.overTimeSubheader')}>
          <Timeline entityRef={entityRef} version={version} />
        </PeriscopeCard>
      </Grid>
      <Grid item xs={12}>
        <PeriscopeCard title={t('entityContent.findingsTitle')} subheader={t('entityContent.findingsSubheader')}>
          {value.findings.length === 0 ? (
            <Typography>{t('entityContent.noFindings')}</Typography>
          ) : (
            <FindingsTable findings={value.findings} onOpen={f => setOpen({ id: f.id, title: f.title })} />
          )}
        </PeriscopeCard>
      </Grid>
      <FindingDetailDialog
        entityRef={entityRef}
        id={open?.id}
        title={open?.title}
        onClose={changed => {
          setOpen(undefined);
          if (changed) {
            retry();
            setVersion(v => v + 1);
          }
        }}
      />
    </Grid>
  );
}
