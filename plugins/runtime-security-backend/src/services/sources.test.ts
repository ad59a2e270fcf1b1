import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { createSecurityAnalyzer } from '@periscope/backstage-plugin-runtime-security-common';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import { corpusLines, POLICIES_DIR, relabel } from '../__testUtils__/corpus';
import { FileSource } from './FileSource/FileSource';
import { FindingsStore } from './FindingsStore';
import { HttpIngest } from './IngestService/HttpIngest';
import {
  advance,
  compareTimestamps,
  ResumeFilter,
  sinceTimeOf,
  splitTimestamp,
} from './KubernetesSource/logLines';
import { summarizePolicySpec } from './PolicyService';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const lines = corpusLines().map(l =>
  relabel(l, { namespace: 'shop', workload: 'checkout', entity: 'checkout' }),
);
const analyzer = { customRules: [] };

function referenceTotal(input: string[]): number {
  const a = createSecurityAnalyzer();
  for (const l of input) a.pushLine(l);
  return a.result().findings.reduce((n, f) => n + f.count, 0);
}

async function newStore() {
  const knex = await databases.init('SQLITE_3');
  return FindingsStore.create(mockServices.database({ knex }));
}

const total = async (store: FindingsStore) =>
  (await store.list()).reduce((n, f) => n + f.count, 0);

describe('FileSource', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-file-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('follows appends, keeps partial lines for later, survives restarts, rotation and truncation', async () => {
    const store = await newStore();
    const file = path.join(dir, 'tetragon.log');
    const settings = { id: 'file:t', path: file, pollMs: 1000 };
    const deps = { store, logger: mockServices.logger.mock(), analyzer };
    const a = lines.slice(0, 20);
    const b = lines.slice(20, 40);
    const c = lines.slice(40);
    // first part, plus half of a line that is still being written
    fs.writeFileSync(file, `${a.join('\n')}\n${b[0].slice(0, 30)}`);
    expect(await new FileSource(settings, deps).poll()).toBe(a.length);
    fs.appendFileSync(file, `${b[0].slice(30)}\n${b.slice(1).join('\n')}\n`);
    // a restarted backend: a new FileSource resumes at the stored offset
    expect(await new FileSource(settings, deps).poll()).toBe(b.length);
    expect(await total(store)).toBe(referenceTotal([...a, ...b]));

    // rotation: more lines land in the old file, it is renamed, a new file starts
    fs.appendFileSync(file, `${c.slice(0, 5).join('\n')}\n`);
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, `${c.slice(5).join('\n')}\n`);
    const src = new FileSource(settings, deps);
    expect(await src.poll()).toBe(c.length);
    expect(await total(store)).toBe(referenceTotal(lines));
    expect(await src.poll()).toBe(0);

    // truncation (copytruncate): same inode, smaller size: read from 0, nothing double counted
    fs.truncateSync(file, 0);
    fs.writeFileSync(file, `${lines.slice(0, 3).join('\n')}\n`);
    expect(await src.poll()).toBe(3);
    expect(await total(store)).toBe(referenceTotal(lines));
  });

  it('skips a line longer than maxLineBytes as too_large, keeping only maxLineBytes + 1 of it in memory', async () => {
    const store = await newStore();
    const file = path.join(dir, 'huge.log');
    // 3 MiB of one line (no newline for many read chunks), then ordinary lines
    fs.writeFileSync(
      file,
      `${'x'.repeat(3 * 1024 * 1024)}\n${lines.slice(0, 5).join('\n')}\n`,
    );
    const settings = { id: 'file:huge', path: file, pollMs: 1000 };
    const deps = {
      store,
      logger: mockServices.logger.mock(),
      analyzer: { customRules: [], maxLineBytes: 4096 },
    };
    const concat = jest.spyOn(Buffer, 'concat');
    expect(await new FileSource(settings, deps).poll()).toBe(6);
    // no buffer the source built grew past the cap plus one read chunk
    const largest = Math.max(
      ...concat.mock.results.map(r => (r.value as Buffer).length),
    );
    concat.mockRestore();
    expect(largest).toBeLessThanOrEqual(4097 + 1024 * 1024); // without the cap: the whole 3 MiB line
    expect((await store.getSource('file:huge'))?.skipped).toMatchObject({
      too_large: 1,
    });
    expect(await total(store)).toBe(referenceTotal(lines.slice(0, 5)));
  });

  it('records a missing file as a source error that says what to check', async () => {
    const store = await newStore();
    const src = new FileSource(
      { id: 'file:none', path: path.join(dir, 'absent.log'), pollMs: 1000 },
      { store, logger: mockServices.logger.mock(), analyzer },
    );
    expect(await src.poll()).toBe(0);
    expect((await store.getSource('file:none'))?.error).toMatch(
      /does not exist: check runtimeSecurity.sources.files/,
    );
  });
});

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
    const ingest = new HttpIngest(
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
    const ingest = new HttpIngest(settings, {
      store,
      logger: mockServices.logger.mock(),
      analyzer,
    });
    const slots = Array.from({ length: HttpIngest.MAX_CONCURRENT_BODIES }, () =>
      ingest.admit(),
    );
    expect(() => ingest.admit()).toThrow(
      /4 batches are being received already: retry after 3 s/,
    );
    slots.forEach(release => release());
    slots[0](); // releasing twice frees one slot only once
    const again = Array.from({ length: HttpIngest.MAX_CONCURRENT_BODIES }, () =>
      ingest.admit(),
    );
    expect(() => ingest.admit()).toThrow(/being received already/);
    again.forEach(release => release());
  });

  it('keeps at most MAX_SOURCES ingesters in memory, least recently used out first', async () => {
    const store = await newStore();
    const ingest = new HttpIngest(
      { ...settings, maxQueuedLines: 1e6 },
      { store, logger: mockServices.logger.mock(), analyzer },
    );
    for (let i = 0; i < HttpIngest.MAX_SOURCES + 50; i++)
      await ingest.ingest('', { source: `node-${i}` });
    expect(ingest.sourcesInMemory).toBe(HttpIngest.MAX_SOURCES);
  });
});

