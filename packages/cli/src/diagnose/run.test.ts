import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { DiagnoseOptions, runDiagnose } from './run';
import { describeIf } from '@periscope/test-utils';

const SHOP = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: payments, namespace: shop, labels: {app: payments}}
spec: {replicas: 2}
status: {replicas: 2, readyReplicas: 0}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: payments-7d9
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: payments, controller: true}]
status: {replicas: 2}
---
apiVersion: v1
kind: Pod
metadata:
  name: payments-7d9-abc
  namespace: shop
  labels: {app: payments}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: payments-7d9, controller: true}]
status:
  phase: Running
  containerStatuses:
  - name: app
    ready: false
    restartCount: 4
    state: {waiting: {reason: CrashLoopBackOff, message: back-off 40s restarting failed container}}
    lastState: {terminated: {reason: Error, exitCode: 1}}
`;

const OTHER = {
  apiVersion: 'v1',
  kind: 'List',
  items: [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'legacy-api', namespace: 'shop' },
      spec: { selector: { app: 'legacy' } },
    },
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'legacy-api', namespace: 'shop' },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'cleanup', namespace: 'ops' },
      status: { failed: 1 },
    },
  ],
};

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'periscope-diagnose-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(rel: string, text: string): string {
  const p = path.join(dir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
}

async function run(opts: DiagnoseOptions, env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runDiagnose(opts, {
    stdout: s => (stdout += s),
    stderr: s => (stderr += s),
    env,
  });
  return { code, stdout, stderr };
}

describe('periscope diagnose --objects', () => {
  it('analyzes a directory of YAML and JSON files and prints k8sgpt JSON', async () => {
    write('shop/workloads.yaml', SHOP);
    write('other.json', JSON.stringify(OTHER));
    write('README.md', 'not an object file');
    const { code, stdout, stderr } = await run({
      objects: dir,
      output: 'json',
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.status).toBe('ProblemDetected');
    const byName = Object.fromEntries(
      out.results.map((r: any) => [`${r.kind} ${r.name}`, r]),
    );
    expect(Object.keys(byName).sort()).toEqual([
      'Deployment shop/payments',
      'Job ops/cleanup',
      'Pod shop/payments-7d9-abc',
      'Service shop/legacy-api',
    ]);
    expect(byName['Pod shop/payments-7d9-abc'].parentObject).toBe(
      'Deployment/payments',
    );
    expect(byName['Pod shop/payments-7d9-abc'].error[0].Text).toBe(
      'the last termination reason is Error container=app pod=payments-7d9-abc',
    );
    expect(byName['Service shop/legacy-api'].error[0].Text).toBe(
      'Service has no endpoints, expected label app=legacy',
    );
    expect(out.problems).toBe(4);
  });

  it('applies namespace, selector and filter, and prints text', async () => {
    const file = write('shop.yaml', SHOP);
    const { code, stdout } = await run({
      objects: file,
      namespace: 'shop',
      selector: 'app=payments',
      filter: ['Pod,Deployment'],
    });
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        '0: [critical] Pod shop/payments-7d9-abc(Deployment/payments)',
        '- critical: the last termination reason is Error container=app pod=payments-7d9-abc',
        '1: [critical] Deployment shop/payments',
        '- critical: Deployment shop/payments has 2 replicas but 0 are available with status running',
        '',
        '2 objects with 2 problems',
        '',
      ].join('\n'),
    );
  });

  it('exits 3 with --fail-on when a finding is severe enough, 0 otherwise', async () => {
    const file = write('o.json', JSON.stringify(OTHER));
    expect((await run({ objects: file, failOn: 'high' })).code).toBe(3);
    expect((await run({ objects: file, failOn: 'critical' })).code).toBe(0);
  });

  it('says OK for a healthy input', async () => {
    const file = write(
      'ok.yaml',
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n',
    );
    const { code, stdout } = await run({ objects: file, output: 'json' });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      provider: '',
      errors: null,
      status: 'OK',
      problems: 0,
      results: null,
    });
  });
});

const RENDERED = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 1
  template:
    spec:
      serviceAccountName: web
      containers:
      - name: app
        image: web:1
        envFrom: [{configMapRef: {name: web-config}}]
        env:
        - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}
        - {name: FLAG, valueFrom: {configMapKeyRef: {name: flags, key: beta, optional: true}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: other-config, namespace: shop}
data: {a: "1"}
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
stringData: {user: app}
`;

