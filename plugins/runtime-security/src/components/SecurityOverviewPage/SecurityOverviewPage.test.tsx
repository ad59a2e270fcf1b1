import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { SecurityOverviewPage } from './SecurityOverviewPage';
import {
  RuntimeSecurityApi,
  runtimeSecurityApiRef,
  SecurityFinding,
} from '../../api';
import { healthOverviewExternalRouteRef } from '../../routes';

const finding: SecurityFinding = {
  id: '0123456789abcdef',
  rule: 'kernel-module-load',
  severity: 'critical',
  title: 'Kernel module loaded',
  mitre: { id: 'T1547.006', name: 'Kernel Modules' },
  remediation: 'x',
  outcome: 'observed',
  cluster: 'prod',
  namespace: '',
  workload: '',
  pod: '',
  binary: '/usr/sbin/insmod',
  labels: {},
  count: 2,
  firstSeen: '2026-01-01T00:00:00.000Z',
  lastSeen: '2026-01-01T00:00:00.000Z',
  triage: { state: 'open' },
};

function api(over: Partial<RuntimeSecurityApi>): RuntimeSecurityApi {
  const never = () => new Promise<never>(() => {});
  return {
    getEntitySecurity: never,
    getFinding: never,
    triageFinding: never,
    getTimeline: never,
    listFindings: async () => ({ findings: [] }),
    getPolicies: async () => ({
      policies: [],
      notInstalled: [],
      unfedRules: [],
      errors: [],
    }),
    getIngestHealth: async () => ({ sources: [], queuedLines: 0 }),
    getUnknownEvents: async () => ({ events: [] }),
    proposeEnforcement: never,
    previewPolicyValues: never,
    deployPolicyValues: never,
    ...over,
  };
}

const renderWith = (
  impl: RuntimeSecurityApi,
  mountedRoutes?: Record<string, any>,
) =>
  renderInTestApp(
    <TestApiProvider apis={[[runtimeSecurityApiRef, impl]]}>
      <SecurityOverviewPage />
    </TestApiProvider>,
    { mountedRoutes },
  );

