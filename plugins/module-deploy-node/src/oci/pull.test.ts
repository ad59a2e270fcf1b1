import { promises as fs } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildModuleArtifact } from '../cue/modulePackage';
import { pullModule } from './pull';
import { pushModule } from './push';
import {
  OCI_MANIFEST_MEDIA_TYPE,
  TIMONI_CONFIG_MEDIA_TYPE,
  TIMONI_CONTENT_MEDIA_TYPE,
  sha256Digest,
} from './types';
import { createRegistryClient } from './registryClient';
import { unpackTarGz } from './tar';
import { createModuleEngine } from '../engine';
import {
  TIMONI_CORPUS,
  cueForTests,
  timoniCorpus,
} from '../__testUtils__/environment';
import { describeIf } from '@periscope/test-utils';

interface Entry {
  name: string;
  type?: '0' | '1' | '2' | '5' | '3' | '6' | 'x' | 'L';
  body?: string;
  linkname?: string;
  /** Octal permission bits, 7 digits (default 0000644). */
  mode?: string;
}

/** Builds a ustar archive byte by byte, so tests can craft malicious entries. */
function tar(entries: Entry[]): Buffer {
  return gzipSync(rawTar(entries));
}

/** A PAX extended header body setting `path`. */
function paxPath(path: string): string {
  const rest = ` path=${path}\n`;
  let len = rest.length + 1;
  while (String(len).length + rest.length !== len)
    len = String(len).length + rest.length;
  return `${len}${rest}`;
}

