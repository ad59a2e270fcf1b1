/**
 * The wait loop's own decisions (when to watch again, when to poll), with a scripted source; what
 * a real API server does is in readiness.integration.test.ts.
 */
import {
  JsonObject,
  KubeObject,
} from '@periscope/backstage-plugin-module-deploy-common';
import { ReadinessSource, waitForReadiness } from './readiness';

const widget: KubeObject = {
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w', namespace: 'n' },
};

const live = (version: number, ready: boolean): JsonObject => ({
  ...widget,
  metadata: { ...widget.metadata, resourceVersion: String(version) },
  status: {
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
  },
});

describe('waitForReadiness', () => {
  it('polls, instead of reading in a tight loop, when every watch closes at once', async () => {
    let reads = 0;
    let watches = 0;
    const source: ReadinessSource = {
      read: async () => {
        reads++;
        return live(reads, reads >= 6);
      },
      // a proxy that answers the watch with an empty body: closed, no error
      watch: async (_o, _opts, _onEvent, onDone) => {
        watches++;
        setImmediate(() => onDone());
        return () => {};
      },
    };
    const via: string[] = [];
    await waitForReadiness([widget], source, {
      timeoutMs: 10_000,
      pollMs: 10,
      onObserved: (_ref, _r, v) => via.push(v),
    });
    expect(watches).toBe(3);
    expect(via).toEqual(['read', 'read', 'read', 'read', 'poll', 'poll']);
  });

  it('reads again after a 410 error event and is ready from the next watch', async () => {
    let reads = 0;
    const versions: (string | undefined)[] = [];
    const source: ReadinessSource = {
      read: async () => {
        reads++;
        return live(reads * 10, false);
      },
      watch: async (_o, opts, onEvent) => {
        versions.push(opts.resourceVersion);
        setImmediate(() =>
          versions.length === 1
            ? onEvent('ERROR', { kind: 'Status', code: 410 })
            : onEvent('MODIFIED', live(reads * 10 + 1, true)),
        );
        return () => {};
      },
    };
    const ready: string[] = [];
    await waitForReadiness([widget], source, {
      timeoutMs: 10_000,
      pollMs: 10,
      onReady: ref => ready.push(ref),
    });
    // each watch starts from the version its read returned
    expect(versions).toEqual(['10', '20']);
    expect(ready).toEqual(['Widget/n/w']);
  });

  it('polls at once when the API server refuses the watch (403)', async () => {
    let reads = 0;
    let watches = 0;
    const source: ReadinessSource = {
      read: async () => {
        reads++;
        return live(reads, reads >= 3);
      },
      watch: async () => {
        watches++;
        throw Object.assign(new Error('Forbidden'), { statusCode: 403 });
      },
    };
    const via: string[] = [];
    await waitForReadiness([widget], source, {
      timeoutMs: 10_000,
      pollMs: 10,
      onObserved: (_ref, _r, v) => via.push(v),
    });
    expect(watches).toBe(1);
    expect(via).toEqual(['read', 'read', 'poll']);
  });
});
