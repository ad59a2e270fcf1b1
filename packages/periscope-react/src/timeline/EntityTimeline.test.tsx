import { act, fireEvent, screen, within } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { discoveryApiRef, fetchApiRef } from '@backstage/core-plugin-api';
import { EntityTimeline } from './EntityTimeline';

const ago = (minutes: number) =>
  new Date(Date.now() - minutes * 60_000).toISOString();

type Reply = { status: number; body: unknown };
const json = (status: number, body: unknown): Reply => ({ status, body });
const errorBody = (name: string, message: string, statusCode = 500) => ({
  error: { name, message },
  response: { statusCode },
});

function apis(replies: Record<string, Reply | 'pending'>) {
  const calls: string[] = [];
  const fetchApi = {
    fetch: async (url: string) => {
      calls.push(url);
      const key = Object.keys(replies).find(k => url.includes(k));
      const r = key
        ? replies[key]
        : json(404, errorBody('NotFoundError', `no route ${url}`));
      if (r === 'pending') return new Promise<Response>(() => {});
      return new Response(JSON.stringify(r.body), {
        status: r.status,
        headers: { 'Content-Type': 'application/json' },
      });
    },
  };
  const discoveryApi = {
    getBaseUrl: async (id: string) => `http://backend/api/${id}`,
  };
  return {
    calls,
    list: [
      [fetchApiRef, fetchApi],
      [discoveryApiRef, discoveryApi],
    ] as const,
  };
}

const health = {
  status: 'ok',
  errors: [],
  groups: [
    {
      findings: [
        {
          id: 'h1',
          cluster: 'local',
          analyzer: 'Pod',
          object: { kind: 'Pod', namespace: 'shop', name: 'checkout-1' },
          severity: 'high',
          failures: [{ text: 'Back-off restarting failed container' }],
          firstSeen: ago(50),
        },
      ],
    },
  ],
  resolved: [],
};
const security = {
  status: 'ok',
  findings: [
    {
      id: 's1',
      title: 'Shell started in a container',
      severity: 'critical',
      cluster: 'local',
      namespace: 'shop',
      workload: 'checkout',
      binary: '/bin/bash',
      count: 2,
      firstSeen: ago(55),
    },
  ],
};
const history = {
  status: 'ok',
  errors: [
    {
      cluster: 'eu',
      errorType: 'UNAUTHORIZED',
      message: 'the cluster answered 401',
    },
  ],
  revisions: [
    {
      cluster: 'local',
      revision: 3,
      appliedAt: ago(60),
      action: 'apply',
      module: { name: 'minimal', version: '1.0.0' },
      actor: 'user:default/guest',
    },
  ],
  audit: [],
};

async function render(replies: Record<string, Reply | 'pending'>) {
  const a = apis(replies);
  await renderInTestApp(
    <TestApiProvider apis={a.list as any}>
      <EntityTimeline entityRef="component:default/checkout" />
    </TestApiProvider>,
  );
  return a;
}

