import { DeployError, toDeployError } from './errors';

describe('toDeployError', () => {
  it.each([
    [409, 'conflict', /another field manager/],
    [403, 'forbidden', /grant the deploying identity RBAC/],
    [422, 'invalid', /rejected by the API server/],
    [404, 'not-found', /namespace or the CRD missing/],
  ])('maps HTTP %s to %s and names the object', (code, reason, re) => {
    const e = toDeployError('Deployment/apps/web', 'apply', {
      code,
      body: JSON.stringify({ message: 'boom' }),
    });
    expect(e).toBeInstanceOf(DeployError);
    expect(e.reason).toBe(reason);
    expect(e.message).toMatch(/^Deployment\/apps\/web: /);
    expect(e.message).toMatch(re);
  });

  it('recognizes admission webhook denials', () => {
    const e = toDeployError('Pod/a/b', 'apply', {
      code: 403,
      body: { message: 'admission webhook "x" denied the request: no' },
    });
    expect(e.message).toMatch(/rejected by admission/);
  });
});
