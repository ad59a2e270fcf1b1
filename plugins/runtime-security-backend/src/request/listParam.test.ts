import { listParam } from './listParam';

const ALLOWED = ['low', 'high'] as const;

describe('listParam', () => {
  it('reads comma-separated and repeated values; absent or empty is undefined', () => {
    expect(listParam('low,high', 'severity', ALLOWED)).toEqual(['low', 'high']);
    expect(listParam(['low', 'high'], 'severity', ALLOWED)).toEqual([
      'low',
      'high',
    ]);
    expect(listParam(undefined, 'severity', ALLOWED)).toBeUndefined();
    expect(listParam('', 'severity', ALLOWED)).toBeUndefined();
  });

  it.each([
    ['urgent', "parameter 'severity' has 'urgent'; allowed: low, high"],
    [
      ['low', 'urgent,HIGH'],
      "parameter 'severity' has 'urgent', 'HIGH'; allowed: low, high",
    ],
  ])('rejects %p with a 400 naming the bad values', (raw, message) => {
    expect(() => listParam(raw, 'severity', ALLOWED)).toThrow(
      expect.objectContaining({ name: 'InputError', message }),
    );
  });
});
