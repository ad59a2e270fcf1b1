import { MASK, maskSecretData } from './mask';

const secret = (extra: Record<string, unknown>): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'test', namespace: 'default' },
  ...extra,
});

describe('maskSecretData (Timoni mask.SecretData)', () => {
  it('masks every data and stringData entry, without touching the input', () => {
    const obj = secret({
      data: { password: 'cGFzcw==' },
      stringData: { token: 'plain' },
    });
    const masked = maskSecretData(obj);
    expect(masked.data).toEqual({ password: MASK });
    expect(masked.stringData).toEqual({ token: MASK });
    expect(masked.metadata).toEqual(obj.metadata);
    expect(obj.data).toEqual({ password: 'cGFzcw==' });
  });

  it('leaves other kinds unchanged', () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
      data: { key: 'value' },
    };
    expect(maskSecretData(cm)).toBe(cm);
  });

  it('masks malformed data fields whole, and the last-applied annotation', () => {
    const obj = secret({ data: 'not-a-map', stringData: ['a', 'b'] });
    (obj.metadata as Record<string, unknown>).annotations = {
      'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"p":"x"}}',
      'app.kubernetes.io/managed-by': 'timoni',
    };
    const masked = maskSecretData(obj);
    expect(masked.data).toBe(MASK);
    expect(masked.stringData).toBe(MASK);
    expect((masked.metadata as Record<string, unknown>).annotations).toEqual({
      'kubectl.kubernetes.io/last-applied-configuration': MASK,
      'app.kubernetes.io/managed-by': 'timoni',
    });
    expect(maskSecretData(secret({}))).not.toHaveProperty('data');
  });
});
