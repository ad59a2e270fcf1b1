import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Box, Button, Grid, Typography } from '@material-ui/core';
import { useEffect, useMemo, useState } from 'react';
import {
  ClusterErrorsPanel,
  EntityStatePanel,
  PeriscopeCard,
  usePolledAsync,
} from '@periscope/periscope-react';
import { runtimeSecurityApiRef, SecurityFinding } from '../../api';
import { runtimeSecurityTranslationRef } from '../../translation';
import { FindingDetailDialog } from '../common/FindingDetail';
import { FindingsTable } from '../common/FindingsTable';
import { SeveritySummary } from '../common/severity';
import { TimelineChart } from '../common/TimelineChart';
import { SECURITY_POLL_MS } from '../common/pollIntervals';

function Timeline(props: { entityRef: string; version: number }) {
  const api = useApi(runtimeSecurityApiRef);
  const { t } = useTranslationRef(runtimeSecurityTranslationRef);
  const { value, loading, error } = usePolledAsync(
    () => api.getTimeline(props.entityRef, 14),
    [api, props.entityRef, props.version],
    () => SECURITY_POLL_MS,
  );
  if (loading && !value) return <Progress />;
  if (error && !value)
    return (
      <ResponseErrorPanel
        error={error}
        title={t('entityContent.overTimeError')}
      />
    );
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
  // the first page at once, refreshed in the background while the tab is visible
  const { value, loading, error, reload } = usePolledAsync(
    () => api.getEntitySecurity(entityRef),
    [api, entityRef],
    () => SECURITY_POLL_MS,
  );
  // later pages the user asked for ("Show more"), kept across refreshes of the first page;
  // `offsets` are those pages' offsets, read again after a triage change
  const [more, setMore] = useState<{
    findings: SecurityFinding[];
    nextOffset?: number;
    offsets: number[];
    loading: boolean;
    error?: Error;
  }>();
  useEffect(() => setMore(undefined), [entityRef]);
  const findings = useMemo(() => {
    if (!more) return value?.findings ?? [];
    const seen = new Set<string>();
    // a finding that moved between pages since they were read is shown once
    return [...(value?.findings ?? []), ...more.findings].filter(
      f => !seen.has(f.id) && !!seen.add(f.id),
    );
  }, [value, more]);
  const nextOffset = more ? more.nextOffset : value?.nextOffset;
  const showMore = async () => {
    if (nextOffset === undefined) return;
    setMore(m => ({
      findings: m?.findings ?? [],
      nextOffset: m?.nextOffset ?? nextOffset,
      offsets: m?.offsets ?? [],
      loading: true,
    }));
    try {
      const page = await api.getEntitySecurity(entityRef, {
        offset: nextOffset,
      });
      setMore(m => ({
        findings: [...(m?.findings ?? []), ...page.findings],
        nextOffset: page.nextOffset,
        offsets: [...(m?.offsets ?? []), nextOffset],
        loading: false,
      }));
    } catch (e) {
      setMore(m => ({
        findings: m?.findings ?? [],
        nextOffset,
        offsets: m?.offsets ?? [],
        loading: false,
        error: e as Error,
      }));
    }
  };
  /**
   * After a triage change: the first page again (its counts are over every finding), and the later
   * pages shown so far, so a finding triaged on any of them shows its new state. Triage does not
   * change the order, so the same offsets hold the same findings.
   */
  const refreshAfterTriage = async () => {
    reload();
    setVersion(v => v + 1);
    const offsets = more?.offsets ?? [];
    if (offsets.length === 0) return;
    setMore(m => m && { ...m, loading: true, error: undefined });
    try {
      const pages = await Promise.all(
        offsets.map(offset => api.getEntitySecurity(entityRef, { offset })),
      );
      setMore({
        findings: pages.flatMap(p => p.findings),
        nextOffset: pages[pages.length - 1].nextOffset,
        offsets,
        loading: false,
      });
    } catch (e) {
      setMore(m => m && { ...m, loading: false, error: e as Error });
    }
  };
  if (loading && !value) return <Progress />;
  if (error && !value) return <ResponseErrorPanel error={error} />;
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
        {nextOffset !== undefined && (
          <Typography role="status" variant="body2" color="textSecondary">
            {value.total !== undefined
              ? t('entityContent.truncatedOf', {
                  shown: String(findings.length),
                  total: String(value.total),
                })
              : t('entityContent.truncated', {
                  shown: String(findings.length),
                })}
          </Typography>
        )}
      </Grid>
      <Grid item xs={12} md={5}>
        <PeriscopeCard
          title={t('entityContent.openTitle')}
          subheader={t('entityContent.openSubheader', {
            selector: value.labelSelector ?? '',
          })}
        >
          {/* the backend's counts are over every finding; an older backend's answer has none: count the loaded ones */}
          <SeveritySummary findings={findings} counts={value.openCounts} />
        </PeriscopeCard>
      </Grid>
      <Grid item xs={12} md={7}>
        <PeriscopeCard
          title={t('entityContent.overTimeTitle')}
          subheader={t('entityContent.overTimeSubheader')}
        >
          <Timeline entityRef={entityRef} version={version} />
        </PeriscopeCard>
      </Grid>
      <Grid item xs={12}>
        <PeriscopeCard
          title={t('entityContent.findingsTitle')}
          subheader={t('entityContent.findingsSubheader')}
        >
          {findings.length === 0 ? (
            <Typography>{t('entityContent.noFindings')}</Typography>
          ) : (
            <FindingsTable
              findings={findings}
              onOpen={f => setOpen({ id: f.id, title: f.title })}
            />
          )}
          {more?.error && <ResponseErrorPanel error={more.error} />}
          {nextOffset !== undefined && (
            <Box mt={2}>
              <Button
                variant="outlined"
                onClick={showMore}
                disabled={more?.loading}
              >
                {more?.loading
                  ? t('entityContent.loadingMore')
                  : t('entityContent.more')}
              </Button>
            </Box>
          )}
        </PeriscopeCard>
      </Grid>
      <FindingDetailDialog
        entityRef={entityRef}
        id={open?.id}
        title={open?.title}
        onClose={changed => {
          setOpen(undefined);
          if (changed) refreshAfterTriage();
        }}
      />
    </Grid>
  );
}
