/**
 * readEvidence and readContainerLog against the real node's scenarios (namespace real-node, see
 * realNode.integration.test.ts): the failing pod of a Deployment, its missing ConfigMap found by a
 * 404, the previous instance's log of a crash, and the caps on lines and bytes. Needs
 * PERISCOPE_REAL_NODE_KUBECONFIG.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { describeIf } from '@periscope/test-utils';
import { createKubeHttp, KubeHttp } from './client';
import { readContainerLog } from './containerLog';
import { readEvidence } from './evidence';

const KUBECONFIG = process.env.PERISCOPE_REAL_NODE_KUBECONFIG;
const NS = 'real-node';

describeIf({ realNode: KUBECONFIG })(
  'evidence of the real node scenarios (readEvidence)',
  () => {
    let http: KubeHttp;
    beforeAll(async () => {
      const kc = new KubeConfig();
      kc.loadFromFile(KUBECONFIG!);
      http = await createKubeHttp(kc, 20_000);
    });

    const deployment = (name: string) => ({
      object: { kind: 'Deployment', name, namespace: NS },
      ownerChain: [],
    });

    it("finds the missing ConfigMap a Deployment's pods refer to, and the kubelet's message", async () => {
      const e = await readEvidence(http, deployment('rn-missing-configmap'));
      expect(e.pod?.name).toMatch(/^rn-missing-configmap-/);
      expect(e.failingContainer).toBe('app');
      expect(e.missingReferences).toEqual([
        expect.objectContaining({
          kind: 'ConfigMap',
          name: 'rn-missing-config',
          namespace: NS,
        }),
      ]);
      expect(e.containers[0].state).toMatchObject({
        status: 'waiting',
        reason: 'CreateContainerConfigError',
        message: 'configmap "rn-missing-config" not found',
      });
    });

    it('reads the memory limit, the OOM kill and the restarts', async () => {
      const e = await readEvidence(http, deployment('rn-oom'));
      const app = e.containers[0];
      expect(app).toMatchObject({
        name: 'app',
        resources: { limits: { memory: expect.stringMatching(/Mi$/) } },
      });
      expect(
        [app.state, app.lastState].some(
          s => s?.reason === 'OOMKilled' && s.exitCode === 137,
        ),
      ).toBe(true);
      expect(app.restartCount).toBeGreaterThan(0);
    });

    it("reads the crashed instance's log, capped by lines; an unknown container is an error in the answer", async () => {
      // while the container restarts the kubelet may have just removed the previous log: read again
      let e = await readEvidence(http, deployment('rn-app-exits'));
      for (
        let i = 0;
        i < 20 && !e.logs[0]?.lines.join('\n').includes('ERROR');
        i++
      ) {
        await new Promise(r => setTimeout(r, 2_000));
        e = await readEvidence(http, deployment('rn-app-exits'));
      }
      expect(e.logs[0]).toMatchObject({ container: 'app' });
      expect(e.logs[0].lines.join('\n')).toMatch(
        /ERROR: cannot connect to database at db\.real-node\.svc:5432: connection refused/,
      );
      const pod = e.pod!.name;
      const one = await readContainerLog(http, {
        namespace: NS,
        pod,
        container: 'app',
        previous: e.logs[0].previous,
        tailLines: 1,
      });
      expect(one.lines.length).toBeLessThanOrEqual(1);
      const missing = await readContainerLog(http, {
        namespace: NS,
        pod,
        container: 'nope',
      });
      expect(missing).toMatchObject({
        lines: [],
        error: expect.stringMatching(/container nope is not valid|nope/),
      });
    });

    it('names what it could not read as a note, and a pod that is gone', async () => {
      const e = await readEvidence(http, {
        object: { kind: 'Pod', name: 'rn-no-such-pod', namespace: NS },
        ownerChain: [],
      });
      expect(e.pod).toBeUndefined();
      expect(e.notes).toEqual([
        expect.stringMatching(
          /^Pod rn-no-such-pod could not be read: it no longer exists$/,
        ),
      ]);
    });
  },
);
