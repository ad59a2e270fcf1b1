import { ObjectParseError, parseObjects } from './parse';

describe('parseObjects', () => {
  it('reads multi-document YAML, skipping empty documents', () => {
    const objs = parseObjects(
      [
        '---',
        'apiVersion: v1',
        'kind: Pod',
        'metadata: {name: a, namespace: x}',
        '---',
        '# only a comment',
        '---',
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: b}',
      ].join('\n'),
      'objs.yaml',
    );
    expect(objs.map(o => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Pod/a',
      'Deployment/b',
    ]);
  });

  it('flattens kubectl `get -A -o json` List output', () => {
    const text = JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'p', namespace: 'n' },
        },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 's', namespace: 'n' },
        },
      ],
    });
    expect(parseObjects(text, 'all.json').map(o => o.kind)).toEqual([
      'Pod',
      'Service',
    ]);
  });

  it('gives typed list items (PodList) their kind and apiVersion', () => {
    const text =
      'apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: p1}\n- metadata: {name: p2}\n';
    const objs = parseObjects(text, 'pods.yaml');
    expect(objs).toHaveLength(2);
    expect(objs[1]).toMatchObject({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p2' },
    });
  });

  it('accepts a JSON array of objects', () => {
    const text = JSON.stringify([
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } },
    ]);
    expect(parseObjects(text, 'a.json')[0].kind).toBe('Node');
  });

  it('names file and line of a YAML syntax error', () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n';
    expect(() => parseObjects(text, 'bad.yaml')).toThrow(ObjectParseError);
    expect(() => parseObjects(text, 'bad.yaml')).toThrow(
      /^bad\.yaml:[4-5]: invalid YAML: /,
    );
  });

  it('names file and line of a JSON syntax error', () => {
    const text =
      '{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "metadata": {"name": "x"},,\n}';
    expect(() => parseObjects(text, 'bad.json')).toThrow(
      /^bad\.json:4: invalid JSON: /,
    );
  });

  it('rejects an object without kind, naming the document and its line', () => {
    const text =
      'apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\n---\napiVersion: v1\nmetadata:\n  name: broken\n';
    expect(() => parseObjects(text, 'm.yaml')).toThrow(
      'm.yaml:5: document 2 "broken" has no kind; every Kubernetes object needs both',
    );
  });

  it('rejects an object without apiVersion and kind', () => {
    expect(() =>
      parseObjects('replicas: 3\nimage: nginx\n', 'values.yaml'),
    ).toThrow(/values\.yaml:1: document 1 has no apiVersion and kind/);
  });

  it('rejects a List item without kind, pointing at the item', () => {
    const text =
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n- metadata: {name: b}\n';
    expect(() => parseObjects(text, 'l.yaml')).toThrow(
      /^l\.yaml:7: document 1, item 2 of List "b" has no apiVersion and kind/,
    );
  });

  it('rejects a scalar document and a missing name', () => {
    expect(() => parseObjects('just a string\n', 's.yaml')).toThrow(
      /s\.yaml:1: document 1 is a string/,
    );
    expect(() =>
      parseObjects('apiVersion: v1\nkind: Pod\nmetadata: {}\n', 'n.yaml'),
    ).toThrow(/n\.yaml:1: document 1 \(Pod\) has no metadata\.name/);
  });

  it('returns nothing for an empty file', () => {
    expect(parseObjects('', 'empty.yaml')).toEqual([]);
  });
});
