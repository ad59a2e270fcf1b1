import { promises as fs } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeValues } from '@periscope/backstage-plugin-module-deploy-common';
import { cueExportJson, CueEvaluationError, runProcess } from './runner';
import { findTool } from '../tools';
import { renderModule } from './render';
import { valuesSchema } from './schema';
import { loadValuesFile } from './valuesFiles';
import {
  TIMONI_CORPUS,
  cueForTests,
  timoniCorpus,
} from '../__testUtils__/environment';
import { describeIf } from '@periscope/test-utils';

const cue = cueForTests();
const d = describeIf({ cue, corpora: TIMONI_CORPUS });

d('renderModule with the real cue binary', () => {
  const cueBin = cue as string;
  const testdata = (...p: string[]) =>
    timoniCorpus('modules', 'engine-testdata', ...p);

  it('equals the engine-testdata golden (Timoni TestModuleBuilder inputs)', async () => {
    const res = await renderModule({
      cueBin,
      moduleDir: testdata('module'),
      name: 'test-name',
      namespace: 'test-namespace',
      valuesFiles: [testdata('module-values', 'overlay.cue')],
      kubeVersion: '1.25.3',
    });
    const golden = await cueExportJson(
      cueBin,
      ['overlay.cue', '-e', 'objects'],
      testdata('module-golden'),
      'golden',
    );
    expect(res.objects).toEqual(golden);
    expect(res.sets.map(s => s.name)).toEqual(['all']);
    expect(res.module).toEqual({
      name: 'timoni.sh/test',
      repository: `file://${testdata('module')}`,
      version: '0.0.0-devel',
      digest: '',
    });
  });

  it('merges values like Timoni: equals the values golden', async () => {
    const base = await loadValuesFile(cueBin, testdata('values', 'base.cue'));
    const o1 = await loadValuesFile(
      cueBin,
      testdata('values', 'overlay-1.cue'),
    );
    const o2 = await loadValuesFile(
      cueBin,
      testdata('values', 'overlay-2.cue'),
    );
    const golden = await loadValuesFile(
      cueBin,
      testdata('values', 'golden.cue'),
    );
    expect(mergeValues(base, [o1, o2])).toEqual(golden);
  });

  it('rejects the invalid overlay with the field path and CUE message, rendering nothing', async () => {
    const err = await renderModule({
      cueBin,
      moduleDir: testdata('module'),
      name: 'test-name',
      namespace: 'test-namespace',
      valuesFiles: [testdata('module-values', 'overlay-invalid.cue')],
    }).catch(e => e);
    expect(err).toBeInstanceOf(CueEvaluationError);
    const issue = (err as CueEvaluationError).issues.find(
      i => i.valuesPath === 'list',
    );
    expect(issue?.message).toMatch(/field not allowed/);
  });

  it('renders minimal with its defaults into the app set, and the test set when enabled', async () => {
    const base = await renderModule({
      cueBin,
      moduleDir: timoniCorpus('modules', 'minimal'),
      name: 'web',
      namespace: 'apps',
    });
    expect(base.sets.map(s => s.name)).toEqual(['app']);
    expect(
      base.objects.map(
        o => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`,
      ),
    ).toEqual([
      'ServiceAccount/apps/web',
      'Service/apps/web',
      expect.stringMatching(/^ConfigMap\/apps\/web-[0-9a-f]+$/),
      'Deployment/apps/web',
    ]);
    expect(base.images).toEqual([
      expect.stringMatching(/\/curl:8\.21\.0@sha256:7c12af72/),
      expect.stringMatching(/\/nginx:1\.31\.4-alpine@sha256:db35bfc6/),
    ]);
    const dir = await mkdtemp(join(tmpdir(), 'values-'));
    const f = join(dir, 'v.yaml');
    await fs.writeFile(
      f,
      'values:\n  replicas: 3\n  test:\n    enabled: true\n',
    );
    const withTest = await renderModule({
      cueBin,
      moduleDir: timoniCorpus('modules', 'minimal'),
      name: 'web',
      namespace: 'apps',
      valuesFiles: [f],
      moduleVersion: '1.2.3',
    });
    expect(withTest.sets.map(s => s.name)).toEqual(['app', 'test']);
    const deploy = withTest.objects.find(
      o => o.kind === 'Deployment',
    ) as unknown as { spec: { replicas: number } };
    expect(deploy.spec.replicas).toBe(3);
    expect(
      withTest.objects[0].metadata.labels?.['app.kubernetes.io/version'],
    ).toBe('1.2.3');
    expect(withTest.values.message).toBe('Hello World');
  });

  it('reports invalid values by path and CUE message', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'values-'));
    const f = join(dir, 'bad.json');
    await fs.writeFile(f, JSON.stringify({ values: { replicas: 0 } }));
    const err = await renderModule({
      cueBin,
      moduleDir: timoniCorpus('modules', 'minimal'),
      name: 'web',
      namespace: 'apps',
      valuesFiles: [f],
    }).catch(e => e);
    expect(err).toBeInstanceOf(CueEvaluationError);
    const issue = (err as CueEvaluationError).issues.find(
      i => i.valuesPath === 'replicas',
    );
    expect(issue?.message).toMatch(/invalid value 0 \(out of bound >0\)/);
    expect((err as Error).message).toMatch(/values\.replicas/);
  });

  it.each([
    [
      'a missing module directory',
      { moduleDir: '/nonexistent/module' },
      /does not exist/,
    ],
    [
      'a directory that is not a module',
      { moduleDir: tmpdir() },
      /not a Timoni module/,
    ],
    [
      'a missing values file',
      { valuesFiles: ['/nonexistent/values.cue'] },
      /cannot read values file/,
    ],
    ['an invalid instance name', { name: 'Bad_Name' }, /invalid instance name/],
  ])('fails clearly on %s', async (_label, override, re) => {
    await expect(
      renderModule({
        cueBin,
        moduleDir: timoniCorpus('modules', 'minimal'),
        name: 'web',
        namespace: 'apps',
        ...override,
      }),
    ).rejects.toThrow(re);
  });
});

d('valuesSchema', () => {
  it('derives the minimal module schema: types, defaults, required fields', async () => {
    const schema = await valuesSchema({
      cueBin: cue as string,
      moduleDir: timoniCorpus('modules', 'minimal'),
    });
    expect(schema.title).toBe('timoni.sh/minimal');
    expect(schema.required).toEqual(['message']);
    expect(schema.properties?.replicas).toMatchObject({
      type: 'integer',
      default: 1,
    });
    expect(schema.properties?.message).toMatchObject({
      type: 'string',
      default: 'Hello World',
    });
    expect(schema.properties?.test?.properties?.enabled).toMatchObject({
      type: 'boolean',
      default: false,
    });
    expect(schema.properties?.kubeVersion?.readOnly).toBe(true);
    expect(schema.properties?.metadata?.properties?.name?.readOnly).toBe(true);
    // doc comments of #Config, printed by `cue def`
    expect(schema.properties?.replicas?.description).toBe(
      'The number of pods replicas. By default, the number of replicas is 1.',
    );
    expect(schema.properties?.service?.description).toMatch(
      /^The service allows setting the Kubernetes Service annotations and port/,
    );
    // and of the imported definitions #Config uses (timoni's #Image), by `cue def --inline-imports`
    expect(schema.properties?.image?.properties?.pullPolicy).toMatchObject({
      default: 'IfNotPresent',
      enum: ['IfNotPresent', 'Always', 'Never'],
      description:
        'PullPolicy defines the pull policy for the image. By default, it is set to IfNotPresent.',
    });
    expect(
      schema.properties?.test?.properties?.image?.properties?.tag?.description,
    ).toMatch(/^Tag identifies an image in the repository/);
  });
});

const timoniBin = findTool('timoni');
describeIf({ timoni: timoniBin, cue, corpora: TIMONI_CORPUS })(
  'render equals `timoni build` for minimal',
  () => {
    it('renders the same objects as the timoni binary, with and without values', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'values-'));
      const f = join(dir, 'v.cue');
      await fs.writeFile(
        f,
        'values: {replicas: 2, message: "cmp", test: enabled: true}\n',
      );
      for (const valuesFiles of [[], [f]]) {
        const ours = await renderModule({
          cueBin: cue as string,
          moduleDir: timoniCorpus('modules', 'minimal'),
          name: 'web',
          namespace: 'apps',
          valuesFiles,
          kubeVersion: '1.31.0',
        });
        const args = [
          'build',
          'web',
          timoniCorpus('modules', 'minimal'),
          '-n',
          'apps',
          '-o',
          'json',
          ...valuesFiles.flatMap(v => ['-f', v]),
        ];
        const res = await runProcess(timoniBin as string, args, {
          env: { ...process.env, TIMONI_KUBE_VERSION: '1.31.0' },
        });
        expect(res.code).toBe(0);
        expect(ours.objects).toEqual(JSON.parse(res.stdout).items);
      }
    });
  },
);