describe('SecurityOverviewPage', () => {
  it('links to the Health overview where the app binds it, and not otherwise', async () => {
    const { unmount } = await renderWith(api({}), {
      '/health-overview': healthOverviewExternalRouteRef,
    });
    expect(
      await screen.findByRole('link', { name: 'Kubernetes health findings' }),
    ).toHaveAttribute('href', '/health-overview');
    unmount();

    await renderWith(api({}));
    expect(await screen.findByText('Ingest health')).toBeInTheDocument();
    expect(
      screen.queryByRole('link', { name: 'Kubernetes health findings' }),
    ).not.toBeInTheDocument();
  });

  it('shows the empty states', async () => {
    await renderWith(api({}));
    expect(
      await screen.findByText(/No findings: no Tetragon event matched/),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(/No TracingPolicy found/),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(/No source has delivered events yet/),
    ).toBeInTheDocument();
  });

  it('shows findings, policies with mode and findings produced, unfed rules and ingest health', async () => {
    await renderWith(
      api({
        listFindings: async () => ({ findings: [finding] }),
        getPolicies: async () => ({
          policies: [
            {
              cluster: 'prod',
              kind: 'TracingPolicy',
              name: 'file-monitoring',
              mode: 'enforcement',
              hooks: ['kprobes'],
              calls: ['security_file_permission'],
              findings: 3,
            },
          ],
          notInstalled: ['staging'],
          unfedRules: [
            {
              rule: 'credential-file-access',
              title: 'Credential file read',
              eventTypes: ['process_kprobe'],
            },
          ],
          errors: [
            {
              cluster: 'dev',
              errorType: 'UNREACHABLE',
              message: 'cluster dev is unreachable',
            },
          ],
        }),
        getIngestHealth: async () => ({
          sources: [
            {
              id: 'kubernetes:prod',
              kind: 'kubernetes',
              linesTotal: 10,
              eventsTotal: 9,
              detectionsTotal: 2,
              skipped: { malformed_json: 1 },
              eventsPerSecond: 1.5,
              lagMs: 2000,
              error: 'pod x: 404',
              updatedAt: '2026-01-01T00:00:00.000Z',
            },
          ],
          queuedLines: 0,
        }),
      }),
    );
    expect(await screen.findByText('Kernel module loaded')).toBeInTheDocument();
    expect(await screen.findByText('file-monitoring')).toBeInTheDocument();
    expect(screen.getByText('enforcement')).toBeInTheDocument();
    expect(screen.getByText(/not installed in staging/)).toBeInTheDocument();
    expect(screen.getByText(/cluster dev is unreachable/)).toBeInTheDocument();
    expect(screen.getByText('credential-file-access')).toBeInTheDocument();
    expect(await screen.findByText('kubernetes:prod')).toBeInTheDocument();
    expect(screen.getByText('malformed_json: 1')).toBeInTheDocument();
    expect(screen.getByText('pod x: 404')).toBeInTheDocument();
  });

  it('shows an error per section and keeps the others', async () => {
    await renderWith(
      api({
        getPolicies: async () => Promise.reject(new Error('policies exploded')),
      }),
    );
    expect(
      (await screen.findAllByText(/Could not load TracingPolicies/)).length,
    ).toBeGreaterThan(0);
    expect(
      (await screen.findAllByText(/policies exploded/)).length,
    ).toBeGreaterThan(0);
    expect(
      await screen.findByText(/No source has delivered events yet/),
    ).toBeInTheDocument();
  });

  it('shows progress while loading', async () => {
    const never = () => new Promise<never>(() => {});
    await renderWith(
      api({ listFindings: never, getPolicies: never, getIngestHealth: never }),
    );
    expect((await screen.findAllByTestId('progress')).length).toBe(3);
  });

  it('shows unknown event types and fields with counts and a raw sample, and the empty state', async () => {
    const { unmount } = await renderWith(api({}));
    expect(
      await screen.findByText(/Every event received had a known type/),
    ).toBeInTheDocument();
    unmount();
    await renderWith(
      api({
        getUnknownEvents: async () => ({
          events: [
            {
              source: 'http:node-1',
              kind: 'type',
              name: 'process_connect',
              count: 5,
              firstSeen: '2026-01-01T00:00:00.000Z',
              lastSeen: '2026-01-02T00:00:00.000Z',
              sample: {
                process_connect: { process: { binary: '/usr/bin/curl' } },
              },
            },
            {
              source: 'http:node-1',
              kind: 'field',
              name: 'process_kprobe.enterprise_verdict',
              count: 2,
              firstSeen: '2026-01-01T00:00:00.000Z',
              lastSeen: '2026-01-01T00:00:00.000Z',
            },
          ],
        }),
      }),
    );
    expect(await screen.findByText('process_connect')).toBeInTheDocument();
    expect(
      screen.getByText('process_kprobe.enterprise_verdict'),
    ).toBeInTheDocument();
    expect(screen.getByText('not kept (too large)')).toBeInTheDocument();
    await userEvent.click(
      screen.getByRole('button', { name: 'raw sample of process_connect' }),
    );
    expect(await screen.findByText(/usr\/bin\/curl/)).toBeInTheDocument();
  });

  it('proposes a monitoring policy for enforcement: the change, the diff, deploy, then one-click roll back', async () => {
    const matches = {
      windowDays: 14,
      hits: 3,
      open: 0,
      acknowledged: 1,
      falsePositive: 0,
      workloads: ['shop/payments'],
      unmapped: [],
      rules: [
        {
          rule: 'credential-file-access',
          title: 'Credential file read',
          hits: 3,
          open: 0,
          acknowledged: 1,
          falsePositive: 0,
          workloads: ['shop/payments'],
          calls: ['security_file_permission'],
          days: [{ start: '2026-01-01T00:00:00.000Z', hits: 3 }],
        },
      ],
      days: [{ start: '2026-01-01T00:00:00.000Z', hits: 3 }],
    };
    const policy = {
      cluster: 'local',
      kind: 'TracingPolicyNamespaced' as const,
      namespace: 'shop',
      name: 'payments-runtime-policy',
      mode: 'monitoring' as const,
      hooks: ['kprobes'],
      calls: ['security_file_permission', 'tcp_connect'],
      findings: 1,
      matches,
      enforcement: { eligible: true, reasons: [] },
    };
    const blocked = {
      ...policy,
      name: 'noisy',
      enforcement: {
        eligible: false,
        reasons: [
          '2 finding(s) of the last 14 days are open: acknowledge them',
        ],
      },
    };
    let mode: 'monitoring' | 'enforcement' = 'monitoring';
    const getPolicies = jest.fn(async () => ({
      policies: [{ ...policy, mode }, blocked],
      notInstalled: [],
      unfedRules: [],
      errors: [],
    }));
    const proposal = {
      policy,
      target: {
        module: 'tracing-policy',
        instanceName: 'payments-runtime-policy',
        namespace: 'shop',
        clusters: ['local'],
        entityRef: 'component:default/payments',
      },
      currentValues: {
        service: 'payments',
        action: 'Post',
        actions: { files: 'Post', connect: 'Post' },
      },
      values: {
        service: 'payments',
        action: 'Post',
        actions: { files: 'Sigkill', connect: 'Post' },
      },
      changes: [
        {
          value: 'actions.files',
          hook: 'kprobe security_file_permission',
          from: 'Post',
          to: 'Sigkill' as const,
          findings: 1,
        },
      ],
    };
    const proposeEnforcement = jest.fn(async () => proposal);
    const previewPolicyValues = jest.fn(async () => ({
      valid: true,
      issues: [],
      errors: [],
      clusters: [
        {
          cluster: 'local',
          objects: [
            {
              ref: 'TracingPolicyNamespaced/shop/payments-runtime-policy',
              action: 'change',
              changes: [
                {
                  path: 'spec.kprobes[0].selectors[0].matchActions[0].action',
                  op: 'change' as const,
                  before: 'Post',
                  after: 'Sigkill',
                },
              ],
            },
          ],
        },
      ],
    }));
    const deployPolicyValues = jest.fn(
      async (_p: unknown, values: Record<string, any>) => {
        mode =
          values.actions.files === 'Sigkill' ? 'enforcement' : 'monitoring';
        return {
          ok: true,
          results: [{ cluster: 'local', status: 'healthy', revision: 2 }],
        };
      },
    );
    const rollbackPolicyValues = jest.fn(async () => {
      mode = 'monitoring';
      return {
        ok: true,
        results: [
          {
            cluster: 'local',
            status: 'healthy',
            revision: 3,
            message: 'rolled back to revision 1',
          },
        ],
      };
    });
    await renderWith(
      api({
        getPolicies,
        proposeEnforcement,
        previewPolicyValues,
        deployPolicyValues,
        rollbackPolicyValues,
      }),
    );

    expect(
      await screen.findByLabelText('matches of shop/payments-runtime-policy'),
    ).toHaveTextContent(
      /3 hits in 14 d.*1 acknowledged · 0 false positive · 0 open.*credential-file-access: 3 \(shop\/payments\)/,
    );
    expect(
      screen.getByText(/Not yet: 2 finding\(s\) of the last 14 days are open/),
    ).toBeInTheDocument();
    await userEvent.click(
      screen.getByRole('button', {
        name: 'propose enforcement of shop/payments-runtime-policy',
      }),
    );
    expect(await screen.findByLabelText('proposed change')).toHaveTextContent(
      'actions.files (kprobe security_file_permission, 1 accepted finding(s)): Post → Sigkill',
    );
    expect(proposeEnforcement).toHaveBeenCalledWith({
      cluster: 'local',
      namespace: 'shop',
      name: 'payments-runtime-policy',
      action: 'Sigkill',
    });
    expect(
      await screen.findByRole('region', { name: 'policy diff' }),
    ).toHaveTextContent(
      '~ spec.kprobes[0].selectors[0].matchActions[0].action: "Post" → "Sigkill"',
    );
    expect(previewPolicyValues).toHaveBeenCalledWith(proposal, proposal.values);

    await userEvent.click(screen.getByRole('button', { name: 'Deploy' }));
    expect(
      await screen.findByText(/Deployed: local healthy \(revision 2\)/),
    ).toBeInTheDocument();
    expect(deployPolicyValues).toHaveBeenLastCalledWith(
      proposal,
      proposal.values,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Roll back' }));
    expect(
      await screen.findByText(
        'Rolled back: local healthy (revision 3): rolled back to revision 1',
      ),
    ).toBeInTheDocument();
    // module-deploy's rollback to the revision before the enforcement deploy, not a new deploy
    expect(rollbackPolicyValues).toHaveBeenCalledTimes(1);
    expect(rollbackPolicyValues).toHaveBeenCalledWith(proposal, [
      { cluster: 'local', revision: 1 },
    ]);
    expect(deployPolicyValues).toHaveBeenCalledTimes(1);
    expect(
      screen.queryByRole('button', { name: 'Roll back' }),
    ).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(getPolicies).toHaveBeenCalledTimes(2));
  });

  it('rolls back by deploying the values from before when the enforcement deploy made the first revision', async () => {
    const policy = {
      cluster: 'local',
      kind: 'TracingPolicyNamespaced' as const,
      namespace: 'shop',
      name: 'p',
      mode: 'monitoring' as const,
      hooks: [],
      calls: [],
      findings: 0,
      enforcement: { eligible: true, reasons: [] },
    };
    const proposal = {
      policy,
      target: {
        module: 'tracing-policy',
        instanceName: 'p',
        namespace: 'shop',
        clusters: ['local'],
      },
      currentValues: { action: 'Post' },
      values: { action: 'Sigkill' },
      changes: [
        {
          value: 'action',
          hook: 'kprobe security_file_permission',
          from: 'Post',
          to: 'Sigkill' as const,
          findings: 1,
        },
      ],
    };
    let revision = 0;
    const deployPolicyValues = jest.fn(async () => ({
      ok: true,
      results: [{ cluster: 'local', status: 'healthy', revision: ++revision }],
    }));
    const rollbackPolicyValues = jest.fn();
    await renderWith(
      api({
        getPolicies: async () => ({
          policies: [policy],
          notInstalled: [],
          unfedRules: [],
          errors: [],
        }),
        proposeEnforcement: async () => proposal,
        previewPolicyValues: async () => ({
          valid: true,
          issues: [],
          errors: [],
          clusters: [],
        }),
        deployPolicyValues,
        rollbackPolicyValues,
      }),
    );
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'propose enforcement of shop/p',
      }),
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Deploy' }),
    );
    expect(
      await screen.findByText(/Deployed: local healthy \(revision 1\)/),
    ).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Roll back' }));
    expect(
      await screen.findByText(/Rolled back: local healthy \(revision 2\)/),
    ).toBeInTheDocument();
    expect(deployPolicyValues).toHaveBeenLastCalledWith(
      proposal,
      proposal.currentValues,
    );
    expect(rollbackPolicyValues).not.toHaveBeenCalled();
  });

  it('keeps Roll back offered after a rollback that failed, and says why', async () => {
    const policy = {
      cluster: 'local',
      kind: 'TracingPolicyNamespaced' as const,
      namespace: 'shop',
      name: 'p',
      mode: 'monitoring' as const,
      hooks: [],
      calls: [],
      findings: 0,
      enforcement: { eligible: true, reasons: [] },
    };
    const proposal = {
      policy,
      target: {
        module: 'tracing-policy',
        instanceName: 'p',
        namespace: 'shop',
        clusters: ['local'],
      },
      currentValues: { action: 'Post' },
      values: { action: 'Sigkill' },
      changes: [
        {
          value: 'action',
          hook: 'kprobe security_file_permission',
          from: 'Post',
          to: 'Sigkill' as const,
          findings: 1,
        },
      ],
    };
    const rollbackPolicyValues = jest
      .fn()
      .mockRejectedValueOnce(
        new Error(
          "cannot roll back instance 'p' in namespace 'shop' to revision 4: cluster 'local' does not keep revision 4 (kept: 5)",
        ),
      );
    await renderWith(
      api({
        getPolicies: async () => ({
          policies: [policy],
          notInstalled: [],
          unfedRules: [],
          errors: [],
        }),
        proposeEnforcement: async () => proposal,
        previewPolicyValues: async () => ({
          valid: true,
          issues: [],
          errors: [],
          clusters: [],
        }),
        deployPolicyValues: async () => ({
          ok: true,
          results: [{ cluster: 'local', status: 'healthy', revision: 5 }],
        }),
        rollbackPolicyValues,
      }),
    );
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'propose enforcement of shop/p',
      }),
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Deploy' }),
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Roll back' }),
    );
    expect(
      (await screen.findAllByText(/does not keep revision 4/)).length,
    ).toBeGreaterThan(0);
    expect(rollbackPolicyValues).toHaveBeenCalledWith(proposal, [
      { cluster: 'local', revision: 4 },
    ]);
    expect(screen.getByRole('button', { name: 'Roll back' })).toBeEnabled();
  });

  it('says why a proposal is refused', async () => {
    const policy = {
      cluster: 'local',
      kind: 'TracingPolicyNamespaced' as const,
      namespace: 'shop',
      name: 'p',
      mode: 'monitoring' as const,
      hooks: [],
      calls: [],
      findings: 0,
      enforcement: { eligible: true, reasons: [] },
    };
    await renderWith(
      api({
        getPolicies: async () => ({
          policies: [policy],
          notInstalled: [],
          unfedRules: [],
          errors: [],
        }),
        proposeEnforcement: async () =>
          Promise.reject(
            new Error(
              "permission 'runtime-security.policies.enforce' is denied",
            ),
          ),
      }),
    );
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'propose enforcement of shop/p',
      }),
    );
    expect(
      (
        await screen.findAllByText(
          /runtime-security.policies.enforce' is denied/,
        )
      ).length,
    ).toBeGreaterThan(0);
    expect(
      screen.queryByRole('button', { name: 'Deploy' }),
    ).not.toBeInTheDocument();
  });
});
