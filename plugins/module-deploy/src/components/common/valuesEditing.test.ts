import type { ValuesJsonSchema } from '@periscope/backstage-plugin-module-deploy-common';
import { lineDiff, toYaml } from './lineDiff';
import { valuesGroups } from './valuesGroups';
import { EMPTY_VALUES_YAML, parseValuesYaml, valuesToYaml } from './valuesYaml';

const schema: ValuesJsonSchema = {
  type: 'object',
  required: ['message'],
  properties: {
    kubeVersion: { type: 'string', readOnly: true },
    clusterVersion: {
      type: 'object',
      properties: { major: { type: 'integer' } },
    },
    metadata: {
      type: 'object',
      properties: { name: { type: 'string', readOnly: true } },
    },
    image: {
      type: 'object',
      properties: { tag: { type: 'string', common: true } },
    },
    resources: {
      type: 'object',
      description: 'CPU and memory.',
      properties: { cpu: { type: 'string' } },
    },
    replicas: { type: 'integer', default: 1, common: true },
    logLevel: { type: 'string', default: 'info' },
    message: { type: 'string' },
  },
};

describe('valuesGroups', () => {
  it('puts the marked fields first (a marked nested field marks its top-level field), objects in their own sections, scalars in one, and what Periscope sets apart', () => {
    expect(valuesGroups(schema)).toEqual({
      common: ['image', 'replicas'],
      sections: [
        {
          key: 'resources',
          title: 'Resources',
          description: 'CPU and memory.',
          fields: ['resources'],
        },
        { key: '', title: 'Other settings', fields: ['logLevel', 'message'] },
      ],
      platform: ['kubeVersion', 'clusterVersion', 'metadata'],
    });
  });

  it('without marks, shows the required fields and the scalars first', () => {
    const unmarked = JSON.parse(JSON.stringify(schema), (k, v) =>
      k === 'common' ? undefined : v,
    );
    expect(valuesGroups(unmarked)).toMatchObject({
      common: ['replicas', 'logLevel', 'message'],
      sections: [
        { key: 'image', title: 'Image' },
        { key: 'resources', title: 'Resources' },
      ],
    });
  });
});

describe('parseValuesYaml', () => {
  it('reads a mapping; comments only or nothing is no values', () => {
    expect(parseValuesYaml('replicas: 2\nimage:\n  tag: "1.2"\n')).toEqual({
      ok: true,
      values: { replicas: 2, image: { tag: '1.2' } },
    });
    expect(parseValuesYaml(EMPTY_VALUES_YAML)).toEqual({
      ok: true,
      values: {},
    });
    expect(parseValuesYaml('')).toEqual({ ok: true, values: {} });
  });

  it.each([
    [
      'replicas: [1,\n',
      /^Invalid YAML at line 2, column 1: .+\. Fix it to preview or deploy/,
    ],
    [
      'a: 1\na: 2\n',
      /^Invalid YAML at line 2, column 1: Map keys must be unique\./,
    ],
    ['a: b: c\n', /^Invalid YAML at line 1, column 4: Nested mappings/],
    [
      '- 1\n- 2\n',
      /must be a YAML mapping of field names to values .*not a list/,
    ],
    ['just text\n', /must be a YAML mapping .*not a string/],
  ])('says what is wrong with %j, and where', (text, message) => {
    const r = parseValuesYaml(text);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(message);
  });

  it('round-trips what valuesToYaml writes', () => {
    const values = { message: 'hi: there', replicas: 2, tags: ['a', 'b'] };
    expect(parseValuesYaml(valuesToYaml(values))).toEqual({ ok: true, values });
    expect(valuesToYaml({})).toBe(EMPTY_VALUES_YAML);
  });
});

describe('lineDiff', () => {
  it('pairs a changed line with its replacement, keeps the rest side by side', () => {
    const rows = lineDiff(
      toYaml({ spec: { replicas: 1, paused: false } }),
      toYaml({ spec: { replicas: 2, paused: false, minReadySeconds: 5 } }),
    );
    expect(rows.map(r => [r.kind, r.left?.text, r.right?.text])).toEqual([
      ['same', 'spec:', 'spec:'],
      ['added', undefined, '  minReadySeconds: 5'],
      ['same', '  paused: false', '  paused: false'],
      ['changed', '  replicas: 1', '  replicas: 2'],
    ]);
  });

  it('shows a created object all added, with line numbers of its side', () => {
    const rows = lineDiff('', 'a: 1\nb: 2\n');
    expect(rows).toEqual([
      { kind: 'added', right: { line: 1, text: 'a: 1' } },
      { kind: 'added', right: { line: 2, text: 'b: 2' } },
    ]);
  });
});
