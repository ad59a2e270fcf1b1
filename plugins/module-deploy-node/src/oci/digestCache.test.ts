import { promises as fs } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModuleArtifact } from '../cue/modulePackage';
import { DigestCache } from './digestCache';
import { pullModule } from './pull';

describe('DigestCache', () => {
  it('keeps entries up to maxBytes, dropping the least recently used first', () => {
    const cache = new DigestCache(10);
    cache.set('a', Buffer.alloc(4));
    cache.set('b', Buffer.alloc(4));
    expect(cache.get('a')).toHaveLength(4); // a is now the most recent
    cache.set('c', Buffer.alloc(4)); // 12 bytes: b goes
    expect(
      [cache.get('a'), cache.get('b'), cache.get('c')].map(b => b?.length),
    ).toEqual([4, undefined, 4]);
    expect(cache.size).toEqual({ entries: 2, bytes: 8 });
    // larger than the whole cache: not kept, nothing evicted for it
    cache.set('huge', Buffer.alloc(11));
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.size.entries).toBe(2);
  });

  it('refuses a size that is not positive', () => {
    expect(() => new DigestCache(0)).toThrow(
      /maxBytes must be a positive number of bytes, got 0/,
    );
  });
});

/*
 * What a pull asks the registry for, with and without a cache: a registry stand-in that serves
 * one Timoni module artifact and counts the requests (a packaged registry cannot count them).
 */
describe('pullModule with a DigestCache', () => {
  let address = '';
  let requests: string[] = [];
  let close: () => Promise<unknown>;
  let art: Awaited<ReturnType<typeof buildModuleArtifact>>;

  beforeAll(async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'mod-')), 'm');
    await fs.mkdir(join(dir, 'cue.mod'), { recursive: true });
    await fs.writeFile(
      join(dir, 'cue.mod/module.cue'),
      'module: "timoni.sh/app"',
    );
    await fs.writeFile(join(dir, 'timoni.cue'), 'package main');
    art = await buildModuleArtifact(dir, { version: '1.0.0' });
    const blobs = new Map(
      [...art.layers, art.config].map(b => [b.digest, b.data]),
    );
    const srv = createServer((req, res) => {
      requests.push(req.url ?? '');
      const m = /\/(manifests|blobs)\/(.+)$/.exec(req.url ?? '');
      const body =
        m?.[1] === 'manifests'
          ? art.manifest
          : blobs.get(decodeURIComponent(m?.[2] ?? ''));
      res.statusCode = body ? 200 : 404;
      res.end(body);
    });
    await new Promise<void>(r => srv.listen(0, '127.0.0.1', r));
    address = `127.0.0.1:${(srv.address() as AddressInfo).port}`;
    close = () => new Promise(r => srv.close(r));
  });
  afterAll(() => close());
  beforeEach(() => {
    requests = [];
  });

  const dest = async () =>
    join(await mkdtemp(join(tmpdir(), 'pull-')), 'module');
  const kinds = () =>
    requests.map(u => (u.includes('/manifests/') ? 'manifest' : 'blob'));

  it('downloads a layer once: the next pull of the tag resolves the tag only', async () => {
    const cache = new DigestCache();
    const first = await pullModule(`oci://${address}/m:1.0.0`, await dest(), {
      cache,
    });
    expect(first.cached).toEqual({ manifest: false, layers: 0 });
    expect(kinds()).toEqual(['manifest', ...art.layers.map(() => 'blob')]);
    requests = [];
    const second = await pullModule(`oci://${address}/m:1.0.0`, await dest(), {
      cache,
    });
    expect(second.cached).toEqual({
      manifest: false,
      layers: art.layers.length,
    });
    expect(kinds()).toEqual(['manifest']);
    // the same files, from the cached layer
    expect(await readFile(join(second.dir, 'timoni.cue'), 'utf8')).toBe(
      'package main',
    );
    expect(second.digest).toBe(first.digest);
  });

  it('pulls a digest it has seen without asking the registry at all', async () => {
    const cache = new DigestCache();
    await pullModule(`oci://${address}/m@${art.digest}`, await dest(), {
      cache,
    });
    requests = [];
    const again = await pullModule(
      `oci://${address}/m@${art.digest}`,
      await dest(),
      { cache },
    );
    expect(again.cached).toEqual({ manifest: true, layers: art.layers.length });
    expect(requests).toEqual([]);
  });

  it('without a cache downloads everything every time', async () => {
    await pullModule(`oci://${address}/m:1.0.0`, await dest());
    await pullModule(`oci://${address}/m:1.0.0`, await dest(), {
      cache: false,
    });
    expect(kinds().filter(k => k === 'blob')).toHaveLength(
      2 * art.layers.length,
    );
  });
});
