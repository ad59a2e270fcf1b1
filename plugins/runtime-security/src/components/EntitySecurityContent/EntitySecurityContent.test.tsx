import { screen } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { EntitySecurityContent } from './EntitySecurityContent';
import { EntitySecurityResponse, RuntimeSecurityApi, runtimeSecurityApiRef } from '../../api';

const entity = { apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'checkout' }, spec: {} };
const base: EntitySecurityResponse = { entityRef: 'component:default/checkout', status: 'ok', findings: [] };

function renderWith(getEntitySecurity: RuntimeSecurityApi['getEntitySecurity']) {
  return renderInTestApp(
    <TestApiProvider apis={[[runtimeSecurityApiRef, { getEntitySecurity }]]}>
      <EntityProvider entity={entity}>
        <EntitySecurityContent />
      </EntityProvider>
    </TestApiProvider>,
  );
}

describe('EntitySecurityContent', () => {
  it('shows the not-configured state', async () => {
    await renderWith(async () => ({ ...base, status: 'not-configured' }));
    expect(await screen.findByText('Security is not configured')).toBeInTheDocument();
  });

  it('shows the empty state', async () => {
    await renderWith(async () => ({ ...base, labelSelector: 'a=b' }));
    expect(await screen.findByText(/No findings/)).toBeInTheDocument();
  });

  it('lists findings', async () => {
    await renderWith(async () => ({
      ...base,
      labelSelector: 'a=b',
      findings: [
        { id: '1', rule: 'shell', severity: 'high', title: 'Shell started in a container', cluster: 'c', namespace: 'shop', pod: 'p', workload: 'checkout', binary: '/bin/bash', count: 4, firstSeen: 't1', lastSeen: 't2' },
      ],
    }));
    expect(await screen.findByText('Shell started in a container')).toBeInTheDocument();
    expect(screen.getByText('/bin/bash')).toBeInTheDocument();
  });
});
