import { Readable } from 'node:stream';
import { HttpIngestSettings } from '../../config';
import { createIngestService, tokenMatches } from './createIngestService';
import { HttpIngest, IngestRequest } from './types';

const TOKEN = 'a-very-long-ingest-token-0123456789';
const PROD = 'prod-only-ingest-token-0123456789';

function setup(overrides: Partial<HttpIngestSettings> = {}) {
  const settings: HttpIngestSettings = {
    token: TOKEN,
    tokens: [{ name: 'prod', token: PROD, clusters: ['prod'] }],
    services: [{ subject: 'plugin:agent', clusters: ['a', 'b'] }],
    maxBodyBytes: 100,
    maxQueuedLines: 1000,
    retryAfterSeconds: 7,
    ...overrides,
  };
  const ingest = jest.fn(async (body: string) => ({
    lines: body.split('\n').length,
    events: 0,
    detections: 0,
    newEvents: 0,
    newFindings: 0,
  }));
  const release = jest.fn();
  const httpIngest = {
    settings,
    queuedLines: 0,
    sourcesInMemory: 0,
    admit: jest.fn(() => release),
    ingest,
  } as unknown as HttpIngest;
  const service = createIngestService({ httpIngest });
  const request = (r: Partial<IngestRequest>): IngestRequest => ({
    authorizeService: async () => {
      throw new Error('not a service');
    },
    body: Readable.from([Buffer.from('{}\n{}')]),
    ...r,
  });
  return { service, request, ingest, release, httpIngest };
}

describe('createIngestService', () => {
  it('stores the batch of a caller with the ingest token, its source and cluster as sent', async () => {
    const { service, request, ingest, release } = setup();
    await expect(
      service.ingest(request({ token: TOKEN, source: 'node-1', cluster: 'x' })),
    ).resolves.toMatchObject({ lines: 2 });
    expect(ingest).toHaveBeenCalledWith('{}\n{}', {
      source: 'node-1',
      cluster: 'x',
    });
    expect(release).toHaveBeenCalledTimes(1);
    expect(service.retryAfterSeconds).toBe(7);
  });

  it('gives a token limited to one cluster that cluster, and refuses another', async () => {
    const { service, request, ingest } = setup();
    await service.ingest(request({ token: PROD }));
    expect(ingest).toHaveBeenCalledWith('{}\n{}', {
      source: 'default',
      cluster: 'prod',
    });
    await expect(
      service.ingest(request({ token: PROD, cluster: 'dev' })),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message:
        "runtimeSecurity.ingest.tokens 'prod' may not write events of cluster 'dev'; it may write prod",
    });
  });

  it('asks a service of several clusters to name one, and asks the router to authorize it', async () => {
    const { service, request, ingest } = setup();
    const authorizeService = jest.fn(async () => 'plugin:agent');
    await expect(
      service.ingest(request({ authorizeService })),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: 'plugin:agent may write events of a, b: name one with ?cluster=',
    });
    await service.ingest(request({ authorizeService, cluster: 'b' }));
    expect(ingest).toHaveBeenCalledWith('{}\n{}', {
      source: 'default',
      cluster: 'b',
    });
    expect(authorizeService).toHaveBeenCalledTimes(2);
  });

  it.each([
    [
      'a wrong token',
      {},
      `${TOKEN}x`,
      'the x-periscope-ingest-token header matches neither runtimeSecurity.ingest.token nor an entry of runtimeSecurity.ingest.tokens',
    ],
    [
      'a token when none is configured',
      { token: undefined, tokens: [] },
      TOKEN,
      'no ingest token is configured (runtimeSecurity.ingest.token or .tokens), so x-periscope-ingest-token is not accepted: configure one, or call with a Backstage service token',
    ],
  ])(
    'refuses %s with a 403 before reading the body',
    async (_w, o, token, message) => {
      const { service, request, httpIngest } = setup(o);
      const authorizeService = jest.fn();
      await expect(
        service.ingest(request({ token, authorizeService })),
      ).rejects.toMatchObject({ name: 'NotAllowedError', message });
      expect(authorizeService).not.toHaveBeenCalled();
      expect(httpIngest.admit).not.toHaveBeenCalled();
    },
  );

  it('refuses a bad source name and a body over maxBodyBytes, releasing the admission', async () => {
    const { service, request, release } = setup();
    await expect(
      service.ingest(request({ token: TOKEN, source: 'a b' })),
    ).rejects.toMatchObject({ name: 'InputError' });
    await expect(
      service.ingest(
        request({
          token: TOKEN,
          body: Readable.from([Buffer.alloc(101)]),
        }),
      ),
    ).rejects.toMatchObject({ statusCode: 413 });
    expect(release).toHaveBeenCalledTimes(1);
  });

  it('compares tokens in full', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(tokenMatches('', TOKEN)).toBe(false);
  });
});
