/**
 * The whole plugin (startTestBackend) against the recording cluster stand-in: GET /entity reads
 * the cluster for the first answer only and then serves the stored state.
 */
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { recordingCluster } from '@periscope/test-utils';
import request from 'supertest';
import { modulesConfig, start } from './__testUtils__/backend';

const E = '/api/module-deploy/entity?entityRef=component:default/checkout';

describe('GET /entity with the recording cluster stand-in', () => {
  let stand: Awaited<ReturnType<typeof recordingCluster>>;
  beforeEach(async () => {
    stand = await recordingCluster();
  });
  afterEach(() => stand.close());

  const config = () => ({
    ...modulesConfig,
    kubernetes: {
      clusterLocatorMethods: [
        {
          type: 'config',
          clusters: [
            {
              name: 'c1',
              url: stand.url,
              authProvider: 'serviceAccount',
              serviceAccountToken: 't',
              skipTLSVerify: true, // the stand-in speaks plain http
            },
          ],
        },
      ],
    },
    periscope: { clusterTimeoutMs: 2000 },
  });

  it('calls the cluster for the first answer, not while the stored result is fresh', async () => {
    const published: unknown[] = [];
    const signals = createServiceFactory({
      service: signalsServiceRef,
      deps: { logger: coreServices.logger },
      factory: () => ({
        publish: async (s: unknown) => void published.push(s),
      }),
    });
    const server = await start({ config: config(), extraFeatures: [signals] });
    const first = await request(server).get(E);
    expect(first.status).toBe(200);
    // the stand-in refuses everything: stored as the cluster's error
    expect(first.body.errors).toEqual([
      expect.objectContaining({ cluster: 'c1', errorType: 'SYSTEM_ERROR' }),
    ]);
    const seen = stand.requests.length;
    expect(seen).toBeGreaterThan(0);
    const again = await request(server).get(E);
    expect(again.status).toBe(200);
    expect(again.body.errors).toEqual(first.body.errors);
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(stand.requests).toHaveLength(seen);
    // the read stored once: one signal to open tabs of the entity, carrying no state
    expect(published).toEqual([
      {
        recipients: { type: 'broadcast' },
        channel: 'module-deploy:component:default/checkout',
        message: {
          entityRef: 'component:default/checkout',
          refreshedAt: expect.any(String),
        },
      },
    ]);
  });

  it('answers 403 to a caller without the read permission and reads nothing', async () => {
    const server = await start({
      config: config(),
      deny: ['module-deploy.instance.read'],
    });
    const res = await request(server).get(E);
    expect(res.status).toBe(403);
    expect(stand.requests).toEqual([]);
  });
});
