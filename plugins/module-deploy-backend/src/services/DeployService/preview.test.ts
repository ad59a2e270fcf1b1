import { emptyPreview } from './preview';

describe('emptyPreview', () => {
  it('is valid without issues', () => {
    expect(emptyPreview('not-annotated')).toEqual({
      status: 'not-annotated',
      valid: true,
      issues: [],
      rendered: [],
      clusters: [],
      errors: [],
    });
  });

  it('is invalid with issues', () => {
    const issues = [
      { path: 'values.replicas', message: 'out of bound', positions: [] },
    ];
    expect(emptyPreview('ok', issues as any)).toMatchObject({
      status: 'ok',
      valid: false,
      issues,
    });
  });
});
