/** GET /entity answers with an ETag over the stored result, and 304 to a request that names it. */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import request from 'supertest';
import { runtimeSecurityPlugin } from './plugin';
import { corpusLines, relabel } from './__testUtils__/corpus';

const TOKEN = 'a-very-long-ingest-token-0123456789';
const BASE = '/api/runtime-security';
const entity = (name: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-id': name,
      'backstage.io/kubernetes-namespace': 'shop',
    },
  },
  spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
});
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
const lines = corpusLines().map(l =>
  relabel(l, { namespace: 'shop', workload: 'checkout', entity: 'checkout' }),
);

async function start(
  result: AuthorizeResult.ALLOW | AuthorizeResult.DENY = AuthorizeResult.ALLOW,
) {
  const { server } = await startTestBackend({
    features: [
      runtimeSecurityPlugin,
      catalogServiceMock.factory({ entities: [entity('checkout')] }),
      mockServices.rootConfig.factory({ data: config }),
      mockServices.permissions.factory({ result }),
    ],
  });
  return server;
}

const ingest = (server: Awaited<ReturnType<typeof start>>, body: string) =>
  request(server)
    .post(`${BASE}/ingest?source=node-1`)
    .set('x-periscope-ingest-token', TOKEN)
    .type('application/x-ndjson')
    .send(body);

describe('runtime-security GET /entity caching', () => {
  const url = `${BASE}/entity?entityRef=component:default/checkout`;

  it('sends an ETag and Cache-Control, answers 304 while the stored result is unchanged, 200 with a new ETag after an ingest', async () => {
    const server = await start();
    expect(
      (
        await ingest(
          server,
          lines.slice(0, Math.ceil(lines.length / 2)).join('\n'),
        )
      ).status,
    ).toBe(200);
    const first = await request(server).get(url);
    expect(first.status).toBe(200);
    expect(first.body.findings.length).toBeGreaterThan(0);
    const etag = first.headers.etag;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(first.headers['cache-control']).toBe('private, no-cache');

    // the same stored result: the same ETag, and 304 without a body to a request naming it
    const again = await request(server).get(url);
    expect(again.headers.etag).toBe(etag);
    const notModified = await request(server)
      .get(url)
      .set('If-None-Match', etag);
    expect(notModified.status).toBe(304);
    expect(notModified.text ?? '').toBe('');
    expect(
      (
        await request(server)
          .get(url)
          .set('If-None-Match', `"other", W/${etag}`)
      ).status,
    ).toBe(304);
    expect(
      (await request(server).get(url).set('If-None-Match', '"other"')).status,
    ).toBe(200);

    // more events stored: a changed result, a new ETag, and the old one no longer matches
    expect((await ingest(server, lines.join('\n'))).status).toBe(200);
    const changed = await request(server).get(url).set('If-None-Match', etag);
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('checks the permission before it compares ETags: a denied caller gets 403, not 304', async () => {
    const server = await start(AuthorizeResult.DENY);
    const res = await request(server).get(url).set('If-None-Match', '*');
    expect(res.status).toBe(403);
  });
});