describe('EntityTimeline', () => {
  it('shows deploys, health and security findings on one timeline, linking findings to the deploy before them', async () => {
    const { calls } = await render({
      '/k8s-diagnostics/entity?': json(200, health),
      '/runtime-security/entity?': json(200, security),
      '/module-deploy/entity/history?': json(200, history),
    });
    const list = await screen.findByRole('list', { name: 'timeline events' });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map(li => li.getAttribute('aria-label')),
    ).toEqual(['Health event', 'Security event', 'Deploy event']);
    expect(
      within(list).getByText('Shell started in a container in shop/checkout'),
    ).toBeInTheDocument();
    expect(
      within(list).getAllByText(
        /started (5|10) min after: Deployed revision 3 \(minimal@1\.0\.0\)/,
      ),
    ).toHaveLength(2);
    expect(
      screen.getByRole('img', { name: 'timeline chart' }),
    ).toBeInTheDocument();
    // a cluster that failed in one source is named; the rest still shows
    expect(
      screen.getByText(/Deploy: cluster eu: the cluster answered 401/),
    ).toBeInTheDocument();
    expect(
      calls.every(u => u.includes('entityRef=component%3Adefault%2Fcheckout')),
    ).toBe(true);

    fireEvent.click(screen.getByLabelText('Security (1)'));
    expect(
      within(list).queryByText('Shell started in a container in shop/checkout'),
    ).not.toBeInTheDocument();
    expect(within(list).getAllByRole('listitem')).toHaveLength(2);
  });

  it('shows what it can when one source is denied and another is not installed', async () => {
    await render({
      '/k8s-diagnostics/entity?': json(200, health),
      '/runtime-security/entity?': json(
        403,
        errorBody(
          'NotAllowedError',
          "permission 'runtime-security.findings.read' is denied",
        ),
      ),
    });
    expect(
      await screen.findByText(
        /Security: you may not read this entity's security data \(403\)/,
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Deploy: not available in this portal/),
    ).toBeInTheDocument();
    expect(
      within(
        screen.getByRole('list', { name: 'timeline events' }),
      ).getAllByRole('listitem'),
    ).toHaveLength(1);
  });

  it('says so when a source fails outright', async () => {
    await render({
      '/k8s-diagnostics/entity?': json(
        500,
        errorBody('Error', 'database is locked'),
      ),
      '/runtime-security/entity?': json(200, security),
      '/module-deploy/entity/history?': json(200, { ...history, errors: [] }),
    });
    expect(
      await screen.findByText(
        /Health: could not load \(.*database is locked.*\)/,
      ),
    ).toBeInTheDocument();
    expect(
      within(
        screen.getByRole('list', { name: 'timeline events' }),
      ).getAllByRole('listitem'),
    ).toHaveLength(2);
  });

  it('explains not-configured and not-annotated sources and shows no empty chart', async () => {
    await render({
      '/k8s-diagnostics/entity?': json(200, {
        status: 'not-configured',
        groups: [],
        resolved: [],
      }),
      '/runtime-security/entity?': json(200, {
        status: 'not-annotated',
        findings: [],
      }),
      '/module-deploy/entity/history?': json(200, {
        status: 'not-configured',
        revisions: [],
        audit: [],
      }),
    });
    expect(
      await screen.findByText(/Health: no Kubernetes cluster is configured/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Security: the entity has no Kubernetes annotation/),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('img', { name: 'timeline chart' }),
    ).not.toBeInTheDocument();
    expect(screen.queryByText('Nothing happened')).not.toBeInTheDocument();
  });

  it('says nothing happened when every source answers with no events', async () => {
    await render({
      '/k8s-diagnostics/entity?': json(200, {
        status: 'ok',
        groups: [],
        resolved: [],
      }),
      '/runtime-security/entity?': json(200, { status: 'ok', findings: [] }),
      '/module-deploy/entity/history?': json(200, {
        status: 'ok',
        revisions: [],
        audit: [],
      }),
    });
    expect(await screen.findByText('Nothing happened')).toBeInTheDocument();
  });

  it('asks each source once on first render, in parallel, and again in the background every minute', async () => {
    jest.useFakeTimers();
    try {
      const { calls } = await render({
        '/k8s-diagnostics/entity?': json(200, health),
        '/runtime-security/entity?': json(200, security),
        '/module-deploy/entity/history?': json(200, history),
      });
      expect(
        await screen.findByText(
          'Shell started in a container in shop/checkout',
          { selector: 'p' },
        ),
      ).toBeInTheDocument();
      expect(calls.map(c => new URL(c).pathname).sort()).toEqual([
        '/api/k8s-diagnostics/entity',
        '/api/module-deploy/entity/history',
        '/api/runtime-security/entity',
      ]);
      await act(async () => {
        jest.advanceTimersByTime(60_000);
      });
      expect(calls).toHaveLength(6);
      // the shown events stay while it asks again
      expect(
        screen.getByText('Shell started in a container in shop/checkout', {
          selector: 'p',
        }),
      ).toBeInTheDocument();
    } finally {
      jest.useRealTimers();
    }
  });

  it('shows progress while loading', async () => {
    await render({ '/k8s-diagnostics/entity?': 'pending' });
    expect(screen.getByTestId('progress')).toBeInTheDocument();
  });
});
