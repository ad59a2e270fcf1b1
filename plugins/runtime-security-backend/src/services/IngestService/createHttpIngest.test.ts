import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { corpusLines, relabel } from '../../__testUtils__/corpus';
import { createFindingsStore } from '../FindingsStore';
import {
  createHttpIngest,
  MAX_CONCURRENT_BODIES,
  MAX_SOURCES,
} from './createHttpIngest';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const lines = corpusLines().map(l =>
  relabel(l, { namespace: 'shop', workload: 'checkout', entity: 'checkout' }),
);
const analyzer = { customRules: [] };

async function newStore() {
  const knex = await databases.init('SQLITE_3');
  return createFindingsStore(mockServices.database({ knex }));
}

describe('HttpIngest', () => {
  it('answers 429 while the queue is full and accepts again once it drained', async () => {
    const store = await newStore();
    let release!: () => void;
    const gate = new Promise<void>(r => {
      release = r;
    });
    const realIngest = store.ingest.bind(store);
    jest.spyOn(store, 'ingest').mockImplementation(async recs => {
      await gate;
      return realIngest(recs);
    });
    const ingest = createHttpIngest(
      {
        maxBodyBytes: 1e6,
        maxQueuedLines: lines.length + 5,
        retryAfterSeconds: 3,
        tokens: [],
        services: [],
      },
      { store, logger: mockServices.logger.mock(), analyzer },
    );
    const first = ingest.ingest(lines.join('\n'), { source: 'n1' });
    expect(ingest.queuedLines).toBe(lines.length);
    await expect(
      ingest.ingest(lines.join('\n'), { source: 'n2' }),
    ).rejects.toMatchObject({
      statusCode: 429,
      message: expect.stringMatching(/retry after 3 s/),
    });
    release();
    await first;
    expect(ingest.queuedLines).toBe(0);
    await expect(
      ingest.ingest(lines.join('\n'), { source: 'n2' }),
    ).resolves.toMatchObject({ newEvents: 0 });
  });
});

describe('HttpIngest memory bounds', () => {
  const settings = {
    maxBodyBytes: 1e6,
    maxQueuedLines: 10,
    retryAfterSeconds: 3,
    tokens: [],
    services: [],
  };

  it('refuses before reading a body when the queue is full or too many bodies are being read', async () => {
    const store = await newStore();
    const ingest = createHttpIngest(settings, {
      store,
      logger: mockServices.logger.mock(),
      analyzer,
    });
    const slots = Array.from({ length: MAX_CONCURRENT_BODIES }, () =>
      ingest.admit(),
    );
    expect(() => ingest.admit()).toThrow(
      /4 batches are being received already: retry after 3 s/,
    );
    slots.forEach(release => release());
    slots[0](); // releasing twice frees one slot only once
    const again = Array.from({ length: MAX_CONCURRENT_BODIES }, () =>
      ingest.admit(),
    );
    expect(() => ingest.admit()).toThrow(/being received already/);
    again.forEach(release => release());
  });

  it('keeps at most MAX_SOURCES ingesters in memory, least recently used out first', async () => {
    const store = await newStore();
    const ingest = createHttpIngest(
      { ...settings, maxQueuedLines: 1e6 },
      { store, logger: mockServices.logger.mock(), analyzer },
    );
    for (let i = 0; i < MAX_SOURCES + 50; i++)
      await ingest.ingest('', { source: `node-${i}` });
    expect(ingest.sourcesInMemory).toBe(MAX_SOURCES);
  });
});
