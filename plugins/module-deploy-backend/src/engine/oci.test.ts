import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  TIMONI_CONFIG_MEDIA_TYPE,
  TIMONI_CONTENT_MEDIA_TYPE,
  pullModule,
} from './oci';
import { unpackTarGz } from './tar';
import { createModuleEngine } from './engine';
import { cueForTests, timoniCorpus } from './testSupport';

interface Entry {
  name: string;
  type?: '0' | '1' | '2' | '5' | '3';
  body?: string;
  linkname?: string;
}

/** Builds a ustar archive byte by byte, so tests can craft malicious entries. */
function tar(entries: Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    const h = Buffer.alloc(512);
    h.write(e.name, 0, 100, 'utf8');
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write('00000000000\0', 136);
    h.write(e.type ?? '0', 156);
    if (e.linkname) h.write(e.linkname, 157, 100);
    h.write('ustar\0', 257);
    h.write('00', 263);
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

const digest = (b: Buffer) =>
  `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('unpackTarGz', () => {
  const dest = async () =>
    join(await mkdtemp(join(tmpdir(), 'unpack-')), 'out');

  it('unpacks files and directories', async () => {
    const d = await dest();
    const res = await unpackTarGz(
      tar([
        { name: 'cue.mod/', type: '5' },
        { name: 'cue.mod/module.cue', body: 'module: "x"' },
        { name: 'timoni.cue', body: 'package main' },
      ]),
      d,
    );
    expect(res.files).toBe(2);
    expect(await fs.readFile(join(d, 'cue.mod/module.cue'), 'utf8')).toBe(
      'module: "x"',
    );
  });

  it.each([
    [
      'a parent-directory path',
      [{ name: '../evil.cue', body: 'x' }],
      /escapes the target directory/,
    ],
    [
      'a nested parent-directory path',
      [{ name: 'a/../../evil', body: 'x' }],
      /escapes/,
    ],
    ['an absolute path', [{ name: '/etc/evil', body: 'x' }], /absolute path/],
    [
      'a symlink',
      [{ name: 'link', type: '2' as const, linkname: '/etc/passwd' }],
      /symlink/,
    ],
    [
      'a hardlink',
      [{ name: 'hard', type: '1' as const, linkname: '/etc/passwd' }],
      /hardlink/,
    ],
    ['a device', [{ name: 'dev', type: '3' as const }], /unsupported type/],
    [
      'a duplicate entry',
      [
        { name: 'a', body: '1' },
        { name: 'a', body: '2' },
      ],
      /appears twice/,
    ],
  ])('refuses %s', async (_l, entries, re) => {
    await expect(
      unpackTarGz(tar(entries as Entry[]), await dest()),
    ).rejects.toThrow(re);
  });

  it('refuses archives over the size and entry limits, and garbage', async () => {
    await expect(
      unpackTarGz(
        tar([{ name: 'big', body: 'x'.repeat(2048) }]),
        await dest(),
        { maxBytes: 1024 },
      ),
    ).rejects.toThrow(/exceeds/);
    await expect(
      unpackTarGz(
        tar([{ name: 'a' }, { name: 'b' }, { name: 'c' }]),
        await dest(),
        { maxEntries: 2 },
      ),
    ).rejects.toThrow(/more than 2 entries/);
    await expect(
      unpackTarGz(Buffer.from('not gzip'), await dest()),
    ).rejects.toThrow(/not a valid gzip/);
    const corrupt = tar([{ name: 'a', body: 'x' }]);
    const raw = require('node:zlib').gunzipSync(corrupt) as Buffer;
    raw[0] = 'z'.charCodeAt(0);
    await expect(unpackTarGz(gzipSync(raw), await dest())).rejects.toThrow(
      /checksum/,
    );
  });
});

describe('pullModule against a local OCI registry', () => {
  let server: Server;
  let host: string;
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, Buffer>();
  let requireToken = false;

  function publish(
    repoTag: string,
    layer: Buffer,
    opts: { mediaType?: string; lieAboutLayer?: boolean } = {},
  ) {
    const layerDigest = digest(layer);
    blobs.set(
      layerDigest,
      opts.lieAboutLayer ? Buffer.concat([layer, Buffer.from('x')]) : layer,
    );
    const config = Buffer.from('{}');
    blobs.set(digest(config), config);
    const m = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: opts.mediaType ?? TIMONI_CONFIG_MEDIA_TYPE,
          digest: digest(config),
          size: config.length,
        },
        layers: [
          {
            mediaType: TIMONI_CONTENT_MEDIA_TYPE,
            digest: layerDigest,
            size: layer.length,
          },
        ],
        annotations: { 'org.opencontainers.image.version': '1.0.0' },
      }),
    );
    manifests.set(repoTag, m);
    manifests.set(`${repoTag.split(':')[0]}:${digest(m)}`, m);
    return digest(m);
  }

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith('/token')) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ token: 'tok' }));
        return;
      }
      if (requireToken && req.headers.authorization !== 'Bearer tok') {
        res.statusCode = 401;
        res.setHeader(
          'www-authenticate',
          `Bearer realm="http://${host}/token",service="test",scope="repository:modules/app:pull"`,
        );
        res.end();
        return;
      }
      const m = /^\/v2\/(.+)\/(manifests|blobs)\/(.+)$/.exec(req.url ?? '');
      const body =
        m &&
        (m[2] === 'manifests'
          ? manifests.get(`${m[1]}:${decodeURIComponent(m[3])}`)
          : blobs.get(decodeURIComponent(m[3])));
      if (!body) {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.end(body);
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise(r => server.close(r)));

  const dest = async () =>
    join(await mkdtemp(join(tmpdir(), 'pull-')), 'module');
  const good = () =>
    tar([
      { name: 'cue.mod/module.cue', body: 'module: "timoni.sh/app"' },
      { name: 'values.cue', body: 'values: {}' },
    ]);

  it('pulls by tag, records the verified digest, unpacks the module', async () => {
    const d = publish('modules/app:1.0.0', good());
    const res = await pullModule(
      `oci://${host}/modules/app:1.0.0`,
      await dest(),
    );
    expect(res).toMatchObject({
      url: `oci://${host}/modules/app`,
      version: '1.0.0',
      digest: d,
    });
    expect(
      await fs.readFile(join(res.dir, 'cue.mod/module.cue'), 'utf8'),
    ).toContain('timoni.sh/app');
  });

  it('pulls by digest and gets a bearer token when challenged', async () => {
    const d = publish('modules/app:1.0.1', good());
    requireToken = true;
    try {
      const res = await pullModule(
        `oci://${host}/modules/app@${d}`,
        await dest(),
      );
      expect(res.digest).toBe(d);
      expect(res.version).toBe('1.0.0');
    } finally {
      requireToken = false;
    }
  });

  it('refuses a manifest whose digest differs from the pinned one', async () => {
    publish('modules/app:1.0.2', good());
    const other = `sha256:${'a'.repeat(64)}`;
    manifests.set(
      `modules/app:${other}`,
      manifests.get('modules/app:1.0.2') as Buffer,
    );
    await expect(
      pullModule(`oci://${host}/modules/app@${other}`, await dest()),
    ).rejects.toThrow(/manifest digest mismatch/);
  });

  it('refuses a layer whose content does not match its digest', async () => {
    publish('modules/app:1.0.3', good(), { lieAboutLayer: true });
    await expect(
      pullModule(`oci://${host}/modules/app:1.0.3`, await dest()),
    ).rejects.toThrow(/layer digest mismatch/);
  });

  it('refuses artifacts that are not Timoni modules, missing tags and bad archives', async () => {
    publish('modules/app:image', good(), {
      mediaType: 'application/vnd.oci.image.config.v1+json',
    });
    await expect(
      pullModule(`oci://${host}/modules/app:image`, await dest()),
    ).rejects.toThrow(/not a Timoni module/);
    await expect(
      pullModule(`oci://${host}/modules/app:nope`, await dest()),
    ).rejects.toThrow(/not found/);
    publish('modules/app:evil', tar([{ name: '../x', body: 'x' }]));
    await expect(
      pullModule(`oci://${host}/modules/app:evil`, await dest()),
    ).rejects.toThrow(/escapes/);
    await expect(pullModule('oci://nohost', await dest())).rejects.toThrow(
      /invalid OCI reference/,
    );
  });
});

