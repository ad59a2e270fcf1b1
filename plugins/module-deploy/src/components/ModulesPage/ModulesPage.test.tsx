import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { ModulesPage } from './ModulesPage';
import { ModuleDeployApi, moduleDeployApiRef } from '../../api';
import { createComponentExternalRouteRef } from '../../routes';

function renderWith(
  listModules: ModuleDeployApi['listModules'],
  mountedRoutes?: Record<string, any>,
) {
  return renderInTestApp(
    <TestApiProvider apis={[[moduleDeployApiRef, { listModules }]]}>
      <ModulesPage />
    </TestApiProvider>,
    { mountedRoutes },
  );
}

const minimal = {
  name: 'minimal',
  kind: 'local' as const,
  location: '/repo/examples/modules/minimal',
  versions: ['local'],
};

describe('ModulesPage', () => {
  it('explains how to configure modules when there are none', async () => {
    await renderWith(async () => ({ modules: [] }));
    expect(
      await screen.findByText('No modules configured'),
    ).toBeInTheDocument();
  });

  it('offers "Create a service" where the app binds the scaffolder, and not otherwise', async () => {
    const { unmount } = await renderWith(async () => ({ modules: [minimal] }), {
      '/create': createComponentExternalRouteRef,
    });
    // a LinkButton: a link drawn as a button
    expect(
      await screen.findByRole('button', { name: 'Create a service' }),
    ).toHaveAttribute('href', '/create');
    unmount();

    await renderWith(async () => ({ modules: [minimal] }));
    expect(await screen.findByText('minimal')).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Create a service' }),
    ).not.toBeInTheDocument();
  });

  it('shows the error of the backend', async () => {
    await renderWith(async () =>
      Promise.reject(
        new Error("permission 'module-deploy.modules.read' is denied"),
      ),
    );
    expect(
      (await screen.findAllByText(/module-deploy.modules.read/)).length,
    ).toBeGreaterThan(0);
  });

  it('lists modules with versions, schema fields and per-module problems', async () => {
    await renderWith(async () => ({
      modules: [
        {
          name: 'minimal',
          title: 'Web service',
          kind: 'local',
          location: '/repo/examples/modules/minimal',
          moduleName: 'timoni.sh/minimal',
          versions: ['local'],
          schema: {
            type: 'object',
            properties: {
              message: { type: 'string' },
              replicas: { type: 'integer' },
            },
          },
        },
        {
          name: 'platform-web',
          kind: 'oci',
          location: 'oci://r/modules/web',
          versions: ['1.2.0', '1.1.0'],
          error: 'pulling oci://r/modules/web:1.2.0: not found',
        },
      ],
    }));
    expect(await screen.findByText('Web service')).toBeInTheDocument();
    expect(screen.getByText('message, replicas')).toBeInTheDocument();
    expect(screen.getByText('1.2.0, 1.1.0')).toBeInTheDocument();
    expect(
      screen.getByText(/pulling oci:\/\/r\/modules\/web:1.2.0: not found/),
    ).toBeInTheDocument();
  });

  it('opens a module to show its values as a table of fields', async () => {
    await renderWith(async () => ({
      modules: [
        {
          name: 'minimal',
          kind: 'local',
          location: '/repo/examples/modules/minimal',
          versions: ['local'],
          schema: {
            type: 'object',
            required: ['message'],
            properties: {
              message: { type: 'string', default: 'Hello' },
              replicas: { type: 'integer', default: 1 },
            },
          },
        },
      ],
    }));
    const row = (await screen.findByText('minimal')).closest('tr')!;
    await userEvent.click(within(row).getAllByRole('button')[0]);
    const table = await screen.findByRole('table', {
      name: 'Values of minimal local',
    });
    expect(within(table).getByText('message')).toBeInTheDocument();
    expect(within(table).getByText('"Hello"')).toBeInTheDocument();
    expect(within(table).getByText('required')).toBeInTheDocument();
    expect(within(table).getByText('replicas')).toBeInTheDocument();
  });
});
