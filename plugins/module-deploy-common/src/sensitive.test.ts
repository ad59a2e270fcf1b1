import {
  KubeObject,
  diffObjects,
  diffSides,
  ObjectDiff,
  SENSITIVE_MASK,
  ValuesJsonSchema,
  isSensitiveName,
  isSensitiveValueRef,
  maskSensitiveDiffs,
  maskSensitiveValues,
  maskedSensitivePaths,
  restoreSensitiveValues,
  schemaFields,
  scrubSecrets,
  sensitiveStrings,
  valuesSchemaFrom,
} from './index';

const M = SENSITIVE_MASK;

/** A schema as the engine builds it: `dsn` marked by the module's attribute. */
const schema: ValuesJsonSchema = {
  type: 'object',
  properties: {
    message: { type: 'string' },
    dsn: { type: 'string', sensitive: true },
    db: {
      type: 'object',
      properties: { user: { type: 'string' }, url: { type: 'string' } },
    },
    replicas: { type: 'integer' },
  },
};

describe('sensitive values', () => {
  it('names: password, secret, token, apiKey, credential, privateKey in any case and position', () => {
    for (const n of [
      'password',
      'dbPassword',
      'PASSWD',
      'clientSecret',
      'secrets',
      'token',
      'githubToken',
      'apiKey',
      'api_key',
      'API-KEY',
      'credentials',
      'privateKey',
      'tls_private_key',
    ])
      expect([n, isSensitiveName(n)]).toEqual([n, true]);
    for (const n of ['message', 'replicas', 'key', 'pass', 'api', 'user'])
      expect([n, isSensitiveName(n)]).toEqual([n, false]);
  });

  it('masks the fields the schema marks and the fields whose name is sensitive, whole subtrees included', () => {
    const values = {
      message: 'hi',
      dsn: 'postgres://app:hunter22@db',
      db: { user: 'app', password: 'hunter22', url: 'x' },
      secrets: { api: 'k-123456', list: ['a1', 'b2'], on: true },
      tokens: [{ name: 'ci', value: 'ghp_abcdef' }],
      replicas: 2,
      password: '',
    };
    expect(maskSensitiveValues(values, schema)).toEqual({
      message: 'hi',
      dsn: M,
      db: { user: 'app', password: M, url: 'x' },
      secrets: { api: M, list: [M, M], on: true },
      tokens: [{ name: M, value: M }],
      replicas: 2,
      password: '', // an empty value is no secret: it shows as unset
    });
    // without a schema the naming rule still applies
    expect(maskSensitiveValues(values).dsn).toBe(values.dsn);
    expect(maskSensitiveValues(values).db).toEqual({
      user: 'app',
      password: M,
      url: 'x',
    });
    // a replacement (the database's reference); masking twice changes nothing
    const ref = { $sensitive: 'Secret/shop/periscope-history.web' };
    const stored = maskSensitiveValues(values, schema, ref);
    expect(stored.dsn).toEqual(ref);
    expect(isSensitiveValueRef(stored.dsn)).toBe(true);
    expect(maskSensitiveValues(stored, schema, ref)).toEqual(stored);
    expect(sensitiveStrings(values, schema)).toEqual([
      'postgres://app:hunter22@db',
      'ghp_abcdef',
      'hunter22',
      'k-123456',
      'a1',
      'b2',
      'ci',
    ]);
  });

  it('puts back what the mask stands for from the current values, and names what it cannot', () => {
    const current = { dsn: 'postgres://old', db: { password: 'old-pw' } };
    const submitted = {
      message: M, // not sensitive: the mask is taken as typed
      dsn: M,
      db: { password: 'new-pw' },
      apiKey: M,
    };
    const restored = restoreSensitiveValues(submitted, current, schema);
    expect(restored).toEqual({
      message: M,
      dsn: 'postgres://old',
      db: { password: 'new-pw' },
      apiKey: M,
    });
    expect(maskedSensitivePaths(restored, schema)).toEqual(['apiKey']);
    expect(maskedSensitivePaths({ list: [{ token: M }] }, schema)).toEqual([
      'list[0].token',
    ]);
  });

  it('scrubs secrets (and their base64) from any data; short ones only where they are the whole string', () => {
    const event = {
      type: 'cluster',
      message: `ConfigMap/shop/web: apply rejected: value "hunter22" and ${Buffer.from(
        'hunter22',
      ).toString('base64')} and x`,
      nested: [{ v: 'x' }, 'hunter22'],
    };
    expect(scrubSecrets(event, ['hunter22', 'x'])).toEqual({
      type: 'cluster',
      message: `ConfigMap/shop/web: apply rejected: value "${M}" and ${M} and x`,
      nested: [{ v: M }, M],
    });
    expect(scrubSecrets(event, [])).toBe(event);
  });

  it('masks diff fields that hold a secret on both sides, the unknown live value too', () => {
    const rendered: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                env: [
                  { name: 'MODE', value: 'prod' },
                  { name: 'DSN', value: 'postgres://app:new-pw@db' },
                ],
              },
            ],
          },
        },
      },
    };
    const envPath = 'spec.template.spec.containers[0].env';
    const diffs: ObjectDiff[] = [
      {
        id: 'shop_web_apps_Deployment',
        ref: 'Deployment/shop/web',
        apiVersion: 'apps/v1',
        action: 'change',
        changes: [
          {
            path: `${envPath}[1].value`,
            op: 'change',
            before: 'postgres://app:hand-edited@db',
            after: 'postgres://app:new-pw@db',
          },
          {
            path: envPath,
            op: 'add',
            after: [
              { name: 'MODE', value: 'prod' },
              { name: 'DSN', value: 'postgres://app:new-pw@db' },
            ],
          },
          { path: 'metadata.labels.x', op: 'add', after: 'new-pw' },
        ],
      },
    ];
    expect(
      maskSensitiveDiffs(diffs, [rendered], ['new-pw'])[0].changes,
    ).toEqual([
      { path: `${envPath}[1].value`, op: 'change', before: M, after: M },
      {
        path: envPath,
        op: 'add',
        after: [
          { name: 'MODE', value: 'prod' },
          { name: 'DSN', value: M },
        ],
      },
      { path: 'metadata.labels.x', op: 'add', after: M },
    ]);
  });

  it('masks the live value of a secret field in a diff that names list items by key', () => {
    const dep = (dsn: string, order: 'dsn-first' | 'dsn-last') => {
      const env = [
        { name: 'MODE', value: 'prod' },
        { name: 'DSN', value: dsn },
      ];
      return {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'shop' },
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'app',
                  env: order === 'dsn-last' ? env : env.reverse(),
                },
              ],
            },
          },
        },
      };
    };
    const rendered = dep('postgres://app:new-pw@db', 'dsn-last') as KubeObject;
    // (env order kept: a reorder of env is a change of its own, see common.test.ts)
    const live = dep('postgres://app:hand-edited@db', 'dsn-last');
    const changes = diffObjects(live, rendered as any);
    const path = 'spec.template.spec.containers[name=app].env[name=DSN].value';
    expect(changes.map(c => c.path)).toEqual([path]);
    const diffs: ObjectDiff[] = [
      {
        id: 'shop_web_apps_Deployment',
        ref: 'Deployment/shop/web',
        apiVersion: 'apps/v1',
        action: 'change',
        changes,
      },
    ];
    expect(
      maskSensitiveDiffs(diffs, [rendered], ['new-pw'])[0].changes,
    ).toEqual([{ path, op: 'change', before: M, after: M }]);
  });

  it("masks a secret field in a diff's live and desired objects, the live list in another order too", () => {
    const dep = (dsn: string, reversed: boolean) => {
      const env = [
        { name: 'MODE', value: 'prod' },
        { name: 'DSN', value: dsn },
      ];
      return {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'shop' },
        spec: {
          template: {
            spec: {
              containers: [
                { name: 'app', env: reversed ? env.reverse() : env },
              ],
            },
          },
        },
      };
    };
    const rendered = dep('postgres://app:new-pw@db', false) as KubeObject;
    // the live object holds an older, hand-edited secret the current values do not know
    const sides = diffSides(
      dep('postgres://app:hand-edited@db', true),
      rendered as any,
    );
    const [masked] = maskSensitiveDiffs(
      [
        {
          id: 'shop_web_apps_Deployment',
          ref: 'Deployment/shop/web',
          apiVersion: 'apps/v1',
          action: 'change',
          changes: [],
          ...sides,
        },
      ],
      [rendered],
      ['new-pw'],
    );
    const text = JSON.stringify(masked);
    expect(text).not.toContain('new-pw');
    expect(text).not.toContain('hand-edited');
    const envOf = (o: any) => o.spec.template.spec.containers[0].env;
    expect(envOf(masked.live)).toEqual([
      { name: 'DSN', value: M },
      { name: 'MODE', value: 'prod' },
    ]);
    expect(envOf(masked.desired)).toEqual([
      { name: 'MODE', value: 'prod' },
      { name: 'DSN', value: M },
    ]);
  });

  it("masks a Secret's data in both sides of a diff, saying only whether a value changes", () => {
    const secret = (data: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 's',
        namespace: 'shop',
        resourceVersion: '7',
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
            data,
          }),
        },
      },
      data,
    });
    const sides = diffSides(
      secret({ same: 'c2FtZQ==', old: 'b2xk' }),
      secret({ same: 'c2FtZQ==', old: 'bmV3', added: 'YWRk' }),
    );
    expect(sides).toEqual({
      live: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's', namespace: 'shop' },
        data: { same: '***', old: '***' },
      },
      desired: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's', namespace: 'shop' },
        data: { same: '***', old: '*** (changed)', added: '***' },
      },
    });
    expect(diffSides(undefined, secret({ a: 'YQ==' }))).toEqual({
      desired: expect.objectContaining({ data: { a: '***' } }),
    });
  });

  it('marks sensitive names in a generated schema, masks their defaults and says so in the field table', () => {
    const s = valuesSchemaFrom(
      { message: 'hi', db: { user: 'app', password: 'default-pw' } },
      [['apiToken']],
    );
    expect(s.properties?.db.properties?.password).toEqual({
      type: 'string',
      default: M,
      sensitive: true,
    });
    expect(s.properties?.apiToken).toEqual({ sensitive: true });
    expect(s.default).toEqual({
      message: 'hi',
      db: { user: 'app', password: M },
    });
    expect(s.properties?.db.default).toEqual({ user: 'app', password: M });
    const row = schemaFields(s).find(f => f.path === 'db.password');
    expect(row).toMatchObject({
      default: JSON.stringify(M),
      constraints: ['sensitive: masked, never stored in the database'],
    });
  });
});
