import { healthOf } from './instances';

describe('healthOf', () => {
  it.each([
    [[], 'unknown'],
    [['ready', 'ready'], 'healthy'],
    [['ready', 'progressing'], 'progressing'],
    [['ready', 'failed'], 'degraded'],
    [['progressing', 'missing'], 'degraded'],
  ])('objects %j: %s', (states, health) => {
    expect(
      healthOf(
        (states as string[]).map(state => ({
          ref: `ConfigMap/shop/${state}`,
          state: state as any,
          message: '',
        })),
      ),
    ).toBe(health);
  });
});