function rawTar(entries: Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    const h = Buffer.alloc(512);
    h.write(e.name, 0, 100, 'utf8');
    h.write(`${e.mode ?? '0000644'}\0`, 100);
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
  return Buffer.concat(blocks);
}

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

  it.each([
    [
      'a PAX path that escapes',
      [
        {
          name: 'PaxHeaders/x',
          type: 'x' as const,
          body: paxPath(
            `${'d/'.repeat(
              60,
            )}../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../evil`,
          ),
        },
        { name: 'innocent', body: 'x' },
      ],
      /entry 'd\/d\/.*\/evil' escapes the target directory \('\.\.'\)/,
    ],
    [
      'a GNU long name that escapes',
      [
        { name: '././@LongLink', type: 'L' as const, body: '../../gnu-evil' },
        { name: 'innocent', body: 'x' },
      ],
      /entry '\.\.\/\.\.\/gnu-evil' escapes the target directory/,
    ],
    [
      'a symlink inside a directory',
      [
        { name: 'dir/', type: '5' as const },
        { name: 'dir/link', type: '2' as const, linkname: '../..' },
      ],
      /entry 'dir\/link' is a symlink; links are not allowed in modules/,
    ],
    [
      'a FIFO',
      [{ name: 'fifo', type: '6' as const }],
      /entry 'fifo' has unsupported type '6'/,
    ],
  ])('refuses %s, however the name is given', async (_l, entries, re) => {
    const d = await dest();
    await expect(unpackTarGz(tar(entries as Entry[]), d)).rejects.toThrow(re);
    await expect(fs.readdir(join(d, '..'))).resolves.toEqual(['out']);
  });

  it('refuses truncated and corrupt archives and decompression bombs', async () => {
    const raw = rawTar([{ name: 'a', body: 'x'.repeat(4000) }]);
    await expect(
      unpackTarGz(gzipSync(raw.subarray(0, 1024)), await dest()),
    ).rejects.toThrow(
      /refusing module archive: corrupt tar archive \(.*Truncated input/,
    );
    await expect(
      unpackTarGz(
        tar([{ name: 'a', body: 'x' }]).subarray(0, 30),
        await dest(),
      ),
    ).rejects.toThrow(
      /not a valid gzip stream or larger than the limit \(unexpected end of file\)/,
    );
    await expect(
      unpackTarGz(gzipSync(Buffer.from('plain text, not a tar')), await dest()),
    ).rejects.toThrow(/corrupt tar archive/);
    await expect(
      unpackTarGz(gzipSync(Buffer.alloc(32 * 1024 * 1024)), await dest(), {
        maxBytes: 1024,
        maxEntries: 10,
      }),
    ).rejects.toThrow(
      /not a valid gzip stream or larger than the limit \(more than \d+ bytes uncompressed\)/,
    );
  });

  it("writes files with the module's permissions and never through a link already in the target", async () => {
    const d = await dest();
    await unpackTarGz(
      tar([
        { name: 'bin/', type: '5' },
        { name: 'bin/run.sh', body: '#!/bin/sh', mode: '0004755' },
      ]),
      d,
    );
    expect((await fs.stat(join(d, 'bin/run.sh'))).mode & 0o777).toBe(0o644);
    const outside = await mkdtemp(join(tmpdir(), 'outside-'));
    const d2 = await dest();
    await fs.mkdir(d2, { recursive: true });
    await fs.symlink(outside, join(d2, 'templates'));
    await expect(
      unpackTarGz(tar([{ name: 'templates/x.cue', body: 'x' }]), d2),
    ).rejects.toThrow(
      "refusing module archive: entry 'templates/x.cue' escapes the target directory (through a symbolic link in it)",
    );
    await expect(fs.readdir(outside)).resolves.toEqual([]);
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

/*
 * Everything below runs against a real OCI registry: Debian's docker-registry (the CNCF
 * distribution registry), started on loopback by scripts/lib/registry.sh, which exports
 * PERISCOPE_REGISTRY_URL, PERISCOPE_REGISTRY_STORAGE (its filesystem storage, where the
 * tampering tests corrupt stored blobs) and, for basic auth, PERISCOPE_REGISTRY_AUTH_URL and
 * PERISCOPE_REGISTRY_AUTH_CREDENTIALS.
 */
jest.setTimeout(120_000);

const REGISTRY = process.env.PERISCOPE_REGISTRY_URL;
const STORAGE = process.env.PERISCOPE_REGISTRY_STORAGE;
const AUTH_REGISTRY = process.env.PERISCOPE_REGISTRY_AUTH_URL;
const AUTH_CREDS = process.env.PERISCOPE_REGISTRY_AUTH_CREDENTIALS;
const hostOf = (url: string) =>
  url.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
const withRegistry = describeIf({ registry: REGISTRY });
const withStorage = describeIf({
  registry: REGISTRY,
  registryStorage: STORAGE,
});
const run = Date.now().toString(36);
const minimal = timoniCorpus('modules', 'minimal');
const dest = async () => join(await mkdtemp(join(tmpdir(), 'pull-')), 'module');

/** Where the registry's filesystem driver keeps a blob. */
function storedBlob(digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return join(
    STORAGE as string,
    'docker/registry/v2/blobs/sha256',
    hex.slice(0, 2),
    hex,
    'data',
  );
}

/** A copy of the minimal module with one unique file, so that its module layer is unique. */
async function uniqueModule(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'mod-')), 'minimal');
  await fs.cp(minimal, dir, { recursive: true });
  await fs.chmod(dir, 0o755);
  await fs.writeFile(join(dir, 'unique.txt'), `${Date.now()} ${Math.random()}`);
  return dir;
}

/** Uploads raw blobs and a manifest with the plain distribution API (crafted artifacts). */
async function putRaw(
  repo: string,
  tag: string,
  layer: Buffer,
  configMediaType = TIMONI_CONFIG_MEDIA_TYPE,
): Promise<void> {
  const client = createRegistryClient(
    hostOf(REGISTRY!),
    repo,
    {},
    'test upload',
  );
  const config = Buffer.from('{}');
  for (const b of [layer, config]) {
    const start = await client.send({
      method: 'POST',
      path: '/blobs/uploads/',
    });
    const loc = start.headers.get('location') as string;
    await client.send({
      method: 'PUT',
      path: `${loc}${loc.includes('?') ? '&' : '?'}digest=${sha256Digest(b)}`,
      body: b,
    });
  }
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST_MEDIA_TYPE,
    config: {
      mediaType: configMediaType,
      size: config.length,
      digest: sha256Digest(config),
    },
    layers: [
      {
        mediaType: TIMONI_CONTENT_MEDIA_TYPE,
        size: layer.length,
        digest: sha256Digest(layer),
      },
    ],
  };
  await client.send({
    method: 'PUT',
    path: `/manifests/${tag}`,
    headers: { 'Content-Type': OCI_MANIFEST_MEDIA_TYPE },
    body: Buffer.from(JSON.stringify(manifest)),
  });
}