describe('periscope diagnose --objects: reference checks', () => {
  it('reports what the manifests refer to but do not contain, for the kinds they contain', async () => {
    const file = write('rendered.yaml', RENDERED);
    const { code, stdout } = await run({
      objects: file,
      filter: ['References'],
    });
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        '0: [high] Deployment shop/web',
        '- high: Secret db in namespace shop has no key password (referenced by env DB_PASSWORD of container app)',
        '- high: ConfigMap web-config does not exist in namespace shop (referenced by envFrom of container app)',
        '',
        '1 objects with 2 problems',
        '',
      ].join('\n'),
    );
    // no ServiceAccount in the input: serviceAccountName web is not claimed missing
  });

  it('runs them by default', async () => {
    const file = write('rendered.yaml', RENDERED);
    const out = JSON.parse(
      (await run({ objects: file, output: 'json' })).stdout,
    );
    const texts = out.results.flatMap((r: any) =>
      r.error.map((e: any) => e.Text),
    );
    expect(texts).toContain(
      'ConfigMap web-config does not exist in namespace shop (referenced by envFrom of container app)',
    );
  });

  it('--exists: objects that exist elsewhere are not reported (a kind, one object, or a name in any namespace), nor their keys', async () => {
    const file = write('rendered.yaml', RENDERED);
    const texts = async (exists: string[]) =>
      (await run({ objects: file, filter: ['References'], exists })).stdout
        .split('\n')
        .filter(l => l.startsWith('- '));
    expect(await texts(['configmap'])).toEqual([
      '- high: Secret db in namespace shop has no key password (referenced by env DB_PASSWORD of container app)',
    ]);
    expect(await texts(['ConfigMap/shop/web-config,Secret/db'])).toEqual([]);
    expect(await texts(['ConfigMap/other/web-config'])).toHaveLength(2);
  });
});

describe('periscope diagnose input errors', () => {
  it.each([
    [
      {},
      /nothing to diagnose: pass --objects <file\|dir> .* or --kubeconfig <path>/,
    ],
    [
      { objects: 'a', kubeconfig: 'b' },
      /either --objects <file\|dir> or --kubeconfig <path>, not both/,
    ],
    [{ objects: 'a', context: 'c' }, /--context needs --kubeconfig/],
    [
      { objects: 'a', selector: 'app in (x' },
      /invalid label selector "app in \(x"/,
    ],
    [
      { objects: 'a', filter: ['Pod,Podz'] },
      /unknown analyzer "Podz"; available: Pod, /,
    ],
    [
      { objects: 'a', output: 'xml' as 'json' },
      /--output must be json or text/,
    ],
    [{ kubeconfig: 'k', exists: ['ConfigMap'] }, /--exists needs --objects/],
    [
      { objects: 'a', exists: ['ConfigMap,Podz'] },
      /--exists takes Kind, Kind\/name or Kind\/namespace\/name with Kind one of ConfigMap, .*, not "Podz"/,
    ],
    [{ objects: 'a', exists: ['Secret/a/b/c'] }, /not "Secret\/a\/b\/c"/],
  ])('usage error %p', async (opts, message) => {
    const { code, stderr, stdout } = await run(opts);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });

  it('reports a missing path', async () => {
    const { code, stderr } = await run({
      objects: path.join(dir, 'nope.yaml'),
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /--objects .*nope\.yaml does not exist: pass a YAML\/JSON file or a directory of them/,
    );
  });

  it('reports a directory without object files', async () => {
    write('notes.txt', 'hi');
    const { code, stderr } = await run({ objects: dir });
    expect(code).toBe(1);
    expect(stderr).toMatch(/has no \.yaml, \.yml or \.json files/);
  });

  it('reports an unreadable file', async () => {
    fs.symlinkSync(
      path.join(dir, 'missing-target'),
      path.join(dir, 'dangling.yaml'),
    );
    const { code, stderr } = await run({ objects: dir });
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot read .*dangling\.yaml: ENOENT/);
  });

  it('reports a YAML error with file and line', async () => {
    const file = write(
      'broken.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: "unterminated\n',
    );
    const { code, stderr } = await run({ objects: file });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(
        `^periscope diagnose: ${file.replace(
          /[.*+?^${}()|[\]\\]/g,
          '\\$&',
        )}:\\d+: invalid YAML: `,
      ),
    );
  });

  it('reports an object without kind/apiVersion with file and line', async () => {
    const file = write(
      'frag.yaml',
      `${SHOP}---\nmetadata: {name: fragment}\nspec: {}\n`,
    );
    const { code, stderr } = await run({ objects: file });
    expect(code).toBe(1);
    expect(stderr).toContain(
      `${file}:32: document 4 "fragment" has no apiVersion and kind`,
    );
  });
});

