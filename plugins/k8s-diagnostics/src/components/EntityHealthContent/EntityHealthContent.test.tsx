import { screen } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { EntityHealthContent } from './EntityHealthContent';
import { EntityHealthResponse, K8sDiagnosticsApi, k8sDiagnosticsApiRef } from '../../api';

const entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'checkout', namespace: 'default' },
  spec: {},
};

function renderWith(getEntityHealth: K8sDiagnosticsApi['getEntityHealth']) {
  return renderInTestApp(
    <TestApiProvider apis={[[k8sDiagnosticsApiRef, { getEntityHealth }]]}>
      <EntityProvider entity={entity}>
        <EntityHealthContent />
      </EntityProvider>
    </TestApiProvider>,
  );
}

const base: EntityHealthResponse = { entityRef: 'component:default/checkout', status: 'ok', clusters: [], errors: [] };

describe('EntityHealthContent', () => {
  it('shows the not-configured state with the config to add', async () => {
    await renderWith(async () => ({ ...base, status: 'not-configured' }));
    expect(await screen.findByText('Health is not configured')).toBeInTheDocument();
  });

  it('shows how to annotate an unlinked entity', async () => {
    await renderWith(async () => ({ ...base, status: 'not-annotated' }));
    expect(await screen.findByText('This entity is not linked to Kubernetes workloads')).toBeInTheDocument();
  });

  it('lists workloads and keeps a failing cluster as a warning', async () => {
    await renderWith(async () => ({
      ...base,
      labelSelector: 'backstage.io/kubernetes-id=checkout',
      clusters: [{ name: 'prod', workloads: [{ kind: 'Deployment', namespace: 'shop', name: 'checkout', ready: '2/2' }] }],
      errors: [{ cluster: 'staging', errorType: 'UNAUTHORIZED', message: 'renew the token' }],
    }));
    expect(await screen.findByText('2/2')).toBeInTheDocument();
    expect(screen.getByText(/1 cluster\(s\) could not be read/)).toBeInTheDocument();
    expect(screen.getByText(/renew the token/)).toBeInTheDocument();
  });

  it('shows the empty state when nothing matches', async () => {
    await renderWith(async () => ({ ...base, labelSelector: 'x=y', clusters: [{ name: 'prod', workloads: [] }] }));
    expect(await screen.findByText(/No workloads match/)).toBeInTheDocument();
  });

  it('shows a backend error', async () => {
    await renderWith(async () => {
      throw new Error('permission denied for k8s-diagnostics.findings.read');
    });
    expect((await screen.findAllByText(/permission denied/))[0]).toBeInTheDocument();
  });
});