async function listFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(join(root, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(root, p)));
    else out.push(p);
  }
  return out.sort();
}

withRegistry('push and pull through a real OCI registry', () => {
  const host = () => hostOf(REGISTRY!);
  const repo = () => `oci://${host()}/periscope-h4-${run}/minimal`;
  let pushed: Awaited<ReturnType<typeof pushModule>>;

  beforeAll(async () => {
    pushed = await pushModule(minimal, repo(), {
      version: '0.5.0',
      latest: true,
    });
  });

  it('pushes Timoni’s artifact: version tag and latest point at one manifest', async () => {
    expect(pushed).toMatchObject({
      repository: repo(),
      version: '0.5.0',
      url: `${repo()}@${pushed.digest}`,
      tags: ['0.5.0', 'latest'],
    });
    const client = createRegistryClient(
      host(),
      `periscope-h4-${run}/minimal`,
      {},
      'test',
    );
    for (const tag of ['0.5.0', 'latest', pushed.digest]) {
      const { body, headers } = await client.get(
        `/manifests/${tag}`,
        OCI_MANIFEST_MEDIA_TYPE,
      );
      expect(sha256Digest(body)).toBe(pushed.digest);
      expect(headers.get('docker-content-digest')).toBe(pushed.digest);
    }
    const tags = JSON.parse(
      (await client.get('/tags/list')).body.toString(),
    ) as { tags: string[] };
    expect(tags.tags.sort()).toEqual(['0.5.0', 'latest']);
  });

  it('pulls by tag and by digest the same files as the module directory', async () => {
    const byTag = await pullModule(`${repo()}:0.5.0`, await dest());
    const byDigest = await pullModule(
      `${repo()}@${pushed.digest}`,
      await dest(),
    );
    expect(byTag).toMatchObject({ version: '0.5.0', digest: pushed.digest });
    expect(byDigest).toMatchObject({ version: '0.5.0', digest: pushed.digest });
    const want = await listFiles(minimal);
    expect(await listFiles(byTag.dir)).toEqual(want);
    expect(await listFiles(byDigest.dir)).toEqual(want);
    for (const f of want)
      expect(await fs.readFile(join(byDigest.dir, f), 'utf8')).toBe(
        await fs.readFile(join(minimal, f), 'utf8'),
      );
  });

  it('uploads in PATCH chunks too, to the same digest', async () => {
    const chunked = await pushModule(
      minimal,
      `oci://${host()}/periscope-h4-${run}/chunked`,
      { version: '0.5.0', chunkSize: 4096 },
    );
    expect(chunked.digest).toBe(pushed.digest);
    const res = await pullModule(
      `oci://${host()}/periscope-h4-${run}/chunked@${chunked.digest}`,
      await dest(),
    );
    expect(await listFiles(res.dir)).toEqual(await listFiles(minimal));
  });

  it('refuses a digest the registry does not have, and a missing tag', async () => {
    await expect(
      pullModule(`${repo()}@sha256:${'0'.repeat(64)}`, await dest()),
    ).rejects.toThrow(/not found in the registry/);
    await expect(pullModule(`${repo()}:9.9.9`, await dest())).rejects.toThrow(
      /not found in the registry/,
    );
  });

  withStorage('a registry whose storage was tampered with', () => {
    const pushUnique = async (name: string) =>
      pushModule(
        await uniqueModule(),
        `oci://${host()}/periscope-h4-${run}/${name}`,
        { version: '1.0.0' },
      );

    it('refuses a stored layer that was tampered with', async () => {
      const p = await pushUnique('tampered');
      const manifest = JSON.parse(
        await fs.readFile(storedBlob(p.digest), 'utf8'),
      ) as { layers: { digest: string }[] };
      const file = storedBlob(manifest.layers[1].digest);
      const data = await fs.readFile(file);
      data[data.length - 10] ^= 0xff;
      await fs.writeFile(file, data);
      await expect(
        pullModule(`${p.repository}:1.0.0`, await dest()),
      ).rejects.toThrow(/layer digest mismatch .*refusing it/);
    });

    it('refuses a stored manifest that was tampered with, by tag and by digest', async () => {
      const p = await pushUnique('tampered-manifest');
      const file = storedBlob(p.digest);
      const text = await fs.readFile(file, 'utf8');
      await fs.writeFile(
        file,
        text.replace(
          '"org.opencontainers.image.version":"1.0.0"',
          '"org.opencontainers.image.version":"6.6.6"',
        ),
      );
      await expect(
        pullModule(`${p.repository}:1.0.0`, await dest()),
      ).rejects.toThrow(/manifest digest mismatch: header says/);
      await expect(pullModule(p.url, await dest())).rejects.toThrow(
        /manifest digest mismatch: the registry served/,
      );
    });
  });

  it('refuses artifacts that are not Timoni modules and unsafe archives', async () => {
    const layer = tar([{ name: 'values.cue', body: 'values: {}' }]);
    await putRaw(
      `periscope-h4-${run}/image`,
      '1.0.0',
      layer,
      'application/vnd.oci.image.config.v1+json',
    );
    await expect(
      pullModule(
        `oci://${host()}/periscope-h4-${run}/image:1.0.0`,
        await dest(),
      ),
    ).rejects.toThrow(/not a Timoni module/);
    await putRaw(
      `periscope-h4-${run}/evil`,
      '1.0.0',
      tar([{ name: '../x', body: 'x' }]),
    );
    await expect(
      pullModule(
        `oci://${host()}/periscope-h4-${run}/evil:1.0.0`,
        await dest(),
      ),
    ).rejects.toThrow(/escapes/);
  });

  it("reports the registry's own error for a refused manifest", async () => {
    const client = createRegistryClient(
      host(),
      `periscope-h4-${run}/broken`,
      {},
      'pushing broken',
    );
    const missing = `sha256:${'1'.repeat(64)}`;
    await expect(
      client.send({
        method: 'PUT',
        path: '/manifests/1.0.0',
        headers: { 'Content-Type': OCI_MANIFEST_MEDIA_TYPE },
        body: Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: OCI_MANIFEST_MEDIA_TYPE,
            config: {
              mediaType: TIMONI_CONFIG_MEDIA_TYPE,
              size: 2,
              digest: missing,
            },
            layers: [],
          }),
        ),
      }),
    ).rejects.toThrow(
      /pushing broken: registry answered HTTP 400 for PUT \/manifests\/1.0.0: MANIFEST_BLOB_UNKNOWN/,
    );
  });

  it('refuses bad push targets and an unreachable registry', async () => {
    await expect(
      pushModule(minimal, `${repo()}:1.0.0`, { version: '1.0.0' }),
    ).rejects.toThrow(/without a tag or digest; the version gives the tag/);
    await expect(
      pushModule(minimal, repo(), { version: 'v1' }),
    ).rejects.toThrow(/module version 'v1' is not valid/);
    await expect(
      pushModule(minimal, 'oci://127.0.0.1:9/periscope/minimal', {
        version: '1.0.0',
      }),
    ).rejects.toThrow(/cannot reach the registry at http:\/\/127.0.0.1:9/);
  });
});

