import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  notificationService,
  NotificationSendOptions,
} from '@backstage/plugin-notifications-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import request from 'supertest';
import { runtimeSecurityPlugin } from './plugin';

const component = (
  name: string,
  owner: string,
  annotations: Record<string, string>,
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-namespace': 'shop',
      ...annotations,
    },
  },
  spec: { type: 'service', owner, lifecycle: 'production' },
});

const entities: Entity[] = [
  component('checkout', 'team-shop', {
    'backstage.io/kubernetes-id': 'checkout',
  }),
  // a second entity of the same owner over the same workloads: the owner still gets one notification
  component('checkout-api', 'group:default/team-shop', {
    'backstage.io/kubernetes-label-selector': 'app=checkout',
  }),
  component('quiet', 'team-quiet', {
    'backstage.io/kubernetes-id': 'quiet',
    'periscope.dev/security-notifications': 'off',
  }),
  component('ledger', 'team-ledger', {
    'backstage.io/kubernetes-id': 'ledger',
  }),
];

const TOKEN = 'a-very-long-ingest-token-0123456789';
const BASE = '/api/runtime-security';
const config = (notifications: object = { mutedEntities: ['ledger'] }) => ({
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
  runtimeSecurity: {
    sources: { kubernetes: { enabled: false } },
    ingest: { token: TOKEN },
    notifications,
  },
});

let seq = 0;
/** One Tetragon export line of a container of `workload` (pods labelled as the example catalog does). */
function line(
  workload: string,
  type: 'process_exec' | 'process_kprobe',
  process: Record<string, unknown>,
  body: Record<string, unknown> = {},
): string {
  seq++;
  return JSON.stringify({
    [type]: {
      process: {
        exec_id: Buffer.from(`node-1:${seq}:${workload}`).toString('base64'),
        parent_exec_id: Buffer.from('node-1:1:0').toString('base64'),
        pid: 1000 + seq,
        uid: 0,
        binary: '/usr/bin/app',
        arguments: '',
        start_time: '2025-05-05T05:05:05Z',
        pod: {
          namespace: 'shop',
          name: `${workload}-6d5f7c9b8d-abcde`,
          container: {
            id: 'containerd://abc',
            name: workload,
            image: { name: `registry.example/${workload}:1` },
          },
          pod_labels: { app: workload, 'backstage.io/kubernetes-id': workload },
          workload,
          workload_kind: 'Deployment',
        },
        docker: 'abcdef123456',
        ...process,
      },
      ...body,
    },
    node_name: 'node-1',
    time: `2025-05-05T05:05:${String(10 + (seq % 40)).padStart(2, '0')}Z`,
  });
}

const fileless = (workload: string) =>
  line(workload, 'process_exec', { binary: 'memfd:payload (deleted)' });
const packageManager = (workload: string) =>
  line(workload, 'process_exec', {
    binary: '/usr/bin/apt-get',
    arguments: 'install -y curl',
  });
const sigkill = (workload: string) =>
  line(
    workload,
    'process_kprobe',
    { binary: '/usr/bin/cat', arguments: '/etc/hosts' },
    {
      function_name: 'security_file_open',
      policy_name: 'deny-etc',
      action: 'KPROBE_ACTION_SIGKILL',
      args: [{ file_arg: { path: '/etc/hosts' } }],
    },
  );

async function start(
  opts: {
    notifications?: object;
    send?: (o: NotificationSendOptions) => Promise<void>;
  } = {},
) {
  const send = jest.fn(
    opts.send ?? (async (_o: NotificationSendOptions) => {}),
  );
  const logger = mockServices.logger.mock();
  const { server } = await startTestBackend({
    features: [
      runtimeSecurityPlugin,
      catalogServiceMock.factory({ entities }),
      mockServices.rootConfig.factory({ data: config(opts.notifications) }),
      mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }),
      createServiceFactory({
        service: notificationService,
        deps: {},
        factory: () => ({ send }),
      }),
      logger.factory,
    ],
  });
  const ingest = async (lines: string[], source = 'node-1') => {
    const res = await request(server)
      .post(`${BASE}/ingest?source=${source}`)
      .set('x-periscope-ingest-token', TOKEN)
      .type('application/x-ndjson')
      .send(lines.join('\n'));
    expect(res.status).toBe(200);
    return res.body;
  };
  return { server, send, ingest, logger };
}

