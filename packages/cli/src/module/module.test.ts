import { promises as fs } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  RawObjectApi,
  findTool,
} from '@periscope/backstage-plugin-module-deploy-node';
import { diffObjects } from '@periscope/backstage-plugin-module-deploy-common';
import { loadKubeConfig } from '../commands/module';
import { formatDiff, parseOutputFormat } from './format';
import {
  ENGINE_FIXTURES,
  describeWith,
  runModuleCli,
} from '../__testUtils__/moduleCli';
import { describeIf } from '@periscope/test-utils';

const CORPORA =
  process.env.PERISCOPE_CORPORA ??
  resolve(__dirname, '../../../../../shared/corpora');
const MINIMAL = join(CORPORA, 'timoni/modules/minimal');
const cue = findTool('cue');
const d = describeIf({ cue });

const run = (args: string[]) => runModuleCli(args);

d('periscope module (real cue)', () => {
  it('render prints a YAML stream of the objects', async () => {
    const { out } = await run([
      'render',
      MINIMAL,
      '--name',
      'web',
      '-n',
      'apps',
      '--module-version',
      '2.0.0',
    ]);
    const docs = parseAllDocuments(out).map(doc => doc.toJS());
    expect(docs.map(x => x.kind)).toEqual([
      'ServiceAccount',
      'Service',
      'ConfigMap',
      'Deployment',
    ]);
    expect(docs[3].metadata.labels['app.kubernetes.io/version']).toBe('2.0.0');
  });

  it('render --output json prints an array, with values files merged in order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-'));
    await fs.writeFile(
      join(dir, 'a.yaml'),
      'values:\n  replicas: 2\n  message: from-yaml\n',
    );
    await fs.writeFile(join(dir, 'b.cue'), 'values: replicas: 4\n');
    const { out } = await run([
      'render',
      MINIMAL,
      '--name',
      'web',
      '-n',
      'apps',
      '-f',
      join(dir, 'a.yaml'),
      '-f',
      join(dir, 'b.cue'),
      '-o',
      'json',
    ]);
    const objs = JSON.parse(out);
    expect(Array.isArray(objs)).toBe(true);
    expect(
      objs.find((o: { kind: string }) => o.kind === 'Deployment').spec.replicas,
    ).toBe(4);
    expect(
      JSON.stringify(
        objs.find((o: { kind: string }) => o.kind === 'ConfigMap'),
      ),
    ).toContain('from-yaml');
  });

  it('vet prints a summary', async () => {
    const { out } = await run(['vet', MINIMAL, '--name', 'web', '-n', 'apps']);
    expect(out).toMatch(
      /module timoni.sh\/minimal is valid: 4 objects in app \(4\)/,
    );
  });

  it.each([
    [
      'a missing module dir',
      ['render', '/nonexistent/mod', '--name', 'web', '-n', 'apps'],
      /does not exist/,
    ],
    [
      'a missing values file',
      [
        'render',
        MINIMAL,
        '--name',
        'web',
        '-n',
        'apps',
        '-f',
        '/nonexistent.yaml',
      ],
      /cannot read values file/,
    ],
  ])('fails clearly on %s', async (_l, args, re) => {
    await expect(run(args)).rejects.toThrow(re);
  });

  it('fails clearly on a bad values file and on invalid values', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-'));
    await fs.writeFile(join(dir, 'broken.yaml'), 'values: [unclosed\n');
    await expect(
      run([
        'render',
        MINIMAL,
        '--name',
        'web',
        '-n',
        'apps',
        '-f',
        join(dir, 'broken.yaml'),
      ]),
    ).rejects.toThrow(/not valid YAML/);
    await fs.writeFile(join(dir, 'nowrap.yaml'), 'replicas: 2\n');
    await expect(
      run([
        'render',
        MINIMAL,
        '--name',
        'web',
        '-n',
        'apps',
        '-f',
        join(dir, 'nowrap.yaml'),
      ]),
    ).rejects.toThrow(/no top-level 'values' field/);
    await fs.writeFile(join(dir, 'invalid.cue'), 'values: replicas: -1\n');
    await expect(
      run([
        'vet',
        MINIMAL,
        '--name',
        'web',
        '-n',
        'apps',
        '-f',
        join(dir, 'invalid.cue'),
      ]),
    ).rejects.toThrow(/values\.replicas: invalid value -1 \(out of bound >0\)/);
  });
});

