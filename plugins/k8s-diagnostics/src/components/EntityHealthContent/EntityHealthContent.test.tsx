import {
  act,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  PermissionApi,
  permissionApiRef,
} from '@backstage/plugin-permission-react';
import { EntityHealthContent } from './EntityHealthContent';
import {
  FormatClusterLinkOptions,
  kubernetesClusterLinkFormatterApiRef,
} from '@backstage/plugin-kubernetes-react';
import {
  ClusterSummary,
  EntityHealthResponse,
  HealthFinding,
  K8sDiagnosticsApi,
  k8sDiagnosticsApiRef,
} from '../../api';

const entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments', namespace: 'default' },
  spec: {},
};

const notUsed = async () => {
  throw new Error('not used in this test');
};

/**
 * `permission` answers usePermission (allow by default). usePermission caches each decision per
 * permission and entity for the whole file, so a test with another answer names another entity.
 */
function renderWith(
  api: Partial<K8sDiagnosticsApi>,
  opts: { permission?: PermissionApi; name?: string } = {},
) {
  const full: K8sDiagnosticsApi = {
    getEntityHealth: notUsed,
    rescanEntity: notUsed,
    explainFinding: notUsed,
    listFindings: notUsed,
    getClusters: async () => ({ items: [] }),
    ...api,
  };
  const permission =
    opts.permission ??
    mockApis.permission({ authorize: AuthorizeResult.ALLOW });
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [k8sDiagnosticsApiRef, full],
        [permissionApiRef, permission],
      ]}
    >
      <EntityProvider
        entity={
          opts.name
            ? { ...entity, metadata: { ...entity.metadata, name: opts.name } }
            : entity
        }
      >
        <EntityHealthContent />
      </EntityProvider>
    </TestApiProvider>,
  );
}

const zero = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
const base: EntityHealthResponse = {
  entityRef: 'component:default/payments',
  status: 'ok',
  labelSelector: 'backstage.io/kubernetes-id=payments',
  scannedAt: '2026-11-22T02:00:00Z',
  summary: zero,
  groups: [],
  resolved: [],
  history: [],
  clusters: [
    {
      name: 'prod',
      workloads: [
        {
          kind: 'Deployment',
          namespace: 'shop',
          name: 'payments',
          ready: '0/1',
        },
      ],
    },
  ],
  errors: [],
  warnings: [],
};
const pod: HealthFinding = {
  id: 'f00d1',
  cluster: 'prod',
  analyzer: 'Pod',
  object: { kind: 'Pod', name: 'payments-7d9f-x2', namespace: 'shop' },
  ownerChain: [
    { kind: 'ReplicaSet', name: 'payments-7d9f', namespace: 'shop' },
    { kind: 'Deployment', name: 'payments', namespace: 'shop' },
  ],
  workload: { kind: 'Deployment', name: 'payments', namespace: 'shop' },
  severity: 'critical',
  failures: [
    {
      text: 'the last termination reason is CrashLoopBackOff <b>bold</b>',
      severity: 'critical',
    },
  ],
  events: [
    {
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      count: 7,
    },
  ],
  firstSeen: '2026-11-22T01:00:00Z',
  lastSeen: '2026-11-22T02:00:00Z',
};
const deployment: HealthFinding = {
  ...pod,
  id: 'f00d2',
  analyzer: 'Deployment',
  object: pod.workload,
  ownerChain: [],
  severity: 'high',
  failures: [
    {
      text: 'Deployment shop/payments has 1 replicas but 0 are available',
      severity: 'high',
    },
  ],
  events: [],
};
const withFindings: EntityHealthResponse = {
  ...base,
  summary: { ...zero, critical: 1, high: 1 },
  groups: [
    {
      cluster: 'prod',
      workload: pod.workload,
      severity: 'critical',
      findings: [deployment, pod],
    },
  ],
  history: [
    { at: '2026-11-22T01:00:00Z', counts: { ...zero, critical: 1 } },
    { at: '2026-11-22T02:00:00Z', counts: { ...zero, critical: 1, high: 1 } },
  ],
};

