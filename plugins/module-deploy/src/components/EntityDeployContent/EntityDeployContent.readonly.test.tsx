import { screen } from '@testing-library/react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { fakeApi, renderWith } from '../__testUtils__/deployFixtures';

// A file of its own: usePermission caches decisions per permission and entity for the whole file.
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
});
