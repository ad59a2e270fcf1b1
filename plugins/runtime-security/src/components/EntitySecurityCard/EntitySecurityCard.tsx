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
import { runtimeSecurityApiRef } from '../../api';
import { runtimeSecurityTranslationRef } from '../../translation';
import { SeveritySummary } from '../common/severity';
import { usePolledAsync } from '@periscope/periscope-react';
import { SECURITY_POLL_MS } from '../common/pollIntervals';

/**
 * Overview card: open runtime findings of the entity by severity, linking to the Security tab.
 * @public
 */
export function EntitySecurityCard() {
  const { entity } = useEntity();
  const api = useApi(runtimeSecurityApiRef);
  const { t } = useTranslationRef(runtimeSecurityTranslationRef);
  const entityRef = stringifyEntityRef(entity);
  // shown at once, refreshed in the background while the page is visible
  const { value, loading, error } = usePolledAsync(
    () => api.getEntitySecurity(entityRef),
    [api, entityRef],
    () => SECURITY_POLL_MS,
  );
  let body;
  if (loading && !value) body = <Progress />;
  else if (error && !value) body = <ResponseErrorPanel error={error} />;
  else if (!value) body = null;
  else if (value.status === 'not-configured')
    body = <Typography>{t('entityCard.notConfigured')}</Typography>;
  else if (value.status === 'not-annotated')
    body = <Typography>{t('entityCard.notAnnotated')}</Typography>;
  else if (value.findings.length === 0)
    body = <Typography>{t('entityCard.noFindings')}</Typography>;
  else {
    body = (
      <>
        {/* the backend's counts are over every finding; an older backend's answer has only the first page */}
        <SeveritySummary findings={value.findings} counts={value.openCounts} />
        {value.errors?.length ? (
          <Typography variant="body2" color="error" style={{ marginTop: 8 }}>
            {t('entityCard.partial', { sources: String(value.errors.length) })}
          </Typography>
        ) : null}
      </>
    );
  }
  const deepLink =
    value?.status === 'ok'
      ? { title: t('entityCard.deepLink'), link: 'security' }
      : undefined;
  return (
    <InfoCard
      title={t('entityCard.title')}
      subheader={t('entityCard.subheader')}
      deepLink={deepLink}
    >
      {body}
    </InfoCard>
  );
}
