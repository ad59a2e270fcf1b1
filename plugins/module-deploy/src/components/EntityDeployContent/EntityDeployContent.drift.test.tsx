import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { EntityDeployState, ModuleDeployApi } from '../../api';
import {
  deployedState,
  notDeployedState,
  entityRef,
  fakeApi,
  renderWith,
} from '../../__testUtils__/deployFixtures';

const unchecked: EntityDeployState = {
  ...deployedState,
  instances: [{ ...deployedState.instances[0], drift: undefined }],
};

async function checkNow(api: ModuleDeployApi) {
  await renderWith(api);
  await userEvent.click(
    await screen.findByRole('button', { name: 'Check drift now' }),
  );
}

describe('EntityDeployContent: Check drift now', () => {
  jest.setTimeout(60_000);

  it('runs the check for the entity and reloads the instances with its result', async () => {
    const getEntity = jest
      .fn()
      .mockResolvedValueOnce(unchecked)
      .mockResolvedValue(deployedState);
    const api = fakeApi({ getEntity });
    await renderWith(api);
    expect(await screen.findByText('not checked yet')).toBeInTheDocument();
    await userEvent.click(
      screen.getByRole('button', { name: 'Check drift now' }),
    );
    expect(api.checkDrift).toHaveBeenCalledWith(entityRef);
    expect(
      await screen.findByText('local: drifted (1 object(s))'),
    ).toBeInTheDocument();
    expect(await screen.findByText('drifted (1)')).toBeInTheDocument();
    expect(getEntity).toHaveBeenCalledTimes(2);
  });

  it('says per cluster when the check could not run', async () => {
    const api = fakeApi({
      getEntity: async () => unchecked,
      checkDrift: async () => ({
        entityRef,
        status: 'ok',
        clusters: [
          {
            cluster: 'local',
            drift: {
              checkedAt: '2026-01-01T00:00:00Z',
              drifted: false,
              objects: [],
              error: 'cluster local is unreachable',
            },
          },
        ],
        errors: [
          {
            cluster: 'far',
            errorType: 'TIMEOUT',
            message: 'far did not answer within 120s',
          },
        ],
      }),
    });
    await checkNow(api);
    expect(
      await screen.findByText(
        'local: check failed: cluster local is unreachable; far: far did not answer within 120s',
      ),
    ).toBeInTheDocument();
  });

  it('shows the backend refusal, e.g. a denied read permission', async () => {
    const api = fakeApi({
      getEntity: async () => unchecked,
      checkDrift: async () =>
        Promise.reject(
          new Error("permission 'module-deploy.instance.read' is denied"),
        ),
    });
    await checkNow(api);
    expect(
      await screen.findByText(
        "Drift check failed: permission 'module-deploy.instance.read' is denied",
      ),
    ).toBeInTheDocument();
  });

  it('is disabled while nothing is deployed', async () => {
    await renderWith(
      fakeApi({
        getEntity: async () => notDeployedState,
      }),
    );
    expect(
      await screen.findByRole('button', { name: 'Check drift now' }),
    ).toBeDisabled();
  });
});
