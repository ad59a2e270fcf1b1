import { screen, within } from '@testing-library/react';
import { renderTestApp } from '@backstage/frontend-test-utils';
import k8sDiagnosticsPlugin, {
  K8sDiagnosticsApi,
  k8sDiagnosticsApiRef,
} from '@periscope/backstage-plugin-k8s-diagnostics';
import moduleDeployPlugin, {
  ModuleDeployApi,
  moduleDeployApiRef,
} from '@periscope/backstage-plugin-module-deploy';
import runtimeSecurityPlugin, {
  RuntimeSecurityApi,
  runtimeSecurityApiRef,
} from '@periscope/backstage-plugin-runtime-security';

// The three Periscope plugins as this app installs them: their pages are nav items, and each
// overview page links to the other through the external routes' default targets.
const never = () => new Promise<never>(() => {});
const k8sDiagnostics = {
  listFindings: async () => ({
    status: 'ok',
    findings: [],
    errors: [],
    warnings: [],
    facets: { clusters: [], namespaces: [], kinds: [] },
  }),
} as unknown as K8sDiagnosticsApi;
const runtimeSecurity = {
  listFindings: async () => ({ findings: [] }),
  getPolicies: async () => ({
    policies: [],
    notInstalled: [],
    unfedRules: [],
    errors: [],
  }),
  getIngestHealth: async () => ({ sources: [], queuedLines: 0 }),
} as unknown as RuntimeSecurityApi;
const moduleDeploy = {
  listModules: never,
} as unknown as ModuleDeployApi;

// the pages load lazily, which can take a few seconds on a busy machine
const slow = { timeout: 15_000 };

function renderAt(path: string) {
  return renderTestApp({
    features: [k8sDiagnosticsPlugin, moduleDeployPlugin, runtimeSecurityPlugin],
    initialRouteEntries: [path],
    apis: [
      [k8sDiagnosticsApiRef, k8sDiagnostics],
      [runtimeSecurityApiRef, runtimeSecurity],
      [moduleDeployApiRef, moduleDeploy],
    ],
  });
}

describe('the Periscope plugins in the app', () => {
  it('put their pages in the nav', async () => {
    renderAt('/health-overview');
    const nav = await screen.findByRole('navigation', {}, slow);
    for (const [title, href] of [
      ['Health overview', '/health-overview'],
      ['Security overview', '/security-overview'],
      ['Modules', '/modules'],
    ]) {
      expect(
        within(nav).getByRole('link', { name: new RegExp(title) }),
      ).toHaveAttribute('href', href);
    }
  });

  it('link the Health overview to the Security overview without any binding in the app', async () => {
    renderAt('/health-overview');
    expect(
      await screen.findByRole(
        'link',
        { name: 'Runtime security findings' },
        slow,
      ),
    ).toHaveAttribute('href', '/security-overview');
  });

  it('link the Security overview to the Health overview', async () => {
    renderAt('/security-overview');
    expect(
      await screen.findByRole(
        'link',
        { name: 'Kubernetes health findings' },
        slow,
      ),
    ).toHaveAttribute('href', '/health-overview');
  });
});
