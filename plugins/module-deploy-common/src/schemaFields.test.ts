import {
  schemaConstraints,
  schemaFields,
  valuesSchemaFrom,
  ValuesJsonSchema,
} from './index';

describe('schemaFields', () => {
  it('flattens a generated values schema depth first, with types, defaults, required and injected fields', () => {
    const schema = valuesSchemaFrom(
      {
        metadata: { name: 'x', labels: { 'app.kubernetes.io/name': 'web' } },
        image: { repository: 'nginx', tag: '1.27' },
        replicas: 1,
        ports: [{ name: 'http', port: 80 }],
        kubeVersion: '1.36.3',
      },
      [['image', 'digest']],
    );
    const rows = schemaFields(schema);
    expect(
      rows.map(r => [r.path, r.depth, r.type, r.default, r.required]),
    ).toEqual([
      ['metadata', 0, 'object', undefined, false],
      ['metadata.name', 1, 'string', '"x"', false],
      ['metadata.labels', 1, 'object', undefined, false],
      ['metadata.labels."app.kubernetes.io/name"', 2, 'string', '"web"', false],
      ['image', 0, 'object', undefined, false],
      ['image.repository', 1, 'string', '"nginx"', false],
      ['image.tag', 1, 'string', '"1.27"', false],
      ['image.digest', 1, 'any', undefined, true],
      ['replicas', 0, 'integer', '1', false],
      ['ports', 0, 'array of object', '[{"name":"http","port":80}]', false],
      ['ports[].name', 1, 'string', '"http"', false],
      ['ports[].port', 1, 'integer', '80', false],
      ['kubeVersion', 0, 'string', '"1.36.3"', false],
    ]);
    expect(rows.filter(r => r.readOnly).map(r => r.path)).toEqual([
      'metadata.name',
      'kubeVersion',
    ]);
  });

  it('describes enums, bounds, patterns and closed objects in words', () => {
    const schema: ValuesJsonSchema = {
      type: 'object',
      required: ['level'],
      properties: {
        level: {
          type: 'string',
          enum: ['debug', 'info'],
          default: 'info',
          description: 'Log level',
        },
        replicas: { type: 'integer', minimum: 1, exclusiveMaximum: 10 },
        name: { type: 'string', maxLength: 63, pattern: '^[a-z]+$' },
        strict: { type: 'object', additionalProperties: false, properties: {} },
      },
    };
    const rows = schemaFields(schema);
    expect(rows[0]).toEqual({
      path: 'level',
      depth: 0,
      type: 'string',
      default: '"info"',
      required: true,
      readOnly: false,
      description: 'Log level',
      constraints: ['one of: "debug", "info"'],
    });
    expect(rows.map(r => r.constraints)).toEqual([
      ['one of: "debug", "info"'],
      ['>= 1', '< 10'],
      ['length <= 63', 'pattern ^[a-z]+$'],
      ['no other keys'],
    ]);
    expect(schemaConstraints({ type: 'array', minItems: 1 })).toEqual([
      'items >= 1',
    ]);
  });

  it('gives no rows for a missing or empty schema', () => {
    expect(schemaFields(undefined)).toEqual([]);
    expect(schemaFields({ type: 'object' })).toEqual([]);
  });
});