function kubeconfig(server: string, extra = ''): string {
  return write(
    'kubeconfig',
    `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "${server}"${extra}}
users:
- name: u
  user: {token: not-a-valid-token}
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
`,
  );
}

describe('periscope diagnose --kubeconfig errors', () => {
  it('reports a missing kubeconfig', async () => {
    const { code, stderr } = await run({ kubeconfig: path.join(dir, 'none') });
    expect(code).toBe(1);
    expect(stderr).toMatch(/kubeconfig '.*none' does not exist/);
  });

  it('reports an unknown context', async () => {
    const file = kubeconfig('https://127.0.0.1:1');
    const { code, stderr } = await run({ kubeconfig: file, context: 'prod' });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /context 'prod' is not in kubeconfig '.*'; it has: ctx/,
    );
  });

  it('reports an unreachable cluster (also via $PERISCOPE_KUBECONFIG)', async () => {
    const file = kubeconfig('https://127.0.0.1:1');
    const { code, stderr } = await run({}, { PERISCOPE_KUBECONFIG: file });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /cannot reach the cluster at https:\/\/127\.0\.0\.1:1 \(context 'ctx'\): ECONNREFUSED\. Is the API server running/,
    );
  });
});

// Against the local control plane (./scripts/cluster up): its API server rejects a bad token, and
// its read-only user (ClusterRole `view`) may not list Secrets.
const LIVE_KUBECONFIG = process.env.PERISCOPE_KUBECONFIG;
describeIf({ kubeconfig: LIVE_KUBECONFIG })(
  'periscope diagnose --kubeconfig errors (live control plane)',
  () => {
    it('reports rejected credentials', async () => {
      const kc = new KubeConfig();
      kc.loadFromFile(LIVE_KUBECONFIG!);
      const cluster = kc.getCurrentCluster()!;
      const file = kubeconfig(
        cluster.server,
        `, certificate-authority-data: "${cluster.caData}"`,
      );
      const { code, stderr } = await run({ kubeconfig: file });
      expect(code).toBe(1);
      expect(stderr).toMatch(
        /rejected the credentials of context 'ctx' \(401 Unauthorized\): refresh the token/,
      );
    });

    it('skips analyzers whose input is forbidden and says why', async () => {
      const readonly = LIVE_KUBECONFIG!.replace(
        /kubeconfig$/,
        'kubeconfig-readonly',
      );
      const { code, stdout, stderr } = await run({
        kubeconfig: readonly,
        namespace: 'shop',
        filter: ['Ingress,Job'],
        output: 'json',
      });
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const out = JSON.parse(stdout);
      expect(out.errors).toEqual([
        expect.stringMatching(
          // `view` may list neither Secrets nor (cluster-scoped) IngressClasses: both are named
          /^Ingress analyzer skipped: .*forbidden \(403\) to read \/api\/v1\/namespaces\/shop\/secrets: secrets is forbidden: User "periscope-readonly" cannot list resource "secrets" .*Grant the user of context '[^']+' get\/list on it \(a ClusterRole with get\/list on secrets, bound with a ClusterRoleBinding: the 'view' ClusterRole does not include it\)$/,
        ),
      ]);
      // the Job analyzer still ran: the scenario's failed Job is reported
      expect(
        out.results.map(
          (r: { kind: string; name: string }) => `${r.kind} ${r.name}`,
        ),
      ).toContain('Job shop/nightly-report-manual');
      expect(
        out.results.some((r: { kind: string }) => r.kind === 'Ingress'),
      ).toBe(false);
    });

    it('runs the reference checks without Secrets, saying which references it does not check', async () => {
      const readonly = LIVE_KUBECONFIG!.replace(
        /kubeconfig$/,
        'kubeconfig-readonly',
      );
      const { code, stdout, stderr } = await run({
        kubeconfig: readonly,
        namespace: 'shop',
        filter: ['References'],
        output: 'json',
      });
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const out = JSON.parse(stdout);
      // `view` may list neither Secrets nor the cluster-scoped kinds: each is named, the rest is checked
      expect(out.errors).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^References analyzer does not check references to Secret: .*forbidden \(403\) to read \/api\/v1\/namespaces\/shop\/secrets/,
          ),
          expect.stringMatching(
            /^References analyzer does not check references to StorageClass: .*forbidden \(403\)/,
          ),
        ]),
      );
      expect(
        out.errors.every((e: string) =>
          e.startsWith('References analyzer does not check references to '),
        ),
      ).toBe(true);
      // the seeded Deployment whose ConfigMap does not exist
      const texts = out.results.flatMap(
        (r: { error: Array<{ Text: string }> }) => r.error.map(e => e.Text),
      );
      expect(texts).toContain(
        'ConfigMap notifier-config does not exist in namespace shop (referenced by envFrom of container notifier)',
      );
      expect(texts.some((t: string) => t.startsWith('Secret '))).toBe(false);
    });
  },
);

