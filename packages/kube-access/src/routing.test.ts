import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import { authorizeBasic, parseIntParam } from './routing';

describe('parseIntParam', () => {
  it('takes the fallback when the parameter is absent or empty, and a whole number in range', () => {
    expect(parseIntParam(undefined, 'limit', 50, 1, 500)).toBe(50);
    expect(parseIntParam('', 'limit', 50, 1, 500)).toBe(50);
    expect(parseIntParam('500', 'limit', 50, 1, 500)).toBe(500);
  });

  it.each(['0', '501', '1.5', 'ten', '-1'])(
    'refuses %j naming the parameter and its range',
    raw => {
      expect(() => parseIntParam(raw, 'limit', 50, 1, 500)).toThrow(
        `parameter 'limit' is '${raw}': give a whole number from 1 to 500`,
      );
    },
  );
});

describe('authorizeBasic', () => {
  const permission = createPermission({
    name: 'periscope.cluster.read',
    attributes: { action: 'read' },
  });

  it('passes when allowed', async () => {
    await expect(
      authorizeBasic(
        mockServices.permissions({ result: AuthorizeResult.ALLOW }),
        permission,
        mockCredentials.user(),
      ),
    ).resolves.toBeUndefined();
  });

  it('throws NotAllowedError naming the permission when denied', async () => {
    const denied = authorizeBasic(
      mockServices.permissions({ result: AuthorizeResult.DENY }),
      permission,
      mockCredentials.user(),
    );
    await expect(denied).rejects.toBeInstanceOf(NotAllowedError);
    await expect(denied).rejects.toThrow(
      "permission 'periscope.cluster.read' is denied",
    );
  });
});
