/* Fixtures shared by the Deploy tab tests. */
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import {
  PermissionApi,
  permissionApiRef,
} from '@backstage/plugin-permission-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { EntityDeployContent } from '../components/EntityDeployContent/EntityDeployContent';
import {
  DeployStreamEvent,
  EntityDeployState,
  EntityHistory,
  EntitySchema,
  ModuleDeployApi,
  moduleDeployApiRef,
} from '../api';

const entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'checkout' },
  spec: {},
};
export const entityRef = 'component:default/checkout';
const target = {
  entityRef,
  module: 'minimal',
  source: '/m',
  instanceName: 'checkout',
  namespace: 'shop',
  clusters: ['local'],
};
export const deployedState: EntityDeployState = {
  entityRef,
  status: 'ok',
  target,
  errors: [],
  instances: [
    {
      cluster: 'local',
      namespace: 'shop',
      name: 'checkout',
      deployed: true,
      revision: 2,
      module: {
        name: 'timoni.sh/minimal',
        repository: 'file:///m',
        version: '0.0.0-devel',
        digest: '',
      },
      health: 'healthy',
      objects: [
        {
          ref: 'Deployment/shop/checkout',
          state: 'ready',
          message: '1/1 replicas ready',
        },
      ],
      drift: {
        checkedAt: '2026-01-01T00:00:00Z',
        drifted: true,
        objects: [
          {
            id: 'x',
            ref: 'Deployment/shop/checkout',
            apiVersion: 'apps/v1',
            action: 'change',
            changes: [
              { path: 'spec.replicas', op: 'change', before: 3, after: 1 },
            ],
          },
        ],
      },
      lastOperation: {
        action: 'deploy',
        actor: 'user:default/alice',
        at: '2026-01-01T00:00:00Z',
        result: 'success',
        revision: 2,
      },
    },
  ],
};
/** The same target, with the instance deployed nowhere. */
export const notDeployedState: EntityDeployState = {
  ...deployedState,
  instances: [
    {
      cluster: 'local',
      namespace: 'shop',
      name: 'checkout',
      deployed: false,
      health: 'unknown',
      objects: [],
    },
  ],
};
export const schema: EntitySchema = {
  entityRef,
  status: 'ok',
  target,
  schema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: {
      message: { type: 'string', default: 'Hello World' },
      replicas: { type: 'integer', default: 1 },
      kubeVersion: { type: 'string', default: '1.36.3', readOnly: true },
    },
  },
  values: { message: 'v1' },
  valuesFrom: { cluster: 'local', revision: 2 },
};
export const history: EntityHistory = {
  entityRef,
  status: 'ok',
  errors: [],
  audit: [],
  revisions: [
    {
      cluster: 'local',
      revision: 2,
      appliedAt: '2026-01-02',
      action: 'apply',
      module: { name: 'm', repository: 'r', version: 'v', digest: '' },
      values: { message: 'v2', replicas: 2 },
      objects: [],
      actor: 'user:default/alice',
      current: true,
    },
    {
      cluster: 'local',
      revision: 1,
      appliedAt: '2026-01-01',
      action: 'apply',
      module: { name: 'm', repository: 'r', version: 'v', digest: '' },
      values: { message: 'v1' },
      objects: [],
      actor: 'user:default/bob',
      current: false,
    },
  ],
};

export function fakeApi(
  overrides: Partial<ModuleDeployApi> = {},
): ModuleDeployApi {
  const stream =
    (events: DeployStreamEvent[]) =>
    async (
      _r: string,
      _b: unknown,
      onEvent: (e: DeployStreamEvent) => void,
    ) => {
      events.forEach(onEvent);
      return events[events.length - 1];
    };
  return {
    getEntity: jest.fn(async () => deployedState),
    getSchema: jest.fn(async () => schema),
    preview: jest.fn(async () => ({
      status: 'ok' as const,
      valid: true,
      issues: [],
      rendered: [],
      errors: [],
      clusters: [],
    })),
    deploy: jest.fn(stream([])),
    getHistory: jest.fn(async () => history),
    rollback: jest.fn(
      stream([
        {
          type: 'done',
          ok: true,
          results: [{ cluster: 'local', status: 'healthy', revision: 3 }],
        },
      ]),
    ),
    deleteInstance: jest.fn(
      stream([
        {
          type: 'done',
          ok: true,
          results: [{ cluster: 'local', status: 'deleted' }],
        },
      ]),
    ),
    checkDrift: jest.fn(async () => ({
      entityRef,
      status: 'ok' as const,
      clusters: [{ cluster: 'local', drift: deployedState.instances[0].drift }],
      errors: [],
    })),
    listModules: jest.fn(async () => ({ modules: [] })),
    ...overrides,
  };
}

/**
 * Renders the Deploy tab; `permission` answers usePermission (a result for every request, or a
 * whole PermissionApi). usePermission caches each decision per permission and entity for the
 * whole test file, so a test with another answer than the file's others names another entity
 * (`name`).
 */
export function renderWith(
  api: ModuleDeployApi,
  permission:
    | AuthorizeResult.ALLOW
    | AuthorizeResult.DENY
    | PermissionApi = AuthorizeResult.ALLOW,
  name?: string,
) {
  const permissionApi =
    typeof permission === 'object'
      ? permission
      : mockApis.permission({ authorize: permission });
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [moduleDeployApiRef, api],
        [permissionApiRef, permissionApi],
      ]}
    >
      <EntityProvider
        entity={name ? { ...entity, metadata: { name } } : entity}
      >
        <EntityDeployContent />
      </EntityProvider>
    </TestApiProvider>,
  );
}
