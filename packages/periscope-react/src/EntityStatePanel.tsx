import type { ReactNode } from 'react';
import {
  CodeSnippet,
  EmptyState,
  InfoCard,
  WarningPanel,
} from '@backstage/core-components';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { Typography } from '@material-ui/core';
import { periscopeReactTranslationRef } from './translation';

/**
 * Common envelope of every Periscope entity endpoint.
 * @public
 */
export interface PeriscopeEntityEnvelope {
  status: 'ok' | 'not-configured' | 'not-annotated';
  errors?: Array<{ cluster: string; errorType: string; message: string }>;
}

const KUBERNETES_CONFIG_EXAMPLE = `kubernetes:
  serviceLocatorMethod:
    type: multiTenant
  clusterLocatorMethods:
    - type: config
      clusters:
        - name: production
          url: https://10.0.0.1:6443
          authProvider: serviceAccount
          serviceAccountToken: \${K8S_PRODUCTION_TOKEN}
          caData: \${K8S_PRODUCTION_CA}`;

/**
 * The "not configured" and "not annotated" states shared by the Health, Deploy and
 * Security tabs. Returns null for `ok`.
 * @public
 */
export function EntityStatePanel(props: {
  status: PeriscopeEntityEnvelope['status'];
  feature: string;
  annotationHelp: string;
}) {
  const { t } = useTranslationRef(periscopeReactTranslationRef);
  if (props.status === 'not-configured') {
    return (
      <EmptyState
        missing="info"
        title={t('entityState.notConfiguredTitle', { feature: props.feature })}
        description={t('entityState.notConfiguredDescription')}
        action={
          <CodeSnippet
            text={KUBERNETES_CONFIG_EXAMPLE}
            language="yaml"
            showCopyCodeButton
          />
        }
      />
    );
  }
  if (props.status === 'not-annotated') {
    return (
      <EmptyState
        missing="field"
        title={t('entityState.notAnnotatedTitle')}
        description={t('entityState.notAnnotatedDescription', {
          feature: props.feature,
        })}
        action={
          <CodeSnippet
            text={props.annotationHelp}
            language="yaml"
            showCopyCodeButton
          />
        }
      />
    );
  }
  return null;
}

/**
 * Per-cluster failures: the other clusters' data still shows.
 * @public
 */
export function ClusterErrorsPanel(props: {
  errors?: PeriscopeEntityEnvelope['errors'];
}) {
  const { t } = useTranslationRef(periscopeReactTranslationRef);
  if (!props.errors?.length) return null;
  return (
    <WarningPanel
      severity="warning"
      title={t('clusterErrors.title', {
        clusters: String(props.errors.length),
      })}
    >
      {props.errors.map(e => (
        <Typography key={e.cluster} variant="body2">
          <strong>{e.cluster}</strong> ({e.errorType}): {e.message}
        </Typography>
      ))}
    </WarningPanel>
  );
}

/**
 * A titled card for the body of a tab.
 * @public
 */
export function PeriscopeCard(props: {
  title: string;
  subheader?: string;
  children: ReactNode;
}) {
  return (
    <InfoCard title={props.title} subheader={props.subheader}>
      {props.children}
    </InfoCard>
  );
}
