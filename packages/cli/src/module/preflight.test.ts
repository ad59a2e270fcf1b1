/**
 * `periscope module diff|apply` and the warnings before a deploy: a stand-in engine renders, its
 * preflight is the real pure one over a fixed live namespace (the live reads are tested in
 * module-deploy-node against the local control plane).
 */
import { KubeConfig } from '@kubernetes/client-node';
import {
  JsonObject,
  KubeObject,
} from '@periscope/backstage-plugin-module-deploy-common';
import {
  ModuleEngine,
  RenderResult,
  preflightWarnings,
} from '@periscope/backstage-plugin-module-deploy-node';
import { runModuleCli } from '../__testUtils__/moduleCli';

function engine(configMap: string) {
  const calls: string[] = [];
  const objects = [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'web', envFrom: [{ configMapRef: { name: configMap } }] },
            ],
          },
        },
      },
    },
  ] as KubeObject[];
  const render = {
    name: 'web',
    namespace: 'shop',
    objects,
    sets: [{ name: 'app', objects }],
    values: {} as JsonObject,
  } as RenderResult;
  const e: Partial<ModuleEngine> = {
    async diff() {
      calls.push('diff');
      return {
        render,
        diff: [
          {
            id: 'shop_web_apps_Deployment',
            ref: 'Deployment/shop/web',
            apiVersion: 'apps/v1',
            action: 'create',
            changes: [],
          },
        ],
      };
    },
    async apply(_spec, _kc, opts) {
      calls.push('render');
      await opts?.beforeApply?.(render);
      calls.push('apply');
      return {
        render,
        result: {
          applied: ['Deployment/shop/web'],
          pruned: [],
          inventory: [],
          revision: 1,
        },
      };
    },
    async preflight(r) {
      calls.push('preflight');
      return preflightWarnings({
        rendered: r.objects,
        namespace: r.namespace,
        instanceName: r.name,
        live: {
          objects: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: 'present', namespace: 'shop' },
            },
          ],
          listed: ['ConfigMap'],
          unavailable: {
            Node: 'listing it is forbidden for these credentials',
          },
        },
      });
    },
  };
  return { engine: e as ModuleEngine, calls };
}

const cli = (args: string[], configMap: string) => {
  const e = engine(configMap);
  const run = runModuleCli([...args, 'mod', '--name', 'web', '-n', 'shop'], {
    engine: e.engine,
    kubeConfig: () => new KubeConfig(),
  });
  return { run, calls: e.calls };
};

const WARNING =
  'warning: References Deployment/shop/web: ConfigMap app-config does not exist in namespace shop (referenced by envFrom of container web)\n';
const NOTE =
  'note: preflight: references to Node not checked: listing it is forbidden for these credentials\n';

describe('periscope module diff: warnings before a deploy', () => {
  it('prints the diff, then the warnings and what was not checked on stderr', async () => {
    const { run } = cli(['diff'], 'app-config');
    const { out, err } = await run;
    expect(out).toBe(
      '+ Deployment/shop/web created\n1 to create, 0 to change, 0 unchanged, 0 to prune\n',
    );
    expect(err).toBe(WARNING + NOTE);
  });

  it('prints no warning when the reference exists', async () => {
    const { err } = await cli(['diff'], 'present').run;
    expect(err).toBe(NOTE);
  });

  it('--fail-on-warnings fails after printing the diff and the warnings', async () => {
    let err = '';
    let out = '';
    const e = engine('app-config');
    await expect(
      runModuleCli(
        ['diff', 'mod', '--name', 'web', '-n', 'shop', '--fail-on-warnings'],
        {
          engine: e.engine,
          kubeConfig: () => new KubeConfig(),
          out: s => void (out += s),
          err: s => void (err += s),
        },
      ),
    ).rejects.toThrow(
      'module diff failed: 1 preflight warning and --fail-on-warnings; fix the values or create what is missing (or drop --fail-on-warnings)',
    );
    expect(out).toContain('Deployment/shop/web created');
    expect(err).toContain(WARNING);
  });

  it('--fail-on-warnings passes when nothing warns', async () => {
    const { err } = await cli(['diff', '--fail-on-warnings'], 'present').run;
    expect(err).not.toContain('warning:');
  });

  it('--no-preflight reads nothing and prints no warning', async () => {
    const { run, calls } = cli(
      ['diff', '--no-preflight', '--fail-on-warnings'],
      'app-config',
    );
    expect((await run).err).toBe('');
    expect(calls).toEqual(['diff']);
  });
});

describe('periscope module apply: warnings before a deploy', () => {
  it('warns and applies without --fail-on-warnings', async () => {
    const { run, calls } = cli(['apply'], 'app-config');
    const { out, err } = await run;
    expect(err).toContain(WARNING);
    expect(out).toBe('applied revision 1: 1 objects applied, 0 pruned\n');
    expect(calls).toEqual(['render', 'preflight', 'apply']);
  });

  it('--fail-on-warnings refuses before anything is applied', async () => {
    const { run, calls } = cli(['apply', '--fail-on-warnings'], 'app-config');
    await expect(run).rejects.toThrow(
      'module apply refused, nothing was applied: 1 preflight warning and --fail-on-warnings',
    );
    expect(calls).toEqual(['render', 'preflight']);
  });
});