const REAL_NODE_KUBECONFIG = process.env.PERISCOPE_REAL_NODE_KUBECONFIG;

describeIf({ realNode: REAL_NODE_KUBECONFIG })(
  'periscope diagnose --kubeconfig on the real node (kubelet, containerd, runc)',
  () => {
    /** Failures a real kubelet writes (scripts/seed/real-node), as the CLI reports them: kind, name, text. */
    const EXPECTED: Array<[string, RegExp, RegExp]> = [
      [
        'Pod',
        /^real-node\/rn-image-pull-/,
        /busybox:1\.36-does-not-exist: not found/,
      ],
      [
        'Pod',
        /^real-node\/rn-bad-command-/,
        /termination reason is Error (exitCode=127 )?container=app/,
      ],
      [
        'Pod',
        /^real-node\/rn-oom-/,
        /termination reason is OOMKilled (exitCode=137 )?container=app/,
      ],
      [
        'Pod',
        /^real-node\/rn-missing-configmap-/,
        /^configmap "rn-missing-config" not found$/,
      ],
      [
        'Pod',
        /^real-node\/rn-missing-secret-key-/,
        /^couldn't find key password in Secret real-node\/rn-db$/,
      ],
      [
        'Pod',
        /^real-node\/rn-readiness-/,
        /^Readiness probe failed: HTTP probe failed with statuscode: 404$/,
      ],
      ['Pod', /^real-node\/rn-init-fails-/, /container=migrate/],
      ['Job', /^real-node\/rn-job-fails$/, /backoff limit/],
      // JobFailures (default set): the last failed pod's exit code; no log line, the default run reads no logs
      [
        'Job',
        /^real-node\/rn-job-fails$/,
        /reached its backoff limit: container report of its last failed pod rn-job-fails-[a-z0-9]+ exited with code 3 \(Error\)/,
      ],
    ];

    it("reports each failure class with the kubelet's own reason and text", async () => {
      type Result = {
        kind: string;
        name: string;
        error: Array<{ Text: string }>;
      };
      const unseen = (results: Result[]) =>
        EXPECTED.filter(
          ([kind, name, text]) =>
            !results.some(
              r =>
                r.kind === kind &&
                name.test(r.name) &&
                r.error.some(e => text.test(e.Text)),
            ),
        ).map(([kind, name, text]) => `${kind} ${name} ${text}`);
      // a real kubelet alternates states (ErrImagePull / ImagePullBackOff, a restarting container): run
      // the CLI until every failure shows in one report, as a pipeline that retries would
      const deadline = Date.now() + 90_000;
      let last: { code: number; stderr: string; missing: string[] };
      for (;;) {
        const { code, stdout, stderr } = await run({
          kubeconfig: REAL_NODE_KUBECONFIG!,
          namespace: 'real-node',
          output: 'json',
        });
        const results: Result[] =
          code === 0 ? JSON.parse(stdout).results ?? [] : [];
        last = { code, stderr, missing: unseen(results) };
        if (last.missing.length === 0 || Date.now() > deadline) break;
        await new Promise(r => setTimeout(r, 3_000));
      }
      expect(last).toEqual({ code: 0, stderr: '', missing: [] });
    }, 120_000);
  },
);
