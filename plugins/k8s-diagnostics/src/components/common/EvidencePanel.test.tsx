import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import {
  ContainerLogResponse,
  FindingEvidenceResponse,
  HealthFinding,
  K8sDiagnosticsApi,
  k8sDiagnosticsApiRef,
} from '../../api';
import { EvidencePanel } from './EvidencePanel';

const finding: HealthFinding = {
  id: 'f00d1',
  cluster: 'prod',
  analyzer: 'Pod',
  object: { kind: 'Pod', name: 'payments-7d9f-x2', namespace: 'shop' },
  ownerChain: [
    { kind: 'ReplicaSet', name: 'payments-7d9f', namespace: 'shop' },
  ],
  workload: { kind: 'Deployment', name: 'payments', namespace: 'shop' },
  severity: 'critical',
  failures: [
    { text: 'the last termination reason is OOMKilled', severity: 'critical' },
  ],
  events: [],
  firstSeen: '2026-11-22T01:00:00Z',
  lastSeen: '2026-11-22T02:00:00Z',
};

const evidence: FindingEvidenceResponse = {
  findingId: 'f00d1',
  cluster: 'prod',
  evidence: {
    pod: {
      kind: 'Pod',
      name: 'payments-7d9f-x2',
      namespace: 'shop',
      phase: 'Running',
      node: 'node-1',
    },
    failingContainer: 'app',
    containers: [
      {
        name: 'app',
        init: false,
        image: 'periscope/payments:3.1.0',
        command: ['node', 'server.js'],
        resources: { limits: { memory: '50Mi' } },
        probes: [
          {
            type: 'liveness',
            handler: 'httpGet :8080/live',
            path: '/live',
            port: '8080',
            periodSeconds: 2,
          },
        ],
        ready: false,
        restartCount: 6,
        state: { status: 'waiting', reason: 'CrashLoopBackOff' },
        lastState: { status: 'terminated', reason: 'OOMKilled', exitCode: 137 },
      },
      {
        name: 'sidecar',
        init: false,
        probes: [],
        ready: true,
        restartCount: 0,
        state: { status: 'running' },
      },
    ],
    logs: [
      {
        container: 'app',
        previous: true,
        lines: ['starting', '<script>alert(1)</script> allocating'],
        truncated: false,
      },
    ],
    warningEvents: [
      {
        type: 'Warning',
        reason: 'BackOff',
        message: 'Back-off restarting failed container',
        count: 7,
      },
    ],
    ownerChain: finding.ownerChain,
    missingReferences: [
      {
        kind: 'ConfigMap',
        name: 'payments-config',
        namespace: 'shop',
        use: 'envFrom of container app',
      },
    ],
    notes: [],
  },
};

function renderWith(
  api: Partial<K8sDiagnosticsApi>,
  f: HealthFinding = finding,
) {
  const notUsed = async () => {
    throw new Error('not used');
  };
  const full = {
    getEntityHealth: notUsed,
    rescanEntity: notUsed,
    explainFinding: notUsed,
    listFindings: notUsed,
    getClusters: notUsed,
    ...api,
  } as K8sDiagnosticsApi;
  return renderInTestApp(
    <TestApiProvider apis={[[k8sDiagnosticsApiRef, full]]}>
      <EvidencePanel entityRef="component:default/payments" finding={f} />
    </TestApiProvider>,
  );
}

