import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { PermissionApi } from '@backstage/plugin-permission-react';
import { mockApis } from '@backstage/test-utils';
import {
  entityRef,
  fakeApi,
  renderWith,
} from '../../__testUtils__/deployFixtures';

const reason = (action: string) =>
  `You may not ${action} (permission 'module-deploy.instance.apply' is denied for this entity); ask its owners or the platform team.`;

// A file of its own: usePermission caches decisions per permission and entity for the whole file
// (the tests here that answer otherwise name another entity).
describe('EntityDeployContent without the apply permission', () => {
  jest.setTimeout(60_000);

  it('is read-only when the apply permission is denied', async () => {
    await renderWith(fakeApi(), AuthorizeResult.DENY);
    await screen.findByDisplayValue('v1');
    expect(screen.getByText(/Read-only/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Deploy' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Preview' })).toBeEnabled();
    expect(
      screen.getByRole('button', { name: 'Roll back to 1' }),
    ).toBeDisabled();
    expect(
      screen.getByRole('button', { name: /Delete instance checkout/ }),
    ).toBeDisabled();
  });

  it('says why each action is disabled, and a click calls nothing', async () => {
    const api = fakeApi();
    await renderWith(api, AuthorizeResult.DENY);
    await screen.findByDisplayValue('v1');
    // visible: the read-only notice, and a line under History and Delete
    expect(
      screen.getByText(
        `Read-only: you may preview changes. ${reason(
          "deploy, roll back or delete this entity's module instance",
        )}`,
      ),
    ).toBeInTheDocument();
    const rollBackReason = reason("roll back this entity's module instance");
    const deleteReason = reason("delete this entity's module instance");
    expect(await screen.findByText(rollBackReason)).toBeInTheDocument();
    expect(screen.getByText(deleteReason)).toBeInTheDocument();
    // on hover: each disabled button's tooltip
    const deploy = screen.getByRole('button', { name: 'Deploy' });
    const rollback = screen.getByRole('button', { name: 'Roll back to 1' });
    const remove = screen.getByRole('button', {
      name: /Delete instance checkout/,
    });
    expect(deploy.parentElement).toHaveAttribute(
      'title',
      reason("deploy this entity's module instance"),
    );
    expect(rollback.parentElement).toHaveAttribute('title', rollBackReason);
    expect(remove.parentElement).toHaveAttribute('title', deleteReason);
    fireEvent.mouseOver(remove.parentElement!);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(deleteReason);

    fireEvent.click(deploy);
    fireEvent.click(rollback);
    fireEvent.click(remove);
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(api.deploy).not.toHaveBeenCalled();
    expect(api.rollback).not.toHaveBeenCalled();
    expect(api.deleteInstance).not.toHaveBeenCalled();

    // Preview needs only the read permission
    await userEvent.click(screen.getByRole('button', { name: 'Preview' }));
    expect(api.preview).toHaveBeenCalledWith(
      entityRef,
      expect.objectContaining({ message: 'v1' }),
    );
  });

  it('keeps Deploy, Roll back and Delete disabled while the decision loads', async () => {
    const api = fakeApi();
    const pending: PermissionApi = { authorize: () => new Promise(() => {}) };
    await renderWith(api, pending, 'checkout-pending');
    await screen.findByDisplayValue('v1');
    const deploy = screen.getByRole('button', { name: 'Deploy' });
    const rollback = await screen.findByRole('button', {
      name: 'Roll back to 1',
    });
    const remove = screen.getByRole('button', {
      name: /Delete instance checkout/,
    });
    for (const b of [deploy, rollback, remove]) expect(b).toBeDisabled();
    expect(screen.queryByText(/Read-only/)).not.toBeInTheDocument();
    expect(screen.queryByText(/You may not/)).not.toBeInTheDocument();
    fireEvent.click(deploy);
    fireEvent.click(rollback);
    fireEvent.click(remove);
    expect(api.deploy).not.toHaveBeenCalled();
    expect(api.rollback).not.toHaveBeenCalled();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('asks for the apply permission on the entity and enables the actions when it is allowed', async () => {
    const authorize = jest.fn(() => AuthorizeResult.ALLOW);
    const api = fakeApi();
    await renderWith(
      api,
      mockApis.permission({ authorize }),
      'checkout-allowed',
    );
    await screen.findByDisplayValue('v1');
    const deploy = screen.getByRole('button', { name: 'Deploy' });
    await waitFor(() => expect(deploy).toBeEnabled());
    expect(authorize).toHaveBeenCalledWith(
      expect.objectContaining({
        permission: expect.objectContaining({
          name: 'module-deploy.instance.apply',
        }),
        resourceRef: 'component:default/checkout-allowed',
      }),
    );
    expect(
      screen.getByRole('button', { name: 'Roll back to 1' }),
    ).toBeEnabled();
    expect(
      screen.getByRole('button', { name: /Delete instance checkout/ }),
    ).toBeEnabled();
    expect(screen.queryByText(/Read-only/)).not.toBeInTheDocument();
    expect(screen.queryByText(/You may not/)).not.toBeInTheDocument();
    await userEvent.click(deploy);
    await waitFor(() =>
      expect(api.deploy).toHaveBeenCalledWith(
        'component:default/checkout-allowed',
        expect.objectContaining({ message: 'v1' }),
        expect.any(Function),
      ),
    );
  });

  it('says when the apply permission could not be checked', async () => {
    const failing: PermissionApi = {
      authorize: () => Promise.reject(new Error('permission backend down')),
    };
    await renderWith(fakeApi(), failing, 'checkout-unknown');
    expect(
      await screen.findByText(
        "Could not check whether you may delete this entity's module instance (permission 'module-deploy.instance.apply'): permission backend down",
      ),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Deploy' })).toBeDisabled();
  });
});
