import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { RawObjectApi } from '@periscope/backstage-plugin-module-deploy-node';
import { loadKubeConfig } from '../commands/module';
import {
  ENGINE_FIXTURES,
  describeWith,
  runModuleCli,
} from '../__testUtils__/moduleCli';

jest.setTimeout(300_000);

const FIXTURES = join(ENGINE_FIXTURES, 'bundles');
const APP = join(FIXTURES, 'app.cue');
const d = describeWith();
const kubeconfig = process.env.PERISCOPE_KUBECONFIG;
const dc = describeWith(true);

function run(
  args: string[],
  env: Record<string, string> = {},
  stdin?: string,
): Promise<{ out: string; err: string }> {
  return runModuleCli(['bundle', ...args], {
    stdin: async () => stdin ?? '',
    env,
  });
}

d('periscope module bundle (real cue)', () => {
  const env = { DB_PASSWORD: 'pw', TARGET_NAMESPACE: 'apps' };

  it('vet validates the bundle and lists its instances', async () => {
    const { out, err } = await run(
      ['vet', '-f', APP, '--runtime-from-env'],
      env,
    );
    expect(out).toBe(
      [
        'bundle app is valid: 2 instance(s)',
        '  frontend: file://../config-module@1.2.3 in namespace apps',
        '  backend: file://../config-module@latest in namespace apps',
        '',
      ].join('\n'),
    );
    expect(err).toBe(
      'note: runtime value REGION not provided; its field keeps the default written in the bundle\n',
    );
  });

  it('build prints the objects of every instance', async () => {
    const { out } = await run(
      [
        'build',
        '-f',
        APP,
        '-f',
        join(FIXTURES, 'app_overrides.yaml'),
        '--runtime-from-env',
      ],
      env,
    );
    const docs = parseAllDocuments(out).map(x => x.toJS());
    expect(docs.map(o => [o.metadata.name, o.data])).toEqual([
      ['frontend', { message: 'frontend', region: 'us-2' }],
      [
        'backend',
        {
          message: 'backend',
          region: 'eu-1',
          dsn: 'postgres://app:pw@db.eu-1:5432/app',
        },
      ],
    ]);
  });

  it('reads a bundle file from stdin with -f -', async () => {
    const text = await fs.readFile(APP, 'utf8');
    const { out } = await run(
      ['vet', '-f', '-', '--runtime-from-env', '-o', 'json'],
      env,
      text.replace(/file:\/\/\.\.\/config-module/g, 'oci://registry.test/m'),
    );
    expect(
      JSON.parse(out).instances.map((i: { source: string }) => i.source),
    ).toEqual(['oci://registry.test/m', 'oci://registry.test/m']);
  });

  it('fails without -f', async () => {
    await expect(run(['vet'])).rejects.toThrow(
      'no bundle provided: pass bundle files with -f FILE',
    );
  });

  it('names the runtime values that are missing', async () => {
    await expect(run(['vet', '-f', APP])).rejects.toThrow(
      'runtime values not provided: DB_PASSWORD, TARGET_NAMESPACE',
    );
  });

  it('delete needs a name or a bundle file', async () => {
    await expect(run(['delete'])).rejects.toThrow(
      'bundle name is required: pass it, or the bundle file with -f',
    );
  });
});

dc('periscope module bundle against the local control plane', () => {
  const id = Date.now().toString(36);
  const ns = `periscope-h3-cli-${id}`;
  const password = `cli-${id}-pw`;
  let raw: RawObjectApi;
  let runtimeFile: string;
  let dir: string;
  const base = () => [
    '-f',
    APP,
    '--runtime',
    runtimeFile,
    '--runtime-from-env',
    '--kubeconfig',
    kubeconfig as string,
  ];
  const env = { TARGET_NAMESPACE: ns };

  beforeAll(async () => {
    raw = RawObjectApi.fromKubeConfig(loadKubeConfig(kubeconfig));
    dir = await fs.mkdtemp(join(tmpdir(), 'periscope-h3-cli-'));
    runtimeFile = join(dir, 'runtime.cue');
    await fs.writeFile(
      runtimeFile,
      (await fs.readFile(join(FIXTURES, 'runtime.cue'), 'utf8'))
        .split('NAMESPACE')
        .join(ns),
    );
    await raw.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns },
    });
    for (const o of [
      {
        kind: 'Secret',
        metadata: { name: 'db-auth', namespace: ns },
        stringData: { password },
      },
      {
        kind: 'ConfigMap',
        metadata: { name: 'app-info', namespace: ns },
        data: { region: 'r1' },
      },
    ])
      await raw.create({ apiVersion: 'v1', ...o } as never);
  });
  afterAll(async () => {
    await raw
      .delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
      .catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('apply --diff shows the changes with the Secret value masked', async () => {
    const { out } = await run(['apply', '--diff', ...base()], env);
    expect(out).toContain('instance backend (namespace');
    expect(out).toContain(`+ ConfigMap/${ns}/backend created`);
    const build = await run(['build', ...base()], env);
    expect(build.out).toContain('dsn: postgres://app:***@db.r1:5432/app');
    expect(out + build.out + build.err).not.toContain(password);
  });

  it('apply applies every instance, delete -f removes them', async () => {
    const { out, err } = await run(
      ['apply', ...base(), '--timeout', '60s'],
      env,
    );
    expect(out).toContain('bundle app applied: 2 instance(s)');
    expect(out + err).not.toContain(password);
    const cm = (await raw.read({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'backend', namespace: ns },
    })) as unknown as { data: Record<string, string> };
    expect(cm.data.dsn).toBe(`postgres://app:${password}@db.r1:5432/app`);

    const del = await run(
      ['delete', '-f', APP, '--kubeconfig', kubeconfig as string],
      env,
    );
    expect(del.out).toContain('bundle app deleted: 2 instance(s)');
  });
});
