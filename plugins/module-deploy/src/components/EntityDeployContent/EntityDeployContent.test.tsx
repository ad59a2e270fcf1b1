import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { DeployStreamEvent } from '../../api';
import {
  notDeployedState,
  entityRef,
  fakeApi,
  history,
  renderWith,
} from '../../__testUtils__/deployFixtures';

describe('EntityDeployContent', () => {
  jest.setTimeout(60_000);

  it('shows the not-configured and not-annotated states', async () => {
    await renderWith(
      fakeApi({
        getEntity: async () => ({
          entityRef,
          status: 'not-configured',
          instances: [],
          errors: [],
        }),
      }),
    );
    expect(
      await screen.findByText('Deploy is not configured'),
    ).toBeInTheDocument();
  });

  it('shows which annotation links a module', async () => {
    await renderWith(
      fakeApi({
        getEntity: async () => ({
          entityRef,
          status: 'not-annotated',
          instances: [],
          errors: [],
        }),
      }),
    );
    expect(
      await screen.findByText(/periscope.dev\/module/),
    ).toBeInTheDocument();
  });

  it('shows the backend error', async () => {
    await renderWith(
      fakeApi({
        getEntity: async () =>
          Promise.reject(new Error('permission denied for you')),
      }),
    );
    expect(
      (await screen.findAllByText(/permission denied for you/)).length,
    ).toBeGreaterThan(0);
  });

  it('says when nothing is deployed yet', async () => {
    await renderWith(
      fakeApi({
        getEntity: async () => notDeployedState,
        getHistory: async () => ({ ...history, revisions: [] }),
      }),
    );
    expect(await screen.findByText(/Not deployed yet/)).toBeInTheDocument();
    expect(await screen.findByText(/No revision yet/)).toBeInTheDocument();
  });

  it('lists instances with health, drift and the last deploy', async () => {
    await renderWith(fakeApi());
    expect(await screen.findByText('healthy (1/1 ready)')).toBeInTheDocument();
    expect(screen.getByText('drifted (1)')).toBeInTheDocument();
    expect(
      screen.getByText(
        /deploy by user:default\/alice at 2026-01-01T00:00:00Z \(success\)/,
      ),
    ).toBeInTheDocument();
  });

  it('pre-fills the form, previews the per-field diff and shows the engine issues inline', async () => {
    const preview = jest
      .fn()
      .mockResolvedValueOnce({
        status: 'ok',
        valid: true,
        issues: [],
        rendered: [],
        errors: [],
        clusters: [
          {
            cluster: 'local',
            objects: [
              {
                id: 'd',
                ref: 'Deployment/shop/checkout',
                apiVersion: 'apps/v1',
                action: 'change',
                changes: [
                  { path: 'spec.replicas', op: 'change', before: 1, after: 2 },
                  {
                    // list items are named by their merge key
                    path: 'spec.template.spec.containers[name=app].env[name=LOG_LEVEL]',
                    op: 'add',
                    after: { name: 'LOG_LEVEL', value: 'debug' },
                  },
                ],
              },
            ],
          },
        ],
      })
      .mockResolvedValueOnce({
        status: 'ok',
        valid: false,
        issues: [
          {
            path: 'timoni.instance.config.replicas',
            valuesPath: 'replicas',
            message: 'invalid value 0 (out of bound >0)',
            positions: [],
          },
        ],
        rendered: [],
        errors: [],
        clusters: [],
      });
    await renderWith(fakeApi({ preview }));
    const message = await screen.findByDisplayValue('v1');
    expect(screen.getByDisplayValue('1.36.3')).toHaveAttribute(
      'type',
      'hidden',
    ); // injected field hidden
    fireEvent.change(message, { target: { value: 'v2' } });
    await userEvent.click(screen.getByRole('button', { name: 'Preview' }));
    expect(preview).toHaveBeenCalledWith(
      entityRef,
      expect.objectContaining({ message: 'v2' }),
    );
    expect(await screen.findByText('spec.replicas')).toBeInTheDocument();
    expect(
      screen.getByText(
        'spec.template.spec.containers[name=app].env[name=LOG_LEVEL]',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Cluster local: 1 of 1 object\(s\) change/),
    ).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Preview' }));
    expect(
      (await screen.findAllByText(/invalid value 0 \(out of bound >0\)/))
        .length,
    ).toBeGreaterThanOrEqual(1);
  });

  it('deploys and shows the steps as they stream', async () => {
    const deploy = jest.fn(
      async (
        _r: string,
        _v: unknown,
        onEvent: (e: DeployStreamEvent) => void,
      ) => {
        const events: DeployStreamEvent[] = [
          {
            type: 'start',
            action: 'deploy',
            instanceName: 'checkout',
            namespace: 'shop',
            clusters: ['local'],
          },
          { type: 'cluster', cluster: 'local', status: 'started' },
          {
            type: 'step',
            cluster: 'local',
            event: {
              phase: 'apply',
              object: 'Deployment/shop/checkout',
              message: 'configured',
              elapsedMs: 10,
            },
          },
          {
            type: 'step',
            cluster: 'local',
            event: {
              phase: 'wait',
              object: 'Deployment/shop/checkout',
              message: 'ready (1/1 replicas ready)',
              elapsedMs: 900,
            },
          },
          { type: 'cluster', cluster: 'local', status: 'healthy', revision: 3 },
          {
            type: 'done',
            ok: true,
            results: [{ cluster: 'local', status: 'healthy', revision: 3 }],
          },
        ];
        events.forEach(onEvent);
        return events[events.length - 1];
      },
    );
    const api = fakeApi({ deploy });
    await renderWith(api);
    await screen.findByDisplayValue('v1');
    const deployButton = screen.getByRole('button', { name: 'Deploy' });
    await waitFor(() => expect(deployButton).toBeEnabled()); // once the permission is known
    await userEvent.click(deployButton);
    expect(
      await screen.findByText(
        'local: [wait] Deployment/shop/checkout ready (1/1 replicas ready)',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Done: local healthy \(revision 3\)/),
    ).toBeInTheDocument();
    await waitFor(() => expect(api.getEntity).toHaveBeenCalledTimes(2)); // refreshed after the deploy
  });

  it('compares the values of two revisions and rolls back in one click', async () => {
    const api = fakeApi();
    await renderWith(api);
    fireEvent.click(await screen.findByLabelText('compare local#1'));
    fireEvent.click(screen.getByLabelText('compare local#2'));
    const diff = await screen.findByLabelText('values diff');
    expect(within(diff).getByText('message')).toBeInTheDocument();
    expect(within(diff).getByText(/"v1" → "v2"/)).toBeInTheDocument();
    expect(within(diff).getByText(/\(unset\) → 2/)).toBeInTheDocument();
    const rollback = screen.getByRole('button', { name: 'Roll back to 1' });
    await waitFor(() => expect(rollback).toBeEnabled()); // once the permission is known
    fireEvent.click(rollback);
    expect(api.rollback).toHaveBeenCalledWith(
      entityRef,
      { revision: 1, cluster: 'local' },
      expect.any(Function),
    );
    expect(
      await screen.findByText(/Done: local healthy \(revision 3\)/),
    ).toBeInTheDocument();
  });

  it('deletes only after the instance name is typed, naming what goes', async () => {
    const api = fakeApi();
    await renderWith(api);
    const deleteButton = await screen.findByRole('button', {
      name: /Delete instance checkout/,
    });
    await waitFor(() => expect(deleteButton).toBeEnabled()); // once the permission is known
    await userEvent.click(deleteButton);
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText('Deployment/shop/checkout (local)'),
    ).toBeInTheDocument();
    const confirm = within(dialog).getByRole('button', { name: 'Delete' });
    expect(confirm).toBeDisabled();
    fireEvent.change(
      within(dialog).getByLabelText('Type checkout to confirm'),
      { target: { value: 'checkout' } },
    );
    expect(confirm).toBeEnabled();
    await userEvent.click(confirm);
    expect(api.deleteInstance).toHaveBeenCalledWith(
      entityRef,
      'checkout',
      expect.any(Function),
    );
    expect(await screen.findByText(/Done: local deleted/)).toBeInTheDocument();
  });
});
