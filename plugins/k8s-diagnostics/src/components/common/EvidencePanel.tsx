import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import {
  Box,
  Button,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Tab,
  Tabs,
  Typography,
} from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { k8sDiagnosticsTranslationRef } from '../../translation';
import {
  ContainerEvidence,
  FindingEvidence,
  FindingEvidenceResponse,
  HealthFinding,
  k8sDiagnosticsApiRef,
} from '../../api';

/** Kinds whose findings have a pod to show evidence of. */
const POD_KINDS = new Set([
  'Pod',
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'ReplicationController',
]);

/** Whether a finding can have evidence (a pod, or a workload with pods). */
export function hasEvidence(f: HealthFinding): boolean {
  return (
    POD_KINDS.has(f.object.kind) ||
    f.ownerChain.some(o => POD_KINDS.has(o.kind))
  );
}

const mono = {
  fontFamily: 'monospace',
  whiteSpace: 'pre-wrap' as const,
  wordBreak: 'break-word' as const,
};

function stateText(s: ContainerEvidence['state']): string {
  if (!s) return '';
  const parts = [
    s.status,
    s.reason,
    s.exitCode !== undefined ? `exit code ${s.exitCode}` : undefined,
    s.signal !== undefined ? `signal ${s.signal}` : undefined,
    s.finishedAt ? `at ${new Date(s.finishedAt).toLocaleString()}` : undefined,
  ];
  return `${parts.filter(Boolean).join(', ')}${
    s.message ? `: ${s.message}` : ''
  }`;
}

function Line(props: { label: string; children: React.ReactNode }) {
  return (
    <Typography variant="body2" component="div">
      <strong>{props.label}</strong> <span style={mono}>{props.children}</span>
    </Typography>
  );
}

function ContainerFacts(props: { c: ContainerEvidence; failing: boolean }) {
  const { c } = props;
  const resources = [
    ...Object.entries(c.resources?.limits ?? {}).map(
      ([k, v]) => `limits.${k}=${v}`,
    ),
    ...Object.entries(c.resources?.requests ?? {}).map(
      ([k, v]) => `requests.${k}=${v}`,
    ),
  ];
  return (
    <Box mt={1} aria-label={`container ${c.name}`}>
      <Typography variant="subtitle2">
        {c.init ? 'Init container' : 'Container'} {c.name}
        {props.failing ? ' (failing)' : ''}
      </Typography>
      {c.image && <Line label="image">{c.image}</Line>}
      {c.command && <Line label="command">{c.command.join(' ')}</Line>}
      {c.args && <Line label="args">{c.args.join(' ')}</Line>}
      <Line label="resources">
        {resources.length ? resources.join(', ') : 'none set'}
      </Line>
      {c.probes.map(p => (
        <Line key={p.type} label={`${p.type} probe`}>
          {p.handler}
          {p.periodSeconds ? ` every ${p.periodSeconds}s` : ''}
          {p.failureThreshold ? `, failureThreshold ${p.failureThreshold}` : ''}
        </Line>
      ))}
      {c.state && <Line label="state">{stateText(c.state)}</Line>}
      {c.lastState && <Line label="last state">{stateText(c.lastState)}</Line>}
      {c.restartCount !== undefined && (
        <Line label="restarts">{String(c.restartCount)}</Line>
      )}
      {c.ready !== undefined && <Line label="ready">{String(c.ready)}</Line>}
    </Box>
  );
}

