/**
 * The actions an AI assistant may call (registered through the ActionsRegistryService), through
 * the whole plugin: the corpus ingested over POST /ingest, the real store and security service,
 * and the permission checks with each permission allowed or denied.
 */
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { Entity } from '@backstage/catalog-model';
import { InputError, NotAllowedError } from '@backstage/errors';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { permissionsDenying } from '@periscope/test-utils';
import request from 'supertest';
import { runtimeSecurityPlugin } from './plugin';
import { corpusLines, relabel } from './__testUtils__/corpus';

const READ = 'runtime-security.findings.read';
const TRIAGE = 'runtime-security.findings.triage';
const checkout = 'component:default/checkout';
const TOKEN = 'a-very-long-ingest-token-0123456789';

const entities: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'checkout',
      namespace: 'default',
      annotations: {
        'backstage.io/kubernetes-id': 'checkout',
        'backstage.io/kubernetes-namespace': 'shop',
      },
    },
    spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'other',
      namespace: 'default',
      annotations: {
        'backstage.io/kubernetes-id': 'other',
        'backstage.io/kubernetes-namespace': 'elsewhere',
      },
    },
    spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
  },
];
const config = {
  kubernetes: {
    clusterLocatorMethods: [
      {
        type: 'config',
        clusters: [
          {
            name: 'c1',
            url: 'https://127.0.0.1:1',
            authProvider: 'serviceAccount',
            serviceAccountToken: 't',
          },
        ],
      },
    ],
  },
  periscope: { clusterTimeoutMs: 2000 },
  runtimeSecurity: {
    sources: { kubernetes: { enabled: false } },
    ingest: { token: TOKEN, maxBodyBytes: 200_000 },
  },
};
const corpus = corpusLines()
  .map(l =>
    relabel(l, { namespace: 'shop', workload: 'checkout', entity: 'checkout' }),
  )
  .join('\n');

/** The plugin with the corpus ingested and the given permissions denied; returns the registry its actions went into. */
async function startWithActions(deny: string[] = []) {
  const registry = actionsRegistryServiceMock();
  const { server } = await startTestBackend({
    features: [
      runtimeSecurityPlugin,
      catalogServiceMock.factory({ entities }),
      mockServices.rootConfig.factory({ data: config }),
      permissionsDenying(deny),
      createServiceFactory({
        service: actionsRegistryServiceRef,
        deps: {},
        factory: () => registry,
      }),
    ],
  });
  const res = await request(server)
    .post('/api/runtime-security/ingest?source=node-1')
    .set('x-periscope-ingest-token', TOKEN)
    .type('application/x-ndjson')
    .send(corpus);
  expect(res.status).toBe(200);
  const invoke = (name: string, input: object) =>
    registry.invoke({
      id: `test:${name}`,
      input: input as any,
      credentials: mockCredentials.user(),
    });
  return { registry, invoke, server };
}

type Listed = {
  findings: Array<{
    id: string;
    rule: string;
    severity: string;
    binary: string;
    triage: string;
  }>;
};