describe('periscope module (no cluster, no cue needed)', () => {
  it('requires --name and --namespace', async () => {
    await expect(run(['render', MINIMAL, '-n', 'apps'])).rejects.toThrow(
      /required option '--name <name>'/,
    );
  });

  it('rejects an unknown output format', () => {
    expect(() => parseOutputFormat('xml')).toThrow(
      /--output must be yaml or json/,
    );
  });

  it('fails clearly on a kubeconfig that does not exist', async () => {
    await expect(
      run([
        'status',
        '--name',
        'web',
        '-n',
        'apps',
        '--kubeconfig',
        '/nonexistent/kubeconfig',
      ]),
    ).rejects.toThrow(/cannot load kubeconfig \/nonexistent\/kubeconfig/);
  });

  it('formats diffs per object and field', () => {
    const text = formatDiff([
      {
        id: 'apps_web_apps_Deployment',
        ref: 'Deployment/apps/web',
        apiVersion: 'apps/v1',
        action: 'change',
        changes: [{ path: 'spec.replicas', op: 'change', before: 1, after: 3 }],
      },
      {
        id: 'apps_old__ConfigMap',
        ref: 'ConfigMap/apps/old',
        apiVersion: 'v1',
        action: 'prune',
        changes: [],
      },
    ]);
    expect(text).toBe(
      '~ Deployment/apps/web changed\n    ~ spec.replicas: 1 -> 3\n- ConfigMap/apps/old to be pruned\n0 to create, 1 to change, 0 unchanged, 1 to prune\n',
    );
  });

  it('prints one line for an env var inserted in the middle, named by key', () => {
    const dep = (env: Array<{ name: string; value: string }>) => ({
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { template: { spec: { containers: [{ name: 'app', env }] } } },
    });
    const env = [
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ];
    const changes = diffObjects(
      dep(env),
      dep([env[0], { name: 'LOG_LEVEL', value: 'debug' }, env[1]]),
    );
    const text = formatDiff([
      {
        id: 'apps_web_apps_Deployment',
        ref: 'Deployment/apps/web',
        apiVersion: 'apps/v1',
        action: 'change',
        changes,
      },
    ]);
    expect(text).toBe(
      '~ Deployment/apps/web changed\n    + spec.template.spec.containers[name=app].env[name=LOG_LEVEL]: {"name":"LOG_LEVEL","value":"debug"}\n0 to create, 1 to change, 0 unchanged, 0 to prune\n',
    );
  });
});

const SECRET_MODULE = join(ENGINE_FIXTURES, 'secret-module');
const kubeconfig = process.env.PERISCOPE_KUBECONFIG;
const dc = describeWith(true);

d('periscope module render --mask-secrets', () => {
  it('masks Secret data and stringData only when asked', async () => {
    const args = ['render', SECRET_MODULE, '--name', 'app', '-n', 'apps'];
    expect((await run(args)).out).toContain('password: s3cr3t');
    const { out } = await run([...args, '--mask-secrets', '-o', 'json']);
    const [cm, secret] = JSON.parse(out);
    expect(cm.data).toEqual({ message: 'hello', secretName: 'app' });
    expect(secret.stringData).toEqual({ password: '***' });
    expect(secret.data).toEqual({ token: '***' });
  });
});

dc('periscope module diff against the local control plane', () => {
  const ns = `periscope-h5-diff-${Date.now().toString(36)}`;
  const common = [
    '--name',
    'app',
    '-n',
    ns,
    '--kubeconfig',
    kubeconfig as string,
  ];
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'periscope-h5-diff-'));
    await run(['apply', SECRET_MODULE, ...common, '--timeout', '60s']);
  });
  afterAll(async () => {
    await run(['delete', ...common]).catch(() => undefined);
    await RawObjectApi.fromKubeConfig(loadKubeConfig(kubeconfig))
      .delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
      .catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('masks the Secret values it would change, as timoni --diff does', async () => {
    const values = join(dir, 'values.yaml');
    await fs.writeFile(values, 'values:\n  password: ch4ng3d\n');
    for (const format of [[], ['-o', 'json']]) {
      const { out } = await run([
        'diff',
        SECRET_MODULE,
        ...common,
        '-f',
        values,
        ...format,
      ]);
      expect(out).toContain(`Secret/${ns}/app`);
      expect(out).toContain('***');
      for (const plain of ['s3cr3t', 'ch4ng3d'])
        for (const shown of [plain, Buffer.from(plain).toString('base64')])
          expect(out).not.toContain(shown);
    }
  });
});
