import { parseEnforcementBody } from './enforcementBody';

const GOOD = {
  cluster: 'c1',
  namespace: 'shop',
  name: 'payments-runtime-policy',
  action: 'Sigkill',
};

describe('parseEnforcementBody', () => {
  it('reads the policy and its action', () => {
    expect(parseEnforcementBody(GOOD)).toEqual(GOOD);
  });

  it.each([
    [
      'no body',
      undefined,
      /'cluster' must be the name of the policy's cluster/,
    ],
    [
      'a namespace that is no Kubernetes name',
      { ...GOOD, namespace: 'Shop' },
      /namespace: 'namespace' must be a Kubernetes name/,
    ],
    [
      'an unknown action',
      { ...GOOD, action: 'Kill' },
      /action: 'action' must be 'Sigkill' or 'Override'/,
    ],
    [
      'an unknown field',
      { ...GOOD, extra: 1 },
      /^the enforcement request is invalid \(body: /,
    ],
  ])('rejects %s with a 400 that says what to send', (_what, body, message) => {
    let err: Error | undefined;
    try {
      parseEnforcementBody(body);
    } catch (e) {
      err = e as Error;
    }
    expect(err?.name).toBe('InputError');
    expect(err?.message).toMatch(message);
    expect(err?.message).toMatch(
      /^the enforcement request is invalid \(.*\): send \{"cluster": "\.\.\.", "namespace": "\.\.\.", "name": "<TracingPolicyNamespaced>", "action": "Sigkill" \| "Override"\}$/,
    );
  });
});
