import {
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { Box, Button, Checkbox, Typography } from '@material-ui/core';
import {
  PeriscopeCard,
  EntityPermission,
  notAllowedReason,
  WithReason,
} from '@periscope/periscope-react';
import { useRef, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import {
  DeployStreamEvent,
  EntityHistory,
  moduleDeployApiRef,
  RevisionInfo,
} from '../../api';
import { moduleDeployTranslationRef } from '../../translation';
import { ProgressView } from '../common/ProgressView';
import { diffValues } from '../common/schemaForm';
import { YamlDiff } from '../common/YamlDiff';
import { AuditTrail } from './AuditTrail';

type Row = RevisionInfo & { id: string };

/** Revisions per page of the revisions table. */
export const REVISIONS_PAGE = 5;
/** Records per page of the audit trail (GET /entity/history `limit`). */
export const AUDIT_PAGE = 10;

/**
 * Revisions per cluster, paged, with who deployed each and why (the change message); the values
 * of any two side by side; one-click rollback (disabled, with the reason, without the apply
 * permission); the audit trail, paged through the backend. @public
 */
export function HistoryCard(props: {
  entityRef: string;
  apply: EntityPermission;
  refreshKey: number;
  onChanged: () => void;
  /**
   * The first page (`limit` AUDIT_PAGE, offset 0) of GET /entity/history, already asked for with
   * the tab's other requests: used for the first load only.
   */
  initial?: Promise<EntityHistory>;
}) {
  const api = useApi(moduleDeployApiRef);
  const { t } = useTranslationRef(moduleDeployTranslationRef);
  const [auditOffset, setAuditOffset] = useState(0);
  const initialUsed = useRef<Promise<EntityHistory> | undefined>(undefined);
  const { value, loading, error, retry } = useAsyncRetry(() => {
    if (
      props.initial &&
      initialUsed.current !== props.initial &&
      auditOffset === 0
    ) {
      initialUsed.current = props.initial;
      return props.initial;
    }
    return api.getHistory(props.entityRef, {
      limit: AUDIT_PAGE,
      offset: auditOffset,
    });
  }, [api, props.entityRef, props.refreshKey, auditOffset, props.initial]);
  const [selected, setSelected] = useState<string[]>([]);
  const [events, setEvents] = useState<DeployStreamEvent[]>([]);
  const [failure, setFailure] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);

  if (loading && !value) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!value || value.status !== 'ok') return null;
  const rows: Row[] = value.revisions.map(r => ({
    ...r,
    id: `${r.cluster}#${r.revision}`,
  }));

  const denied = notAllowedReason(
    props.apply,
    "roll back this entity's module instance",
  );
  const rollback = async (r: Row) => {
    if (!props.apply.allowed) return;
    setBusy(true);
    setFailure(undefined);
    const seen: DeployStreamEvent[] = [];
    try {
      await api.rollback(
        props.entityRef,
        { revision: r.revision, cluster: r.cluster },
        e => {
          seen.push(e);
          setEvents([...seen]);
        },
      );
      retry();
      props.onChanged();
    } catch (e) {
      setFailure(e as Error);
    } finally {
      setBusy(false);
    }
  };

  const toggle = (id: string) =>
    setSelected(s =>
      s.includes(id) ? s.filter(x => x !== id) : [...s.slice(-1), id],
    );
  const columns: TableColumn<Row>[] = [
    {
      title: 'Compare',
      render: r => (
        <Checkbox
          inputProps={{ 'aria-label': `compare ${r.id}` }}
          checked={selected.includes(r.id)}
          onChange={() => toggle(r.id)}
        />
      ),
    },
    { title: 'Cluster', field: 'cluster' },
    {
      title: 'Revision',
      render: r => `${r.revision}${r.current ? ' (current)' : ''}`,
    },
    { title: 'Action', field: 'action' },
    {
      title: 'By',
      render: r => r.actor ?? 'unknown (not deployed through the portal)',
    },
    { title: 'When', field: 'appliedAt' },
    {
      title: t('history.changeMessage'),
      render: r =>
        r.changeMessage ? (
          <Typography variant="body2" style={{ whiteSpace: 'pre-wrap' }}>
            {r.changeMessage}
          </Typography>
        ) : (
          <Typography variant="caption" color="textSecondary">
            {t('history.noChangeMessage')}
          </Typography>
        ),
    },
    { title: 'Module', render: r => `${r.module.name} ${r.module.version}` },
    {
      title: '',
      render: r =>
        r.current ? null : (
          <WithReason reason={denied}>
            <Button
              size="small"
              variant="outlined"
              disabled={!props.apply.allowed || busy}
              onClick={() => rollback(r)}
            >
              {t('history.rollBackTo', { revision: String(r.revision) })}
            </Button>
          </WithReason>
        ),
    },
  ];
  // the older of the two on the left
  const [a, b] = selected
    .map(id => rows.find(r => r.id === id))
    .filter((r): r is Row => !!r)
    .sort(
      (x, y) =>
        x.appliedAt.localeCompare(y.appliedAt) || x.revision - y.revision,
    );
  const changes = a && b ? diffValues(a.values, b.values) : [];

  return (
    <PeriscopeCard
      title={t('history.title')}
      subheader={t('history.subheader')}
    >
      {rows.length === 0 ? (
        <Typography>{t('history.empty')}</Typography>
      ) : (
        <Table<Row>
          options={{
            paging: rows.length > REVISIONS_PAGE,
            pageSize: REVISIONS_PAGE,
            pageSizeOptions: [REVISIONS_PAGE, 10, 25],
            search: false,
            toolbar: false,
          }}
          columns={columns}
          data={rows}
        />
      )}
      {denied && rows.some(r => !r.current) && (
        <Typography variant="caption" color="textSecondary" component="p">
          {denied}
        </Typography>
      )}
      {a && b && (
        <Box mt={2} aria-label="values diff">
          <Typography variant="subtitle1">
            Values: {a.id} → {b.id}
          </Typography>
          {changes.length === 0 ? (
            <Typography>{t('history.sameValues')}</Typography>
          ) : (
            <>
              {changes.map(c => (
                <Typography key={c.path} variant="body2">
                  <code>{c.path}</code>: {JSON.stringify(c.before) ?? '(unset)'}{' '}
                  → {JSON.stringify(c.after) ?? '(unset)'}
                </Typography>
              ))}
              <YamlDiff
                before={a.values}
                after={b.values}
                beforeTitle={`${a.id}${
                  a.changeMessage ? ` — ${a.changeMessage}` : ''
                }`}
                afterTitle={`${b.id}${
                  b.changeMessage ? ` — ${b.changeMessage}` : ''
                }`}
                label="values side by side"
              />
            </>
          )}
        </Box>
      )}
      <AuditTrail
        records={value.audit}
        offset={auditOffset}
        pageSize={AUDIT_PAGE}
        nextOffset={value.nextOffset}
        loading={loading}
        onPage={setAuditOffset}
      />
      {failure && <ResponseErrorPanel error={failure} />}
      {events.length > 0 && (
        <ProgressView title={t('history.rollback')} events={events} />
      )}
    </PeriscopeCard>
  );
}