/** A log viewer for one container of the finding's pod: the current and the previous instance. */
export function LogDialog(props: {
  entityRef: string;
  findingId: string;
  pod?: string;
  containers: ContainerEvidence[];
  initial: string;
  open: boolean;
  onClose: () => void;
}) {
  const api = useApi(k8sDiagnosticsApiRef);
  const { t } = useTranslationRef(k8sDiagnosticsTranslationRef);
  const [container, setContainer] = useState(props.initial);
  const [previous, setPrevious] = useState(() => {
    const c = props.containers.find(x => x.name === props.initial);
    return !!c && c.state?.status === 'waiting' && (c.restartCount ?? 0) > 0;
  });
  const log = useAsync(async () => {
    if (!props.open || !api.getContainerLogs) return undefined;
    return api.getContainerLogs(props.entityRef, props.findingId, {
      container,
      pod: props.pod,
      previous,
      tailLines: 200,
    });
  }, [props.open, container, previous, props.pod]);
  return (
    <Dialog
      open={props.open}
      onClose={props.onClose}
      maxWidth="lg"
      fullWidth
      aria-label="container logs"
    >
      <DialogTitle>
        {t('evidence.logsTitle', { pod: props.pod ?? '', container })}
      </DialogTitle>
      <DialogContent>
        {props.containers.length > 1 && (
          <Tabs
            value={container}
            onChange={(_e, v) => setContainer(v)}
            variant="scrollable"
            aria-label="container"
          >
            {props.containers.map(c => (
              <Tab key={c.name} value={c.name} label={c.name} />
            ))}
          </Tabs>
        )}
        <Tabs
          value={previous ? 'previous' : 'current'}
          onChange={(_e, v) => setPrevious(v === 'previous')}
          aria-label="instance"
        >
          <Tab value="current" label={t('evidence.current')} />
          <Tab value="previous" label={t('evidence.previous')} />
        </Tabs>
        {log.loading && <CircularProgress size={20} />}
        {log.error && (
          <Typography color="error" role="alert">
            {log.error.message}
          </Typography>
        )}
        {log.value?.error && (
          <Typography color="textSecondary">
            {t('evidence.noLog', { message: log.value.error })}
          </Typography>
        )}
        {log.value && !log.value.error && (
          <Box
            component="pre"
            aria-label="log lines"
            style={{ ...mono, maxHeight: '60vh', overflow: 'auto', margin: 0 }}
          >
            {log.value.lines.length
              ? log.value.lines.join('\n')
              : t('evidence.emptyLog')}
          </Box>
        )}
        {log.value?.truncated && (
          <Typography variant="caption" color="textSecondary">
            {t('evidence.lastN', { lines: String(log.value.lines.length) })}
          </Typography>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>{t('evidence.close')}</Button>
      </DialogActions>
    </Dialog>
  );
}

function EvidenceView(props: {
  entityRef: string;
  findingId: string;
  response: FindingEvidenceResponse;
}) {
  const e: FindingEvidence = props.response.evidence;
  const { t } = useTranslationRef(k8sDiagnosticsTranslationRef);
  const [logsOpen, setLogsOpen] = useState(false);
  const lastLines = e.logs.find(
    l => l.container === e.failingContainer && l.lines.length > 0,
  );
  return (
    <Box
      mt={1}
      p={1}
      border={1}
      borderColor="divider"
      borderRadius={4}
      aria-label="evidence"
    >
      {props.response.error && (
        <Typography color="textSecondary">
          {t('evidence.unreadable', { message: props.response.error })}
        </Typography>
      )}
      {e.pod && (
        <Typography variant="body2">
          <strong>Pod</strong>{' '}
          <span style={mono}>
            {e.pod.namespace}/{e.pod.name}
          </span>
          {e.pod.phase ? ` · ${e.pod.phase}` : ''}
          {e.pod.node ? ` · node ${e.pod.node}` : ''}
          {e.pod.reason ? ` · ${e.pod.reason}` : ''}
        </Typography>
      )}
      {e.missingReferences.length > 0 && (
        <Box mt={1} aria-label="missing references">
          <Typography variant="subtitle2">
            {t('evidence.missingReferences')}
          </Typography>
          {e.missingReferences.map(r => (
            <Typography
              key={`${r.kind}/${r.name}/${r.key ?? ''}`}
              variant="body2"
              style={mono}
            >
              {r.key ? `key ${r.key} of ` : ''}
              {r.kind} {r.namespace ? `${r.namespace}/` : ''}
              {r.name}
              {r.use ? ` (${r.use})` : ''}
            </Typography>
          ))}
        </Box>
      )}
      {e.containers.map(c => (
        <ContainerFacts
          key={`${c.init}/${c.name}`}
          c={c}
          failing={c.name === e.failingContainer}
        />
      ))}
      {lastLines && (
        <Box mt={1}>
          <Typography variant="subtitle2">
            {t(
              lastLines.previous
                ? 'evidence.lastLinesPrevious'
                : 'evidence.lastLines',
              { container: lastLines.container },
            )}
          </Typography>
          <Box
            component="pre"
            aria-label="last log lines"
            style={{ ...mono, margin: 0, maxHeight: 200, overflow: 'auto' }}
          >
            {lastLines.lines.slice(-10).join('\n')}
          </Box>
        </Box>
      )}
      {e.warningEvents.length > 0 && (
        <Box mt={1}>
          <Typography variant="subtitle2">
            {t('evidence.warningEvents')}
          </Typography>
          {e.warningEvents.map((ev, i) => (
            <Typography key={i} variant="body2" color="textSecondary">
              {ev.reason} (×{ev.count}): {ev.message}
            </Typography>
          ))}
        </Box>
      )}
      {e.notes.map((n, i) => (
        <Typography
          key={i}
          variant="caption"
          color="textSecondary"
          component="div"
        >
          {n}
        </Typography>
      ))}
      {e.pod && e.containers.length > 0 && (
        <Box mt={1}>
          <Button
            size="small"
            variant="outlined"
            onClick={() => setLogsOpen(true)}
          >
            {t('evidence.logs')}
          </Button>
          {logsOpen && (
            <LogDialog
              entityRef={props.entityRef}
              findingId={props.findingId}
              pod={e.pod.name}
              containers={e.containers}
              initial={e.failingContainer ?? e.containers[0].name}
              open={logsOpen}
              onClose={() => setLogsOpen(false)}
            />
          )}
        </Box>
      )}
    </Box>
  );
}

/**
 * The "Evidence" button of a finding: what the cluster shows now about its failing pod, read
 * when asked, with a log viewer for its containers.
 */
export function EvidencePanel(props: {
  entityRef: string;
  finding: HealthFinding;
}) {
  const api = useApi(k8sDiagnosticsApiRef);
  const { t } = useTranslationRef(k8sDiagnosticsTranslationRef);
  const [shown, setShown] = useState(false);
  const evidence = useAsync(async () => {
    if (!shown || !api.getFindingEvidence) return undefined;
    return api.getFindingEvidence(props.entityRef, props.finding.id);
  }, [shown, props.finding.id]);
  if (!api.getFindingEvidence || !hasEvidence(props.finding)) return null;
  return (
    <Box mt={1}>
      <Button
        size="small"
        variant="outlined"
        onClick={() => setShown(s => !s)}
        aria-expanded={shown}
      >
        {shown ? t('evidence.hide') : t('evidence.button')}
      </Button>
      {shown && evidence.loading && (
        <CircularProgress size={14} style={{ marginLeft: 8 }} />
      )}
      {shown && evidence.error && (
        <Typography color="error" variant="body2" role="alert">
          {evidence.error.message}
        </Typography>
      )}
      {shown && evidence.value && (
        <EvidenceView
          entityRef={props.entityRef}
          findingId={props.finding.id}
          response={evidence.value}
        />
      )}
    </Box>
  );
}
