import { fireEvent, screen, within } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { HealthOverviewPage } from './HealthOverviewPage';
import {
  ClusterFindingsResponse,
  HealthFinding,
  K8sDiagnosticsApi,
  k8sDiagnosticsApiRef,
} from '../../api';
import { securityOverviewExternalRouteRef } from '../../routes';

const fail = async () => {
  throw new Error('not used');
};
const finding = (
  name: string,
  severity: HealthFinding['severity'],
): HealthFinding => ({
  id: name,
  cluster: 'prod',
  analyzer: 'Pod',
  object: { kind: 'Pod', name, namespace: 'shop' },
  ownerChain: [],
  workload: { kind: 'Pod', name, namespace: 'shop' },
  severity,
  failures: [{ text: `${name} is broken`, severity }],
  events: [],
  firstSeen: '2026-11-22T01:00:00Z',
  lastSeen: '2026-11-22T02:00:00Z',
});
const ok: ClusterFindingsResponse = {
  status: 'ok',
  scannedAt: '2026-11-22T02:00:00Z',
  findings: [finding('payments-1', 'critical'), finding('cart-1', 'high')],
  errors: [],
  warnings: [],
  facets: { clusters: ['prod'], namespaces: ['shop'], kinds: ['Pod'] },
};

function renderWith(
  listFindings: K8sDiagnosticsApi['listFindings'],
  mountedRoutes?: Record<string, any>,
) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [
          k8sDiagnosticsApiRef,
          {
            listFindings,
            getEntityHealth: fail,
            rescanEntity: fail,
            explainFinding: fail,
          },
        ],
      ]}
    >
      <HealthOverviewPage />
    </TestApiProvider>,
    { mountedRoutes },
  );
}

describe('HealthOverviewPage', () => {
  it('links to the Security overview where the app binds it, and not otherwise', async () => {
    const { unmount } = await renderWith(async () => ok, {
      '/security-overview': securityOverviewExternalRouteRef,
    });
    expect(await screen.findByText('payments-1 is broken')).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: 'Runtime security findings' }),
    ).toHaveAttribute('href', '/security-overview');
    unmount();

    await renderWith(async () => ok);
    expect(await screen.findByText('payments-1 is broken')).toBeInTheDocument();
    expect(
      screen.queryByRole('link', { name: 'Runtime security findings' }),
    ).not.toBeInTheDocument();
  });

  it('lists the findings and filters by severity through the backend', async () => {
    const listFindings = jest.fn(async (filter: { severity?: string }) => ({
      ...ok,
      findings: ok.findings.filter(
        f => !filter.severity || f.severity === filter.severity,
      ),
    }));
    await renderWith(listFindings);
    expect(await screen.findByText('payments-1 is broken')).toBeInTheDocument();
    expect(screen.getByText('cart-1 is broken')).toBeInTheDocument();
    fireEvent.mouseDown(
      screen.getByLabelText('Severity', { selector: '[role="button"]' }),
    );
    fireEvent.click(
      within(await screen.findByRole('listbox')).getByText('critical'),
    );
    expect(await screen.findByText('1 finding(s)')).toBeInTheDocument();
    expect(listFindings).toHaveBeenLastCalledWith({ severity: 'critical' });
  });

  it('marks the findings a k8sgpt-operator Result reported', async () => {
    const fromOperator = {
      ...finding('payments-2', 'medium'),
      analyzer: 'Log',
      sources: ['k8sgpt-operator'] as HealthFinding['sources'],
    };
    await renderWith(async () => ({
      ...ok,
      findings: [...ok.findings, fromOperator],
    }));
    expect(await screen.findByText('payments-2 is broken')).toBeInTheDocument();
    const chips = screen.getAllByText('k8sgpt-operator');
    expect(chips).toHaveLength(1);
    expect(
      within(chips[0].closest('tr')!).getByText('payments-2 is broken'),
    ).toBeInTheDocument();
  });

  it('says all healthy when nothing matches', async () => {
    await renderWith(async () => ({ ...ok, findings: [] }));
    expect(await screen.findByText(/All healthy/)).toBeInTheDocument();
  });

  it('shows the not-configured state', async () => {
    await renderWith(async () => ({
      ...ok,
      status: 'not-configured',
      findings: [],
    }));
    expect(
      await screen.findByText('Health is not configured'),
    ).toBeInTheDocument();
  });

  it('shows partial results with the failing cluster', async () => {
    await renderWith(async () => ({
      ...ok,
      errors: [
        { cluster: 'staging', errorType: 'FORBIDDEN', message: 'grant view' },
      ],
    }));
    expect(
      await screen.findByText(/1 cluster\(s\) could not be read/),
    ).toBeInTheDocument();
    expect(screen.getByText('payments-1 is broken')).toBeInTheDocument();
  });

  it('shows progress, then a backend error', async () => {
    await renderWith(async () => {
      throw new Error("permission 'k8s-diagnostics.cluster.read' is denied");
    });
    expect(
      (await screen.findAllByText(/cluster.read' is denied/))[0],
    ).toBeInTheDocument();
  });
});
