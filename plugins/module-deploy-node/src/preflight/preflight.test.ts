import { KubeObject } from '@periscope/backstage-plugin-module-deploy-common';
import {
  PreflightInput,
  PreflightLiveObjects,
  parsePreflightChecks,
  preflightKinds,
  preflightWarnings,
} from './preflight';

const NS = 'shop';

const configMap = (name: string, data: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: NS },
  data,
});

const node = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/os': 'linux', ...labels } },
  status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } },
});

/** A Deployment whose pod spec is `spec` (one container `app` added). */
function deployment(
  name: string,
  spec: Record<string, unknown> = {},
  container: Record<string, unknown> = {},
  labels: Record<string, string> = {},
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'app', image: 'nginx', ...container }],
          ...spec,
        },
      },
    },
  } as KubeObject;
}

const envFrom = (cm: string, optional?: boolean) => ({
  envFrom: [{ configMapRef: { name: cm, ...(optional ? { optional } : {}) } }],
});
const envKey = (cm: string, key: string) => ({
  env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: cm, key } } }],
});

const LISTED = [
  'ConfigMap',
  'Secret',
  'ServiceAccount',
  'PersistentVolumeClaim',
  'Node',
  'PriorityClass',
  'RuntimeClass',
];

function live(
  objects: object[],
  extra: Partial<PreflightLiveObjects> = {},
): PreflightLiveObjects {
  return {
    objects: objects as KubeObject[],
    listed: LISTED,
    unavailable: {},
    ...extra,
  };
}

const run = (
  input: Partial<PreflightInput> & Pick<PreflightInput, 'rendered'>,
) =>
  preflightWarnings({
    namespace: NS,
    instanceName: 'web',
    live: live([node('n1')]),
    ...input,
  });

