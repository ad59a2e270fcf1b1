import { isFailingPod } from '.';

describe('isFailingPod', () => {
  it('reads logs only of failing pods', () => {
    expect(
      isFailingPod({
        metadata: {},
        status: {
          phase: 'Running',
          containerStatuses: [{ ready: true, restartCount: 0 }],
        },
      }),
    ).toBe(false);
    expect(
      isFailingPod({
        metadata: {},
        status: {
          phase: 'Running',
          containerStatuses: [{ ready: true, restartCount: 2 }],
        },
      }),
    ).toBe(true);
    expect(isFailingPod({ metadata: {}, status: { phase: 'Succeeded' } })).toBe(
      false,
    );
  });
});
