/**
 * Readiness by watches, against the real local control plane (PERISCOPE_KUBECONFIG). A custom
 * resource whose status the test writes (through the status subresource) stands in for an object
 * whose controller makes it ready, so each test decides when the object changes; skipped, with
 * the reason printed, when the cluster is not there.
 */
import {
  CustomObjectsApi,
  KubeConfig,
  KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import {
  JsonObject,
  KubeObject,
  Readiness,
} from '@periscope/backstage-plugin-module-deploy-common';
import {
  clusterOidcFile,
  describeIf,
  signClusterUserToken,
} from '@periscope/test-utils';
import { DeployError, httpStatus } from '../errors';
import { kubeconfigForTests } from '../__testUtils__/environment';
import { RawObjectApi } from './kubeApi';
import { ReadinessSource, objectWatcher, waitForReadiness } from './readiness';

jest.setTimeout(180_000);

const kubeconfig = kubeconfigForTests();
const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const group = `rd${stamp}.periscope.test`;
const ns = `periscope-ready-${stamp}`;
/** Far longer than any test waits: a state seen in time was not seen by a poll. */
const NEVER_POLL = 600_000;

type Observation = {
  ref: string;
  readiness?: Readiness;
  via: 'read' | 'watch' | 'poll';
};

describeIf({ kubeconfig })(
  'readiness waits follow objects with watches',
  () => {
    const kc = new KubeConfig();
    let api: RawObjectApi;

    const widget = (name: string): KubeObject => ({
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name, namespace: ns },
    });
    const ref = (name: string) => `Widget/${ns}/${name}`;

    /** Writes the widget's status conditions through the status subresource. */
    const setStatus = async (
      name: string,
      conditions: { type: string; status: string; message?: string }[],
    ) => {
      await kc
        .makeApiClient(CustomObjectsApi)
        .patchNamespacedCustomObjectStatus(
          {
            group,
            version: 'v1',
            namespace: ns,
            plural: 'widgets',
            name,
            body: { status: { conditions } },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
    };

    const create = async (name: string, ready: 'True' | 'False') => {
      await api.create({ ...widget(name), spec: {} } as KubernetesObject);
      await setStatus(name, [
        { type: 'Ready', status: ready, message: 'waiting for the test' },
      ]);
    };

    const source = (client: RawObjectApi): ReadinessSource => ({
      read: async o => {
        try {
          return (await client.read(
            o as KubernetesObject & { metadata: { name: string } },
          )) as unknown as JsonObject;
        } catch (e) {
          if (httpStatus(e) === 404) return undefined;
          throw e;
        }
      },
      watch: objectWatcher(client),
    });

    /** A promise of the first observation that matches, and the list of all. */
    const recorder = () => {
      const seen: Observation[] = [];
      const waiters: {
        match: (o: Observation) => boolean;
        resolve: () => void;
      }[] = [];
      return {
        seen,
        onObserved: (
          r: string,
          readiness: Readiness | undefined,
          via: Observation['via'],
        ) => {
          const o = { ref: r, readiness, via };
          seen.push(o);
          for (const w of [...waiters])
            if (w.match(o)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve();
            }
        },
        when: (match: (o: Observation) => boolean) =>
          seen.some(match)
            ? Promise.resolve()
            : new Promise<void>(resolve => waiters.push({ match, resolve })),
      };
    };

    beforeAll(async () => {
      kc.loadFromFile(kubeconfig as string);
      api = RawObjectApi.fromKubeConfig(kc);
      await api.create({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `widgets.${group}` },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  'x-kubernetes-preserve-unknown-fields': true,
                },
              },
            },
          ],
        },
      } as KubernetesObject);
      await api.create({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns },
      });
      // the CRD itself is waited for the way apply waits for CRDs (Established)
      await waitForReadiness(
        [
          {
            apiVersion: 'apiextensions.k8s.io/v1',
            kind: 'CustomResourceDefinition',
            metadata: { name: `widgets.${group}` },
          },
        ],
        source(api),
        { timeoutMs: 60_000, pollMs: NEVER_POLL },
      );
      // discovery of the new group can lag behind Established: retry the first create
      for (let i = 0; ; i++) {
        try {
          await create('first', 'False');
          break;
        } catch (e) {
          if (i >= 50) throw e;
          await new Promise(r => setTimeout(r, 200));
        }
      }
    });

    afterAll(async () => {
      await api
        .delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
        .catch(() => undefined);
      await api
        .delete({
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: `widgets.${group}` },
        })
        .catch(() => undefined);
    });

    it('reports ready as soon as the object becomes ready, from a watch event (no poll)', async () => {
      const rec = recorder();
      const ready: string[] = [];
      const wait = waitForReadiness([widget('first')], source(api), {
        timeoutMs: 60_000,
        pollMs: NEVER_POLL,
        onObserved: rec.onObserved,
        onReady: r => ready.push(r),
      });
      await rec.when(o => o.via === 'read');
      expect(rec.seen[0].readiness).toEqual({
        state: 'progressing',
        message: 'Ready is False: waiting for the test',
      });
      const t0 = Date.now();
      await setStatus('first', [{ type: 'Ready', status: 'True' }]);
      await wait;
      // a poll would have come after NEVER_POLL; the watch delivers the change within moments
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(rec.seen[rec.seen.length - 1]).toEqual({
        ref: ref('first'),
        readiness: { state: 'ready', message: 'Ready is True' },
        via: 'watch',
      });
      expect(ready).toEqual([ref('first')]);
    });

    it('stops at once with a failed error naming the object when it reports a failure', async () => {
      await create('stalls', 'False');
      const rec = recorder();
      const wait = waitForReadiness([widget('stalls')], source(api), {
        timeoutMs: 60_000,
        pollMs: NEVER_POLL,
        onObserved: rec.onObserved,
      }).catch(e => e);
      await rec.when(o => o.via === 'read');
      await setStatus('stalls', [
        { type: 'Ready', status: 'False' },
        {
          type: 'Stalled',
          status: 'True',
          message: 'image tag does not exist',
        },
      ]);
      const err = await wait;
      expect(err).toBeInstanceOf(DeployError);
      expect(err).toMatchObject({
        object: ref('stalls'),
        reason: 'failed',
        message: expect.stringContaining('not ready: image tag does not exist'),
      });
    });

    it('times out naming the first object not ready, its last state and the others', async () => {
      await create('slow', 'False');
      const t0 = Date.now();
      const err = await waitForReadiness(
        [widget('slow'), widget('absent')],
        source(api),
        { timeoutMs: 5_000, pollMs: NEVER_POLL },
      ).catch(e => e);
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(err).toBeInstanceOf(DeployError);
      expect(err).toMatchObject({ object: ref('slow'), reason: 'timeout' });
      expect((err as Error).message).toContain(
        `not ready after 5s: Ready is False: waiting for the test (also waiting for ${ref(
          'absent',
        )})`,
      );
    });

    it('reads again and watches anew when the server ends a watch (resync)', async () => {
      await create('resync', 'False');
      const rec = recorder();
      const wait = waitForReadiness([widget('resync')], source(api), {
        timeoutMs: 60_000,
        pollMs: NEVER_POLL,
        resyncMs: 1_000,
        onObserved: rec.onObserved,
      });
      // the first read, then one read after each watch the server closed (timeoutSeconds=1)
      await rec.when(() => rec.seen.filter(o => o.via === 'read').length >= 3);
      await setStatus('resync', [{ type: 'Ready', status: 'True' }]);
      await wait;
      const lastSeen = rec.seen[rec.seen.length - 1];
      expect(lastSeen.readiness?.state).toBe('ready');
      expect(['read', 'watch']).toContain(lastSeen.via);
    });

    /** The real watcher, with every watch cut right after it opens (a dropped connection). */
    const dropping = (client: RawObjectApi, drops: number) => {
      const real = objectWatcher(client)!;
      const opened: number[] = [];
      const watch: NonNullable<ReadinessSource['watch']> = async (
        o,
        wopts,
        onEvent,
        onDone,
      ) => {
        opened.push(Date.now());
        const stop = await real(o, wopts, onEvent, onDone);
        // aborting the request ends it the way a reset connection does: onDone with an error
        if (opened.length <= drops) stop();
        return stop;
      };
      return { watch, opened };
    };

    it('reads again and watches anew after a watch drops', async () => {
      await create('dropped', 'False');
      const rec = recorder();
      const { watch, opened } = dropping(api, 1);
      const wait = waitForReadiness(
        [widget('dropped')],
        { ...source(api), watch },
        { timeoutMs: 60_000, pollMs: NEVER_POLL, onObserved: rec.onObserved },
      );
      // the first watch dropped; the object is read again, then watched again
      await rec.when(() => rec.seen.filter(o => o.via === 'read').length >= 2);
      await setStatus('dropped', [{ type: 'Ready', status: 'True' }]);
      await wait;
      expect(opened.length).toBeGreaterThanOrEqual(2);
      expect(rec.seen.some(o => o.via === 'poll')).toBe(false);
      expect(rec.seen[rec.seen.length - 1].readiness?.state).toBe('ready');
    });

    it('polls an object whose watches keep dropping', async () => {
      await create('flaky', 'False');
      const rec = recorder();
      const { watch, opened } = dropping(api, Infinity);
      const wait = waitForReadiness(
        [widget('flaky')],
        { ...source(api), watch },
        { timeoutMs: 60_000, pollMs: 300, onObserved: rec.onObserved },
      );
      await rec.when(o => o.via === 'poll');
      // three watches in a row failed before it fell back
      expect(opened).toHaveLength(3);
      await setStatus('flaky', [{ type: 'Ready', status: 'True' }]);
      await wait;
      expect(rec.seen[rec.seen.length - 1]).toMatchObject({
        readiness: { state: 'ready' },
        via: 'poll',
      });
    });

    it('sees an object created while it waits (not found first)', async () => {
      const rec = recorder();
      const wait = waitForReadiness([widget('later')], source(api), {
        timeoutMs: 60_000,
        pollMs: NEVER_POLL,
        onObserved: rec.onObserved,
      });
      await rec.when(o => o.via === 'read');
      expect(rec.seen[0].readiness).toBeUndefined();
      await create('later', 'True');
      await wait;
      expect(rec.seen[rec.seen.length - 1]).toMatchObject({
        readiness: { state: 'ready' },
        via: 'watch',
      });
    });

    describeIf({ oidc: clusterOidcFile(kubeconfig) })(
      'as a user who may read but not watch',
      () => {
        const user = `reader-${stamp}@example.com`;
        beforeAll(async () => {
          await api.create({
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'Role',
            metadata: { name: 'widget-reader', namespace: ns },
            rules: [
              { apiGroups: [group], resources: ['widgets'], verbs: ['get'] },
            ],
          } as KubernetesObject);
          await api.create({
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'RoleBinding',
            metadata: { name: 'widget-reader', namespace: ns },
            roleRef: {
              apiGroup: 'rbac.authorization.k8s.io',
              kind: 'Role',
              name: 'widget-reader',
            },
            subjects: [
              {
                apiGroup: 'rbac.authorization.k8s.io',
                kind: 'User',
                name: `oidc:${user}`,
              },
            ],
          } as KubernetesObject);
        });

        it('falls back to polling when the watch is refused (403)', async () => {
          await create('polled', 'False');
          const cluster = kc.getCurrentCluster()!;
          const userKc = new KubeConfig();
          userKc.loadFromOptions({
            clusters: [cluster],
            users: [
              {
                name: 'reader',
                token: signClusterUserToken({ kubeconfig: kubeconfig!, user }),
              },
            ],
            contexts: [
              { name: 'reader', cluster: cluster.name, user: 'reader' },
            ],
            currentContext: 'reader',
          });
          const client = RawObjectApi.fromKubeConfig(userKc);
          // RBAC may take a moment to reach the authorizer's cache: the read is what must work
          for (let i = 0; ; i++) {
            try {
              await client.read(widget('polled') as never);
              break;
            } catch (e) {
              if (i >= 50) throw e;
              await new Promise(r => setTimeout(r, 200));
            }
          }
          const rec = recorder();
          const wait = waitForReadiness([widget('polled')], source(client), {
            timeoutMs: 60_000,
            pollMs: 300,
            onObserved: rec.onObserved,
          });
          await rec.when(o => o.via === 'poll');
          await setStatus('polled', [{ type: 'Ready', status: 'True' }]);
          await wait;
          expect(rec.seen.some(o => o.via === 'watch')).toBe(false);
          expect(rec.seen[rec.seen.length - 1]).toMatchObject({
            readiness: { state: 'ready' },
            via: 'poll',
          });
        });
      },
    );
  },
);
