import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Typography } from '@material-ui/core';
import { k8sDiagnosticsApiRef } from '../../api';
import { k8sDiagnosticsTranslationRef } from '../../translation';
import { objectLabel, SeveritySummary } from '../common/severity';
import { usePolledAsync } from '@periscope/periscope-react';
import { healthPollMs } from '../common/pollIntervals';

/**
 * Overview-page card: severity counts and the most severe workloads, linking to the Health tab.
 * @public
 */
export function EntityHealthCard() {
  const { entity } = useEntity();
  const api = useApi(k8sDiagnosticsApiRef);
  const { t } = useTranslationRef(k8sDiagnosticsTranslationRef);
  const entityRef = stringifyEntityRef(entity);
  // the stored scan at once, refreshed in the background while the page is shown
  const { value, loading, error } = usePolledAsync(
    () => api.getEntityHealth(entityRef),
    [api, entityRef],
    healthPollMs,
  );
  const title = t('entityCard.title');
  const link = { title: t('entityCard.deepLink'), link: 'health' };
  if (loading && !value)
    return (
      <InfoCard title={title}>
        <Progress />
      </InfoCard>
    );
  if (error && !value)
    return (
      <InfoCard title={title}>
        <ResponseErrorPanel error={error} />
      </InfoCard>
    );
  if (!value) return null;
  if (value.status === 'not-configured') {
    return (
      <InfoCard title={title}>
        <Typography>{t('entityCard.notConfigured')}</Typography>
      </InfoCard>
    );
  }
  if (value.status === 'not-annotated') {
    return (
      <InfoCard title={title}>
        <Typography>{t('entityCard.notAnnotated')}</Typography>
      </InfoCard>
    );
  }
  const top = value.groups.slice(0, 3);
  return (
    <InfoCard title={title} deepLink={link}>
      <SeveritySummary summary={value.summary} />
      {value.errors.length > 0 && (
        <Typography variant="body2" color="error">
          {t('entityCard.partial', { clusters: String(value.errors.length) })}
        </Typography>
      )}
      {top.length === 0 && value.errors.length === 0 && (
        <Typography>{t('entityCard.allHealthy')}</Typography>
      )}
      {top.map(g => (
        <Typography
          key={`${g.cluster}/${objectLabel(g.workload)}`}
          variant="body2"
        >
          {g.severity}: {objectLabel(g.workload)} ({g.findings.length}{' '}
          finding(s))
        </Typography>
      ))}
    </InfoCard>
  );
}