describeIf({ registryAuth: AUTH_REGISTRY && AUTH_CREDS })(
  'a real registry with basic auth (htpasswd)',
  () => {
    const repo = () =>
      `oci://${hostOf(AUTH_REGISTRY!)}/periscope-h4-${run}/private`;

    it('refuses a push without credentials and with wrong ones, saying what to do', async () => {
      const host = hostOf(AUTH_REGISTRY!);
      await expect(
        pushModule(minimal, repo(), { version: '1.0.0' }),
      ).rejects.toThrow(
        `the registry ${host} requires authentication (Basic); give credentials for ${host}`,
      );
      await expect(
        pushModule(minimal, repo(), {
          version: '1.0.0',
          credentials: 'periscope:wrong',
        }),
      ).rejects.toThrow(/refused the given credentials \(HTTP 401\)/);
      await expect(
        pushModule(minimal, repo(), {
          version: '1.0.0',
          registries: [{ host, username: 'periscope', password: 'wrong' }],
        }),
      ).rejects.toThrow(
        `the registry ${host} refused the username and password of registries entry '${host}' (HTTP 401); check user and password`,
      );
    });

    it('uses the registries entry of its host only', async () => {
      const host = hostOf(AUTH_REGISTRY!);
      const [username, password] = AUTH_CREDS!.split(/:(.*)/s);
      const p = await pushModule(minimal, repo(), {
        version: '1.0.1',
        registries: [
          { host: hostOf(REGISTRY!), username: 'someone', password: 'else' },
          { host, username, password },
        ],
      });
      const res = await pullModule(p.url, await dest(), {
        registries: [{ host, username, password }],
      });
      expect(res.digest).toBe(p.digest);
      // the entry of another host is not sent here, nor the legacy single credentials
      await expect(
        pullModule(p.url, await dest(), {
          registries: [{ host: 'other.example', username, password }],
          credentials: AUTH_CREDS,
        }),
      ).rejects.toThrow(`the registry ${host} requires authentication (Basic)`);
    });

    it('pushes and pulls with the right credentials', async () => {
      const p = await pushModule(minimal, repo(), {
        version: '1.0.0',
        credentials: AUTH_CREDS,
      });
      await expect(pullModule(p.url, await dest())).rejects.toThrow(
        /requires authentication/,
      );
      const res = await pullModule(p.url, await dest(), {
        credentials: AUTH_CREDS,
      });
      expect(res.digest).toBe(p.digest);
    });
  },
);