describe('EvidencePanel', () => {
  it('reads the evidence when asked and shows the failing container, references, events and last log lines as text', async () => {
    const getFindingEvidence = jest.fn(async () => evidence);
    await renderWith({ getFindingEvidence });
    expect(getFindingEvidence).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Evidence' }));
    const panel = await screen.findByLabelText('evidence');
    expect(getFindingEvidence).toHaveBeenCalledWith(
      'component:default/payments',
      'f00d1',
    );
    const app = within(panel).getByLabelText('container app');
    expect(app).toHaveTextContent('Container app (failing)');
    expect(app).toHaveTextContent('limits.memory=50Mi');
    expect(app).toHaveTextContent('liveness probe httpGet :8080/live every 2s');
    expect(app).toHaveTextContent(
      'last state terminated, OOMKilled, exit code 137',
    );
    expect(app).toHaveTextContent('restarts 6');
    expect(
      within(panel).getByLabelText('missing references'),
    ).toHaveTextContent(
      'ConfigMap shop/payments-config (envFrom of container app)',
    );
    // log text is text, never markup
    expect(within(panel).getByLabelText('last log lines')).toHaveTextContent(
      '<script>alert(1)</script> allocating',
    );
    expect(panel).toHaveTextContent(
      'BackOff (×7): Back-off restarting failed container',
    );
  });

  it('opens the log viewer on the failing container, previous instance first, and switches to the current one', async () => {
    const getContainerLogs = jest.fn(
      async (
        _e: string,
        _f: string,
        o: { container: string; previous?: boolean },
      ): Promise<ContainerLogResponse> => ({
        container: o.container,
        previous: !!o.previous,
        pod: 'payments-7d9f-x2',
        namespace: 'shop',
        lines: o.previous ? ['killed'] : [],
        truncated: false,
        ...(o.previous
          ? {}
          : {
              error:
                'container "app" in pod "payments-7d9f-x2" is waiting to start',
            }),
      }),
    );
    await renderWith({
      getFindingEvidence: async () => evidence,
      getContainerLogs,
    });
    fireEvent.click(screen.getByRole('button', { name: 'Evidence' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Logs' }));
    const dialog = await screen.findByRole('dialog');
    expect(await within(dialog).findByLabelText('log lines')).toHaveTextContent(
      'killed',
    );
    expect(getContainerLogs).toHaveBeenLastCalledWith(
      'component:default/payments',
      'f00d1',
      {
        container: 'app',
        pod: 'payments-7d9f-x2',
        previous: true,
        tailLines: 200,
      },
    );
    fireEvent.click(within(dialog).getByRole('tab', { name: 'Current' }));
    expect(
      await within(dialog).findByText(
        /No log: container "app" in pod "payments-7d9f-x2" is waiting to start/,
      ),
    ).toBeInTheDocument();
    fireEvent.click(within(dialog).getByRole('tab', { name: 'sidecar' }));
    await waitFor(() =>
      expect(getContainerLogs).toHaveBeenLastCalledWith(
        'component:default/payments',
        'f00d1',
        {
          container: 'sidecar',
          pod: 'payments-7d9f-x2',
          previous: false,
          tailLines: 200,
        },
      ),
    );
  });

  it('says when the cluster could not be read, and offers no log viewer without a pod', async () => {
    await renderWith({
      getFindingEvidence: async () => ({
        ...evidence,
        error: 'cluster prod did not answer',
        evidence: {
          ...evidence.evidence,
          pod: undefined,
          containers: [],
          logs: [],
          missingReferences: [],
          warningEvents: [],
        },
      }),
    });
    fireEvent.click(screen.getByRole('button', { name: 'Evidence' }));
    expect(
      await screen.findByText(
        'The cluster could not be read: cluster prod did not answer',
      ),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Logs' }),
    ).not.toBeInTheDocument();
  });

  it('shows nothing for a finding without pods, or a client without evidence', async () => {
    const service = {
      ...finding,
      object: { kind: 'Service', name: 'payments', namespace: 'shop' },
      ownerChain: [],
    };
    const first = await renderWith(
      { getFindingEvidence: async () => evidence },
      service,
    );
    expect(
      screen.queryByRole('button', { name: 'Evidence' }),
    ).not.toBeInTheDocument();
    first.unmount();
    await renderWith({});
    expect(
      screen.queryByRole('button', { name: 'Evidence' }),
    ).not.toBeInTheDocument();
  });
});