describe('EntityHealthContent', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('asks once on first render: one Health request and one cluster list, in parallel', async () => {
    const getEntityHealth = jest.fn(async () => withFindings);
    const getClusters = jest.fn(async () => ({
      items: [] as ClusterSummary[],
    }));
    await renderWith({ getEntityHealth, getClusters });
    expect(
      await screen.findByText('Deployment shop/payments (prod)'),
    ).toBeInTheDocument();
    expect(getEntityHealth).toHaveBeenCalledTimes(1);
    expect(getClusters).toHaveBeenCalledTimes(1);
  });

  it('shows a stale stored scan at once, says a newer one runs, and shows it when the background poll gets it', async () => {
    jest.useFakeTimers();
    const stale = { ...withFindings, stale: true, refreshing: true };
    const fresh = { ...base, scannedAt: '2026-11-22T02:06:00Z' };
    const getEntityHealth = jest
      .fn()
      .mockResolvedValueOnce(stale)
      .mockResolvedValue(fresh);
    await renderWith({ getEntityHealth });
    expect(
      await screen.findByText('Deployment shop/payments (prod)'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        /a newer scan is running and shows here when it is done/,
      ),
    ).toBeInTheDocument();
    expect(getEntityHealth).toHaveBeenCalledTimes(1);
    // while refreshing, asked again after 5 s (the stored data stays shown meanwhile)
    await act(async () => {
      jest.advanceTimersByTime(5_000);
    });
    expect(await screen.findByText(/All healthy/)).toBeInTheDocument();
    expect(getEntityHealth).toHaveBeenCalledTimes(2);
    expect(
      screen.queryByText(/a newer scan is running/),
    ).not.toBeInTheDocument();
    // then once a minute
    await act(async () => {
      jest.advanceTimersByTime(59_000);
    });
    expect(getEntityHealth).toHaveBeenCalledTimes(2);
    await act(async () => {
      jest.advanceTimersByTime(1_000);
    });
    expect(getEntityHealth).toHaveBeenCalledTimes(3);
  });

  it('keeps the shown data when a background refresh fails', async () => {
    jest.useFakeTimers();
    const getEntityHealth = jest
      .fn()
      .mockResolvedValueOnce(withFindings)
      .mockRejectedValue(new Error('backend restarting'));
    await renderWith({ getEntityHealth });
    expect(
      await screen.findByText('Deployment shop/payments (prod)'),
    ).toBeInTheDocument();
    await act(async () => {
      jest.advanceTimersByTime(60_000);
    });
    expect(getEntityHealth).toHaveBeenCalledTimes(2);
    expect(
      screen.getByText('Deployment shop/payments (prod)'),
    ).toBeInTheDocument();
    expect(screen.queryByText(/backend restarting/)).not.toBeInTheDocument();
  });

  it('shows a progress bar while loading', async () => {
    await renderWith({ getEntityHealth: () => new Promise(() => {}) });
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('shows the not-configured state with the config to add', async () => {
    await renderWith({
      getEntityHealth: async () => ({ ...base, status: 'not-configured' }),
    });
    expect(
      await screen.findByText('Health is not configured'),
    ).toBeInTheDocument();
  });

  it('shows how to annotate an unlinked entity', async () => {
    await renderWith({
      getEntityHealth: async () => ({ ...base, status: 'not-annotated' }),
    });
    expect(
      await screen.findByText(
        'This entity is not linked to Kubernetes workloads',
      ),
    ).toBeInTheDocument();
  });

  it('says all healthy when there are no findings, and still lists the workloads', async () => {
    await renderWith({ getEntityHealth: async () => base });
    expect(await screen.findByText(/All healthy/)).toBeInTheDocument();
    expect(screen.getByText('0/1')).toBeInTheDocument();
    expect(screen.getByText('No scans recorded yet.')).toBeInTheDocument();
  });

  it('keeps a failing cluster as a warning next to the other clusters’ results', async () => {
    await renderWith({
      getEntityHealth: async () => ({
        ...withFindings,
        errors: [
          {
            cluster: 'staging',
            errorType: 'UNAUTHORIZED',
            message: 'renew the token',
          },
        ],
      }),
    });
    expect(
      await screen.findByText(/1 cluster\(s\) could not be read/),
    ).toBeInTheDocument();
    expect(screen.getByText(/renew the token/)).toBeInTheDocument();
    expect(screen.getByText('Pod shop/payments-7d9f-x2')).toBeInTheDocument();
    expect(screen.queryByText(/All healthy/)).not.toBeInTheDocument();
  });

  it('groups findings by workload with the owner chain, events, summary and history', async () => {
    await renderWith({ getEntityHealth: async () => withFindings });
    expect(
      await screen.findByText('Deployment shop/payments (prod)'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'owned by ReplicaSet shop/payments-7d9f → Deployment shop/payments',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Back-off restarting failed container/),
    ).toBeInTheDocument();
    expect(screen.getByText('1 critical')).toBeInTheDocument();
    expect(
      screen.getByRole('img', { name: 'findings history' }),
    ).toBeInTheDocument();
    // failure text is shown as text, never as HTML
    expect(
      screen.getByText(/CrashLoopBackOff <b>bold<\/b>/),
    ).toBeInTheDocument();
  });

  it('marks findings a k8sgpt-operator Result reported with a k8sgpt-operator chip', async () => {
    const log: HealthFinding = {
      ...pod,
      id: 'f00d3',
      analyzer: 'Log',
      sources: ['k8sgpt-operator'],
      severity: 'medium',
      failures: [
        { text: 'previous container logs: ERROR ledger', severity: 'medium' },
      ],
      events: [],
    };
    const groups = [
      {
        ...withFindings.groups[0],
        findings: [
          deployment,
          {
            ...pod,
            sources: [
              'periscope',
              'k8sgpt-operator',
            ] as HealthFinding['sources'],
          },
          log,
        ],
      },
    ];
    await renderWith({
      getEntityHealth: async () => ({ ...withFindings, groups }),
    });
    expect(
      await screen.findByText('previous container logs: ERROR ledger'),
    ).toBeInTheDocument();
    // the pod (both sources) and the Log finding (operator only); not the Deployment (Periscope only)
    expect(screen.getAllByText('k8sgpt-operator')).toHaveLength(2);
    expect(
      screen.getByTitle(
        'Found by Periscope and also reported by a k8sgpt-operator Result in the cluster',
      ),
    ).toHaveTextContent('k8sgpt-operator');
    expect(
      screen.getByTitle(
        'Reported only by a k8sgpt-operator Result in the cluster',
      ),
    ).toHaveTextContent('k8sgpt-operator');
  });

  it('shows no source chip when only Periscope found the findings (or the field is absent)', async () => {
    const groups = [
      {
        ...withFindings.groups[0],
        findings: [
          { ...deployment, sources: ['periscope'] as HealthFinding['sources'] },
          pod,
        ],
      },
    ];
    await renderWith({
      getEntityHealth: async () => ({ ...withFindings, groups }),
    });
    expect(
      await screen.findByText('Deployment shop/payments (prod)'),
    ).toBeInTheDocument();
    expect(screen.queryByText('k8sgpt-operator')).not.toBeInTheDocument();
  });

  it('streams an explanation as text when Explain is clicked', async () => {
    const explainFinding: K8sDiagnosticsApi['explainFinding'] = async (
      _ref,
      id,
      onText,
    ) => {
      onText('<img src=x onerror=alert(1)> partial ');
      return {
        findingId: id,
        source: 'catalog',
        format: 'json',
        explanation: {
          summary: `Explained ${id} <script>x</script>`,
          likelyCause: 'The process exits',
          steps: ['Read the logs'],
          commands: ['kubectl logs -n shop payments-7d9f-x2 --previous'],
        },
      };
    };
    await renderWith({
      getEntityHealth: async () => withFindings,
      explainFinding,
    });
    const buttons = await screen.findAllByRole('button', { name: 'Explain' });
    await waitFor(() => expect(buttons[1]).toBeEnabled()); // once the permission is known
    fireEvent.click(buttons[1]);
    expect(
      await screen.findByText('Explained f00d1 <script>x</script>'),
    ).toBeInTheDocument();
    expect(screen.getByText('Read the logs')).toBeInTheDocument();
    // commands are text to review: no button runs or copies them into a shell
    const commands = screen.getByText(
      'kubectl logs -n shop payments-7d9f-x2 --previous',
    );
    expect(commands.tagName).toBe('PRE');
    expect(
      screen.getByText(
        /Commands to review \(text only: Periscope never runs them/,
      ),
    ).toBeInTheDocument();
    expect(screen.getAllByRole('button').map(b => b.textContent)).not.toContain(
      'Run',
    );
    expect(screen.getByText(/Built-in remediation guide/)).toBeInTheDocument();
    expect(document.querySelector('script, img[src="x"]')).toBeNull();
  });

  it('shows an explanation error', async () => {
    await renderWith({
      getEntityHealth: async () => withFindings,
      explainFinding: async () => {
        throw new Error('the daily AI token budget is spent');
      },
    });
    const [first] = await screen.findAllByRole('button', { name: 'Explain' });
    await waitFor(() => expect(first).toBeEnabled()); // once the permission is known
    fireEvent.click(first);
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Explanation failed: the daily AI token budget is spent',
    );
  });

  it('rescans on demand', async () => {
    const rescanEntity = jest.fn(async () => withFindings);
    await renderWith({ getEntityHealth: async () => base, rescanEntity });
    fireEvent.click(await screen.findByRole('button', { name: 'Rescan' }));
    expect(
      await screen.findByText('Deployment shop/payments (prod)'),
    ).toBeInTheDocument();
    expect(rescanEntity).toHaveBeenCalledWith('component:default/payments');
  });

  it('asks for the explain permission on the entity and enables Explain when it is allowed', async () => {
    const authorize = jest.fn(() => AuthorizeResult.ALLOW);
    const explainFinding = jest.fn<
      ReturnType<K8sDiagnosticsApi['explainFinding']>,
      Parameters<K8sDiagnosticsApi['explainFinding']>
    >(async (_ref, id) => ({
      findingId: id,
      source: 'catalog',
      format: 'json',
      explanation: {
        summary: `Explained ${id}`,
        likelyCause: 'The process exits',
        steps: [],
        commands: [],
      },
    }));
    await renderWith(
      { getEntityHealth: async () => withFindings, explainFinding },
      {
        permission: mockApis.permission({ authorize }),
        name: 'payments-allowed',
      },
    );
    const buttons = await screen.findAllByRole('button', { name: 'Explain' });
    await waitFor(() => expect(buttons[0]).toBeEnabled());
    expect(authorize).toHaveBeenCalledWith(
      expect.objectContaining({
        permission: expect.objectContaining({
          name: 'k8s-diagnostics.findings.explain',
        }),
        resourceRef: 'component:default/payments-allowed',
      }),
    );
    expect(screen.queryByText(/You may not/)).not.toBeInTheDocument();
    fireEvent.click(buttons[0]);
    expect(await screen.findByText('Explained f00d2')).toBeInTheDocument();
    expect(explainFinding).toHaveBeenCalledWith(
      'component:default/payments-allowed',
      'f00d2',
      expect.any(Function),
    );
  });

  it('disables Explain with the reason when the explain permission is denied, and still rescans', async () => {
    const explainFinding = jest.fn(notUsed);
    const rescanEntity = jest.fn(async () => withFindings);
    const authorize = (r: { permission: { name: string } }) =>
      r.permission.name === 'k8s-diagnostics.findings.explain'
        ? AuthorizeResult.DENY
        : AuthorizeResult.ALLOW;
    await renderWith(
      {
        getEntityHealth: async () => withFindings,
        explainFinding,
        rescanEntity,
      },
      {
        permission: mockApis.permission({ authorize }),
        name: 'payments-denied',
      },
    );
    const reason =
      "You may not ask for explanations of this entity's findings (permission 'k8s-diagnostics.findings.explain' is denied for this entity); ask its owners or the platform team.";
    expect(await screen.findByText(reason)).toBeInTheDocument();
    const buttons = screen.getAllByRole('button', { name: 'Explain' });
    expect(buttons).toHaveLength(2);
    for (const b of buttons) {
      expect(b).toBeDisabled();
      expect(b.parentElement).toHaveAttribute('title', reason); // the tooltip on hover
    }
    fireEvent.click(buttons[0]);
    expect(explainFinding).not.toHaveBeenCalled();
    // Rescan needs only the read permission, which loading the tab already required
    fireEvent.click(screen.getByRole('button', { name: 'Rescan' }));
    await waitFor(() =>
      expect(rescanEntity).toHaveBeenCalledWith(
        'component:default/payments-denied',
      ),
    );
  });

  it('keeps Explain disabled while the permission decision loads', async () => {
    const explainFinding = jest.fn(notUsed);
    const pending: PermissionApi = { authorize: () => new Promise(() => {}) };
    await renderWith(
      { getEntityHealth: async () => withFindings, explainFinding },
      { permission: pending, name: 'payments-pending' },
    );
    const buttons = await screen.findAllByRole('button', { name: 'Explain' });
    for (const b of buttons) expect(b).toBeDisabled();
    expect(screen.queryByText(/You may not/)).not.toBeInTheDocument();
    fireEvent.click(buttons[0]);
    expect(explainFinding).not.toHaveBeenCalled();
  });

  it('says when the explain permission could not be checked', async () => {
    const failing: PermissionApi = {
      authorize: async () =>
        Promise.reject(new Error('permission backend unreachable')),
    };
    await renderWith(
      { getEntityHealth: async () => withFindings },
      { permission: failing, name: 'payments-unknown' },
    );
    expect(
      await screen.findByText(
        "Could not check whether you may ask for explanations of this entity's findings (permission 'k8s-diagnostics.findings.explain'): permission backend unreachable",
      ),
    ).toBeInTheDocument();
    for (const b of screen.getAllByRole('button', { name: 'Explain' }))
      expect(b).toBeDisabled();
  });

  it('shows a backend error', async () => {
    await renderWith({
      getEntityHealth: async () => {
        throw new Error('permission denied for k8s-diagnostics.findings.read');
      },
    });
    expect(
      (await screen.findAllByText(/permission denied/))[0],
    ).toBeInTheDocument();
  });

  describe('cluster dashboards and client-side clusters', () => {
    const prod: ClusterSummary = {
      name: 'prod',
      authProvider: 'serviceAccount',
      dashboardUrl: 'https://dash.example',
      dashboardApp: 'standard',
      clientSide: false,
    };
    const finding = (label: string) =>
      screen.getByRole('group', { name: label });
    // Backstage's Link adds ", Opens in a new window" to the name of an external link
    const dashboardLink = /^Open in dashboard/;

    it("links each finding to its object in the cluster's dashboard (Backstage's standard format)", async () => {
      const getClusters = jest.fn(async () => ({ items: [prod] }));
      await renderWith({
        getEntityHealth: async () => withFindings,
        getClusters,
      });
      const podLink = await within(
        finding('Pod finding for Pod shop/payments-7d9f-x2'),
      ).findByRole('link', { name: dashboardLink });
      expect(podLink).toHaveAttribute(
        'href',
        'https://dash.example/#/pod/shop/payments-7d9f-x2?namespace=shop',
      );
      expect(
        within(
          finding('Deployment finding for Deployment shop/payments'),
        ).getByRole('link', { name: dashboardLink }),
      ).toHaveAttribute(
        'href',
        'https://dash.example/#/deployment/shop/payments?namespace=shop',
      );
      expect(getClusters).toHaveBeenCalledWith('component:default/payments');
      expect(
        screen.queryByText(/your own Kubernetes credentials/),
      ).not.toBeInTheDocument();
    });

    it('uses the Kubernetes plugin’s link formatter when the app provides it', async () => {
      const formatClusterLink = jest.fn(
        async (o: FormatClusterLinkOptions) =>
          `https://custom.example/${o.kind}/${o.object.metadata.name}`,
      );
      const full: K8sDiagnosticsApi = {
        getEntityHealth: async () => withFindings,
        rescanEntity: notUsed,
        explainFinding: notUsed,
        listFindings: notUsed,
        getClusters: async () => ({
          items: [{ ...prod, dashboardApp: 'custom' }],
        }),
      };
      await renderInTestApp(
        <TestApiProvider
          apis={[
            [k8sDiagnosticsApiRef, full],
            [
              permissionApiRef,
              mockApis.permission({ authorize: AuthorizeResult.ALLOW }),
            ],
            [kubernetesClusterLinkFormatterApiRef, { formatClusterLink }],
          ]}
        >
          <EntityProvider entity={entity}>
            <EntityHealthContent />
          </EntityProvider>
        </TestApiProvider>,
      );
      expect(
        await within(
          finding('Pod finding for Pod shop/payments-7d9f-x2'),
        ).findByRole('link', { name: dashboardLink }),
      ).toHaveAttribute('href', 'https://custom.example/Pod/payments-7d9f-x2');
      expect(formatClusterLink).toHaveBeenCalledWith(
        expect.objectContaining({
          dashboardUrl: 'https://dash.example',
          dashboardApp: 'custom',
          kind: 'Pod',
        }),
      );
    });

    it('shows no dashboard link for a cluster without a dashboardUrl or with a dashboardApp the formatter does not know', async () => {
      const other = (cluster: string, name: string): HealthFinding => ({
        ...pod,
        id: `f00d-${cluster}`,
        cluster,
        object: { kind: 'Pod', name, namespace: 'shop' },
      });
      const groups = [
        { ...withFindings.groups[0], findings: [pod] },
        {
          cluster: 'staging',
          workload: pod.workload,
          severity: pod.severity,
          findings: [other('staging', 'payments-staging')],
        },
        {
          cluster: 'qa',
          workload: pod.workload,
          severity: pod.severity,
          findings: [other('qa', 'payments-qa')],
        },
      ];
      await renderWith({
        getEntityHealth: async () => ({ ...withFindings, groups }),
        getClusters: async () => ({
          items: [
            prod,
            {
              name: 'staging',
              authProvider: 'serviceAccount',
              clientSide: false,
            },
            { ...prod, name: 'qa', dashboardApp: 'no-such-app' },
          ],
        }),
      });
      // once prod's link is there, the others have been formatted too
      expect(
        await within(
          finding('Pod finding for Pod shop/payments-7d9f-x2'),
        ).findByRole('link', { name: dashboardLink }),
      ).toBeInTheDocument();
      expect(
        within(
          finding('Pod finding for Pod shop/payments-staging'),
        ).queryByRole('link', { name: dashboardLink }),
      ).not.toBeInTheDocument();
      expect(
        within(finding('Pod finding for Pod shop/payments-qa')).queryByRole(
          'link',
          { name: dashboardLink },
        ),
      ).not.toBeInTheDocument();
      expect(screen.getAllByRole('link', { name: dashboardLink })).toHaveLength(
        1,
      );
    });

    it('keeps the tab when the cluster list cannot be read', async () => {
      await renderWith({
        getEntityHealth: async () => withFindings,
        getClusters: async () => {
          throw new Error('the clusters are unavailable');
        },
      });
      expect(
        await screen.findByText('Deployment shop/payments (prod)'),
      ).toBeInTheDocument();
      expect(
        screen.queryByText(/the clusters are unavailable/),
      ).not.toBeInTheDocument();
      expect(
        screen.queryByRole('link', { name: dashboardLink }),
      ).not.toBeInTheDocument();
    });

    it("says which of the entity's clusters are read with the user's own credentials", async () => {
      const items: ClusterSummary[] = [
        {
          ...prod,
          authProvider: 'oidc',
          oidcTokenProvider: 'okta',
          clientSide: true,
        },
        // client-side, but this entity has nothing there: not mentioned
        { name: 'lab', authProvider: 'google', clientSide: true },
      ];
      const clusters = [...base.clusters, { name: 'lab', workloads: [] }];
      await renderWith({
        getEntityHealth: async () => ({ ...base, clusters }),
        getClusters: async () => ({ items }),
      });
      expect(
        await screen.findByText(
          'Read with your own Kubernetes credentials: prod. Scheduled scans skip these clusters; Rescan to refresh their findings.',
        ),
      ).toBeInTheDocument();
    });

    it('shows no client-side note when every cluster uses server-side auth', async () => {
      await renderWith({
        getEntityHealth: async () => withFindings,
        getClusters: async () => ({ items: [prod] }),
      });
      // the dashboard link shows that the cluster list has loaded
      expect(
        (await screen.findAllByRole('link', { name: dashboardLink }))[0],
      ).toBeInTheDocument();
      expect(
        screen.queryByText(/your own Kubernetes credentials/),
      ).not.toBeInTheDocument();
    });
  });
});
