import { ConfigReader } from '@backstage/config';
import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import { createPeriscopePolicy, readPeriscopePolicyConfig } from './policy';

const entityPermission = (name: string) =>
  createPermission({
    name,
    attributes: { action: 'update' },
    resourceType: 'catalog-entity',
  });
const basicPermission = (name: string) =>
  createPermission({ name, attributes: { action: 'read' } });

const user = (ownership: string[]): PolicyQueryUser =>
  ({
    identity: {
      type: 'user',
      userEntityRef: 'user:default/ann',
      ownershipEntityRefs: ownership,
    },
    info: { userEntityRef: 'user:default/ann', ownershipEntityRefs: ownership },
    token: 't',
    credentials: {
      $$type: '@backstage/BackstageCredentials',
      principal: { type: 'user', userEntityRef: 'user:default/ann' },
    },
  } as unknown as PolicyQueryUser);

const owners = createPeriscopePolicy({
  mode: 'owners',
  platformGroups: ['group:default/platform'],
});
const shopMember = user(['user:default/ann', 'group:default/team-shop']);
const platformMember = user(['user:default/bob', 'group:default/platform']);

describe('the Periscope permission policy (owners mode)', () => {
  it.each([
    'module-deploy.instance.apply',
    'k8s-diagnostics.findings.explain',
    'runtime-security.findings.triage',
  ])(
    '%s on an entity: conditional on the entity being owned by one of the user’s groups',
    async name => {
      const d = await owners.handle(
        { permission: entityPermission(name) },
        shopMember,
      );
      expect(d).toEqual({
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'catalog',
        resourceType: 'catalog-entity',
        conditions: {
          rule: 'IS_ENTITY_OWNER',
          resourceType: 'catalog-entity',
          params: { claims: ['user:default/ann', 'group:default/team-shop'] },
        },
      });
    },
  );

  it('allows a platform-group member everything of Periscope, cluster-wide pages included', async () => {
    for (const p of [
      entityPermission('module-deploy.instance.apply'),
      basicPermission('k8s-diagnostics.cluster.read'),
    ]) {
      expect(await owners.handle({ permission: p }, platformMember)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    }
  });

  it('denies the cluster-wide pages to everyone else; the module list stays open', async () => {
    for (const name of [
      'k8s-diagnostics.cluster.read',
      'runtime-security.cluster.read',
    ]) {
      expect(
        await owners.handle({ permission: basicPermission(name) }, shopMember),
      ).toEqual({ result: AuthorizeResult.DENY });
    }
    expect(
      await owners.handle(
        { permission: basicPermission('module-deploy.modules.read') },
        shopMember,
      ),
    ).toEqual({
      result: AuthorizeResult.ALLOW,
    });
  });

  it("leaves other plugins' permissions and service principals allowed", async () => {
    expect(
      await owners.handle(
        { permission: entityPermission('catalog.entity.read') },
        shopMember,
      ),
    ).toEqual({
      result: AuthorizeResult.ALLOW,
    });
    expect(
      await owners.handle({
        permission: entityPermission('module-deploy.instance.apply'),
      }),
    ).toEqual({
      result: AuthorizeResult.ALLOW,
    });
  });

  it('allow-all mode allows everything', async () => {
    const all = createPeriscopePolicy({
      mode: 'allow-all',
      platformGroups: [],
    });
    expect(
      await all.handle(
        { permission: basicPermission('k8s-diagnostics.cluster.read') },
        shopMember,
      ),
    ).toEqual({
      result: AuthorizeResult.ALLOW,
    });
  });
});

describe('readPeriscopePolicyConfig', () => {
  const read = (permissionPolicy?: object) =>
    readPeriscopePolicyConfig(
      new ConfigReader(
        permissionPolicy ? { periscope: { permissionPolicy } } : {},
      ),
    );
  it('defaults to owners mode with no platform group', () => {
    expect(read()).toEqual({ mode: 'owners', platformGroups: [] });
    expect(
      read({ mode: 'allow-all', platformGroups: ['group:default/platform'] }),
    ).toEqual({
      mode: 'allow-all',
      platformGroups: ['group:default/platform'],
    });
  });
  it.each([
    [
      { mode: 'open' },
      /periscope.permissionPolicy.mode is 'open': use 'owners'/,
    ],
    [
      { platformGroups: ['platform'] },
      /platformGroups has 'platform', which is not a group entity ref/,
    ],
    [{ platformGroups: ['user:default/bob'] }, /not a group entity ref/],
  ])('refuses %j, naming the key', (c, message) => {
    expect(() => read(c)).toThrow(message);
  });
});
