import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  MenuItem,
  TextField,
  Typography,
} from '@material-ui/core';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import {
  EnforcementProposal,
  PolicyRevision,
  PolicyValuesDeploy,
  PolicyValuesPreview,
  runtimeSecurityApiRef,
  TracingPolicy,
} from '../../api';

const show = (v: unknown) => (v === undefined ? '(none)' : JSON.stringify(v));

/** module-deploy's preview as a list of field changes per object and cluster. */
function PreviewDiff(props: { preview: PolicyValuesPreview }) {
  const { preview } = props;
  if (!preview.valid) {
    return (
      <Typography color="error" variant="body2">
        The module refused the values:{' '}
        {preview.issues.map(i => `${i.path}: ${i.message}`).join('; ')}
      </Typography>
    );
  }
  const objects = preview.clusters.flatMap(c =>
    c.objects
      .filter(o => o.changes.length || o.action !== 'unchanged')
      .map(o => ({ ...o, cluster: c.cluster })),
  );
  return (
    <Box aria-label="policy diff" role="region">
      {preview.errors.map(e => (
        <Typography key={e.cluster} color="error" variant="body2">
          {e.cluster}: {e.message}
        </Typography>
      ))}
      {objects.length === 0 && (
        <Typography variant="body2">
          The cluster already has these values: nothing would change.
        </Typography>
      )}
      {objects.map(o => (
        <Box key={`${o.cluster}/${o.ref}`} mt={1}>
          <Typography variant="subtitle2">
            {o.ref} on {o.cluster} ({o.action})
          </Typography>
          <pre style={{ margin: 0, whiteSpace: 'pre-wrap', fontSize: 12 }}>
            {o.changes
              .map(c =>
                c.op === 'change'
                  ? `~ ${c.path}: ${show(c.before)} → ${show(c.after)}`
                  : `${c.op === 'add' ? '+' : '-'} ${c.path}: ${show(
                      c.op === 'add' ? c.after : c.before,
                    )}`,
              )
              .join('\n')}
          </pre>
        </Box>
      ))}
    </Box>
  );
}

function Outcome(props: { result: PolicyValuesDeploy; what: string }) {
  const { result, what } = props;
  return (
    <Typography
      role="status"
      color={result.ok ? 'textPrimary' : 'error'}
      variant="body2"
    >
      {result.ok ? `${what}: ` : `${what} failed: `}
      {result.results
        .map(
          r =>
            `${r.cluster} ${r.status}${
              r.revision !== undefined ? ` (revision ${r.revision})` : ''
            }${r.message ? `: ${r.message}` : ''}`,
        )
        .join('; ')}
      {result.error ? ` ${result.error}` : ''}
    </Typography>
  );
}

/**
 * The revision before the enforcement deploy in each cluster it deployed to (revisions count up
 * by one per deploy); undefined when a cluster has none (the deploy made the first revision).
 */
function revisionsBefore(
  deployed: PolicyValuesDeploy,
): PolicyRevision[] | undefined {
  const revisions = deployed.results.map(r => ({
    cluster: r.cluster,
    revision: (r.revision ?? 0) - 1,
  }));
  return revisions.length && revisions.every(r => r.revision >= 1)
    ? revisions
    : undefined;
}

/**
 * Proposes a monitoring policy for enforcement: the exact values change, module-deploy's diff of
 * it, a deploy through module-deploy (audited there as the signed-in user), and a one-click roll
 * back through module-deploy's rollback to the revision from before the deploy (by deploying the
 * values from before where there is no such revision).
 */
