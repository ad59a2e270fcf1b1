import { ConfigReader } from '@backstage/config';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import {
  DEFAULT_DENIED_NAMESPACES,
  deniedNamespacePattern,
  readModuleDeployConfig,
} from '../config';
import { checkDeclaredTarget } from './DeployService/targets';
import { createDeployStore } from './DeployStore';
import { valuesOverlay } from './DeployService';
import { sortTags } from './ModuleCatalog';
import { databaseIdsForTests } from '@periscope/test-utils';
import { forgetMigrations } from '../__testUtils__/database';

const databases = TestDatabases.create({
  ids: databaseIdsForTests('module-deploy store tests'),
});

describe('readModuleDeployConfig', () => {
  const read = (moduleDeploy: object) =>
    readModuleDeployConfig(new ConfigReader({ moduleDeploy }));

  it('reads modules, defaults and the drift schedule', () => {
    const c = read({
      modules: [{ name: 'web', oci: 'oci://r.example/m/web/' }],
      defaults: { clusters: ['a', 'b'], namespace: 'apps' },
    });
    expect(c.modules).toEqual([{ name: 'web', oci: 'oci://r.example/m/web' }]);
    expect(c.defaults).toEqual({ clusters: ['a', 'b'], namespace: 'apps' });
    expect(c.drift).toMatchObject({
      enabled: true,
      schedule: { frequency: { minutes: 10 } },
    });
    expect(readModuleDeployConfig(new ConfigReader({})).modules).toEqual([]);
  });

  it.each([
    [
      { modules: [{ path: '/x' }] },
      /moduleDeploy.modules\[0\].name is missing/,
    ],
    [{ modules: [{ name: 'Web', path: '/x' }] }, /name is 'Web'/],
    [{ modules: [{ name: 'web' }] }, /must set exactly one of path .* or oci/],
    [
      { modules: [{ name: 'web', path: '/x', oci: 'oci://r/x' }] },
      /exactly one of/,
    ],
    [
      { modules: [{ name: 'web', oci: 'https://r/x' }] },
      /it must start with oci:\/\//,
    ],
    [
      { modules: [{ name: 'web', oci: 'oci://r.example/m/web:1.0.0' }] },
      /without a tag or digest/,
    ],
    [
      {
        modules: [
          { name: 'a', path: '/x' },
          { name: 'a', path: '/y' },
        ],
      },
      /'a' is used twice/,
    ],
    [{ defaults: { namespace: 'Not_OK' } }, /defaults.namespace is 'Not_OK'/],
    [
      { defaults: { namespace: 'n'.repeat(64) } },
      /defaults.namespace is 'n{64}'.*at most 63 characters/,
    ],
    [
      { modules: [{ name: 'web', oci: 'oci://r.example/Bad' }] },
      /oci of 'web': invalid OCI reference/,
    ],
    [
      { readinessTimeoutMs: -1 },
      /readinessTimeoutMs must be a positive number/,
    ],
    [
      { deniedNamespaces: ['kube-*', 'Team_A'] },
      /deniedNamespaces has 'Team_A', which is not a namespace name or pattern/,
    ],
  ])('rejects bad config %#', (moduleDeploy, message) => {
    expect(() => read(moduleDeploy)).toThrow(message);
  });
});

describe('deniedNamespaces', () => {
  it("refuses kube-* and default unless configured otherwise; '*' matches any run of characters", () => {
    const read = (moduleDeploy: object) =>
      readModuleDeployConfig(new ConfigReader({ moduleDeploy }))
        .deniedNamespaces;
    const denied = read({});
    expect(denied).toEqual(DEFAULT_DENIED_NAMESPACES);
    expect(deniedNamespacePattern('kube-system', denied)).toBe('kube-*');
    expect(deniedNamespacePattern('kube-public', denied)).toBe('kube-*');
    expect(deniedNamespacePattern('default', denied)).toBe('default');
    expect(deniedNamespacePattern('shop', denied)).toBeUndefined();
    expect(deniedNamespacePattern('my-kube-system', denied)).toBeUndefined();
    expect(deniedNamespacePattern('defaults', denied)).toBeUndefined();
    expect(
      deniedNamespacePattern('default', read({ deniedNamespaces: [] })),
    ).toBeUndefined();
    expect(deniedNamespacePattern('team-a-prod', ['team-*-prod'])).toBe(
      'team-*-prod',
    );
  });
});

