/**
 * The scan and the analyzers against failures a real kubelet produces: the real-node scenarios
 * (namespace `real-node`, scripts/seed/real-node) run by kubelet + containerd + runc on the node
 * `periscope-real-0`. Needs PERISCOPE_REAL_NODE_KUBECONFIG, the kubeconfig of a cluster started with
 * `./scripts/cluster up --real-node` and seeded with `./scripts/cluster seed --profile real-node`
 * (root only; see docs/cluster.md, "Real node"). Without it the suite is skipped and says so.
 *
 * A real kubelet moves between states (ErrImagePull and ImagePullBackOff; CrashLoopBackOff and a
 * short-lived Running or terminated container), so the test scans until every expected finding is
 * there at once, or reports what was still missing.
 */
import { KubeConfig } from '@kubernetes/client-node';
import {
  AnalysisReport,
  ClusterSnapshot,
  resolveAnalyzers,
  toK8sgptJson,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { describeIf } from '@periscope/test-utils';
import { createKubeHttp } from './client';
import { analyzeWithEvents } from './events';
import { fetchFailingPodLogs } from './logs';
import { scanCluster } from './scan';

const KUBECONFIG = process.env.PERISCOPE_REAL_NODE_KUBECONFIG;
const NS = 'real-node';
const NODE = 'periscope-real-0';
const FILTERS = [
  'Pod',
  'Deployment',
  'ReplicaSet',
  'Service',
  'Job',
  'Log',
  'JobFailures',
  'Probes',
  'ContainerStates',
];
type Pod = {
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
  };
  spec: { nodeName?: string };
  status: {
    phase?: string;
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
  };
};
type ContainerStatus = {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string; message?: string };
    terminated?: { reason?: string; exitCode?: number };
  };
  lastState?: { terminated?: { reason?: string; exitCode?: number } };
};
type Event = {
  involvedObject?: { name?: string };
  reason?: string;
  message?: string;
};

interface Round {
  snapshot: ClusterSnapshot;
  report: AnalysisReport;
  /** "Kind namespace/name: text", one per failure text */
  findings: string[];
  pods: Pod[];
}

async function scanOnce(): Promise<Round> {
  const kc = new KubeConfig();
  kc.loadFromFile(KUBECONFIG!);
  const http = await createKubeHttp(kc, 20_000);
  const scan = await scanCluster(http, {
    analyzers: resolveAnalyzers(FILTERS),
    namespace: NS,
  });
  await fetchFailingPodLogs(http, scan.snapshot, { namespace: NS });
  const report = await analyzeWithEvents(http, scan.snapshot, {
    filters: FILTERS,
    maskSeed: 'it',
  });
  const findings = (toK8sgptJson(report).results ?? []).flatMap(r =>
    r.error.map(e => `${r.kind} ${r.name}: ${e.Text}`),
  );
  const pods = (scan.snapshot.objects.Pod ?? []) as unknown as Pod[];
  return { snapshot: scan.snapshot, report, findings, pods };
}

const podsOf = (round: Round, app: string) =>
  round.pods.filter(p => p.metadata.labels?.app === app);
const mainStatus = (round: Round, app: string) =>
  podsOf(round, app)[0]?.status.containerStatuses?.[0];