/*
 * Bearer-token registries (Docker Hub, GHCR, Harbor) need a token server that signs JWTs;
 * no packaged registry here ships one, so this flow keeps a small stand-in server.
 */
describe('pullModule through a bearer-token challenge (stand-in token server)', () => {
  it('gets a token, then pulls', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'mod-')), 'm');
    await fs.mkdir(join(dir, 'cue.mod'), { recursive: true });
    await fs.writeFile(
      join(dir, 'cue.mod/module.cue'),
      'module: "timoni.sh/app"',
    );
    const art = await buildModuleArtifact(dir, { version: '1.0.0' });
    const blobs = new Map(
      [...art.layers, art.config].map(b => [b.digest, b.data]),
    );
    let address = '';
    const srv = createServer((req, res) => {
      if (req.url?.startsWith('/token')) {
        res.end(JSON.stringify({ token: 'tok' }));
        return;
      }
      if (req.headers.authorization !== 'Bearer tok') {
        res.statusCode = 401;
        res.setHeader(
          'www-authenticate',
          `Bearer realm="http://${address}/token",service="t",scope="repository:m:pull"`,
        );
        res.end();
        return;
      }
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
    try {
      const res = await pullModule(
        `oci://${address}/m@${art.digest}`,
        await dest(),
      );
      expect(res).toMatchObject({ digest: art.digest, version: '1.0.0' });
      expect(await listFiles(res.dir)).toEqual(['cue.mod/module.cue']);
    } finally {
      await new Promise(r => srv.close(r));
    }
  });
});

const cue = cueForTests();
describeIf({ cue, registry: REGISTRY, corpora: TIMONI_CORPUS })(
  'engine.render of a module pushed to the real registry',
  () => {
    it('renders by tag and by digest exactly what the local directory renders', async () => {
      const repo = `oci://${hostOf(REGISTRY!)}/periscope-h4-${run}/render`;
      const p = await pushModule(minimal, repo, { version: '0.5.0' });
      const engine = createModuleEngine({ cueBin: cue });
      const spec = { name: 'web', namespace: 'apps' };
      const local = await engine.render({
        ...spec,
        source: minimal,
        moduleVersion: '0.5.0',
      });
      const byTag = await engine.render({ ...spec, source: `${repo}:0.5.0` });
      const byDigest = await engine.render({ ...spec, source: p.url });
      for (const r of [byTag, byDigest]) {
        expect(r.module).toEqual({
          name: 'timoni.sh/minimal',
          repository: repo,
          version: '0.5.0',
          digest: p.digest,
        });
        expect(r.objects).toEqual(local.objects);
      }
      expect(local.objects).toHaveLength(4);
    });
  },
);