describe('runtime-security actions (ActionsRegistryService)', () => {
  it('registers the two read-only actions and the triage action', async () => {
    const { registry } = await startWithActions();
    const { actions } = await registry.list();
    expect(
      actions.map(a => [
        a.name,
        a.attributes.readOnly,
        a.attributes.destructive,
      ]),
    ).toEqual([
      ['list-entity-security-findings', true, false],
      ['get-security-finding', true, false],
      ['triage-security-finding', false, false],
    ]);
  });

  describe('list-entity-security-findings', () => {
    it(`${READ} allowed: the entity's findings, most severe first, filterable`, async () => {
      const { invoke } = await startWithActions();
      const { output } = await invoke('list-entity-security-findings', {
        entityRef: checkout,
      });
      const listed = output as Listed & { status: string; truncated: boolean };
      expect(listed.status).toBe('ok');
      expect(listed.truncated).toBe(false);
      expect(listed.findings.length).toBeGreaterThan(5);
      expect(listed.findings[0].severity).toBe('critical');
      expect(listed.findings.map(f => f.rule)).toContain(
        'host-namespace-entry',
      );
      const high = (
        await invoke('list-entity-security-findings', {
          entityRef: checkout,
          minSeverity: 'high',
        })
      ).output as Listed;
      expect(high.findings.length).toBeGreaterThan(0);
      expect(
        high.findings.every(
          f => f.severity === 'critical' || f.severity === 'high',
        ),
      ).toBe(true);
      expect(high.findings.length).toBeLessThan(listed.findings.length);
      // another entity's namespace holds none of them
      const other = (
        await invoke('list-entity-security-findings', {
          entityRef: 'component:default/other',
        })
      ).output as Listed;
      expect(other.findings).toEqual([]);
    });

    it(`${READ} denied → NotAllowedError naming the permission and the entity`, async () => {
      const { invoke } = await startWithActions([READ]);
      const call = invoke('list-entity-security-findings', {
        entityRef: checkout,
      });
      await expect(call).rejects.toThrow(NotAllowedError);
      await expect(call).rejects.toThrow(
        `permission '${READ}' is denied for ${checkout}`,
      );
    });
  });

  describe('get-security-finding', () => {
    it(`${READ} allowed: the finding, its sample event and its process tree (root first)`, async () => {
      const { invoke } = await startWithActions();
      const listed = (
        await invoke('list-entity-security-findings', { entityRef: checkout })
      ).output as Listed;
      const bash = listed.findings.find(
        f => f.rule === 'host-namespace-entry' && f.binary === '/usr/bin/bash',
      )!;
      const { output } = await invoke('get-security-finding', {
        entityRef: checkout,
        findingId: bash.id,
      });
      expect(output).toMatchObject({
        finding: {
          id: bash.id,
          rule: 'host-namespace-entry',
          severity: 'critical',
          triage: 'open',
          remediation: expect.any(String),
        },
        event: {
          type: 'process_exec',
          pod: expect.stringMatching(/^checkout-/),
        },
      });
      const tree = (output as { processTree: Array<{ binary: string }> })
        .processTree;
      expect(tree.map(p => p.binary)).toEqual([
        '/usr/bin/nsenter',
        '/usr/bin/bash',
      ]);
      await expect(
        invoke('get-security-finding', {
          entityRef: checkout,
          findingId: 'nothex',
        }),
      ).rejects.toThrow(InputError);
      await expect(
        invoke('get-security-finding', {
          entityRef: 'component:default/other',
          findingId: bash.id,
        }),
      ).rejects.toThrow(/does not exist for component:default\/other/);
    });

    it(`${READ} denied → NotAllowedError`, async () => {
      const { invoke } = await startWithActions([READ]);
      const call = invoke('get-security-finding', {
        entityRef: checkout,
        findingId: '0123456789abcdef',
      });
      await expect(call).rejects.toThrow(NotAllowedError);
      await expect(call).rejects.toThrow(
        `permission '${READ}' is denied for ${checkout}`,
      );
    });
  });

  describe('triage-security-finding', () => {
    it(`${TRIAGE} allowed: records the state, the reason and who triaged it`, async () => {
      const { invoke } = await startWithActions();
      const listed = (
        await invoke('list-entity-security-findings', { entityRef: checkout })
      ).output as Listed;
      const target = listed.findings[0];
      const { output } = await invoke('triage-security-finding', {
        entityRef: checkout,
        findingId: target.id,
        state: 'acknowledged',
        reason: 'expected: node debugging by the platform team',
      });
      expect(output).toMatchObject({
        id: target.id,
        state: 'acknowledged',
        by: 'user:default/mock',
        reason: 'expected: node debugging by the platform team',
      });
      const after = (
        await invoke('list-entity-security-findings', {
          entityRef: checkout,
          triage: 'acknowledged',
        })
      ).output as Listed;
      expect(after.findings.map(f => f.id)).toEqual([target.id]);
      await expect(
        invoke('triage-security-finding', {
          entityRef: checkout,
          findingId: target.id,
          state: 'false-positive',
        }),
      ).rejects.toThrow(/'reason' is required/);
    });

    it(`${TRIAGE} denied (reading allowed) → NotAllowedError, nothing changes`, async () => {
      const { invoke } = await startWithActions([TRIAGE]);
      const listed = (
        await invoke('list-entity-security-findings', { entityRef: checkout })
      ).output as Listed;
      const target = listed.findings[0];
      const call = invoke('triage-security-finding', {
        entityRef: checkout,
        findingId: target.id,
        state: 'acknowledged',
        reason: 'fine',
      });
      await expect(call).rejects.toThrow(NotAllowedError);
      await expect(call).rejects.toThrow(
        `permission '${TRIAGE}' is denied for ${checkout}`,
      );
      const after = (
        await invoke('list-entity-security-findings', { entityRef: checkout })
      ).output as Listed;
      expect(after.findings.find(f => f.id === target.id)?.triage).toBe('open');
    });
  });
});