describe('checkDeclaredTarget', () => {
  const declared = {
    entityRef: 'component:default/checkout',
    module: 'minimal',
    source: '/m',
    instanceName: 'checkout',
    namespace: 'shop',
    clusters: ['a', 'b'],
  };
  it('accepts the declared target; clusters may be left out', () => {
    expect(() =>
      checkDeclaredTarget({ ...declared }, declared, true),
    ).not.toThrow();
    expect(() =>
      checkDeclaredTarget({ ...declared, clusters: ['a'] }, declared, false),
    ).not.toThrow();
  });
  it('names every field that differs from what the entity declares', () => {
    expect(() =>
      checkDeclaredTarget(
        {
          ...declared,
          module: 'other',
          namespace: 'payments',
          clusters: ['b', 'a'],
        },
        declared,
        true,
      ),
    ).toThrow(
      "the request targets another instance than entity 'component:default/checkout' declares: module 'other' where the entity declares 'minimal' (periscope.dev/module); namespace 'payments' where the entity declares 'shop' (backstage.io/kubernetes-namespace); clusters 'b,a' where the entity declares 'a,b'",
    );
  });
});

describe('valuesOverlay', () => {
  const schema = {
    type: 'object' as const,
    properties: {
      kubeVersion: {
        type: 'string' as const,
        default: '1.36.3',
        readOnly: true,
      },
      metadata: {
        type: 'object' as const,
        properties: {
          name: { type: 'string' as const, readOnly: true },
          labels: {
            type: 'object' as const,
            properties: { app: { type: 'string' as const, default: 'schema' } },
          },
        },
      },
      replicas: { type: 'integer' as const, default: 1 },
      message: { type: 'string' as const, default: 'Hello' },
    },
  };

  it('drops injected fields and untouched defaults, keeps changes and what the current values set', () => {
    const submitted = {
      kubeVersion: '1.36.3',
      metadata: { name: 'x', labels: { app: 'schema' } },
      replicas: 1,
      message: 'Hi',
      extra: { a: 1 },
    };
    expect(valuesOverlay(submitted, schema)).toEqual({
      message: 'Hi',
      extra: { a: 1 },
    });
    expect(valuesOverlay(submitted, schema, { replicas: 1 })).toEqual({
      replicas: 1,
      message: 'Hi',
      extra: { a: 1 },
    });
  });
});

describe('sortTags', () => {
  it('orders semantic versions newest first, releases before their pre-releases, others last', () => {
    expect(
      sortTags(['latest', '0.9.0', '1.10.0-rc.1', '1.10.0', 'v1.2.0']),
    ).toEqual(['1.10.0', '1.10.0-rc.1', 'v1.2.0', '0.9.0', 'latest']);
  });
});

