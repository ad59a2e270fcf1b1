import { screen } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { EntityDeployContent } from './EntityDeployContent';
import { EntityInstancesResponse, ModuleDeployApi, moduleDeployApiRef } from '../../api';

const entity = { apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'checkout' }, spec: {} };
const base: EntityInstancesResponse = { entityRef: 'component:default/checkout', status: 'ok', instances: [], errors: [] };

function renderWith(getEntityInstances: ModuleDeployApi['getEntityInstances']) {
  return renderInTestApp(
    <TestApiProvider apis={[[moduleDeployApiRef, { getEntityInstances }]]}>
      <EntityProvider entity={entity}>
        <EntityDeployContent />
      </EntityProvider>
    </TestApiProvider>,
  );
}

describe('EntityDeployContent', () => {
  it('shows the not-configured and not-annotated states', async () => {
    await renderWith(async () => ({ ...base, status: 'not-configured' }));
    expect(await screen.findByText('Deploy is not configured')).toBeInTheDocument();
  });

  it('shows which annotation links a module', async () => {
    await renderWith(async () => ({ ...base, status: 'not-annotated' }));
    expect(await screen.findByText(/periscope.dev\/module/)).toBeInTheDocument();
  });

  it('says when nothing is deployed yet, and lists instances', async () => {
    await renderWith(async () => ({ ...base, module: './m', instanceName: 'checkout', namespace: 'shop' }));
    expect(await screen.findByText(/Not deployed yet/)).toBeInTheDocument();
  });

  it('lists instances with module version', async () => {
    await renderWith(async () => ({
      ...base,
      module: 'oci://r/m',
      instanceName: 'checkout',
      namespace: 'shop',
      instances: [{ cluster: 'prod', namespace: 'shop', name: 'checkout', module: { repository: 'oci://r/m', version: '1.2.3' } }],
    }));
    expect(await screen.findByText('1.2.3')).toBeInTheDocument();
  });
});