describe('preflightWarnings', () => {
  it.each<
    [
      string,
      Partial<PreflightInput> & Pick<PreflightInput, 'rendered'>,
      Array<string | RegExp>,
    ]
  >([
    [
      'a missing ConfigMap (envFrom)',
      { rendered: [deployment('web', {}, envFrom('app-config'))] },
      [
        /^References Deployment\/shop\/web: ConfigMap app-config does not exist in namespace shop \(referenced by envFrom of container app\)$/,
      ],
    ],
    [
      'a ConfigMap present in the namespace',
      {
        rendered: [deployment('web', {}, envFrom('app-config'))],
        live: live([node('n1'), configMap('app-config')]),
      },
      [],
    ],
    [
      'a ConfigMap rendered with the instance',
      {
        rendered: [
          configMap('app-config'),
          deployment('web', {}, envFrom('app-config')),
        ],
      },
      [],
    ],
    [
      'an optional reference to a missing ConfigMap',
      { rendered: [deployment('web', {}, envFrom('app-config', true))] },
      [],
    ],
    [
      'a key missing from an existing ConfigMap',
      {
        rendered: [deployment('web', {}, envKey('app-config', 'url'))],
        live: live([node('n1'), configMap('app-config', { host: 'db' })]),
      },
      [
        /^References Deployment\/shop\/web: ConfigMap app-config in namespace shop has no key url /,
      ],
    ],
    [
      'a key the rendered ConfigMap drops while the live one still has it',
      {
        rendered: [
          configMap('app-config', { host: 'db' }),
          deployment('web', {}, envKey('app-config', 'url')),
        ],
        live: live([node('n1'), configMap('app-config', { url: 'x' })]),
      },
      [/ConfigMap app-config in namespace shop has no key url/],
    ],
    [
      'a nodeSelector no node matches',
      { rendered: [deployment('web', { nodeSelector: { disk: 'ssd' } })] },
      [
        /^Scheduling Deployment\/shop\/web: no node matches nodeSelector disk=ssd: its pods stay Pending \(1 node checked\)$/,
      ],
    ],
    [
      'a nodeSelector a node matches',
      {
        rendered: [deployment('web', { nodeSelector: { disk: 'ssd' } })],
        live: live([node('n1', { disk: 'ssd' })]),
      },
      [],
    ],
    [
      'a pre-existing problem of another object in the namespace',
      {
        rendered: [deployment('web')],
        live: live([node('n1'), deployment('legacy', {}, envFrom('gone'))]),
      },
      [],
    ],
    [
      'a live ConfigMap of the instance that the deploy prunes',
      {
        rendered: [deployment('web', {}, envFrom('old-config'))],
        live: live([
          node('n1'),
          {
            ...configMap('old-config'),
            metadata: {
              name: 'old-config',
              namespace: NS,
              labels: {
                'instance.timoni.sh/name': 'web',
                'instance.timoni.sh/namespace': NS,
              },
            },
          },
        ]),
      },
      [/ConfigMap old-config does not exist in namespace shop/],
    ],
    [
      'a live object the change breaks (its ConfigMap loses a key)',
      {
        rendered: [configMap('shared', {})],
        live: live([
          node('n1'),
          configMap('shared', { url: 'x' }),
          deployment('other', {}, envKey('shared', 'url')),
        ]),
      },
      [
        /^References Deployment\/shop\/other: ConfigMap shared in namespace shop has no key url/,
      ],
    ],
    [
      'ConfigMaps that could not be listed',
      {
        rendered: [deployment('web', {}, envFrom('app-config'))],
        live: live([node('n1')], {
          listed: LISTED.filter(k => k !== 'ConfigMap'),
          unavailable: { ConfigMap: 'listing it is forbidden' },
        }),
      },
      [],
    ],
    [
      'ConfigMaps that could not be listed, one rendered',
      {
        rendered: [
          configMap('mine'),
          deployment('web', {}, envFrom('app-config')),
        ],
        live: live([node('n1')], {
          listed: LISTED.filter(k => k !== 'ConfigMap'),
        }),
      },
      [],
    ],
    [
      'no node could be read',
      {
        rendered: [deployment('web', { nodeSelector: { disk: 'ssd' } })],
        live: live([]),
      },
      [],
    ],
  ])('%s', (_label, input, expected) => {
    const { warnings } = run(input);
    const lines = warnings.map(w => `${w.analyzer} ${w.object}: ${w.message}`);
    expect(lines).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(lines[i]).toMatch(e));
    expect(warnings.every(w => !w.blocking)).toBe(true);
  });

  it('marks the warnings of blocking checks, and only those', () => {
    const { warnings } = run({
      rendered: [
        deployment(
          'web',
          { nodeSelector: { disk: 'ssd' } },
          envFrom('app-config'),
        ),
      ],
      block: ['References'],
    });
    expect(warnings.map(w => [w.analyzer, w.blocking, w.severity])).toEqual([
      ['References', true, 'high'],
      ['Scheduling', false, 'high'],
    ]);
  });

  it('says which kinds could not be checked', () => {
    const { notChecked } = run({
      rendered: [deployment('web')],
      live: live([], {
        unavailable: { Node: 'listing it is forbidden for these credentials' },
      }),
    });
    expect(notChecked).toEqual([
      'references to Node not checked: listing it is forbidden for these credentials',
    ]);
  });
});

describe('parsePreflightChecks', () => {
  it('resolves names case-insensitively', () => {
    expect(parsePreflightChecks(['references', 'Scheduling'], 'k')).toEqual([
      'References',
      'Scheduling',
    ]);
  });
  it('names the key, the bad value and the checks there are', () => {
    expect(() =>
      parsePreflightChecks(['Pod'], 'moduleDeploy.preflight.block'),
    ).toThrow(
      "moduleDeploy.preflight.block has 'Pod', which is not a preflight check: use one or more of References, Scheduling, AutoscalerRequests",
    );
  });
});

describe('preflightKinds', () => {
  it('lists nothing for objects without pod templates, claims or autoscalers', () => {
    expect(preflightKinds([configMap('a') as KubeObject])).toEqual([]);
  });
  it('lists the referenced kinds for a pod template, namespaced ones in the namespace', () => {
    expect(
      preflightKinds([deployment('web')]).map(k => `${k.kind}:${k.namespaced}`),
    ).toEqual([
      'ConfigMap:true',
      'Secret:true',
      'ServiceAccount:true',
      'Node:false',
      'PriorityClass:false',
      'RuntimeClass:false',
      'PersistentVolumeClaim:true',
    ]);
  });
});