describe('notifications of new findings', () => {
  it('notifies the owning group once of a new critical finding, and not again when the stream is replayed', async () => {
    const { send, ingest } = await start();
    const stream = [fileless('checkout'), fileless('checkout')];
    await ingest(stream);
    expect(send).toHaveBeenCalledTimes(1);
    const [{ recipients, payload }] = send.mock.calls[0];
    expect(recipients).toEqual({
      type: 'entity',
      entityRef: 'group:default/team-shop',
    });
    expect(payload).toMatchObject({
      title:
        'Critical runtime finding: Fileless execution (memfd or deleted binary) in shop/checkout',
      severity: 'critical',
      topic: 'runtime-security',
      link: '/catalog/default/component/checkout/security',
      scope: expect.stringMatching(/^runtime-security:finding:[0-9a-f]{16}$/),
    });
    expect(payload.description).toMatch(
      /^Rule fileless-execution \(critical\) matched in shop\/checkout at 2025-05-05T05:05:\d\dZ: memfd:payload \(deleted\)\./,
    );
    expect(payload.description).toContain('T1620');

    // the same stream again, from the same agent and from another one (a second replica, a re-read)
    await ingest(stream);
    await ingest(stream, 'node-2');
    expect(send).toHaveBeenCalledTimes(1);

    // a new event of the same finding is no new finding either
    await ingest([fileless('checkout')]);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('sends nothing for findings that are not critical', async () => {
    const { send, ingest } = await start();
    const body = await ingest([packageManager('checkout')]);
    expect(body).toMatchObject({ detections: 1, newFindings: 1 });
    expect(send).not.toHaveBeenCalled();
  });

  it('sends nothing for an entity muted by annotation or by runtimeSecurity.notifications.mutedEntities', async () => {
    const { send, ingest } = await start();
    const body = await ingest([fileless('quiet'), fileless('ledger')]);
    expect(body).toMatchObject({ newFindings: 2 });
    expect(send).not.toHaveBeenCalled();
  });

  it('sends nothing with runtimeSecurity.notifications.enabled: false', async () => {
    const { send, ingest } = await start({ notifications: { enabled: false } });
    await ingest([fileless('checkout')]);
    expect(send).not.toHaveBeenCalled();
  });

  it('notifies when a TracingPolicy starts killing processes of a workload', async () => {
    const { send, ingest } = await start();
    await ingest([sigkill('checkout'), sigkill('checkout')]);
    expect(send).toHaveBeenCalledTimes(1);
    expect(send.mock.calls[0][0]).toMatchObject({
      recipients: { type: 'entity', entityRef: 'group:default/team-shop' },
      payload: {
        title: 'TracingPolicy deny-etc killed a process in shop/checkout',
        severity: 'high',
        link: '/catalog/default/component/checkout/security',
      },
    });
    expect(send.mock.calls[0][0].payload.description).toContain(
      'action SIGKILL',
    );
    await ingest([sigkill('checkout')]);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('stores the findings and answers 200 when sending fails (no notifications backend)', async () => {
    const { send, ingest, server, logger } = await start({
      send: async () => {
        throw new Error(
          'Failed to send notifications: Error: Request failed with status 404',
        );
      },
    });
    const body = await ingest([fileless('checkout')]);
    expect(body).toMatchObject({ newFindings: 1 });
    expect(send).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('Is the notifications backend'),
    );
    const res = await request(server).get(`${BASE}/findings?severity=critical`);
    expect(res.body.findings).toHaveLength(1);
  });
});
