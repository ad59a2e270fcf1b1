import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { authorizeExplain } from './authorizeExplain';

const ENTITY = 'component:default/x';

/** A permissions service that allows only the named permissions. */
const allowing = (...names: string[]) => {
  const permissions = mockServices.permissions.mock();
  permissions.authorize.mockImplementation(async requests =>
    requests.map(r => ({
      result: names.includes(r.permission.name)
        ? AuthorizeResult.ALLOW
        : AuthorizeResult.DENY,
    })),
  );
  return permissions;
};

describe('authorizeExplain', () => {
  it('allows a caller with both permissions, asking once for both', async () => {
    const permissions = allowing(
      'k8s-diagnostics.findings.read',
      'k8s-diagnostics.findings.explain',
    );
    await expect(
      authorizeExplain(permissions, ENTITY, mockCredentials.user()),
    ).resolves.toBeUndefined();
    expect(permissions.authorize).toHaveBeenCalledTimes(1);
    expect(permissions.authorize.mock.calls[0][0]).toEqual([
      expect.objectContaining({ resourceRef: ENTITY }),
      expect.objectContaining({ resourceRef: ENTITY }),
    ]);
  });

  it.each([
    [
      ['k8s-diagnostics.findings.read'],
      `permission 'k8s-diagnostics.findings.explain' is denied for ${ENTITY}`,
    ],
    [
      ['k8s-diagnostics.findings.explain'],
      `permission 'k8s-diagnostics.findings.read' is denied for ${ENTITY}`,
    ],
    [
      [],
      `permission 'k8s-diagnostics.findings.read' and 'k8s-diagnostics.findings.explain' is denied for ${ENTITY}`,
    ],
  ])('refuses a caller allowed only %j', async (names, message) => {
    const run = authorizeExplain(
      allowing(...names),
      ENTITY,
      mockCredentials.user(),
    );
    await expect(run).rejects.toThrow(NotAllowedError);
    await expect(run).rejects.toThrow(message);
  });
});