export function EnforcementDialog(props: {
  policy: TracingPolicy;
  onClose: (changed: boolean) => void;
}) {
  const { policy } = props;
  const api = useApi(runtimeSecurityApiRef);
  const [action, setAction] = useState<'Sigkill' | 'Override'>('Sigkill');
  const [busy, setBusy] = useState(false);
  const [deployed, setDeployed] = useState<PolicyValuesDeploy>();
  const [rolledBack, setRolledBack] = useState<PolicyValuesDeploy>();
  const [failure, setFailure] = useState<Error>();

  const proposal = useAsync(
    () =>
      api.proposeEnforcement({
        cluster: policy.cluster,
        namespace: policy.namespace ?? '',
        name: policy.name,
        action,
      }),
    [api, policy, action],
  );
  const preview = useAsync(
    async () =>
      proposal.value
        ? api.previewPolicyValues(proposal.value, proposal.value.values)
        : undefined,
    [api, proposal.value],
  );

  const run = async (
    operation: () => Promise<PolicyValuesDeploy>,
    done: (r: PolicyValuesDeploy) => void,
  ) => {
    setBusy(true);
    setFailure(undefined);
    try {
      done(await operation());
    } catch (e) {
      setFailure(e as Error);
    } finally {
      setBusy(false);
    }
  };
  const rollBack = (p: EnforcementProposal, from: PolicyValuesDeploy) => {
    const revisions = revisionsBefore(from);
    return run(
      () =>
        revisions && api.rollbackPolicyValues
          ? api.rollbackPolicyValues(p, revisions)
          : api.deployPolicyValues(p, p.currentValues),
      setRolledBack,
    );
  };

  const p = proposal.value;
  return (
    <Dialog
      open
      onClose={() => props.onClose(Boolean(deployed))}
      maxWidth="md"
      fullWidth
    >
      <DialogTitle>
        Enforce {policy.namespace ? `${policy.namespace}/` : ''}
        {policy.name}
      </DialogTitle>
      <DialogContent>
        <TextField
          select
          label="On a match"
          value={action}
          disabled={Boolean(deployed)}
          onChange={e => setAction(e.target.value as 'Sigkill' | 'Override')}
          style={{ minWidth: 260 }}
        >
          <MenuItem value="Sigkill">Kill the process (Sigkill)</MenuItem>
          <MenuItem value="Override">Fail the call (Override)</MenuItem>
        </TextField>
        {proposal.loading && <Progress />}
        {proposal.error && (
          <ResponseErrorPanel
            error={proposal.error}
            title="Cannot propose this policy"
          />
        )}
        {p && (
          <Box mt={2}>
            <Typography variant="subtitle1">The change</Typography>
            <ul aria-label="proposed change">
              {p.changes.map(c => (
                <li key={c.value}>
                  <Typography variant="body2">
                    <code>{c.value}</code> ({c.hook}, {c.findings} accepted
                    finding(s)): <strong>{c.from}</strong> →{' '}
                    <strong>{c.to}</strong>
                  </Typography>
                </li>
              ))}
            </ul>
            <Typography variant="body2" color="textSecondary">
              Deployed as a values change of instance {p.target.instanceName}{' '}
              (module {p.target.module}) in {p.target.namespace} on{' '}
              {p.target.clusters.join(', ')}
              {p.target.entityRef ? `, for ${p.target.entityRef}` : ''}; the
              Deploy audit log records who approved it.
            </Typography>
            <Typography variant="subtitle1" style={{ marginTop: 16 }}>
              Diff
            </Typography>
            {preview.loading && <Progress />}
            {preview.error && (
              <ResponseErrorPanel
                error={preview.error}
                title="Deploy could not preview the change"
              />
            )}
            {preview.value && <PreviewDiff preview={preview.value} />}
          </Box>
        )}
        {failure && (
          <ResponseErrorPanel error={failure} title="Deploy failed" />
        )}
        {deployed && <Outcome result={deployed} what="Deployed" />}
        {rolledBack && <Outcome result={rolledBack} what="Rolled back" />}
      </DialogContent>
      <DialogActions>
        {p && deployed?.ok && !rolledBack?.ok && (
          <Button disabled={busy} onClick={() => rollBack(p, deployed)}>
            Roll back
          </Button>
        )}
        <Button onClick={() => props.onClose(Boolean(deployed))}>Close</Button>
        {p && !deployed?.ok && (
          <Button
            color="primary"
            variant="contained"
            disabled={busy || !preview.value?.valid}
            onClick={() =>
              run(() => api.deployPolicyValues(p, p.values), setDeployed)
            }
          >
            Deploy
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
}