describe('log line checkpoints', () => {
  it('splits timestamps and compares them to the nanosecond', () => {
    expect(splitTimestamp('2024-01-01T00:00:01.123456789Z {"a":1}')).toEqual({
      ts: '2024-01-01T00:00:01.123456789Z',
      text: '{"a":1}',
    });
    expect(splitTimestamp('{"a":1}')).toBeUndefined();
    expect(
      compareTimestamps(
        '2024-01-01T00:00:01.000000002Z',
        '2024-01-01T00:00:01.000000001Z',
      ),
    ).toBeGreaterThan(0);
    expect(
      compareTimestamps('2024-01-01T00:00:01Z', '2024-01-01T00:00:01.0Z'),
    ).toBe(0);
    expect(sinceTimeOf('2024-01-01T00:00:01.9Z')).toBe('2024-01-01T00:00:01Z');
  });

  it('skips exactly the lines stored before a restart', () => {
    const ts = [
      '2024-01-01T00:00:01.5Z',
      '2024-01-01T00:00:02Z',
      '2024-01-01T00:00:02Z',
      '2024-01-01T00:00:02Z',
      '2024-01-01T00:00:03Z',
    ];
    // the first run stored the first three lines
    let cp;
    for (const t of ts.slice(0, 3)) cp = advance(cp, t);
    expect(cp).toEqual({ ts: '2024-01-01T00:00:02Z', sameTs: 2 });
    // the resumed stream starts at the whole second of the checkpoint (sinceTime)
    const filter = new ResumeFilter(cp);
    expect(ts.slice(1).map(t => filter.accept(t))).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });
});

describe('TracingPolicy summaries of the corpus', () => {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of fs.readdirSync(d)) {
      const p = path.join(d, f);
      if (fs.statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.yaml')) files.push(p);
    }
  };
  walk(POLICIES_DIR);

  it.each(files.map(f => [path.relative(POLICIES_DIR, f), f]))(
    '%s: mode follows its actions',
    (_name, file) => {
      const docs = yaml
        .parseAllDocuments(fs.readFileSync(file, 'utf8'))
        .map(d => d.toJSON())
        .filter(d => d?.spec);
      for (const doc of docs) {
        const s = summarizePolicySpec(doc.spec);
        const text = JSON.stringify(doc.spec);
        const enforcing = /"action":"(Sigkill|Override|NotifyEnforcer)"/i.test(
          text,
        );
        expect(s.mode).toBe(enforcing ? 'enforcement' : 'monitoring');
        expect(s.hooks.length).toBeGreaterThan(0);
        expect(s.calls.length).toBeGreaterThan(0);
      }
    },
  );
});
