import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { DetectionRecord } from '../FindingsStore';
import {
  createFindingNotifier,
  notificationReason,
  ownerOf,
  securityTabLink,
} from './createFindingNotifier';

const record = (
  over: Partial<DetectionRecord> = {},
  sample: Partial<DetectionRecord['sample']> = {},
): DetectionRecord => ({
  findingId: '0123456789abcdef',
  rule: 'fileless-execution',
  title: 'Fileless execution (memfd or deleted binary)',
  severity: 'critical',
  mitre: { id: 'T1620', name: 'Reflective Code Loading' },
  remediation: 'Isolate the pod.',
  outcome: 'observed',
  cluster: 'c1',
  namespace: 'shop',
  workload: 'checkout',
  pod: 'checkout-1',
  binary: 'memfd:x (deleted)',
  labels: { 'backstage.io/kubernetes-id': 'checkout' },
  eventId: 'e1',
  timeMs: 0,
  ...over,
  sample: {
    eventId: 'e1',
    type: 'process_exec',
    time: '2025-05-05T05:05:05Z',
    binary: 'memfd:x (deleted)',
    arguments: '',
    ancestry: [],
    ...sample,
  } as DetectionRecord['sample'],
});

const entity = (
  over: Partial<Entity> = {},
  annotations: Record<string, string> = {},
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'checkout',
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-id': 'checkout',
      'backstage.io/kubernetes-namespace': 'shop',
      ...annotations,
    },
  },
  spec: { owner: 'team-shop' },
  ...over,
});

describe('notificationReason', () => {
  it('is critical for a critical finding and nothing for a high one', () => {
    expect(notificationReason(record())).toEqual({ kind: 'critical' });
    expect(notificationReason(record({ severity: 'high' }))).toBeUndefined();
  });

  it('is enforcement for a Sigkill or Override of a policy, from the action or the blocked detail (return actions)', () => {
    const blocked = {
      rule: 'policy-enforcement-blocked',
      severity: 'high' as const,
      outcome: 'blocked' as const,
    };
    expect(
      notificationReason(
        record(blocked, {
          action: 'KPROBE_ACTION_SIGKILL',
          policy: 'deny-etc',
        }),
      ),
    ).toEqual({ kind: 'enforcement', action: 'SIGKILL' });
    expect(
      notificationReason(
        record(blocked, {
          action: 'KPROBE_ACTION_POST',
          detail: 'deny-write: OVERRIDE on sys_write',
        }),
      ),
    ).toEqual({ kind: 'enforcement', action: 'OVERRIDE' });
    // monitoring (Post) and a mere signal are not the policy killing processes
    expect(
      notificationReason(
        record(
          { severity: 'medium' },
          { action: 'KPROBE_ACTION_POST', policy: 'file-monitoring' },
        ),
      ),
    ).toBeUndefined();
    expect(
      notificationReason(
        record(blocked, {
          action: 'KPROBE_ACTION_SIGNAL',
          detail: 'p: SIGNAL on f',
        }),
      ),
    ).toBeUndefined();
  });
});

describe('ownerOf and securityTabLink', () => {
  it('prefers the ownedBy relation, else spec.owner as a group of the entity namespace', () => {
    expect(
      ownerOf(
        entity({
          relations: [{ type: 'ownedBy', targetRef: 'group:platform/sre' }],
        }),
      ),
    ).toBe('group:platform/sre');
    expect(ownerOf(entity())).toBe('group:default/team-shop');
    expect(
      ownerOf(
        entity({
          metadata: { name: 'x', namespace: 'shop' },
          spec: { owner: 'user:ana' },
        }),
      ),
    ).toBe('user:shop/ana');
    expect(ownerOf(entity({ spec: {} }))).toBeUndefined();
  });

  it('links the Security tab of the entity page', () => {
    expect(
      securityTabLink(
        entity({
          kind: 'Component',
          metadata: { name: 'Checkout', namespace: 'Shop' },
        }),
      ),
    ).toBe('/catalog/shop/component/Checkout/security');
  });
});

describe('createFindingNotifier', () => {
  const make = (entities: Entity[], mutedEntities: string[] = []) => {
    const send = jest.fn(async () => {});
    const notifier = createFindingNotifier({
      settings: { enabled: true, mutedEntities },
      notifications: { send },
      catalog: catalogServiceMock({ entities }),
      auth: mockServices.auth(),
      logger: mockServices.logger.mock(),
    });
    return { send, notifier };
  };

  it('sends one notification per owner, to the owner of each matching entity', async () => {
    const { send, notifier } = make([
      entity(),
      entity({
        metadata: {
          name: 'checkout-api',
          namespace: 'default',
          annotations: {
            'backstage.io/kubernetes-label-selector':
              'backstage.io/kubernetes-id=checkout',
            'backstage.io/kubernetes-namespace': 'shop',
          },
        },
      }),
      entity({
        metadata: {
          name: 'checkout-ops',
          namespace: 'default',
          annotations: {
            'backstage.io/kubernetes-id': 'checkout',
            'backstage.io/kubernetes-namespace': 'shop',
          },
        },
        spec: { owner: 'sre' },
      }),
      entity({
        metadata: {
          name: 'elsewhere',
          namespace: 'default',
          annotations: {
            'backstage.io/kubernetes-id': 'checkout',
            'backstage.io/kubernetes-namespace': 'other',
          },
        },
        spec: { owner: 'team-other' },
      }),
    ]);
    await notifier.notifyNewFindings([
      record(),
      record({ findingId: 'fedcba9876543210', severity: 'low' }),
    ]);
    expect(
      send.mock.calls.map(([o]: any[]) => [
        o.recipients.entityRef,
        o.payload.link,
      ]),
    ).toEqual([
      ['group:default/sre', '/catalog/default/component/checkout-ops/security'],
      [
        'group:default/team-shop',
        '/catalog/default/component/checkout/security',
      ],
    ]);
  });

  it('sends nothing for a muted entity (annotation or config) and nothing without a matching entity', async () => {
    const byAnnotation = make([
      entity({}, { 'periscope.dev/security-notifications': 'Off' }),
    ]);
    await byAnnotation.notifier.notifyNewFindings([record()]);
    const byConfig = make([entity()], ['component:default/checkout']);
    await byConfig.notifier.notifyNewFindings([record()]);
    const unmapped = make([entity()]);
    await unmapped.notifier.notifyNewFindings([
      record({ labels: { app: 'other' } }),
    ]);
    expect(
      [byAnnotation.send, byConfig.send, unmapped.send].map(
        s => s.mock.calls.length,
      ),
    ).toEqual([0, 0, 0]);
  });

  it('reads the catalog at most every 30 s', async () => {
    let t = 0;
    const catalog = catalogServiceMock({ entities: [entity()] });
    const getEntities = jest.spyOn(catalog, 'getEntities');
    const notifier = createFindingNotifier({
      settings: { enabled: true, mutedEntities: [] },
      notifications: { send: async () => {} },
      catalog,
      auth: mockServices.auth(),
      logger: mockServices.logger.mock(),
      now: () => t,
    });
    await notifier.notifyNewFindings([record()]);
    t = 29_000;
    await notifier.notifyNewFindings([record()]);
    await notifier.notifyNewFindings([record({ severity: 'low' })]); // nothing to notify: no read
    expect(getEntities).toHaveBeenCalledTimes(1);
    t = 31_000;
    await notifier.notifyNewFindings([record()]);
    expect(getEntities).toHaveBeenCalledTimes(2);
  });
});
