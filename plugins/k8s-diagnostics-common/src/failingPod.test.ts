import { logToRead, pickFailingPod } from './failingPod';
import { pod } from './__testUtils__/evidencePods';

describe('pickFailingPod', () => {
  it('picks the worst failing pod, the newest among equals; none when all are healthy', () => {
    const ok = pod('ok', {}, { ready: true, state: { running: {} } });
    const older = {
      ...pod('old', {}, { state: { waiting: { reason: 'CrashLoopBackOff' } } }),
      metadata: {
        name: 'old',
        namespace: 'shop',
        creationTimestamp: '2026-12-01T09:00:00Z',
      },
    };
    const newer = pod(
      'new',
      {},
      { state: { waiting: { reason: 'CrashLoopBackOff' } } },
    );
    expect(pickFailingPod([ok, older, newer])?.metadata.name).toBe('new');
    expect(pickFailingPod([ok])).toBeUndefined();
  });
});

describe('logToRead', () => {
  it('reads the previous log of a container waiting after a crash, the current one otherwise', () => {
    expect(
      logToRead({
        name: 'a',
        init: false,
        probes: [],
        restartCount: 2,
        state: { status: 'waiting', reason: 'CrashLoopBackOff' },
        lastState: { status: 'terminated', exitCode: 1 },
      }),
    ).toEqual({ previous: true });
    expect(
      logToRead({
        name: 'a',
        init: false,
        probes: [],
        restartCount: 2,
        state: { status: 'running' },
      }),
    ).toEqual({ previous: false });
    expect(
      logToRead({
        name: 'a',
        init: false,
        probes: [],
        state: { status: 'waiting', reason: 'CreateContainerConfigError' },
      }),
    ).toEqual({ previous: false });
  });
});