describe('DeployStore', () => {
  it.each(databases.eachSupportedId())(
    'keeps the audit trail, revisions and drift on %p',
    async id => {
      const knex = await databases.init(id);
      await createDeployStore(mockServices.database({ knex }));
      const store = await createDeployStore(mockServices.database({ knex })); // second start: tables exist
      const key = {
        entityRef: 'component:default/a',
        cluster: 'c1',
        namespace: 'ns',
        instanceName: 'a',
      };
      const module = {
        name: 'm',
        repository: 'oci://r/m',
        version: '1.0.0',
        digest: 'sha256:abc',
      };
      await store.recordAudit({
        ...key,
        at: '2026-01-01T00:00:00Z',
        actor: 'user:default/alice',
        action: 'deploy',
        revision: 1,
        module,
        values: { x: 1 },
        result: 'success',
      });
      await store.recordAudit({
        ...key,
        at: '2026-01-01T00:01:00Z',
        actor: 'user:default/bob',
        action: 'delete',
        result: 'failure',
        message: 'forbidden',
      });
      expect(
        (await store.listAudit(key.entityRef)).map(a => [
          a.action,
          a.actor,
          a.result,
          a.revision,
          a.message,
        ]),
      ).toEqual([
        ['delete', 'user:default/bob', 'failure', undefined, 'forbidden'],
        ['deploy', 'user:default/alice', 'success', 1, undefined],
      ]);
      await store.recordRevision({
        ...key,
        revision: 1,
        at: '2026-01-01T00:00:00Z',
        actor: 'user:default/alice',
        action: 'deploy',
        module,
        values: { x: 1 },
        result: 'success',
      });
      await store.recordRevision({
        ...key,
        revision: 1,
        at: '2026-01-01T00:00:00Z',
        actor: 'user:default/alice',
        action: 'deploy',
        module,
        values: { x: 2 },
        result: 'success',
      });
      expect(await store.listRevisions(key.entityRef)).toEqual([
        expect.objectContaining({ revision: 1, values: { x: 2 }, module }),
      ]);
      expect(await store.getDrift(key)).toBeUndefined();
      await store.putDrift(key, {
        checkedAt: 't1',
        drifted: true,
        objects: [
          {
            id: 'i',
            ref: 'Deployment/ns/a',
            apiVersion: 'apps/v1',
            action: 'change',
            changes: [],
          },
        ],
      });
      await store.putDrift(key, {
        checkedAt: 't2',
        drifted: false,
        objects: [],
      });
      expect(await store.getDrift(key)).toEqual({
        checkedAt: 't2',
        drifted: false,
        objects: [],
      });
    },
  );

  it.each(databases.eachSupportedId())(
    'keeps the change message with the audit record and the revision, also in a table from before change messages, on %p',
    async id => {
      const knex = await databases.init(id);
      await createDeployStore(mockServices.database({ knex }));
      // an older database: the tables lack the column (and no migration ran)
      for (const table of ['module_deploy_audit', 'module_deploy_revisions'])
        await knex.schema.alterTable(table, t =>
          t.dropColumn('change_message'),
        );
      await forgetMigrations(knex);
      const store = await createDeployStore(mockServices.database({ knex }));
      const key = {
        entityRef: 'component:default/a',
        cluster: 'c1',
        namespace: 'ns',
        instanceName: 'a',
      };
      const module = { name: 'm', repository: 'r', version: '1', digest: '' };
      const base = {
        ...key,
        at: '2026-01-01T00:00:00Z',
        actor: 'user:default/alice',
        action: 'deploy' as const,
        module,
        values: { x: 1 },
        result: 'success' as const,
      };
      const why = 'raise replicas for the sale\nticket SHOP-12 — ünïcode';
      await store.recordAudit({ ...base, revision: 1, changeMessage: why });
      await store.recordAudit({ ...base, revision: 2 });
      await store.recordRevision({ ...base, revision: 1, changeMessage: why });
      await store.recordRevision({
        ...base,
        revision: 2,
        at: '2026-01-02T00:00:00Z',
      });
      expect(
        (await store.listAudit(key.entityRef)).map(a => [
          a.revision,
          a.changeMessage,
        ]),
      ).toEqual([
        [2, undefined],
        [1, why],
      ]);
      expect(
        (await store.listRevisions(key.entityRef)).map(r => [
          r.revision,
          r.changeMessage,
        ]),
      ).toEqual([
        [2, undefined],
        [1, why],
      ]);
    },
  );

  it.each(databases.eachSupportedId())(
    'keeps instance owners (one claim wins, release frees it) and never stores a value whose name is sensitive, on %p',
    async id => {
      const knex = await databases.init(id);
      const store = await createDeployStore(mockServices.database({ knex }));
      const at = { cluster: 'c1', namespace: 'shop', instanceName: 'web' };
      expect(await store.getOwner(at)).toBeUndefined();
      const claims = await Promise.all(
        ['a', 'b', 'c'].map(n =>
          store.claimOwner(at, `component:default/${n}`, `user:default/${n}`),
        ),
      );
      const winner = claims[0].entityRef;
      expect(claims.every(c => c.entityRef === winner)).toBe(true);
      expect(await store.getOwner(at)).toEqual({
        ...at,
        entityRef: winner,
        claimedAt: expect.any(String),
        claimedBy: winner.replace('component:', 'user:'),
      });
      await store.releaseOwner(at, 'component:default/nobody');
      expect((await store.getOwner(at))?.entityRef).toBe(winner);
      await store.releaseOwner(at, winner);
      expect(await store.getOwner(at)).toBeUndefined();

      const key = { ...at, entityRef: 'component:default/a' };
      const module = { name: 'm', repository: 'r', version: '1', digest: '' };
      const values = { message: 'hi', db: { password: 'pw-123456' } };
      await store.recordRevision({
        ...key,
        revision: 1,
        at: '2026-01-01T00:00:00Z',
        actor: 'user:default/a',
        action: 'deploy',
        module,
        values,
        result: 'success',
      });
      await store.recordAudit({
        ...key,
        at: '2026-01-01T00:00:00Z',
        actor: 'user:default/a',
        action: 'deploy',
        values,
        result: 'success',
      });
      const rows = JSON.stringify([
        await knex('module_deploy_revisions').select(),
        await knex('module_deploy_audit').select(),
      ]);
      expect(rows).not.toContain('pw-123456');
      expect(rows).toContain('Secret/shop/periscope-history.web');
      const shown = { message: 'hi', db: { password: '••••' } };
      expect((await store.listRevisions(key.entityRef))[0].values).toEqual(
        shown,
      );
      expect((await store.listAudit(key.entityRef))[0].values).toEqual(shown);
    },
  );

  it.each(databases.eachSupportedId())(
    'gives each instance deployed before owners were kept to the entity that deployed it first, on %p',
    async id => {
      const knex = await databases.init(id);
      const store = await createDeployStore(mockServices.database({ knex }));
      const rev = (entityRef: string, at: string, instanceName = 'web') =>
        store.recordRevision({
          entityRef,
          cluster: 'c1',
          namespace: 'shop',
          instanceName,
          revision: 1,
          at,
          actor: 'user:default/x',
          action: 'deploy',
          module: { name: 'm', repository: 'r', version: '1', digest: '' },
          values: {},
          result: 'success',
        });
      await rev('component:default/late', '2026-02-01T00:00:00Z');
      await rev('component:default/first', '2026-01-01T00:00:00Z');
      await rev('', '2025-01-01T00:00:00Z', 'explicit');
      // an older database: the owners table does not exist yet (and no migration ran)
      await knex.schema.dropTable('module_deploy_instance_owners');
      await forgetMigrations(knex);
      const upgraded = await createDeployStore(mockServices.database({ knex }));
      expect(
        await upgraded.getOwner({
          cluster: 'c1',
          namespace: 'shop',
          instanceName: 'web',
        }),
      ).toMatchObject({
        entityRef: 'component:default/first',
        claimedAt: '2026-01-01T00:00:00Z',
      });
      expect(
        await upgraded.getOwner({
          cluster: 'c1',
          namespace: 'shop',
          instanceName: 'explicit',
        }),
      ).toBeUndefined();
    },
  );

  it.each(databases.eachSupportedId())(
    'answers a corrupt stored row with a 503 naming the table, the row and what to do, on %p',
    async id => {
      const knex = await databases.init(id);
      const store = await createDeployStore(mockServices.database({ knex }));
      const key = {
        entityRef: 'component:default/a',
        cluster: 'c1',
        namespace: 'ns',
        instanceName: 'a',
      };
      const module = { name: 'm', repository: 'r', version: '1', digest: '' };
      await store.recordRevision({
        ...key,
        revision: 3,
        at: '2026-01-01T00:00:00Z',
        actor: 'user:default/x',
        action: 'deploy',
        module,
        values: {},
        result: 'success',
      });
      await store.recordAudit({
        ...key,
        at: '2026-01-01T00:00:00Z',
        actor: 'user:default/x',
        action: 'deploy',
        module,
        values: {},
        result: 'success',
      });
      await store.putDrift(key, {
        checkedAt: 't',
        drifted: false,
        objects: [],
      });
      await knex('module_deploy_revisions').update({ values: '{"x":' });
      await knex('module_deploy_audit').update({ module: 'not json' });
      await knex('module_deploy_drift').update({ objects: '[' });

      const revErr = await store.listRevisions(key.entityRef).catch(e => e);
      expect(revErr.name).toBe('ServiceUnavailableError');
      expect(revErr.message).toMatch(
        /the stored row of table module_deploy_revisions where entity_ref = 'component:default\/a' AND cluster = 'c1' AND namespace = 'ns' AND instance_name = 'a' AND revision = 3 is corrupt: column 'values' is not valid JSON/,
      );
      expect(revErr.message).toMatch(/Secret ns\/periscope-history\.a/);
      expect(revErr.message).toMatch(
        /DELETE FROM module_deploy_revisions WHERE entity_ref = 'component:default\/a' .* AND revision = 3;/,
      );
      const auditErr = await store.listAudit(key.entityRef).catch(e => e);
      expect(auditErr.name).toBe('ServiceUnavailableError');
      expect(auditErr.message).toMatch(
        /table module_deploy_audit where id = \d+ is corrupt: column 'module'/,
      );
      const driftErr = await store.getDrift(key).catch(e => e);
      expect(driftErr.name).toBe('ServiceUnavailableError');
      expect(driftErr.message).toMatch(
        /table module_deploy_drift where .* column 'objects' .* next drift check writes the row anew/,
      );
    },
  );
});
