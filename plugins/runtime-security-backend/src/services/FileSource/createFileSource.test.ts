import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { createSecurityAnalyzer } from '@periscope/backstage-plugin-runtime-security-common';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { corpusLines, relabel } from '../../__testUtils__/corpus';
import { createFindingsStore, FindingsStore } from '../FindingsStore';
import { createFileSource } from './createFileSource';

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
  return createFindingsStore(mockServices.database({ knex }));
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
    expect(await createFileSource(settings, deps).poll()).toBe(a.length);
    fs.appendFileSync(file, `${b[0].slice(30)}\n${b.slice(1).join('\n')}\n`);
    // a restarted backend: a new FileSource resumes at the stored offset
    expect(await createFileSource(settings, deps).poll()).toBe(b.length);
    expect(await total(store)).toBe(referenceTotal([...a, ...b]));

    // rotation: more lines land in the old file, it is renamed, a new file starts
    fs.appendFileSync(file, `${c.slice(0, 5).join('\n')}\n`);
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, `${c.slice(5).join('\n')}\n`);
    const src = createFileSource(settings, deps);
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
    expect(await createFileSource(settings, deps).poll()).toBe(6);
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
    const src = createFileSource(
      { id: 'file:none', path: path.join(dir, 'absent.log'), pollMs: 1000 },
      { store, logger: mockServices.logger.mock(), analyzer },
    );
    expect(await src.poll()).toBe(0);
    expect((await store.getSource('file:none'))?.error).toMatch(
      /does not exist: check runtimeSecurity.sources.files/,
    );
  });
});