const cue = cueForTests();
(cue ? describe : describe.skip)('engine.render of an oci:// module', () => {
  it('pulls, verifies and renders the minimal module, recording the digest', async () => {
    const root = timoniCorpus('modules', 'minimal');
    const entries: Entry[] = [];
    const walk = async (rel: string) => {
      for (const e of await fs.readdir(join(root, rel), {
        withFileTypes: true,
      })) {
        const p = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(p);
        else
          entries.push({
            name: p,
            body: await fs.readFile(join(root, p), 'utf8'),
          });
      }
    };
    await walk('');
    const layer = tar(entries);
    const config = Buffer.from('{}');
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        config: {
          mediaType: TIMONI_CONFIG_MEDIA_TYPE,
          digest: digest(config),
          size: config.length,
        },
        layers: [
          {
            mediaType: TIMONI_CONTENT_MEDIA_TYPE,
            digest: digest(layer),
            size: layer.length,
          },
        ],
      }),
    );
    const srv = createServer((req, res) => {
      const url = req.url ?? '';
      const routes: [string, Buffer][] = [
        ['/manifests/0.5.0', manifest],
        [digest(layer), layer],
        [digest(config), config],
      ];
      const body = routes.find(([suffix]) => url.endsWith(suffix))?.[1];
      res.statusCode = body ? 200 : 404;
      res.end(body);
    });
    await new Promise<void>(r => srv.listen(0, '127.0.0.1', r));
    try {
      const h = `127.0.0.1:${(srv.address() as AddressInfo).port}`;
      const engine = createModuleEngine({ cueBin: cue });
      const r = await engine.render({
        source: `oci://${h}/modules/minimal:0.5.0`,
        name: 'web',
        namespace: 'apps',
      });
      expect(r.module).toEqual({
        name: 'timoni.sh/minimal',
        repository: `oci://${h}/modules/minimal`,
        version: '0.5.0',
        digest: digest(manifest),
      });
      expect(r.objects[0].metadata.labels?.['app.kubernetes.io/version']).toBe(
        '0.5.0',
      );
      expect(r.objects).toHaveLength(4);
    } finally {
      await new Promise(r => srv.close(r));
    }
  });
});
