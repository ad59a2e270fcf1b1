import {
  CodeSnippet,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import {
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Link,
  MenuItem,
  TextField,
  Typography,
} from '@material-ui/core';
import { useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { runtimeSecurityTriagePermission } from '@periscope/backstage-plugin-runtime-security-common';
import {
  ProcessNode,
  runtimeSecurityApiRef,
  SecurityFindingDetail,
  TriageState,
} from '../../api';
import { useEntityActionPermission } from '@periscope/periscope-react';
import { SeverityChip } from './severity';
import { runtimeSecurityTranslationRef } from '../../translation';

function mitreUrl(id: string): string {
  if (id.startsWith('TA')) return `https://attack.mitre.org/tactics/${id}/`;
  return `https://attack.mitre.org/techniques/${id.replace('.', '/')}/`;
}

/** The process ancestry as an indented tree, root first; the event's process is last and bold. */
export function ProcessTree(props: { ancestry: ProcessNode[] }) {
  if (!props.ancestry.length)
    return (
      <Typography variant="body2">No process ancestry was recorded.</Typography>
    );
  return (
    <ul
      aria-label="process tree"
      style={{
        listStyle: 'none',
        paddingLeft: 0,
        margin: 0,
        fontFamily: 'monospace',
      }}
    >
      {props.ancestry.map((p, i) => (
        <li
          key={`${p.execId}-${i}`}
          style={{
            paddingLeft: i * 16,
            fontWeight: i === props.ancestry.length - 1 ? 700 : 400,
          }}
        >
          {i > 0 ? '└─ ' : ''}
          {p.binary} {p.arguments}
          <Typography component="span" variant="caption" color="textSecondary">
            {' '}
            {p.pid !== undefined ? `pid ${p.pid}` : ''}
            {p.uid !== undefined ? ` uid ${p.uid}` : ''}
            {p.container ? ` · ${p.container}` : ''}
          </Typography>
        </li>
      ))}
    </ul>
  );
}

/**
 * Acknowledge / false positive / open again, with a reason. Save stays disabled until the triage
 * permission is known to be allowed for the entity; when it is not, the form gives way to the reason.
 */
function TriageForm(props: {
  detail: SecurityFindingDetail;
  entityRef: string;
  onDone: () => void;
}) {
  const api = useApi(runtimeSecurityApiRef);
  const alertApi = useApi(alertApiRef);
  const { t } = useTranslationRef(runtimeSecurityTranslationRef);
  const permission = useEntityActionPermission(
    runtimeSecurityTriagePermission,
    props.entityRef,
    "acknowledge this entity's findings, mark them false positives or open them again",
  );
  const [state, setState] = useState<TriageState>(
    props.detail.triage.state === 'open' ? 'acknowledged' : 'open',
  );
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const needsReason = state !== 'open';
  const submit = async () => {
    if (!permission.allowed) return;
    setBusy(true);
    try {
      await api.triageFinding(props.entityRef, props.detail.id, state, reason);
      alertApi.post({
        message: `Finding marked ${state}`,
        severity: 'success',
        display: 'transient',
      });
      setReason('');
      props.onDone();
    } catch (e) {
      alertApi.post({
        message: `Could not triage the finding: ${(e as Error).message}`,
        severity: 'error',
      });
    } finally {
      setBusy(false);
    }
  };
  if (permission.reason) {
    return (
      <Typography variant="body2" color="textSecondary">
        {permission.reason}
      </Typography>
    );
  }
  return (
    <Box display="flex" style={{ gap: 12 }} alignItems="flex-end" mt={1}>
      <TextField
        select
        label={t('findingDetail.markAs')}
        value={state}
        onChange={e => setState(e.target.value as TriageState)}
        style={{ minWidth: 160 }}
      >
        <MenuItem value="acknowledged">acknowledged</MenuItem>
        <MenuItem value="false-positive">false positive</MenuItem>
        <MenuItem value="open">open again</MenuItem>
      </TextField>
      <TextField
        label={t('findingDetail.why')}
        value={reason}
        onChange={e => setReason(e.target.value)}
        required={needsReason}
        inputProps={{ 'aria-label': 'triage reason', maxLength: 2000 }}
        style={{ flexGrow: 1 }}
      />
      <Button
        variant="contained"
        color="primary"
        disabled={
          busy || !permission.allowed || (needsReason && !reason.trim())
        }
        onClick={submit}
      >
        {t('findingDetail.save')}
      </Button>
    </Box>
  );
}

function DetailBody(props: {
  detail: SecurityFindingDetail;
  entityRef?: string;
  onChanged: () => void;
}) {
  const d = props.detail;
  const { t } = useTranslationRef(runtimeSecurityTranslationRef);
  return (
    <>
      <Box display="flex" alignItems="center" style={{ gap: 8 }} mb={2}>
        <SeverityChip severity={d.severity} />
        <Typography variant="body2">
          {d.count} event(s) · first {d.firstSeen} · last {d.lastSeen} ·{' '}
          {d.outcome}
        </Typography>
      </Box>
      <Typography variant="subtitle2">MITRE ATT&CK</Typography>
      <Typography variant="body2" paragraph>
        <Link href={mitreUrl(d.mitre.id)} target="_blank" rel="noopener">
          {d.mitre.id}
        </Link>{' '}
        {d.mitre.name}
      </Typography>
      <Typography variant="subtitle2">
        {t('findingDetail.remediation')}
      </Typography>
      <Typography variant="body2" paragraph>
        {d.remediation}
      </Typography>
      <Typography variant="subtitle2">{t('findingDetail.evidence')}</Typography>
      <Typography variant="body2" paragraph>
        {d.sample.type} at {d.sample.time} on {d.sample.node ?? 'unknown node'},
        pod {d.sample.pod ?? '-'}
        {d.sample.image ? ` (${d.sample.image})` : ''}
        {d.sample.function ? `, ${d.sample.function}` : ''}
        {d.sample.policy ? `, policy ${d.sample.policy}` : ''}
        {d.sample.detail ? ` — ${d.sample.detail}` : ''}
      </Typography>
      <Typography variant="subtitle2">
        {t('findingDetail.processTree')}
      </Typography>
      <Box mb={2}>
        <ProcessTree ancestry={d.sample.ancestry} />
      </Box>
      <Typography variant="subtitle2">{t('findingDetail.triage')}</Typography>
      <Typography variant="body2">
        {d.triage.state === 'open'
          ? t('findingDetail.notTriaged')
          : `${d.triage.state} by ${d.triage.by ?? 'unknown'} at ${
              d.triage.at ?? '?'
            }: ${d.triage.reason ?? ''}`}
      </Typography>
      {props.entityRef && (
        <TriageForm
          detail={d}
          entityRef={props.entityRef}
          onDone={props.onChanged}
        />
      )}
      <Box mt={2}>
        <Typography variant="subtitle2">
          {t('findingDetail.rawEvent')}
        </Typography>
        {d.sample.raw ? (
          <CodeSnippet
            language="json"
            text={JSON.stringify(d.sample.raw, null, 2)}
            showCopyCodeButton
          />
        ) : (
          <Typography variant="body2">
            {t('findingDetail.rawDropped')}
          </Typography>
        )}
      </Box>
    </>
  );
}

/** A dialog with one finding's detail, loaded from the backend, and its triage form. */
export function FindingDetailDialog(props: {
  entityRef: string;
  id?: string;
  title?: string;
  onClose: (changed: boolean) => void;
}) {
  const api = useApi(runtimeSecurityApiRef);
  const { t } = useTranslationRef(runtimeSecurityTranslationRef);
  const [changed, setChanged] = useState(false);
  const { id, entityRef } = props;
  const { value, loading, error, retry } = useAsyncRetry(
    async () => (id ? api.getFinding(entityRef, id) : undefined),
    [api, entityRef, id],
  );
  return (
    <Dialog
      open={!!id}
      onClose={() => props.onClose(changed)}
      maxWidth="md"
      fullWidth
    >
      <DialogTitle>
        {value?.title ?? props.title ?? t('findingDetail.fallbackTitle')}
      </DialogTitle>
      <DialogContent>
        {loading && <Progress />}
        {error && <ResponseErrorPanel error={error} />}
        {value && (
          <DetailBody
            detail={value}
            entityRef={entityRef}
            onChanged={() => {
              setChanged(true);
              retry();
            }}
          />
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={() => props.onClose(changed)}>
          {t('findingDetail.close')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
