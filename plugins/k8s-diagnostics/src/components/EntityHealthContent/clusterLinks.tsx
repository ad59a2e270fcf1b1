import { useMemo } from 'react';
import { Link } from '@backstage/core-components';
import {
  googleAuthApiRef,
  ProfileInfoApi,
  useApiHolder,
} from '@backstage/core-plugin-api';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import {
  DEFAULT_FORMATTER_NAME,
  getDefaultFormatters,
  KubernetesClusterLinkFormatter,
  KubernetesClusterLinkFormatterApi,
  kubernetesClusterLinkFormatterApiRef,
} from '@backstage/plugin-kubernetes-react';
import { Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { ClusterSummary, ObjectRef } from '../../api';
import { k8sDiagnosticsTranslationRef } from '../../translation';

/**
 * The Kubernetes plugin's cluster link formatter when the app has it (the Kubernetes plugin
 * installed, with any formatters the app added), else the same default formatters it builds.
 */
export function useClusterLinkFormatter(): KubernetesClusterLinkFormatterApi {
  const apis = useApiHolder();
  return useMemo(() => {
    const provided = apis.get(kubernetesClusterLinkFormatterApiRef);
    if (provided) return provided;
    // only the gke formatter uses it (to add the signed-in Google account), so it is looked up then
    const googleAuthApi: ProfileInfoApi = {
      getProfile: async options =>
        apis.get(googleAuthApiRef)?.getProfile(options),
    };
    return new KubernetesClusterLinkFormatter({
      formatters: getDefaultFormatters({ googleAuthApi }),
      defaultFormatterName: DEFAULT_FORMATTER_NAME,
    });
  }, [apis]);
}

/**
 * "Open in dashboard" for an object, when its cluster has a `dashboardUrl` (`dashboardApp` picks the
 * format, `standard` by default). Nothing when there is no dashboard or the formatter cannot build a
 * link (an unknown `dashboardApp`, or one such as `gke` that needs `dashboardParameters`).
 */
export function DashboardLink(props: {
  cluster?: ClusterSummary;
  object: ObjectRef;
  formatter: KubernetesClusterLinkFormatterApi;
}) {
  const { cluster, object, formatter } = props;
  const { t } = useTranslationRef(k8sDiagnosticsTranslationRef);
  const { value: href } = useAsync(async () => {
    if (!cluster?.dashboardUrl) return undefined;
    try {
      return await formatter.formatClusterLink({
        dashboardUrl: cluster.dashboardUrl,
        dashboardApp: cluster.dashboardApp,
        object: {
          metadata: { name: object.name, namespace: object.namespace },
        },
        kind: object.kind,
      });
    } catch {
      return undefined;
    }
  }, [
    cluster?.dashboardUrl,
    cluster?.dashboardApp,
    object.kind,
    object.name,
    object.namespace,
    formatter,
  ]);
  if (!href || !/^https?:\/\//i.test(href)) return null;
  return (
    <Typography variant="caption">
      <Link to={href}>{t('entityContent.openInDashboard')}</Link>
    </Typography>
  );
}

/**
 * The clusters of this entity's results that are read with the signed-in user's own credentials:
 * scheduled scans skip them, so their findings are only as fresh as the last Rescan.
 */
export function ClientSideClustersNote(props: {
  clusters: ClusterSummary[];
  relevant: Set<string>;
}) {
  const { t } = useTranslationRef(k8sDiagnosticsTranslationRef);
  const names = props.clusters
    .filter(c => c.clientSide && props.relevant.has(c.name))
    .map(c => c.name);
  if (names.length === 0) return null;
  return (
    <Typography variant="caption" color="textSecondary" component="p">
      {t('entityContent.clientSideClusters', { clusters: names.join(', ') })}
    </Typography>
  );
}
