import { screen } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { SecurityOverviewPage } from './SecurityOverviewPage';
import { RuntimeSecurityApi, runtimeSecurityApiRef, SecurityFinding } from '../../api';
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
    getPolicies: async () => ({ policies: [], notInstalled: [], unfedRules: [], errors: [] }),
    getIngestHealth: async () => ({ sources: [], queuedLines: 0 }),
    ...over,
  };
}

const renderWith = (impl: RuntimeSecurityApi, mountedRoutes?: Record<string, any>) =>
  renderInTestApp(
    <TestApiProvider apis={[[runtimeSecurityApiRef, impl]]}>
      <SecurityOverviewPage />
    </TestApiProvider>,
    { mountedRoutes },
  );

describe('SecurityOverviewPage', () => {
  it('links to the Health overview where the app binds it, and not otherwise', async () => {
    const { unmount } = await renderWith(api({}), { '/health-overview': healthOverviewExternalRouteRef });
    expect(await screen.findByRole('link', { name: 'Kubernetes health findings' })).toHaveAttribute('href', '/health-overview');
    unmount();

    await renderWith(api({}));
    expect(await screen.findByText('Ingest health')).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Kubernetes health findings' })).not.toBeInTheDocument();
  });

  it('shows the empty states', async () => {
    await renderWith(api({}));
    expect(await screen.findByText(/No findings: no Tetragon event matched/)).toBeInTheDocument();
    expect(await screen.findByText(/No TracingPolicy found/)).toBeInTheDocument();
    expect(await screen.findByText(/No source has delivered events yet/)).toBeInTheDocument();
  });

  it('shows findings, policies with mode and findings produced, unfed rules and ingest health', async () => {
    await renderWith(
      api({
        listFindings: async () => ({ findings: [finding] }),
        getPolicies: async () => ({
          policies: [{ cluster: 'prod', kind: 'TracingPolicy', name: 'file-monitoring', mode: 'enforcement', hooks: ['kprobes'], calls: ['security_file_permission'], findings: 3 }],
          notInstalled: ['staging'],
          unfedRules: [{ rule: 'credential-file-access', title: 'Credential file read', eventTypes: ['process_kprobe'] }],
          errors: [{ cluster: 'dev', errorType: 'UNREACHABLE', message: 'cluster dev is unreachable' }],
        }),
        getIngestHealth: async () => ({
          sources: [{ id: 'kubernetes:prod', kind: 'kubernetes', linesTotal: 10, eventsTotal: 9, detectionsTotal: 2, skipped: { malformed_json: 1 }, eventsPerSecond: 1.5, lagMs: 2000, error: 'pod x: 404', updatedAt: '2026-01-01T00:00:00.000Z' }],
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
    await renderWith(api({ getPolicies: async () => Promise.reject(new Error('policies exploded')) }));
    expect((await screen.findAllByText(/Could not load TracingPolicies/)).length).toBeGreaterThan(0);
    expect((await screen.findAllByText(/policies exploded/)).length).toBeGreaterThan(0);
    expect(await screen.findByText(/No source has delivered events yet/)).toBeInTheDocument();
  });

  it('shows progress while loading', async () => {
    const never = () => new Promise<never>(() => {});
    await renderWith(api({ listFindings: never, getPolicies: never, getIngestHealth: never }));
    expect((await screen.findAllByTestId('progress')).length).toBe(3);
  });
});
