import { createKubeHttp, analyzeWithEvents, readEventsOf } from '.';
import {
  refusingFieldSelectors,
  startApi,
  unreachableKubeConfig,
} from './__testUtils__/loopbackApi';

describe('event reads after a scan that listed only some', () => {
  it('readEventsOf with warningsOnly reads every event of a namespace whose API server refuses the type field selector', async () => {
    const seen: string[] = [];
    const api = await startApi(
      refusingFieldSelectors('/api/v1/namespaces/web/events', 'web', seen),
    );
    try {
      const snapshot = {
        objects: { Event: [] },
        partialEvents: {
          allTypesIn: [] as string[],
          elsewhere: 'none' as const,
        },
      };
      const requests = await readEventsOf(
        await createKubeHttp(api.kc, 5000),
        snapshot,
        ['web'],
        { warningsOnly: true },
      );
      expect(seen).toEqual([
        '/api/v1/namespaces/web/events?fieldSelector=type!%3DNormal',
        '/api/v1/namespaces/web/events',
      ]);
      expect(requests).toBe(2);
      expect(snapshot.objects.Event).toHaveLength(1);
      // every event of web was read: it counts as whole, not as warnings only
      expect(snapshot.partialEvents).toEqual({
        allTypesIn: ['web'],
        elsewhere: 'none',
      });
    } finally {
      await api.close();
    }
  });

  it('readEventsOf leaves the snapshot as it was when the events cannot be read', async () => {
    const kc = unreachableKubeConfig();
    const warning = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e', namespace: 'shop' },
      type: 'Warning',
    };
    const snapshot = {
      objects: { Event: [warning] },
      partialEvents: { allTypesIn: [] as string[] },
    };
    await expect(
      readEventsOf(await createKubeHttp(kc, 2000), snapshot, ['shop']),
    ).rejects.toThrow(/cannot reach the cluster at http:\/\/127.0.0.1:1/);
    expect(snapshot).toEqual({
      objects: { Event: [warning] },
      partialEvents: { allTypesIn: [] },
    });
    await expect(
      readEventsOf(await createKubeHttp(kc, 2000), { objects: {} }, ['shop']),
    ).rejects.toThrow(/already holds every event \(it has no partialEvents\)/);
  });

  it('analyzeWithEvents fails with the event read and leaves the snapshot as it was', async () => {
    const kc = unreachableKubeConfig();
    // A Pending claim with a warning: the analyzer looks its events up, so it needs every event of 'shop'.
    const claim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'shop' },
      status: { phase: 'Pending' },
    };
    const warning = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e', namespace: 'shop' },
      involvedObject: {
        kind: 'PersistentVolumeClaim',
        name: 'data',
        namespace: 'shop',
      },
      type: 'Warning',
      reason: 'ProvisioningFailed',
      message: 'storageclass "fast" not found',
    };
    const snapshot = {
      objects: { PersistentVolumeClaim: [claim], Event: [warning] },
      partialEvents: { allTypesIn: [] as string[] },
    };
    const kube = await createKubeHttp(kc, 2000);
    await expect(
      analyzeWithEvents(kube, snapshot, { filters: ['PersistentVolumeClaim'] }),
    ).rejects.toThrow(/cannot reach the cluster at http:\/\/127.0.0.1:1/);
    expect(snapshot).toEqual({
      objects: { PersistentVolumeClaim: [claim], Event: [warning] },
      partialEvents: { allTypesIn: [] },
    });
    // with every event there it analyzes without asking the cluster
    const { partialEvents: _, ...complete } = snapshot;
    const report = await analyzeWithEvents(kube, complete, {
      filters: ['PersistentVolumeClaim'],
    });
    expect(report.results.map(r => r.failures.map(f => f.text))).toEqual([
      ['storageclass "fast" not found'],
    ]);
  });
});
