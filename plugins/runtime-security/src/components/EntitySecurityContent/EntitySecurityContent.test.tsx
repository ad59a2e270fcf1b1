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
import { ResponseError } from '@backstage/errors';
import { EntitySecurityContent } from './EntitySecurityContent';
import { EntitySecurityCard } from '../EntitySecurityCard';
import {
  EntitySecurityResponse,
  RuntimeSecurityApi,
  runtimeSecurityApiRef,
  SecurityFinding,
  SecurityFindingDetail,
} from '../../api';

const entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'checkout' },
  spec: {},
};
/** An older backend's answer: no `openCounts` or `total`, so the summary counts the loaded findings. */
const base = {
  entityRef: 'component:default/checkout',
  status: 'ok',
  findings: [],
  errors: [],
} as unknown as EntitySecurityResponse;

function finding(over: Partial<SecurityFinding>): SecurityFinding {
  return {
    id: '0123456789abcdef',
    rule: 'shell-in-container',
    severity: 'high',
    title: 'Shell started in a container',
    mitre: { id: 'T1059.004', name: 'Unix Shell' },
    remediation: 'Remove shells from the image.',
    outcome: 'observed',
    cluster: 'local',
    namespace: 'shop',
    workload: 'checkout',
    pod: 'checkout-1',
    binary: '/bin/bash',
    labels: {},
    count: 4,
    firstSeen: '2026-01-01T00:00:00.000Z',
    lastSeen: '2026-01-02T00:00:00.000Z',
    triage: { state: 'open' },
    ...over,
  };
}

const shell = finding({});
const curl = finding({
  id: 'fedcba9876543210',
  rule: 'network-tool-in-container',
  severity: 'medium',
  title: 'Network tool run',
  binary: '/usr/bin/curl',
  mitre: { id: 'T1071', name: 'App Layer Protocol' },
});
const detail: SecurityFindingDetail = {
  ...shell,
  sample: {
    eventId: 'e1',
    type: 'process_exec',
    time: '2026-01-01T00:00:00Z',
    node: 'node-1',
    pod: 'checkout-1',
    binary: '/bin/bash',
    arguments: '-c id',
    ancestry: [
      { execId: 'a', binary: '/usr/bin/containerd-shim', arguments: '' },
      {
        execId: 'b',
        parentExecId: 'a',
        binary: '/usr/bin/node',
        arguments: 'server.js',
      },
      {
        execId: 'c',
        parentExecId: 'b',
        binary: '/bin/bash',
        arguments: '-c id',
      },
    ],
    raw: { process_exec: { process: { binary: '/bin/bash' } } },
  },
};

function api(over: Partial<RuntimeSecurityApi>): RuntimeSecurityApi {
  return {
    getEntitySecurity: async () => ({ ...base, labelSelector: 'a=b' }),
    getFinding: async () => detail,
    triageFinding: async () => detail,
    getTimeline: async () => ({
      entityRef: base.entityRef,
      bucket: 'day',
      buckets: [
        { start: '2026-01-01T00:00:00.000Z', counts: { high: 3, medium: 1 } },
      ],
    }),
    listFindings: async () => ({ findings: [] }),
    getPolicies: async () => ({
      policies: [],
      notInstalled: [],
      unfedRules: [],
      errors: [],
    }),
    getIngestHealth: async () => ({ sources: [], queuedLines: 0 }),
    getUnknownEvents: async () => ({ events: [] }),
    proposeEnforcement: () => Promise.reject(new Error('not used')),
    previewPolicyValues: () => Promise.reject(new Error('not used')),
    deployPolicyValues: () => Promise.reject(new Error('not used')),
    ...over,
  };
}

/**
 * `permission` answers usePermission (allow by default). usePermission caches each decision per
 * permission and entity for the whole file, so a test with another answer names another entity.
 */
function renderWith(
  impl: RuntimeSecurityApi,
  node = <EntitySecurityContent />,
  opts: { permission?: PermissionApi; name?: string } = {},
) {
  const permission =
    opts.permission ??
    mockApis.permission({ authorize: AuthorizeResult.ALLOW });
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [runtimeSecurityApiRef, impl],
        [permissionApiRef, permission],
      ]}
    >
      <EntityProvider
        entity={
          opts.name ? { ...entity, metadata: { name: opts.name } } : entity
        }
      >
        {node}
      </EntityProvider>
    </TestApiProvider>,
  );
}

const triageDenied =
  "You may not acknowledge this entity's findings, mark them false positives or open them again (permission 'runtime-security.findings.triage' is denied for this entity); ask its owners or the platform team.";