/** One expectation per scenario: a finding (Kind, a name prefix, the text) the analyzers must report. */
const EXPECTED: Array<{
  scenario: string;
  kind: string;
  name: RegExp;
  text: RegExp;
}> = [
  // ErrImagePull and ImagePullBackOff both carry containerd's "not found" from the local registry
  {
    scenario: 'ImagePullBackOff (missing tag)',
    kind: 'Pod',
    name: /^real-node\/rn-image-pull-/,
    text: /failed to resolve reference "docker\.io\/library\/busybox:1\.36-does-not-exist": docker\.io\/library\/busybox:1\.36-does-not-exist: not found/,
  },
  {
    scenario: 'CrashLoopBackOff (command not found, exit 127)',
    kind: 'Pod',
    name: /^real-node\/rn-bad-command-/,
    text: /termination reason is Error (exitCode=127 )?container=app pod=rn-bad-command-/,
  },
  {
    scenario: 'CrashLoopBackOff (logs an error, exit 1)',
    kind: 'Pod',
    name: /^real-node\/rn-app-exits-/,
    text: /termination reason is Error (exitCode=1 )?container=app pod=rn-app-exits-/,
  },
  {
    scenario:
      "CrashLoopBackOff: the error line of the previous container's log",
    kind: 'Pod',
    name: /^real-node\/rn-app-exits-.*\/app$/,
    text: /ERROR: cannot connect to database at db\.real-node\.svc:5432: connection refused/,
  },
  {
    scenario: 'OOMKilled',
    kind: 'Pod',
    name: /^real-node\/rn-oom-/,
    text: /termination reason is OOMKilled (exitCode=137 )?container=app pod=rn-oom-/,
  },
  {
    scenario: 'CreateContainerConfigError (missing ConfigMap)',
    kind: 'Pod',
    name: /^real-node\/rn-missing-configmap-/,
    text: /^configmap "rn-missing-config" not found$/,
  },
  {
    scenario: 'CreateContainerConfigError (missing Secret key)',
    kind: 'Pod',
    name: /^real-node\/rn-missing-secret-key-/,
    text: /^couldn't find key password in Secret real-node\/rn-db$/,
  },
  {
    scenario: 'failing readiness probe (Pod)',
    kind: 'Pod',
    name: /^real-node\/rn-readiness-/,
    text: /^Readiness probe failed: HTTP probe failed with statuscode: 404$/,
  },
  {
    scenario: 'failing readiness probe (Service without ready endpoints)',
    kind: 'Service',
    name: /^real-node\/rn-readiness$/,
    text: /^Service has not ready endpoints, pods: \[Pod\/rn-readiness-[a-z0-9-]+\], expected 1$/,
  },
  {
    scenario: 'Init:CrashLoopBackOff',
    kind: 'Pod',
    name: /^real-node\/rn-init-fails-/,
    text: /termination reason is Error (exitCode=2 )?container=migrate pod=rn-init-fails-/,
  },
  {
    scenario: 'Job BackoffLimitExceeded',
    kind: 'Job',
    name: /^real-node\/rn-job-fails$/,
    text: /^Job has reached the specified backoff limit$/,
  },
  {
    // Periscope's JobFailures: the exit code and reason of the last failed pod, and its last log
    // line (read by fetchFailingPodLogs). The pod writes `exporting report` to stdout, then the
    // ERROR line to stderr: containerd copies the two streams separately, so either may end the log.
    scenario:
      'Job BackoffLimitExceeded: exit code, reason and last log line of the last failed pod',
    kind: 'Job',
    name: /^real-node\/rn-job-fails$/,
    text: /^Job real-node\/rn-job-fails reached its backoff limit: container report of its last failed pod rn-job-fails-[a-z0-9]+ exited with code 3 \(Error\); last log line: (ERROR: upload failed: 403 Forbidden|exporting report)$/,
  },
  {
    // Periscope's Probes: the probe's path and port with the kubelet's message
    scenario: 'liveness probe restarts (Probes)',
    kind: 'Pod',
    name: /^real-node\/rn-liveness-/,
    text: /^container app of pod rn-liveness-[a-z0-9-]+ was restarted \d+ times? by its liveness probe \(httpGet :8080\/live\): Liveness probe failed: HTTP probe failed with statuscode: 404$/,
  },
  {
    scenario: 'failing readiness probe (Probes)',
    kind: 'Pod',
    name: /^real-node\/rn-readiness-/,
    text: /^container app of pod rn-readiness-[a-z0-9-]+ is not ready: its readiness probe \(httpGet :8080\/ready\) fails: Readiness probe failed: HTTP probe failed with statuscode: 404$/,
  },
  {
    // Periscope's ContainerStates: the init container's exit code, and that the others wait
    scenario: 'Init:CrashLoopBackOff (ContainerStates)',
    kind: 'Pod',
    name: /^real-node\/rn-init-fails-/,
    text: /^init container migrate of pod rn-init-fails-[a-z0-9-]+ exited with exit code 2 \(Error\).*: the pod's other containers do not start until it succeeds$/,
  },
  {
    scenario: 'Job pod exit code',
    kind: 'Pod',
    name: /^real-node\/rn-job-fails-/,
    text: /^the termination reason is Error exitCode=3 container=report pod=rn-job-fails-/,
  },
];

const missing = (round: Round) =>
  EXPECTED.filter(e => {
    const re = new RegExp(`^${e.kind} `);
    return !round.findings.some(f => {
      if (!re.test(f)) return false;
      const rest = f.slice(e.kind.length + 1);
      const colon = rest.indexOf(': ');
      return (
        e.name.test(rest.slice(0, colon)) && e.text.test(rest.slice(colon + 2))
      );
    });
  });

/** The previous container's log of three crash loops (read through the apiserver from the kubelet). */
const PREVIOUS_LOGS: Array<[string, string]> = [
  ['rn-bad-command', 'sh: periscope-server: not found'],
  [
    'rn-app-exits',
    'ERROR: cannot connect to database at db.real-node.svc:5432: connection refused',
  ],
  ['rn-oom', 'allocating'],
];
const previousLog = (round: Round, app: string) =>
  Object.entries(round.snapshot.previousLogs ?? {}).find(([k]) =>
    k.startsWith(`${NS}/${app}-`),
  )?.[1] ?? '';
