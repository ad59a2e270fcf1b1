import { act, screen } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { EntityHealthCard } from './EntityHealthCard';
import {
  EntityHealthResponse,
  K8sDiagnosticsApi,
  k8sDiagnosticsApiRef,
} from '../../api';

const entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments', namespace: 'default' },
  spec: {},
};
const zero = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
const base: EntityHealthResponse = {
  entityRef: 'component:default/payments',
  status: 'ok',
  summary: zero,
  groups: [],
  resolved: [],
  history: [],
  clusters: [],
  errors: [],
  warnings: [],
};
const fail = async () => {
  throw new Error('not used');
};

function renderWith(getEntityHealth: K8sDiagnosticsApi['getEntityHealth']) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [
          k8sDiagnosticsApiRef,
          {
            getEntityHealth,
            rescanEntity: fail,
            explainFinding: fail,
            listFindings: fail,
          },
        ],
      ]}
    >
      <EntityProvider entity={entity}>
        <EntityHealthCard />
      </EntityProvider>
    </TestApiProvider>,
  );
}

describe('EntityHealthCard', () => {
  it('shows progress while loading', async () => {
    await renderWith(() => new Promise(() => {}));
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('says all healthy without findings', async () => {
    await renderWith(async () => base);
    expect(await screen.findByText('All healthy.')).toBeInTheDocument();
  });

  it('shows the counts, the worst workloads and partial results', async () => {
    await renderWith(async () => ({
      ...base,
      summary: { ...zero, critical: 2 },
      groups: [
        {
          cluster: 'prod',
          severity: 'critical',
          workload: { kind: 'Deployment', name: 'payments', namespace: 'shop' },
          findings: [],
        },
      ],
      errors: [{ cluster: 'staging', errorType: 'TIMEOUT', message: 'slow' }],
    }));
    expect(await screen.findByText('2 critical')).toBeInTheDocument();
    expect(
      screen.getByText(/critical: Deployment shop\/payments/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/1 cluster\(s\) could not be read/),
    ).toBeInTheDocument();
    expect(screen.getByText('Open the Health tab')).toBeInTheDocument();
  });

  it('asks once on mount and again in the background a minute later, keeping the counts shown', async () => {
    jest.useFakeTimers();
    try {
      const getEntityHealth = jest
        .fn()
        .mockResolvedValueOnce({ ...base, summary: { ...zero, critical: 2 } })
        .mockResolvedValue({ ...base, summary: { ...zero, critical: 1 } });
      await renderWith(getEntityHealth);
      expect(await screen.findByText('2 critical')).toBeInTheDocument();
      expect(getEntityHealth).toHaveBeenCalledTimes(1);
      await act(async () => {
        jest.advanceTimersByTime(60_000);
      });
      expect(await screen.findByText('1 critical')).toBeInTheDocument();
      expect(getEntityHealth).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('shows the not-configured state', async () => {
    await renderWith(async () => ({ ...base, status: 'not-configured' }));
    expect(
      await screen.findByText(/Health is not configured/),
    ).toBeInTheDocument();
  });

  it('shows the not-annotated state', async () => {
    await renderWith(async () => ({ ...base, status: 'not-annotated' }));
    expect(
      await screen.findByText(/not linked to Kubernetes workloads/),
    ).toBeInTheDocument();
  });

  it('shows a backend error', async () => {
    await renderWith(async () => {
      throw new Error('boom from backend');
    });
    expect(
      (await screen.findAllByText(/boom from backend/))[0],
    ).toBeInTheDocument();
  });
});