async function openShell() {
  fireEvent.click(
    await screen.findByRole('button', { name: 'Shell started in a container' }),
  );
  const dialog = await screen.findByRole('dialog');
  await within(dialog).findByLabelText('process tree');
  return dialog;
}

describe('EntitySecurityContent', () => {
  it('shows progress while loading', async () => {
    await renderWith(api({ getEntitySecurity: () => new Promise(() => {}) }));
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('shows the not-configured state', async () => {
    await renderWith(
      api({
        getEntitySecurity: async () => ({ ...base, status: 'not-configured' }),
      }),
    );
    expect(
      await screen.findByText('Security is not configured'),
    ).toBeInTheDocument();
  });

  it('shows the not-annotated state with the annotation to add', async () => {
    await renderWith(
      api({
        getEntitySecurity: async () => ({ ...base, status: 'not-annotated' }),
      }),
    );
    expect(
      await screen.findByText(
        'This entity is not linked to Kubernetes workloads',
      ),
    ).toBeInTheDocument();
  });

  it('shows the empty state', async () => {
    await renderWith(api({}));
    expect(
      await screen.findByText(/No findings: no Tetragon event/),
    ).toBeInTheDocument();
  });

  it('says when the answer carries only the first findings of many', async () => {
    await renderWith(
      api({
        getEntitySecurity: async () => ({
          ...base,
          labelSelector: 'a=b',
          findings: [shell],
          nextOffset: 1,
        }),
      }),
    );
    expect(await screen.findByRole('status')).toHaveTextContent(
      /most severe and recent findings of this entity; more matched/,
    );
  });

  it('asks once on first render: one findings page and one timeline, in parallel', async () => {
    const getEntitySecurity = jest.fn(async () => ({
      ...base,
      labelSelector: 'a=b',
      findings: [shell],
    }));
    const getTimeline = jest.fn(api({}).getTimeline);
    await renderWith(api({ getEntitySecurity, getTimeline }));
    expect(
      await screen.findByRole('button', {
        name: 'Shell started in a container',
      }),
    ).toBeInTheDocument();
    await screen.findByRole('img', { name: 'events per day' });
    expect(getEntitySecurity).toHaveBeenCalledTimes(1);
    expect(getEntitySecurity).toHaveBeenCalledWith(
      'component:default/checkout',
    );
    expect(getTimeline).toHaveBeenCalledTimes(1);
  });

  it('pages: "Show more findings" appends the next page and goes away at the end', async () => {
    const getEntitySecurity = jest.fn(
      async (_ref: string, page?: { limit?: number; offset?: number }) =>
        page?.offset === 1
          ? { ...base, labelSelector: 'a=b', findings: [curl] }
          : { ...base, labelSelector: 'a=b', findings: [shell], nextOffset: 1 },
    );
    await renderWith(api({ getEntitySecurity }));
    expect(
      await screen.findByRole('button', {
        name: 'Shell started in a container',
      }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Network tool run' }),
    ).not.toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Show more findings' }));
    expect(
      await screen.findByRole('button', { name: 'Network tool run' }),
    ).toBeInTheDocument();
    expect(getEntitySecurity).toHaveBeenLastCalledWith(
      'component:default/checkout',
      { offset: 1 },
    );
    expect(
      screen.getByRole('button', { name: 'Shell started in a container' }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Show more findings' }),
    ).not.toBeInTheDocument();
    expect(screen.queryByText(/more matched/)).not.toBeInTheDocument();
  });

  it('refreshes the findings in the background every 30 s, keeping them shown meanwhile', async () => {
    jest.useFakeTimers();
    try {
      const getEntitySecurity = jest
        .fn()
        .mockResolvedValueOnce({
          ...base,
          labelSelector: 'a=b',
          findings: [shell],
        })
        .mockResolvedValue({
          ...base,
          labelSelector: 'a=b',
          findings: [shell, curl],
        });
      await renderWith(api({ getEntitySecurity }));
      expect(
        await screen.findByRole('button', {
          name: 'Shell started in a container',
        }),
      ).toBeInTheDocument();
      expect(getEntitySecurity).toHaveBeenCalledTimes(1);
      await act(async () => {
        jest.advanceTimersByTime(30_000);
      });
      expect(
        await screen.findByRole('button', { name: 'Network tool run' }),
      ).toBeInTheDocument();
      expect(getEntitySecurity).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('shows no such note when every finding is there', async () => {
    await renderWith(api({}));
    await screen.findByText(/No findings: no Tetragon event/);
    expect(screen.queryByText(/more matched/)).not.toBeInTheDocument();
  });

  it('shows an error from the backend', async () => {
    const res = new Response(
      JSON.stringify({
        error: { name: 'NotAllowedError', message: 'permission denied' },
      }),
      {
        status: 403,
        statusText: 'Forbidden',
        headers: { 'content-type': 'application/json' },
      },
    );
    const err = await ResponseError.fromResponse(res as any);
    await renderWith(
      api({ getEntitySecurity: async () => Promise.reject(err) }),
    );
    expect(
      (await screen.findAllByText(/403 Forbidden/)).length,
    ).toBeGreaterThan(0);
  });

  it('shows partial results with the failing source', async () => {
    await renderWith(
      api({
        getEntitySecurity: async () => ({
          ...base,
          labelSelector: 'a=b',
          findings: [shell],
          errors: [
            {
              cluster: 'kubernetes:prod',
              errorType: 'INGEST_ERROR',
              message: 'cluster prod is unreachable',
            },
          ],
        }),
      }),
    );
    expect(await screen.findByText(/results are partial/)).toBeInTheDocument();
    expect(screen.getByText(/cluster prod is unreachable/)).toBeInTheDocument();
    expect(
      screen.getByText('Shell started in a container'),
    ).toBeInTheDocument();
  });

  it('summarizes by severity, filters by search and draws the timeline', async () => {
    await renderWith(
      api({
        getEntitySecurity: async () => ({
          ...base,
          labelSelector: 'a=b',
          findings: [shell, curl],
        }),
      }),
    );
    expect(await screen.findByText('Network tool run')).toBeInTheDocument();
    const summary = screen.getByLabelText('open findings by severity');
    expect(within(summary).getByText('1 high')).toBeInTheDocument();
    expect(within(summary).getByText('1 medium')).toBeInTheDocument();
    expect(
      await screen.findByRole('img', { name: 'events per day' }),
    ).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('search findings'), {
      target: { value: 'curl' },
    });
    await waitFor(() =>
      expect(
        screen.queryByText('Shell started in a container'),
      ).not.toBeInTheDocument(),
    );
    expect(screen.getByText('Network tool run')).toBeInTheDocument();
  });

  it("shows the backend's open counts over every finding, and the total, when only one page is loaded", async () => {
    await renderWith(
      api({
        getEntitySecurity: async () => ({
          ...base,
          labelSelector: 'a=b',
          findings: [shell, curl],
          nextOffset: 2,
          openCounts: { critical: 2, high: 7, medium: 3 },
          total: 40,
        }),
      }),
    );
    expect(await screen.findByText('Network tool run')).toBeInTheDocument();
    const summary = screen.getByLabelText('open findings by severity');
    for (const text of ['2 critical', '7 high', '3 medium', '0 low', '0 info'])
      expect(within(summary).getByText(text)).toBeInTheDocument();
    // not the loaded page's own counts
    expect(within(summary).queryByText('1 high')).not.toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent(
      'Showing 2 of the 40 findings of this entity, the most severe and recent first.',
    );
  });

  it('after a triage change reloads the first page (with its counts) and the later pages shown so far', async () => {
    let triaged = false;
    const getEntitySecurity = jest.fn(
      async (_ref: string, page?: { limit?: number; offset?: number }) =>
        page?.offset === 1
          ? {
              ...base,
              labelSelector: 'a=b',
              findings: [
                triaged
                  ? { ...curl, triage: { state: 'acknowledged' as const } }
                  : curl,
              ],
              openCounts: triaged ? { high: 1 } : { high: 1, medium: 1 },
              total: 2,
            }
          : {
              ...base,
              labelSelector: 'a=b',
              findings: [shell],
              nextOffset: 1,
              openCounts: triaged ? { high: 1 } : { high: 1, medium: 1 },
              total: 2,
            },
    );
    const triageFinding = jest.fn(async () => {
      triaged = true;
      return { ...detail, ...curl, triage: { state: 'acknowledged' as const } };
    });
    await renderWith(api({ getEntitySecurity, triageFinding }), undefined, {
      name: 'checkout-pages',
    });
    const summary = await screen.findByLabelText('open findings by severity');
    expect(within(summary).getByText('1 medium')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Show more findings' }));
    fireEvent.click(
      await screen.findByRole('button', { name: 'Network tool run' }),
    );
    const dialog = await screen.findByRole('dialog');
    await within(dialog).findByLabelText('process tree');
    fireEvent.change(within(dialog).getByLabelText('triage reason'), {
      target: { value: 'known job' },
    });
    const save = within(dialog).getByRole('button', { name: 'Save' });
    await waitFor(() => expect(save).toBeEnabled());
    fireEvent.click(save);
    await waitFor(() => expect(triageFinding).toHaveBeenCalled());
    fireEvent.click(within(dialog).getByRole('button', { name: 'Close' }));
    // the summary follows the backend's new counts
    await waitFor(() =>
      expect(
        within(screen.getByLabelText('open findings by severity')).getByText(
          '0 medium',
        ),
      ).toBeInTheDocument(),
    );
    // the first page and the page loaded by "Show more" were both read again
    const offsets = getEntitySecurity.mock.calls.map(
      ([, page]) => page?.offset,
    );
    expect(offsets.filter(o => o === undefined).length).toBe(2);
    expect(offsets.filter(o => o === 1).length).toBe(2);
    // the later page's finding shows its new triage state, both findings still listed once
    await waitFor(() =>
      expect(
        within(
          screen
            .getByRole('button', { name: 'Network tool run' })
            .closest('tr')!,
        ).getByText(/acknowledged/i),
      ).toBeInTheDocument(),
    );
    expect(
      screen.getAllByRole('button', { name: 'Shell started in a container' }),
    ).toHaveLength(1);
    // the later page was the last: nothing more to show, as before the triage
    expect(
      screen.queryByRole('button', { name: 'Show more findings' }),
    ).not.toBeInTheDocument();
  });

  it('opens a finding with MITRE, remediation, process tree and raw event, and triages it', async () => {
    const triageFinding = jest.fn(async () => ({
      ...detail,
      triage: {
        state: 'false-positive' as const,
        by: 'user:default/ana',
        reason: 'test job',
        at: 'now',
      },
    }));
    await renderWith(
      api({
        triageFinding,
        getEntitySecurity: async () => ({
          ...base,
          labelSelector: 'a=b',
          findings: [shell],
        }),
      }),
    );
    fireEvent.click(
      await screen.findByRole('button', {
        name: 'Shell started in a container',
      }),
    );
    const dialog = await screen.findByRole('dialog');
    const tree = await within(dialog).findByLabelText('process tree');
    expect(
      within(tree)
        .getAllByRole('listitem')
        .map(li => li.textContent),
    ).toEqual([
      expect.stringContaining('/usr/bin/containerd-shim'),
      expect.stringContaining('/usr/bin/node server.js'),
      expect.stringContaining('/bin/bash -c id'),
    ]);
    expect(within(dialog).getByText('T1059.004')).toBeInTheDocument();
    expect(
      within(dialog).getByText('Remove shells from the image.'),
    ).toBeInTheDocument();
    expect(within(dialog).getAllByText(/process_exec/).length).toBeGreaterThan(
      0,
    );
    const save = within(dialog).getByRole('button', { name: 'Save' });
    expect(save).toBeDisabled();
    fireEvent.change(within(dialog).getByLabelText('triage reason'), {
      target: { value: 'test job' },
    });
    await waitFor(() => expect(save).toBeEnabled()); // once the permission is known
    fireEvent.click(save);
    await waitFor(() =>
      expect(triageFinding).toHaveBeenCalledWith(
        'component:default/checkout',
        shell.id,
        'acknowledged',
        'test job',
      ),
    );
  });

  it('asks for the triage permission on the entity and triages when it is allowed', async () => {
    const authorize = jest.fn(() => AuthorizeResult.ALLOW);
    const triageFinding = jest.fn(async () => detail);
    await renderWith(
      api({
        triageFinding,
        getEntitySecurity: async () => ({
          ...base,
          labelSelector: 'a=b',
          findings: [shell],
        }),
      }),
      undefined,
      {
        permission: mockApis.permission({ authorize }),
        name: 'checkout-allowed',
      },
    );
    const dialog = await openShell();
    fireEvent.change(within(dialog).getByLabelText('triage reason'), {
      target: { value: 'known cron job' },
    });
    const save = within(dialog).getByRole('button', { name: 'Save' });
    await waitFor(() => expect(save).toBeEnabled());
    expect(authorize).toHaveBeenCalledWith(
      expect.objectContaining({
        permission: expect.objectContaining({
          name: 'runtime-security.findings.triage',
        }),
        resourceRef: 'component:default/checkout-allowed',
      }),
    );
    expect(within(dialog).queryByText(/You may not/)).not.toBeInTheDocument();
    fireEvent.click(save);
    await waitFor(() =>
      expect(triageFinding).toHaveBeenCalledWith(
        'component:default/checkout-allowed',
        shell.id,
        'acknowledged',
        'known cron job',
      ),
    );
  });

  it('replaces the triage form with the reason when the triage permission is denied', async () => {
    const triageFinding = jest.fn(async () => detail);
    const authorize = (r: { permission: { name: string } }) =>
      r.permission.name === 'runtime-security.findings.triage'
        ? AuthorizeResult.DENY
        : AuthorizeResult.ALLOW;
    await renderWith(
      api({
        triageFinding,
        getEntitySecurity: async () => ({
          ...base,
          labelSelector: 'a=b',
          findings: [shell],
        }),
      }),
      undefined,
      {
        permission: mockApis.permission({ authorize }),
        name: 'checkout-denied',
      },
    );
    const dialog = await openShell();
    expect(await within(dialog).findByText(triageDenied)).toBeInTheDocument();
    expect(
      within(dialog).queryByRole('button', { name: 'Save' }),
    ).not.toBeInTheDocument();
    expect(
      within(dialog).queryByLabelText('triage reason'),
    ).not.toBeInTheDocument();
    // the rest of the detail still shows
    expect(
      within(dialog).getByText('Open: nobody has triaged this finding.'),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByText('Remove shells from the image.'),
    ).toBeInTheDocument();
    expect(triageFinding).not.toHaveBeenCalled();
  });

  it('keeps Save disabled while the triage permission decision loads', async () => {
    const triageFinding = jest.fn(async () => detail);
    const pending: PermissionApi = { authorize: () => new Promise(() => {}) };
    await renderWith(
      api({
        triageFinding,
        getEntitySecurity: async () => ({
          ...base,
          labelSelector: 'a=b',
          findings: [shell],
        }),
      }),
      undefined,
      {
        permission: pending,
        name: 'checkout-pending',
      },
    );
    const dialog = await openShell();
    fireEvent.change(within(dialog).getByLabelText('triage reason'), {
      target: { value: 'test job' },
    });
    const save = within(dialog).getByRole('button', { name: 'Save' });
    expect(save).toBeDisabled();
    fireEvent.click(save);
    expect(triageFinding).not.toHaveBeenCalled();
    expect(within(dialog).queryByText(/You may not/)).not.toBeInTheDocument();
  });
});

describe('EntitySecurityCard', () => {
  it('asks once on mount and again in the background every 30 s', async () => {
    jest.useFakeTimers();
    try {
      const getEntitySecurity = jest
        .fn()
        .mockResolvedValueOnce({
          ...base,
          labelSelector: 'a=b',
          findings: [shell],
        })
        .mockResolvedValue({ ...base, labelSelector: 'a=b', findings: [] });
      await renderWith(api({ getEntitySecurity }), <EntitySecurityCard />);
      expect(await screen.findByText('1 high')).toBeInTheDocument();
      expect(getEntitySecurity).toHaveBeenCalledTimes(1);
      await act(async () => {
        jest.advanceTimersByTime(30_000);
      });
      expect(await screen.findByText('No findings.')).toBeInTheDocument();
      expect(getEntitySecurity).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('shows counts by severity and links to the Security tab', async () => {
    await renderWith(
      api({
        getEntitySecurity: async () => ({
          ...base,
          labelSelector: 'a=b',
          findings: [shell, curl],
        }),
      }),
      <EntitySecurityCard />,
    );
    expect(await screen.findByText('1 high')).toBeInTheDocument();
    expect(
      screen.getByText('1 high').closest('[data-severity]'),
    ).toHaveAttribute('data-severity', 'high');
    expect(
      screen.getByRole('link', { name: /Open the Security tab/ }),
    ).toHaveAttribute('href', expect.stringMatching(/security$/));
  });

  it("shows the backend's open counts over every finding, not the loaded page's", async () => {
    await renderWith(
      api({
        getEntitySecurity: async () => ({
          ...base,
          labelSelector: 'a=b',
          findings: [shell, curl],
          nextOffset: 2,
          openCounts: { critical: 1, high: 9 },
          total: 30,
        }),
      }),
      <EntitySecurityCard />,
    );
    expect(await screen.findByText('9 high')).toBeInTheDocument();
    expect(screen.getByText('1 critical')).toBeInTheDocument();
    expect(screen.getByText('0 medium')).toBeInTheDocument();
  });

  it.each([
    ['not-configured', /Security is not configured/],
    ['not-annotated', /Not linked to workloads/],
    ['ok', /No findings/],
  ] as const)('shows the %s state', async (status, text) => {
    await renderWith(
      api({ getEntitySecurity: async () => ({ ...base, status }) }),
      <EntitySecurityCard />,
    );
    expect(await screen.findByText(text)).toBeInTheDocument();
  });
});