// while a container restarts, the kubelet may have just removed the one before it ("unable to
// retrieve container logs"): the next scan reads it again
const pending = (round: Round) =>
  missing(round).length +
  PREVIOUS_LOGS.filter(([app, text]) => !previousLog(round, app).includes(text))
    .length;

/** States a kubelet alternates between: scan until every expected finding shows at once (90 s at most). */
async function settledRound(): Promise<Round> {
  const deadline = Date.now() + 90_000;
  let round = await scanOnce();
  while (pending(round) > 0 && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 2_000));
    round = await scanOnce();
  }
  return round;
}

describeIf({ realNode: KUBECONFIG })(
  'real node: the analyzers on failures from kubelet, containerd and runc',
  () => {
    let round: Round;
    beforeAll(async () => {
      round = await settledRound();
    }, 120_000);

    it('scans pods that the real kubelet runs', () => {
      const pods = round.pods.filter(p => p.metadata.namespace === NS);
      expect(pods.length).toBeGreaterThanOrEqual(11);
      expect(pods.every(p => p.spec.nodeName === NODE)).toBe(true);
    });

    it('reports each failure with the text the kubelet and containerd wrote', () => {
      const notFound = missing(round).map(
        e => `${e.scenario}: ${e.kind} ${e.name} ${e.text}`,
      );
      // on failure, the findings there were help more than a bare list
      expect({
        notFound,
        findings: notFound.length ? round.findings : [],
      }).toEqual({ notFound: [], findings: [] });
    });

    it('the pod statuses carry the real reasons and exit codes', () => {
      expect(
        mainStatus(round, 'rn-image-pull')?.state?.waiting?.reason,
      ).toMatch(/^(ErrImagePull|ImagePullBackOff)$/);
      const bad = mainStatus(round, 'rn-bad-command');
      expect(bad?.lastState?.terminated).toMatchObject({
        reason: 'Error',
        exitCode: 127,
      });
      expect(
        mainStatus(round, 'rn-app-exits')?.lastState?.terminated,
      ).toMatchObject({ reason: 'Error', exitCode: 1 });
      expect(mainStatus(round, 'rn-oom')?.lastState?.terminated).toMatchObject({
        reason: 'OOMKilled',
        exitCode: 137,
      });
      expect(
        mainStatus(round, 'rn-missing-configmap')?.state?.waiting?.reason,
      ).toBe('CreateContainerConfigError');
      expect(
        mainStatus(round, 'rn-missing-secret-key')?.state?.waiting?.reason,
      ).toBe('CreateContainerConfigError');
      const init = podsOf(round, 'rn-init-fails')[0]?.status
        .initContainerStatuses?.[0];
      expect(init?.restartCount).toBeGreaterThan(0);
      expect(
        init?.lastState?.terminated ?? init?.state?.terminated,
      ).toMatchObject({ exitCode: 2 });
      const ready = mainStatus(round, 'rn-readiness');
      expect({
        phase: podsOf(round, 'rn-readiness')[0]?.status.phase,
        ready: ready?.ready,
      }).toEqual({ phase: 'Running', ready: false });
      expect(mainStatus(round, 'rn-healthy')).toMatchObject({
        ready: true,
        restartCount: 0,
      });
    });

    it("reads the previous container's log through the kubelet (exit 127: the shell's own message)", () => {
      for (const [app, text] of PREVIOUS_LOGS)
        expect({ app, log: previousLog(round, app) }).toEqual({
          app,
          log: expect.stringContaining(text),
        });
    });

    it('the liveness probe failures are kubelet events, and the container was restarted for them', () => {
      const events = (round.snapshot.objects.Event ?? []) as unknown as Event[];
      const pod = podsOf(round, 'rn-liveness')[0];
      expect(mainStatus(round, 'rn-liveness')?.restartCount).toBeGreaterThan(0);
      const unhealthy = events.filter(
        e =>
          e.involvedObject?.name === pod?.metadata.name &&
          e.reason === 'Unhealthy',
      );
      expect(unhealthy.map(e => e.message)).toContain(
        'Liveness probe failed: HTTP probe failed with statuscode: 404',
      );
      const killing = events.filter(
        e =>
          e.involvedObject?.name === pod?.metadata.name &&
          e.reason === 'Killing',
      );
      expect(killing.map(e => e.message).join('\n')).toMatch(
        /failed liveness probe, will be restarted/,
      );
    });

    it('reports nothing for the healthy workload', () => {
      expect(round.findings.filter(f => /rn-healthy/.test(f))).toEqual([]);
    });
  },
);
