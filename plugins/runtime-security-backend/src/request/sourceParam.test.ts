import { sourceParam } from './sourceParam';

describe('sourceParam', () => {
  it("reads the source name, 'default' when absent", () => {
    expect(sourceParam('node-1.zone:a_b')).toBe('node-1.zone:a_b');
    expect(sourceParam(undefined)).toBe('default');
    expect(sourceParam('')).toBe('default');
  });

  it('rejects other characters with a 400 that says which are allowed', () => {
    expect(() => sourceParam('node 1')).toThrow(
      expect.objectContaining({
        name: 'InputError',
        message:
          "parameter 'source' is 'node 1': use letters, digits, '.', '_', ':' or '-' (e.g. the node name)",
      }),
    );
  });

  it('rejects a repeated parameter as strParam does', () => {
    expect(() => sourceParam(['a', 'b'])).toThrow(
      "parameter 'source' must be one string of at most 256 characters",
    );
  });
});
